"""Reading uploaded tables (CSV or XLSX) into rows with their row numbers.

Pure: no Django. Used by every import so that errors name the row and the column
the way the user sees them in their spreadsheet (row 1 is the header).
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

MAX_ROWS = 200_000


@dataclass(frozen=True)
class Problem:
    row: int | None  # spreadsheet row number (the header is row 1); None: the whole file
    column: str | None
    message: str

    def __str__(self) -> str:
        where = []
        if self.row is not None:
            where.append(f"rad {self.row}")
        if self.column:
            where.append(f"kolumn ”{self.column}”")
        prefix = ", ".join(where)
        return f"{prefix.capitalize()}: {self.message}" if prefix else self.message


class TableError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:20]))


@dataclass(frozen=True)
class Row:
    number: int
    values: dict[str, str]


def _normalise_header(name: str, aliases: Mapping[str, str]) -> str:
    key = " ".join(str(name or "").strip().lower().split())
    return aliases.get(key, key)


def read_table(
    data: bytes,
    filename: str,
    *,
    aliases: Mapping[str, str],
    required: Sequence[str],
) -> list[Row]:
    """Rows of a CSV (UTF-8, ';' or ',' separated) or XLSX file, headers mapped through
    ``aliases`` to canonical column names. Raises TableError naming what is wrong."""
    name = filename.lower()
    if name.endswith(".xlsx"):
        raw_rows = _xlsx_rows(data)
    elif name.endswith((".csv", ".txt")):
        raw_rows = _csv_rows(data)
    else:
        raise TableError([Problem(None, None, "Filen måste vara CSV (.csv) eller Excel (.xlsx).")])
    if not raw_rows:
        raise TableError([Problem(None, None, "Filen är tom.")])
    header = [_normalise_header(h, aliases) for h in raw_rows[0]]
    missing = [column for column in required if column not in header]
    if missing:
        raise TableError(
            [Problem(1, column, "kolumnen saknas i rubrikraden.") for column in missing]
        )
    if len(raw_rows) - 1 > MAX_ROWS:
        raise TableError([Problem(None, None, f"Filen har fler än {MAX_ROWS} rader.")])
    rows = []
    for index, raw in enumerate(raw_rows[1:], start=2):
        if not any(str(cell or "").strip() for cell in raw):
            continue
        values = {
            header[i]: str(cell if cell is not None else "").strip()
            for i, cell in enumerate(raw)
            if i < len(header) and header[i]
        }
        rows.append(Row(index, values))
    return rows


def _csv_rows(data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            text = data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise TableError(
                [Problem(None, None, "Filen kunde inte läsas som text (spara som UTF-8).")]
            ) from exc
    first_line = text.split("\n", 1)[0]
    delimiter = ";" if first_line.count(";") >= first_line.count(",") else ","
    try:
        return [row for row in csv.reader(io.StringIO(text), delimiter=delimiter)]
    except csv.Error as exc:
        raise TableError([Problem(None, None, f"Filen är inte giltig CSV: {exc}")]) from exc


def _xlsx_rows(data: bytes) -> list[list[str]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise TableError(
            [Problem(None, None, "Filen kunde inte läsas som Excel (.xlsx).")]
        ) from exc
    sheet = workbook.worksheets[0]
    rows = [
        ["" if cell is None else str(cell) for cell in row]
        for row in sheet.iter_rows(values_only=True)
    ]
    workbook.close()
    return rows
