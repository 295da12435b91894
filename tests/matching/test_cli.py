"""`samverkan match encode` and `link` end to end: no clear text leaves the owner,
matching pairs are found, another secret finds nothing, bad input is reported."""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

FIXTURES = Path(__file__).parent / "fixtures"
SCHEMA = FIXTURES / "schema_v3.json"


def _rows() -> tuple[list[str], list[list[str]]]:
    with (FIXTURES / "people.csv").open(encoding="utf-8") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        return header, list(reader)


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _encode(tmp: Path, name: str, csv_path: Path, secret: bytes, **extra: Any) -> Path:
    key = tmp / f"{name}.key"
    key.write_bytes(secret)
    out = tmp / f"{name}.json"
    call_command(
        "match",
        "encode",
        "--schema",
        str(SCHEMA),
        "--secret-file",
        str(key),
        "--input",
        str(csv_path),
        "--output",
        str(out),
        "--workers",
        "1",
        *[item for k, v in extra.items() for item in (f"--{k.replace('_', '-')}", str(v))],
    )
    return out


def test_encode_and_link_finds_the_same_people(tmp_path: Path, capsys: Any) -> None:
    header, rows = _rows()
    a_csv = _write(tmp_path / "a.csv", header, rows[:20])
    b_csv = _write(tmp_path / "b.csv", header, rows[10:30])
    secret = b"shared-secret-between-owners-2026"
    a = _encode(tmp_path, "a", a_csv, secret, mapping=tmp_path / "a-map.csv")
    b = _encode(tmp_path, "b", b_csv, secret, mapping=tmp_path / "b-map.csv")
    encoded = a.read_text(encoding="utf-8")
    for name in ("Öberg", "Oberg", "Sjöström", rows[0][2]):
        assert name not in encoded, "no clear text in the encoded file"
    data = json.loads(encoded)
    assert data["count"] + data["invalid_rows"] == 20
    assert all(set(r) == {"ref", "clk", "token", "block"} for r in data["records"])

    def rows_of(mapping: Path) -> list[int]:
        lines = list(csv.reader(mapping.open(encoding="utf-8")))
        assert lines[0] == ["ref", "row"]
        return [int(row) for _ref, row in lines[1:]]

    a_rows, b_rows = rows_of(tmp_path / "a-map.csv"), rows_of(tmp_path / "b-map.csv")
    assert len(a_rows) == data["count"]
    out = tmp_path / "pairs.csv"
    call_command(
        "match",
        "link",
        str(a),
        str(b),
        "--threshold",
        "0.95",
        "--output",
        str(out),
        "--workers",
        "1",
    )
    pairs = list(csv.DictReader(out.open(encoding="utf-8")))
    found = {(a_rows[int(p["a_index"])], b_rows[int(p["b_index"])]) for p in pairs}
    # People-file rows 11..20 are rows 12..21 of a.csv and rows 2..11 of b.csv.
    common = {(row, row - 10) for row in range(12, 22) if row in a_rows and row - 10 in b_rows}
    assert common and common <= found
    assert all(float(p["score"]) >= 0.95 for p in pairs)


def test_a_different_secret_gives_no_matches(tmp_path: Path) -> None:
    header, rows = _rows()
    csv_path = _write(tmp_path / "p.csv", header, rows)
    a = _encode(tmp_path, "a", csv_path, b"first-secret-0123456789")
    b = _encode(tmp_path, "b", csv_path, b"other-secret-0123456789")
    out = tmp_path / "pairs.csv"
    call_command(
        "match",
        "link",
        str(a),
        str(b),
        "--threshold",
        "0.8",
        "--output",
        str(out),
        "--workers",
        "1",
    )
    assert len(list(csv.DictReader(out.open(encoding="utf-8")))) == 0


def test_bad_input_is_reported(tmp_path: Path, capsys: Any) -> None:
    header, rows = _rows()
    short_key = tmp_path / "short.key"
    short_key.write_bytes(b"kort")
    with pytest.raises(CommandError, match="för kort"):
        call_command(
            "match",
            "encode",
            "--schema",
            str(SCHEMA),
            "--secret-file",
            str(short_key),
            "--input",
            str(_write(tmp_path / "p.csv", header, rows)),
            "--output",
            str(tmp_path / "o.json"),
        )
    wrong_header = _write(tmp_path / "w.csv", ["a", "b"], [["1", "2"]])
    with pytest.raises(CommandError, match="Rubrikraden"):
        _encode(tmp_path, "w", wrong_header, b"a-long-enough-secret-123")
    broken_schema = tmp_path / "schema.json"
    broken_schema.write_text('{"version": 2}', encoding="utf-8")
    key = tmp_path / "k.key"
    key.write_bytes(b"a-long-enough-secret-123")
    with pytest.raises(CommandError):
        call_command(
            "match",
            "encode",
            "--schema",
            str(broken_schema),
            "--secret-file",
            str(key),
            "--input",
            str(tmp_path / "p.csv"),
            "--output",
            str(tmp_path / "o.json"),
        )
    a = _encode(tmp_path, "a", tmp_path / "p.csv", b"a-long-enough-secret-123")
    other = tmp_path / "other.json"
    data = json.loads(a.read_text(encoding="utf-8"))
    data["schema_fingerprint"] = "0" * 64
    other.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(CommandError, match="olika scheman"):
        call_command(
            "match",
            "link",
            str(a),
            str(other),
            "--threshold",
            "0.8",
            "--output",
            str(tmp_path / "x.csv"),
        )
