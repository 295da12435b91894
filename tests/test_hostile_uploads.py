"""Hostile files through every upload and import: wide, tall and packed spreadsheets, gzip
bombs, absurd sizes, deep JSON, huge fields, NUL bytes and wrong encodings.

Each gives a clear error that names the row and column or the limit, stores nothing, and
costs bounded memory: the parse runs in a fresh process whose peak resident memory is
measured (the resident memory after start-up and reading the file, against the peak
after the parse). A
hostile file of about 1 MB may cost at most 100 MB."""

from __future__ import annotations

import contextlib
import gzip
import io
import json
import os
import re
import stat
import subprocess
import sys
import zipfile
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import hostile
from samverkan.core.tabular import Limits, TableError, read_table
from samverkan.matching import localfiles, uploads

MEMORY_LIMIT_MB = 100
ALIASES = {"adress": "address", "kommun": "municipality"}
REQUIRED = ("address", "municipality")

_MEASURE = r"""
import json, sys
from datetime import date
from samverkan.core import tabular
from samverkan.matching import uploads
import openpyxl.reader.excel, openpyxl.worksheet._read_only  # loaded before the baseline

kind, path = sys.argv[1], sys.argv[2]
data = open(path, "rb").read()

def status_mb(field):
    # VmHWM is the peak resident memory of this process image. (ru_maxrss would do, but on
    # Linux it carries the parent's peak across fork and exec: the test runner's.)
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(field)

before = status_mb("VmRSS")
try:
    if kind == "encodings":
        uploads.parse(data, period_start=date(2026, 1, 1), period_end=date(2026, 1, 31))
        outcome = "parsed"
    else:
        rows = tabular.read_table(
            data, path, aliases={"adress": "address", "kommun": "municipality"},
            required=("address", "municipality"),
        )
        outcome = f"{len(rows)} rows"
except (tabular.TableError, uploads.UploadError) as error:
    outcome = str(error)
print(json.dumps({"mb": status_mb("VmHWM") - before, "outcome": outcome}))
"""


