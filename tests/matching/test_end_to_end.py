"""From two registers to re-identified rows: encode at each owner with the shipped schema,
upload, run, export the own matches, reveal them locally with the owner's mapping."""

from __future__ import annotations

import csv
import io
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from matchkit import MatchWorld
from samverkan.demo import synthetic
from samverkan.matching import localfiles
from samverkan.matching import services as match_services
from samverkan.matching.models import Match

pytestmark = pytest.mark.django_db

SCHEMA = Path(localfiles.__file__).parent / "schemas" / "person-v1.json"
HEADER = [*synthetic.COLUMNS, "fran", "till"]


def _register(path: Path, rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        writer.writerows(rows)
    return path


def _encode(tmp: Path, name: str, register: Path, secret: Path) -> tuple[Path, Path, str]:
    out, mapping = tmp / f"{name}.json", tmp / f"{name}-koppling.csv"
    stdout, stderr = io.StringIO(), io.StringIO()
    call_command(
        "match",
        "encode",
        "--schema",
        str(SCHEMA),
        "--secret-file",
        str(secret),
        "--input",
        str(register),
        "--output",
        str(out),
        "--mapping",
        str(mapping),
        "--identity-column",
        "personnummer",
        "--from-column",
        "fran",
        "--to-column",
        "till",
        stdout=stdout,
        stderr=stderr,
    )
    return out, mapping, stderr.getvalue()


def test_registers_to_revealed_rows(mw: MatchWorld, tmp_path: Path) -> None:
    people = synthetic.make_population(80, seed=5)
    secret = tmp_path / "nyckel"
    secret.write_bytes(b"gemensam-hemlighet-for-demo-0123456789")
    # Stångåstaden: people 0–39; Hyresbostäder: people 30–69. People 30–39 are in both;
    # 30–34 with leases that overlap October, 35–39 whose Stångåstaden lease ended in
    # August. Person 36 is written without identity number and with a typo in the surname.
    stangastaden = [
        [*p.values(), "2020-01-01", "2026-08-31" if 35 <= i <= 39 else ""]
        for i, p in enumerate(people[:40])
    ]
    stangastaden.append([*people[79].values(), "2026-13", ""])  # a bad month
    hyresbostader = []
    for i, p in enumerate(people[30:70], start=30):
        if i == 36:
            p = replace(p, personnummer="", efternamn=p.efternamn + "h")
        hyresbostader.append([*p.values(), "2026-09", ""])
    a_file, a_map, a_err = _encode(
        tmp_path, "a", _register(tmp_path / "a.csv", stangastaden), secret
    )
    b_file, _b_map, _ = _encode(tmp_path, "b", _register(tmp_path / "b.csv", hyresbostader), secret)
    assert "rad 42: kolumnen ”fran”" in a_err
    for key, path in (("stangastaden", a_file), ("hyresbostader", b_file)):
        match_services.upload_dataset(
            actor=mw.user(key),
            owner=mw.org(key),
            content=path.read_bytes(),
            dataset_type="hyresgaster",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 10, 31),
            municipality_code=mw.codes[key],
        )
    mw.run(["dubbla_hyreskontrakt"])
    mine = list(Match.objects.filter(owner=mw.org("stangastaden")))
    assert len(mine) == 5 and all(m.via_token for m in mine)

    export = tmp_path / "matchningar.csv"
    with export.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["number", "match_type", "ref", "counterpart", "band"])
        for match in Match.objects.filter(
            owner__in=[mw.org("stangastaden"), mw.org("hyresbostader")]
        ):
            writer.writerow(
                [match.number, match.match_type, match.ref, match.counterpart, match.band]
            )
    revealed = tmp_path / "att-kontrollera.csv"
    out = io.StringIO()
    call_command(
        "match",
        "reveal",
        "--matches",
        str(export),
        "--mapping",
        str(a_map),
        "--input",
        str(tmp_path / "a.csv"),
        "--output",
        str(revealed),
        stdout=out,
    )
    assert "5 egna poster" in out.getvalue() and "5 träffar hörde till andra" in out.getvalue()
    with revealed.open(encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert sorted(r["personnummer"] for r in rows) == sorted(p.personnummer for p in people[30:35])
    assert all(r["motpart"] == "Hyresbostäder" for r in rows)
    log = (tmp_path / "reveal-log.csv").read_text(encoding="utf-8")
    assert "avslojade" in log and ",5," in log


def test_reveal_with_the_wrong_register_is_refused(tmp_path: Path) -> None:
    (tmp_path / "m.csv").write_text("number,match_type,ref,counterpart,band\nM-1,t,abc,X,hog\n")
    (tmp_path / "k.csv").write_text("ref,row\nabc,7\n")
    (tmp_path / "r.csv").write_text("personnummer\n1\n")
    with pytest.raises(CommandError, match="Rad 7 finns inte"):
        call_command(
            "match",
            "reveal",
            "--matches",
            str(tmp_path / "m.csv"),
            "--mapping",
            str(tmp_path / "k.csv"),
            "--input",
            str(tmp_path / "r.csv"),
            "--output",
            str(tmp_path / "o.csv"),
        )
