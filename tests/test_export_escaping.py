"""Spreadsheet formula injection: every CSV and XLSX export writes what users typed as text.

Values that a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, tab, carriage
return first) are planted in records, organisation names and the register, and fetched
through every export URL. In CSV they come back with a leading apostrophe; in XLSX they are
string cells, never formulas; numbers (negative ones too) stay numbers."""

from __future__ import annotations

import csv
import io
import re
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from openpyxl import load_workbook

from endpoints import ALL
from samverkan.core.exporting import (
    DANGEROUS_FIRST,
    csv_text,
    escape_formula,
    unescape_formula,
    xlsx_bytes,
)
from samverkan.organisations.roles import Role

HOSTILE = ['=HYPERLINK("http://x","y")', "+1+1", "-2+3", "@SUM(A1)", "\tX", "\rX"]
NUMBER = re.compile(r"-?\d+(\.\d+)?")

# Every export the application offers: (URL, role that may fetch it).
EXPORTS = [
    "/arenden/export.csv",
    "/granskning/export.csv",
    "/ros/export.csv",
    "/ros/export.xlsx",
    "/ros/resultat.csv",
    "/matchning/export.csv",
    "/matchning/utfall.csv",
    "/enkater/<wave>/resultat.csv",
]


def test_every_export_url_is_listed_here() -> None:
    """A new export must be added to EXPORTS (and so to the checks below)."""
    found = {
        ep.route
        for ep in ALL
        if re.search(r"\.(csv|xlsx|<str:fmt>)$", ep.route) and not ep.route.startswith("api/")
    }
    assert found == {
        "arenden/export.csv",
        "granskning/export.csv",
        "ros/export.<str:fmt>",
        "ros/resultat.<str:fmt>",
        "matchning/export.csv",
        "matchning/utfall.<str:fmt>",
        "enkater/<uuid:pk>/resultat.<str:fmt>",
    }


# --- the escaping function --------------------------------------------------------------


@given(st.text())
def test_escaped_text_never_starts_a_formula_and_round_trips(text: str) -> None:
    escaped = escape_formula(text)
    assert not escaped or escaped[0] not in DANGEROUS_FIRST
    if text[:1] in DANGEROUS_FIRST:
        assert escaped == "'" + text
    assert unescape_formula(escaped) == text


@given(st.lists(st.one_of(st.text(), st.integers(), st.floats(allow_nan=False)), max_size=8))
def test_csv_cells_are_safe_and_numbers_stay_numbers(values: list[Any]) -> None:
    text = csv_text(["h"] * len(values), [values], bom=False)
    row = next(iter(csv.reader(io.StringIO(text.split("\r\n", 1)[1]), delimiter=";")), [])
    for value, cell in zip(values, row, strict=False):
        if isinstance(value, str):
            assert unescape_formula(cell) == value
            assert not cell or cell[0] not in DANGEROUS_FIRST
        else:
            assert cell == str(value)


def test_xlsx_text_is_never_a_formula() -> None:
    data = xlsx_bytes(
        ["Text", "Tal"],
        [[h, n] for h, n in zip(HOSTILE, [-2, -2.5, Decimal("-3.25"), 0, 7, 1e9], strict=True)],
        sheet="Blad",
    )
    sheet = load_workbook(io.BytesIO(data)).active
    rows = list(sheet.iter_rows(min_row=2))
    assert [r[0].value for r in rows] == [h.replace("\r", "\n") for h in HOSTILE]
    assert all(r[0].data_type == "s" and r[0].quotePrefix for r in rows)
    assert [r[1].value for r in rows] == [-2, -2.5, -3.25, 0, 7, 1e9]
    assert all(r[1].data_type == "n" for r in rows)


def test_xlsx_replaces_characters_xml_cannot_hold() -> None:
    data = xlsx_bytes(["a"], [["nul\x00bell\x07", "x" * 40_000]], sheet="=bad")
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet["A2"].value == "nul\ufffdbell\ufffd"
    assert len(sheet["B2"].value) == 32_767


# --- every export URL ---------------------------------------------------------------------


def _check_csv(text: str, *, delimiter: str) -> list[list[str]]:
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    for row in rows:
        for cell in row:
            assert not cell or cell[0] not in DANGEROUS_FIRST or NUMBER.fullmatch(cell), cell
    return rows


def _check_xlsx(data: bytes) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).active
    values = []
    for row in sheet.iter_rows():
        for cell in row:
            assert cell.data_type != "f", cell.value
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
        values.append([c.value for c in row])
    return values


def _cells(rows: list[list[Any]]) -> set[Any]:
    return {cell for row in rows for cell in row}