def measure(path: Path, kind: str = "table") -> tuple[float, str]:
    """Peak extra memory (MB) of parsing ``path`` in a fresh process, and the outcome."""
    done = subprocess.run(  # noqa: S603 - this interpreter, a fixed script
        [sys.executable, "-c", _MEASURE, kind, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    return float(result["mb"]), str(result["outcome"])


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


# --- Spreadsheets: bounded memory ---------------------------------------------------------


def test_wide_xlsx_with_cells_in_column_xfd(tmp_path: Path) -> None:
    """The reported file: 10,000 rows of one cell in XFD (16,384 columns each once read)."""
    data = hostile.wide_xlsx(10_000)
    assert len(data) < 100_000
    mb, outcome = measure(_write(tmp_path, "wide.xlsx", data))
    print(f"wide XLSX {len(data) // 1024} KB: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB
    assert outcome == "0 rows", "cells outside the header's columns are not read"


def test_wide_header_is_refused_naming_the_limit(tmp_path: Path) -> None:
    mb, outcome = measure(_write(tmp_path, "wide-header.xlsx", hostile.wide_header_xlsx()))
    print(f"wide header: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB
    assert outcome == "Rubrikraden har fler än 200 kolumner."


def test_tall_xlsx_is_refused_before_it_is_read(tmp_path: Path) -> None:
    data = hostile.tall_xlsx(215_000)
    mb, outcome = measure(_write(tmp_path, "tall.xlsx", data))
    print(f"tall XLSX {len(data) // 1024} KB: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB
    assert outcome == "Filen har fler än 200000 rader."


def test_tall_xlsx_stops_at_the_row_limit_while_reading() -> None:
    """Under the scan's margin, the reader itself stops at the limit."""
    with pytest.raises(TableError, match="fler än 1000 rader"):
        read_table(
            hostile.tall_xlsx(1_005),
            "tall.xlsx",
            aliases=ALIASES,
            required=REQUIRED,
            limits=Limits(rows=1_000),
        )


def test_a_row_numbered_a_billion_does_not_make_a_billion_rows(tmp_path: Path) -> None:
    mb, outcome = measure(_write(tmp_path, "far.xlsx", hostile.far_row_xlsx()))
    print(f"row numbered a billion: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB
    assert outcome == "Filen har fler än 200000 rader."


def test_zip_bomb_xlsx_is_refused_before_it_is_unpacked(tmp_path: Path) -> None:
    data = hostile.bomb_xlsx(200)
    sheet = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    assert sheet.file_size > 200 * 1024 * 1024 and len(data) < 1024 * 1024
    mb, outcome = measure(_write(tmp_path, "bomb.xlsx", data))
    print(
        f"zip bomb XLSX {len(data) // 1024} KB ({sheet.file_size >> 20} MB unpacked): {mb:.1f} MB"
    )
    assert mb < MEMORY_LIMIT_MB
    assert "packad mer än 50 gånger" in outcome and "sheet1.xml" in outcome


def test_shared_strings_packed_as_hard_as_allowed(tmp_path: Path) -> None:
    """The costliest XLSX part per byte: each shared string is kept (about 100 bytes)."""
    data = hostile.strings_xlsx()
    mb, outcome = measure(_write(tmp_path, "strings.xlsx", data))
    print(f"shared strings at the packing limit, {len(data) // 1024} KB: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB and outcome.startswith(("Filen", "Excel"))
    harder = hostile.strings_xlsx(ratio=30)
    with pytest.raises(TableError, match="packad mer än 10 gånger"):
        read_table(harder, "x.xlsx", aliases=ALIASES, required=REQUIRED)


def test_a_row_with_more_cells_than_excel_has_columns() -> None:
    row = '<row r="2">' + "<c><v>1</v></c>" * 20_000 + "</row>"
    data = hostile.xlsx([hostile.row_xml(1, hostile.HEADER), row])
    with pytest.raises(TableError, match="Rad 2 har fler celler än Excel har kolumner"):
        read_table(data, "x.xlsx", aliases=ALIASES, required=REQUIRED)


def test_xml_with_entities_is_refused() -> None:
    laughs = '<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    data = hostile.xlsx([laughs + hostile.row_xml(1, [(1, "&b;"), (2, "kommun")])])
    with pytest.raises(TableError, match="DTD"):
        read_table(data, "x.xlsx", aliases=ALIASES, required=REQUIRED)


def test_huge_cell_is_named_by_row_and_column() -> None:
    data = hostile.xlsx(
        [
            hostile.row_xml(1, [(1, "Adress"), (2, "Kommun")]),
            hostile.row_xml(2, [(1, "x" * 2_000_000), (2, "Linköping")]),
        ]
    )
    with pytest.raises(TableError) as error:
        read_table(data, "x.xlsx", aliases=ALIASES, required=REQUIRED)
    assert str(error.value) == "Rad 2, kolumn ”Adress”: högst 10000 tecken (2000000)."


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"adress;kommun\nx;y\n", "Filen är inte en Excel-fil (.xlsx)."),
        (b"PK\x03\x04" + b"\x00" * 100, "Filen är inte en Excel-fil (.xlsx)."),
        (hostile.xlsx([])[:-30], "Filen är inte en Excel-fil (.xlsx)."),
        (hostile.xlsx([]), "Rubrikraden (rad 1) är tom."),
    ],
)
def test_what_is_not_an_xlsx_file(data: bytes, message: str) -> None:
    with pytest.raises(TableError) as error:
        read_table(data, "x.xlsx", aliases=ALIASES, required=REQUIRED)
    assert str(error.value) == message


_VALID_XLSX = hostile.xlsx(
    [hostile.row_xml(1, hostile.HEADER), hostile.row_xml(2, [(1, "Storgatan 1"), (2, "L")])],
    level=1,
)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.tuples(st.integers(0, len(_VALID_XLSX) - 1), st.integers(0, 255)), max_size=6))
def test_damaged_xlsx_is_a_table_error_or_rows(changes: list[tuple[int, int]]) -> None:
    data = bytearray(_VALID_XLSX)
    for position, value in changes:
        data[position] = value
    with contextlib.suppress(TableError):
        read_table(bytes(data), "x.xlsx", aliases=ALIASES, required=REQUIRED)


# --- CSV --------------------------------------------------------------------------------


def test_tall_csv(tmp_path: Path) -> None:
    data = hostile.tall_csv(110_000)
    assert len(data) < 1_300_000
    mb, outcome = measure(_write(tmp_path, "tall.csv", data))
    print(f"tall CSV {len(data) // 1024} KB (within the limit, read whole): {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB and outcome == "110000 rows"
    with pytest.raises(TableError, match="fler än 200000 rader"):
        read_table(hostile.tall_csv(200_001), "t.csv", aliases=ALIASES, required=REQUIRED)


def test_csv_with_a_huge_field(tmp_path: Path) -> None:
    data = b"adress;kommun\n" + b"x" * 1_000_000 + b";y\n"
    mb, outcome = measure(_write(tmp_path, "field.csv", data))
    print(f"one 1 MB CSV field: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB
    assert outcome.startswith("Filen är inte giltig CSV (rad 2)") and "field limit" in outcome
    with pytest.raises(TableError) as error:
        read_table(
            b"adress;kommun\n" + b"x" * 20_000 + b";y\n",
            "f.csv",
            aliases=ALIASES,
            required=REQUIRED,
        )
    assert str(error.value) == "Rad 2, kolumn ”adress”: högst 10000 tecken (20000)."


def test_csv_with_a_million_separators(tmp_path: Path) -> None:
    mb, outcome = measure(_write(tmp_path, "sep.csv", b";" * 1_000_000 + b"\n"))
    print(f"a million separators: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB and outcome == "Rubrikraden (rad 1) är tom."
    with pytest.raises(TableError, match="fler än 200 kolumner"):
        read_table(";".join(f"k{i}" for i in range(300)).encode(), "h.csv", aliases={}, required=())


def test_nul_bytes_are_named_by_row_and_column() -> None:
    with pytest.raises(TableError) as error:
        read_table(
            "Adress;Kommun\nStorg\x00atan 1;Linköping\n".encode(),
            "n.csv",
            aliases=ALIASES,
            required=REQUIRED,
        )
    assert str(error.value) == "Rad 2, kolumn ”Adress”: innehåller ett otillåtet tecken (NUL)."


def test_encodings() -> None:
    text = "adress;kommun\nÅgatan 1;Linköping\n"
    for data in (
        text.encode("utf-8"),
        text.encode("utf-8-sig"),
        text.encode("cp1252"),
        text.encode("utf-16"),
        text.replace(";", "\t").encode("utf-16"),  # Excel's "Unicode text"
    ):
        rows = read_table(data, "e.csv", aliases=ALIASES, required=REQUIRED)
        assert dict(rows[0].values) == {"address": "Ågatan 1", "municipality": "Linköping"}
    for data in (b"\xff\xfe\x00\xd8", b"\x81\x8d\x8f\x90\x9d"):
        with pytest.raises(TableError, match="kunde inte läsas"):
            read_table(data, "e.csv", aliases=ALIASES, required=REQUIRED)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=2_000))
def test_any_bytes_are_rows_or_a_table_error(data: bytes) -> None:
    for name in ("x.csv", "x.xlsx", "x.txt"):
        try:
            rows = read_table(data, name, aliases=ALIASES, required=())
        except TableError as error:
            assert error.problems and all(str(p) for p in error.problems)
        else:
            assert all(
                row.number >= 2 and "\x00" not in "".join(row.values.values()) for row in rows
            )


@settings(max_examples=200, deadline=None)
@given(st.lists(st.lists(st.text(max_size=30), max_size=6), max_size=12))
def test_any_csv_text_is_rows_or_a_table_error(table: list[list[str]]) -> None:
    data = "\n".join(";".join(cells) for cells in [["adress", "kommun"], *table]).encode()
    try:
        read_table(data, "t.csv", aliases=ALIASES, required=REQUIRED)
    except TableError as error:
        assert error.problems


# --- Encoded files for matching -----------------------------------------------------------

PERIOD = {"period_start": date(2026, 1, 1), "period_end": date(2026, 1, 31)}


def test_gzip_bomb_is_refused_after_a_few_megabytes(tmp_path: Path) -> None:
    path = hostile.gzip_zeros(300, tmp_path / "zeros.json.gz")
    size = path.stat().st_size
    assert size < 400_000
    mb, outcome = measure(path, "encodings")
    print(f"gzip bomb {size // 1024} KB (300 MB unpacked): {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB
    assert "packas upp till mer än 20 gånger" in outcome
    padded = hostile.gzip_json_padding(300, tmp_path / "padded.json.gz")
    mb, outcome = measure(padded, "encodings")
    print(f"gzip of JSON and 300 MB of spaces: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB and "packas upp till mer än 20 gånger" in outcome


def test_unpacked_size_limit_is_named() -> None:
    document = json.dumps({"format": localfiles.FORMAT, "records": [], "pad": "x" * 3_000_000})
    packed = gzip.compress(document.encode())  # random-free but not bomb-like: ratio < 20?
    for data in (document.encode(), packed):
        with pytest.raises(uploads.UploadError) as error:
            uploads.parse(data, max_bytes=2 * 1024 * 1024, **PERIOD)
        assert (
            error.value.errors[0]
            in (
                "Filen är större än 2 MB.",
                "Filen packas upp till mer än 2 MB.",
            )
            or "20 gånger" in error.value.errors[0]
        )


def _document(**fields: Any) -> bytes:
    base: dict[str, Any] = {
        "format": localfiles.FORMAT,
        "schema_fingerprint": "ab" * 16,
        "records": [{"ref": "ab" * 8, "clk": "AA" * 86}],
    }
    return json.dumps({**base, **fields}).encode()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"clk_bits": 8 * 2**37}, "Fältet clk_bits ska vara ett antal bitar delbart med 8"),
        ({"clk_bits": 12}, "Fältet clk_bits"),
        ({"clk_bits": 1001}, "Fältet clk_bits"),
        ({"clk_bits": "1024"}, "Fältet clk_bits"),
        ({"invalid_rows": 2**40}, "Fältet invalid_rows ska vara ett heltal från 0 till"),
        ({"count": 2**40}, "Fältet count"),
        ({"count": [[[[1]]]]}, "Fältet count"),
    ],
)
def test_size_fields_have_sane_bounds(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(uploads.UploadError) as error:
        uploads.parse(_document(**fields), **PERIOD)
    assert any(e.startswith(message) for e in error.value.errors), error.value.errors


def test_huge_clk_bits_costs_nothing(tmp_path: Path) -> None:
    mb, outcome = measure(_write(tmp_path, "bits.json", _document(clk_bits=8 * 2**37)), "encodings")
    assert mb < 10 and "clk_bits" in outcome


def test_deep_json_in_the_upload(tmp_path: Path) -> None:
    data = hostile.deep_json(500_000).encode()
    mb, outcome = measure(_write(tmp_path, "deep.json", data), "encodings")
    print(f"deep JSON {len(data) // 1024} KB: {mb:.1f} MB")
    assert mb < MEMORY_LIMIT_MB and "för djupt nästlad" in outcome
    # Deep values where the file has values: type errors, never repr() of the value.
    nested = json.loads(hostile.deep_json(900))
    document = {
        "format": localfiles.FORMAT,
        "schema_fingerprint": "ab" * 16,
        "count": nested,
        "records": [{"ref": nested, "clk": nested, "token": nested, "from": nested}],
    }
    with pytest.raises(uploads.UploadError) as error:
        uploads.parse(json.dumps(document).encode(), **PERIOD)
    assert len(error.value.errors) >= 4


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=10),
        lambda inner: (
            st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
        ),
        max_leaves=20,
    )
)
def test_any_json_document_is_parsed_or_an_upload_error(value: Any) -> None:
    for document in (value, {"format": localfiles.FORMAT, "records": value, "clk_bits": value}):
        try:
            uploads.parse(json.dumps(document).encode(), **PERIOD)
        except uploads.UploadError as error:
            assert error.errors


# --- Through the pages and the API: clear errors, nothing stored -----------------------------


@pytest.fixture
def signed_in(world: Any, login: Any, settings: Any) -> Any:
    settings.REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "sv"

    def as_user(key: str, role: Any) -> Any:
        return login(world.user(key, role))

    return as_user


def _upload(name: str, data: bytes) -> io.BytesIO:
    upload = io.BytesIO(data)
    upload.name = name
    return upload


@pytest.mark.django_db
def test_register_import_refuses_hostile_files_and_stores_nothing(
    world: Any, signed_in: Any, settings: Any, tmp_path: Path
) -> None:
    from samverkan.organisations.roles import Role
    from samverkan.ros.models import Premises

    settings.VAR_DIR = tmp_path
    client = signed_in("linkoping", Role.CASE_OFFICER)
    owner = world.orgs["linkoping"].pk
    cases = [
        ("wide.xlsx", hostile.wide_xlsx(2_000), "Filen innehåller inga rader."),
        ("bomb.xlsx", hostile.bomb_xlsx(20), "packad mer än 50 gånger"),
        ("far.xlsx", hostile.far_row_xlsx(), "fler än 200000 rader"),
        (
            "long.csv",
            ("Adress;Kommun\n" + "x" * 608 + ";Linköpings kommun\n").encode(),
            "Rad 2, kolumn ”Adress”: högst 200 tecken (608).",
        ),
        (
            "abbrev.csv",
            ("Adress;Kommun\n" + "ag." * 66 + ";Linköpings kommun\n").encode(),
            "Rad 2, kolumn ”Adress”: adressen blir för lång när förkortningar skrivs ut",
        ),
        ("nul.csv", "Adress;Kommun\nA\x00;Linköpings kommun\n".encode(), "(NUL)"),
    ]
    for name, data, message in cases:
        response = client.post("/ros/import/", {"owner": owner, "file": _upload(name, data)})
        assert response.status_code == 200, name
        page = response.content.decode()
        assert message in page.replace("&quot;", '"').replace("&#x27;", "'"), (name, page[-3000:])
        assert "confirm-import" not in page, name
    settings.IMPORT_MAX_UPLOAD_MB = 1
    too_big = client.post(
        "/ros/import/", {"owner": owner, "file": _upload("big.csv", b"x" * (1024 * 1024 + 1))}
    )
    assert "Filen är större än 1 MB." in too_big.content.decode()
    assert Premises.objects.count() == 0
    assert not list((tmp_path / "imports").glob("*")), "no preview is kept for a refused file"