@pytest.fixture
def planted(world: Any, settings: Any) -> Any:
    """Records whose text starts formulas, in every kind of record that is exported."""
    from matchkit import Record, make_match_world, person
    from samverkan.ros.models import Premises
    from samverkan.surveys import services as survey_services

    settings.REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "sv"
    from samverkan.cases import services as case_services

    for text in HOSTILE:
        case = world.case("linkoping", title=text)
    case_services.record_person_view(actor=world.user("linkoping"), case=case, purpose=HOSTILE[0])
    for index, text in enumerate(HOSTILE):
        Premises.objects.create(
            owner=world.orgs["linkoping"],
            created_by=world.user("linkoping"),
            name=text,
            address=f"{text} {index}",
            normalised_address=f"a{index}",
            municipality=world.orgs["linkoping"],
            latitude=-2.5,
            longitude=15.5,
        )
    from samverkan.ros import riskfacts

    riskfacts.compute_missing()  # written past the services: score them as a migration does
    mw = make_match_world(world)
    shared = person(1)
    mw.upload("linkoping", "ekonomiskt_bistand", [Record(shared)])
    mw.upload("norrkoping", "ekonomiskt_bistand", [Record(shared)])
    mw.run(["bistand_tva_kommuner"])
    coordinator = world.user("linkoping", Role.COORDINATOR)
    questionnaire = survey_services.ensure_default_questionnaire(
        actor=coordinator, organisation=world.orgs["linkoping"]
    )
    wave = survey_services.create_wave(
        actor=coordinator,
        owner=world.orgs["linkoping"],
        name="Enkät",
        slug="enkat",
        questionnaire=questionnaire,
        partners=[world.orgs["norrkoping"]],
        reference_period="2025",
    )
    # Results are published after the close.
    survey_services.open_wave(actor=coordinator, wave=wave)
    survey_services.close_wave(actor=coordinator, wave=wave)
    # The counterpart of Linköping's match, and a survey municipality.
    world.orgs["norrkoping"].name = HOSTILE[0]
    world.orgs["norrkoping"].save()
    return world, wave


@pytest.mark.django_db
def test_every_export_escapes_what_users_typed(planted: Any, login: Any, client: Any) -> None:
    world, wave = planted
    login(world.user("linkoping", Role.COORDINATOR))
    seen: dict[str, set[Any]] = {}
    for url in EXPORTS:
        if url.startswith("/granskning/"):
            continue  # auditors only: below
        response = client.get(url.replace("<wave>", str(wave.pk)))
        assert response.status_code == 200, url
        body = b"".join(response.streaming_content) if response.streaming else response.content
        if url.endswith(".xlsx"):
            seen[url] = _cells(_check_xlsx(body))
        else:
            delimiter = "," if url == "/matchning/export.csv" else ";"
            seen[url] = _cells(_check_csv(body.decode("utf-8-sig"), delimiter=delimiter))
    from samverkan.cases.models import Case

    # Case titles are stripped of surrounding white space when saved.
    escaped = {escape_formula(title) for title in Case.objects.values_list("title", flat=True)}
    assert escaped <= seen["/arenden/export.csv"]
    assert {escape_formula(f"{t} {i}") for i, t in enumerate(HOSTILE)} <= seen["/ros/export.csv"]
    assert "-2.5" in seen["/ros/export.csv"], "a negative number stays a number"
    in_xlsx = {text.replace("\r", "\n") for text in HOSTILE}  # a line break in a cell
    assert in_xlsx <= seen["/ros/export.xlsx"] and -2.5 in seen["/ros/export.xlsx"]
    assert escape_formula(HOSTILE[0]) in seen["/matchning/export.csv"]
    assert escape_formula(HOSTILE[0]) in seen["/enkater/<wave>/resultat.csv"]
    client.logout()
    login(world.user("linkoping", Role.AUDITOR))
    audit = client.get("/granskning/export.csv")
    text = b"".join(audit.streaming_content).decode("utf-8-sig")
    cells = _cells(_check_csv(text, delimiter=";"))
    assert escape_formula(HOSTILE[0]) in cells, "the purpose given is in the log, escaped"


def test_reveal_writes_register_values_escaped_once(tmp_path: Any) -> None:
    """``samverkan match reveal`` writes names from the register into a file that is opened
    in a spreadsheet; the counterpart name comes from the (already escaped) export."""
    from samverkan.matching.reveal import reveal

    matches = tmp_path / "m.csv"
    matches.write_text(
        csv_text(
            ["number", "match_type", "ref", "counterpart", "band"],
            [["M-1", "t", "abc", HOSTILE[0], "hog"]],
            delimiter=",",
            bom=False,
        ),
        encoding="utf-8",
    )
    (tmp_path / "k.csv").write_text("ref,row\nabc,2\n", encoding="utf-8")
    (tmp_path / "r.csv").write_text("namn,belopp\n\"=cmd|' /C calc'!A0\",-5\n", encoding="utf-8")
    reveal(
        matches_path=matches,
        mapping_path=tmp_path / "k.csv",
        input_path=tmp_path / "r.csv",
        output_path=tmp_path / "o.csv",
        log_path=tmp_path / "log.csv",
    )
    rows = _check_csv((tmp_path / "o.csv").read_text(encoding="utf-8"), delimiter=",")
    assert rows[1][2] == escape_formula(HOSTILE[0])
    assert rows[1][5:] == ["'=cmd|' /C calc'!A0", "'-5"]