@pytest.mark.django_db
def test_register_preview_is_encrypted_private_and_short_lived(
    world: Any, signed_in: Any, settings: Any, tmp_path: Path
) -> None:
    from samverkan.core import retention
    from samverkan.organisations.roles import Role
    from samverkan.ros.models import ActivityKind, Premises

    ActivityKind.objects.create(key="kiosk", name="Kiosk")
    settings.VAR_DIR = tmp_path
    client = signed_in("linkoping", Role.CASE_OFFICER)
    owner = world.orgs["linkoping"].pk
    register = (
        "Adress;Kommun;Person;Personnummer;Roll\n"
        "Storgatan 1;Linköpings kommun;Anna Andersson;19121212-1212;ägare\n"
    ).encode()

    def preview() -> Path:
        page = client.post("/ros/import/", {"owner": owner, "file": _upload("r.csv", register)})
        assert "confirm-import" in page.content.decode()
        (stored,) = (tmp_path / "imports").iterdir()
        return stored

    stored = preview()
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "imports").stat().st_mode) == 0o700
    content = stored.read_bytes()
    assert b"1212" not in content and b"Andersson" not in content, "stored encrypted"
    client.post("/ros/import/", {"cancel": "1"})
    assert not stored.exists(), "cancel deletes the preview"
    stored = preview()
    client.get("/ros/import/")
    assert not stored.exists(), "leaving the preview deletes it"
    stored = preview()
    client.post("/ros/import/", {"confirm": "1"})
    assert not stored.exists() and Premises.objects.count() == 1
    # An abandoned preview (another session) is purged after the configured time.
    stored = preview()
    old = stored.stat().st_mtime - 25 * 3600
    os.utime(stored, (old, old))
    assert retention.run_purges(dry_run=True)["imports.previews"] == 1
    assert stored.exists()
    assert retention.run_purges()["imports.previews"] == 1
    assert not stored.exists()
    # ... also when anyone stores a new preview; and an expired one is not imported.
    settings.IMPORT_PREVIEW_HOURS = 0
    stored = preview()
    response = client.post("/ros/import/", {"confirm": "1"}, follow=True)
    assert "Förhandsgranskningen har gått ut" in response.content.decode()
    assert Premises.objects.count() == 1


@pytest.mark.django_db
def test_invitee_import_refuses_hostile_files(world: Any, signed_in: Any) -> None:
    from samverkan.organisations.roles import Role
    from samverkan.surveys import services as survey_services
    from samverkan.surveys.models import Invitee

    coordinator = world.user("linkoping", Role.COORDINATOR)
    wave = survey_services.create_wave(
        actor=coordinator,
        owner=world.orgs["linkoping"],
        name="Enkät",
        slug="enkat",
        questionnaire=survey_services.ensure_default_questionnaire(
            actor=coordinator, organisation=world.orgs["linkoping"]
        ),
        partners=[],
        reference_period="2026",
    )
    client = signed_in("linkoping", Role.REPORTER)
    url = f"/enkater/{wave.pk}/inbjudna/"
    for name, data, message in [
        ("wide.xlsx", hostile.wide_header_xlsx(), "Rubrikraden har fler än 200 kolumner."),
        ("bomb.xlsx", hostile.bomb_xlsx(20), "packad mer än 50 gånger"),
        (
            "long.csv",
            ("E-post;Kommun;Roll;Kön\n" + "a" * 300 + "@x.se;Linköpings kommun;x;y\n").encode(),
            "Rad 2, kolumn ”E-post”: högst 254 tecken (305).",
        ),
    ]:
        response = client.post(url, {"file": _upload(name, data)})
        assert response.status_code in (200, 403), name
        if response.status_code == 200:
            assert message in response.content.decode(), (
                name,
                re.findall(r"<li>[^<]*</li>", response.content.decode())[-8:],
            )
    assert Invitee.objects.count() == 0


@pytest.mark.django_db
def test_matching_upload_refuses_a_gzip_bomb(world: Any, signed_in: Any, tmp_path: Path) -> None:
    from matchkit import make_match_world
    from samverkan.matching.models import EncodedDataset
    from samverkan.organisations.roles import Role

    mw = make_match_world(world)
    client = signed_in("linkoping", Role.CASE_OFFICER)
    bomb = hostile.gzip_zeros(100, tmp_path / "z.json.gz").read_bytes()
    form = {
        "owner": mw.org("linkoping").pk,
        "dataset_type": "ekonomiskt_bistand",
        "period_start": "2026-10-01",
        "period_end": "2026-10-31",
        "municipality_code": "0580",
    }
    for name, data, message in [
        ("z.json.gz", bomb, "packas upp till mer än 20 gånger"),
        ("bits.json", _document(clk_bits=8 * 2**37), "Fältet clk_bits"),
        ("deep.json", hostile.deep_json(100_000).encode(), "för djupt nästlad"),
    ]:
        response = client.post(
            "/matchning/datamangder/ladda-upp/", {**form, "file": _upload(name, data)}
        )
        assert response.status_code == 400, name
        assert message in response.content.decode(), name
    assert EncodedDataset.objects.count() == 0


@pytest.mark.django_db
def test_api_answers_400_json_to_deep_or_huge_json(world: Any, settings: Any) -> None:
    from rest_framework.test import APIClient

    from samverkan.cases.models import Case
    from samverkan.organisations.roles import Role

    settings.LANGUAGE_CODE = "sv"
    api = APIClient()
    api.force_authenticate(world.user("linkoping", Role.CASE_OFFICER))
    case = world.case("linkoping", title="Ärende")
    owner = world.orgs["linkoping"].pk
    deep = f'{{"owner": {owner}, "title": {hostile.deep_json(100_000)}}}'
    moderately_deep = f'{{"title": {hostile.deep_json(500)}}}'
    for method, url, body in [
        ("post", "/api/v1/cases/", deep),
        ("post", "/api/v1/cases/", moderately_deep),
        ("patch", f"/api/v1/cases/{case.pk}/", deep),
        ("patch", f"/api/v1/cases/{case.pk}/", moderately_deep),
        ("post", "/api/v1/cases/", '{"title": "' + "x" * (2 * 1024 * 1024) + '"}'),
        ("post", "/api/v1/cases/", "[" * 10),
    ]:
        response = getattr(api, method)(url, body, content_type="application/json")
        assert response.status_code == 400, (method, url, response.content[:300])
        assert response["Content-Type"].startswith("application/json")
        assert "detail" in response.json()
    assert Case.objects.count() == 1
    case.refresh_from_db()
    assert case.title == "Ärende"


def test_deep_json_in_the_local_files_of_the_command_line(tmp_path: Path) -> None:
    from samverkan.matching import schema

    with pytest.raises(schema.SchemaError, match="för djupt nästlat"):
        schema.parse_schema(hostile.deep_json(100_000))
    path = _write(tmp_path, "deep.json", hostile.deep_json(100_000).encode())
    with pytest.raises(localfiles.MatchFileError, match="kunde inte läsas"):
        localfiles.read_encoded(path)
