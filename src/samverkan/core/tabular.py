"""Reading uploaded tables (CSV or XLSX) into rows with their row numbers.

Pure: no Django. Used by every import so that errors name the row and the column
the way the user sees them in their spreadsheet (row 1 is the header).

A file is read with bounded memory whatever it holds: the size of the file, the number of
rows and columns, and the length of each value have limits (:class:`Limits`), checked while
the file is read, so a small hostile file cannot make the server build a huge table.

* XLSX: the zip archive is checked before it is parsed (members, unpacked size, packing
  ratio: a "zip bomb" is refused; no part may declare a DTD, so no entity can expand; rows
  and cells of every worksheet are counted as bytes); openpyxl then streams the first sheet
  in read-only mode, reading no column past the header's width and no row past the limit.
* CSV: UTF-8 (with or without a byte-order mark), UTF-16 with a byte-order mark, else
  Windows-1252; ``;``, ``,`` or tab between fields, whichever the header line uses most.
  The csv module's own field-size limit (131,072 characters) holds, and rows are read one
  at a time.

Rows keep their values compactly (one tuple per row and one shared header), and any value
holding a NUL character or longer than the limit is reported with its row and column.
"""

from __future__ import annotations

import csv
import io
import re
import zipfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

MAX_ROWS = 200_000
MAX_COLUMNS = 200
MAX_CELL_CHARS = 10_000
MAX_BYTES = 50 * 1024 * 1024
# Unpacked XLSX: at most this in all, and no part packed harder than XLSX_MAX_RATIO (a
# worksheet) or XLSX_MAX_RATIO_TEXT (any other part: shared strings, styles) once it
# unpacks to more than XLSX_RATIO_FROM bytes. Real sheets pack 5–20 times, text 3–6 times
# (shared strings are unique, and each costs about 100 bytes once read).
XLSX_MAX_UNPACKED = 500 * 1024 * 1024
XLSX_MAX_RATIO = 50
XLSX_MAX_RATIO_TEXT = 10
XLSX_RATIO_FROM = 4 * 1024 * 1024
XLSX_MAX_MEMBERS = 1_000
XLSX_MAX_CELLS = 5_000_000
XLSX_MAX_PART_ELEMENTS = 500_000
EXCEL_MAX_COLUMNS = 16_384
# Empty rows tolerated after the last allowed row (trailing blank or formatted rows).
TRAILING_EMPTY_ROWS = 10_000
MAX_PROBLEMS = 200


@dataclass(frozen=True)
class Limits:
    rows: int = MAX_ROWS
    columns: int = MAX_COLUMNS
    cell_chars: int = MAX_CELL_CHARS
    bytes: int = MAX_BYTES


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
        # Only the first letter: str.capitalize() would lower-case the column's heading.
        return f"{prefix[:1].upper()}{prefix[1:]}: {self.message}" if prefix else self.message


class TableError(ValueError):
    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems[:20]))


def _file_error(message: str) -> TableError:
    return TableError([Problem(None, None, message)])


class Header:
    """The columns of one table, shared by all its rows: canonical names (after aliases)
    and the headings as written in the file."""

    __slots__ = ("index", "labels", "names")

    def __init__(self, names: Sequence[str], labels: Sequence[str]) -> None:
        self.names = tuple(names)
        self.labels = tuple(labels)
        # A name given twice: the later column wins, as in a dict.
        self.index = {name: i for i, name in enumerate(self.names) if name}

    def label(self, column: str) -> str:
        """The heading as the user wrote it (the canonical name if there is none)."""
        position = self.index.get(column)
        return self.labels[position] if position is not None else column


class Cells(Mapping[str, str]):
    """One row's values by canonical column name; "" for a column the row leaves empty."""

    __slots__ = ("_cells", "header")

    def __init__(self, header: Header, cells: tuple[str, ...]) -> None:
        self.header = header
        self._cells = cells

    def __getitem__(self, key: str) -> str:
        position = self.header.index[key]
        return self._cells[position] if position < len(self._cells) else ""

    def __iter__(self) -> Iterator[str]:
        return iter(self.header.index)

    def __len__(self) -> int:
        return len(self.header.index)

    def __repr__(self) -> str:
        return f"Cells({dict(self)!r})"


@dataclass(frozen=True, slots=True)
class Row:
    number: int
    values: Mapping[str, str]

    def label(self, column: str) -> str:
        """The column's heading as written in the file."""
        if isinstance(self.values, Cells):
            return self.values.header.label(column)
        return column


def _normalise_header(name: str, aliases: Mapping[str, str]) -> str:
    key = " ".join(str(name or "").strip().lower().split())
    return aliases.get(key, key)


def _text(cell: Any) -> str:
    if cell is None:
        return ""
    return (cell if isinstance(cell, str) else str(cell)).strip()


def _trimmed(cells: Sequence[Any]) -> tuple[str, ...]:
    values = [_text(cell) for cell in cells]
    while values and not values[-1]:
        values.pop()
    return tuple(values)


class _Source:
    """A header row, then the data rows read lazily, at most ``width`` columns each."""

    def __init__(
        self, header: Sequence[Any], rows: Callable[[int], Iterator[Sequence[Any]]]
    ) -> None:
        self.header = header
        self.rows = rows


def read_table(
    data: bytes,
    filename: str,
    *,
    aliases: Mapping[str, str],
    required: Sequence[str],
    limits: Limits | None = None,
) -> list[Row]:
    """Rows of a CSV (';', ',' or tab separated) or XLSX file, headers mapped through
    ``aliases`` to canonical column names. Raises TableError naming what is wrong."""
    limits = limits or Limits()
    if len(data) > limits.bytes:
        raise _file_error(f"Filen är större än {limits.bytes // (1024 * 1024)} MB.")
    name = filename.lower()
    if name.endswith(".xlsx"):
        reader: Callable[[bytes, Limits, Callable[[_Source], list[Row]]], list[Row]] = _xlsx
    elif name.endswith((".csv", ".txt")):
        reader = _csv
    else:
        raise _file_error("Filen måste vara CSV (.csv) eller Excel (.xlsx).")
    return reader(data, limits, lambda source: _rows(source, aliases, required, limits))


def _rows(
    source: _Source, aliases: Mapping[str, str], required: Sequence[str], limits: Limits
) -> list[Row]:
    written = _trimmed(source.header)
    if not written:
        raise _file_error("Rubrikraden (rad 1) är tom.")
    if len(written) > limits.columns:
        raise _file_error(f"Rubrikraden har fler än {limits.columns} kolumner.")
    header = Header([_normalise_header(h, aliases) for h in written], written)
    missing = [column for column in required if column not in header.index]
    if missing:
        raise TableError(
            [Problem(1, column, "kolumnen saknas i rubrikraden.") for column in missing]
        )
    width = len(written)
    rows: list[Row] = []
    problems: list[Problem] = []
    for number, raw in enumerate(source.rows(width), start=2):
        cells = _trimmed(raw[:width])
        if number > limits.rows + 1:
            if cells or number > limits.rows + 1 + TRAILING_EMPTY_ROWS:
                raise _file_error(f"Filen har fler än {limits.rows} rader.")
            continue
        if not cells:
            continue
        for position, value in enumerate(cells):
            if len(value) > limits.cell_chars:
                problems.append(
                    Problem(
                        number,
                        written[position],
                        f"högst {limits.cell_chars} tecken ({len(value)}).",
                    )
                )
            elif "\x00" in value:
                problems.append(
                    Problem(number, written[position], "innehåller ett otillåtet tecken (NUL).")
                )
        if len(problems) >= MAX_PROBLEMS:
            break
        rows.append(Row(number, Cells(header, cells)))
    if problems:
        raise TableError(problems)
    return rows


# --- CSV ------------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError as exc:
            raise _file_error("Filen kunde inte läsas som UTF-16-text.") from exc
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("cp1252")
        except UnicodeDecodeError as exc:
            raise _file_error("Filen kunde inte läsas som text (spara som UTF-8).") from exc


def _csv(data: bytes, limits: Limits, build: Callable[[_Source], list[Row]]) -> list[Row]:
    text = _decode(data)
    end = text.find("\n", 0, 1_000_000)
    first_line = text[: end if end >= 0 else 1_000_000]
    counts = {d: first_line.count(d) for d in (";", ",", "\t")}
    delimiter = max(counts, key=lambda d: (counts[d], d == ";"))
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)

    def guarded() -> Iterator[list[str]]:
        try:
            yield from reader
        except csv.Error as exc:
            raise _file_error(f"Filen är inte giltig CSV (rad {reader.line_num}): {exc}") from exc

    rows = guarded()
    header = next(rows, None)
    if header is None:
        raise _file_error("Filen är tom.")
    return build(_Source(header, lambda _width: rows))


# --- XLSX -----------------------------------------------------------------------------


_ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
_CELL_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?c[\s/>]")
_DTD = re.compile(rb"<!(?:DOCTYPE|ENTITY)")
_WORKSHEET = re.compile(r"xl/worksheets/[^/]+\.xml", re.IGNORECASE)


@dataclass
class _Tally:
    """What the scan of one worksheet found so far."""

    rows: int = 0
    cells: int = 0
    in_row: int = 0


def _check_archive(data: bytes, limits: Limits) -> None:
    """Refuse what is not a zip archive, and archives whose parts would cost far more to
    read than the file weighs, before openpyxl reads anything.

    The sizes come from the central directory; Python's zipfile never unpacks a member
    past its stated size, so they hold. Then every XML part is unpacked once, a piece at a
    time, and scanned as bytes: no part may declare a DTD (entity expansion), and no
    worksheet may hold more rows, more cells in a row or more cells in all than the limits
    (openpyxl builds each row's cells, and keeps an element per row, before it hands the
    row over)."""
    not_excel = "Filen är inte en Excel-fil (.xlsx)."
    if not data.startswith(b"PK\x03\x04"):
        raise _file_error(not_excel)
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except Exception as exc:  # zipfile raises several kinds for a damaged directory
        raise _file_error(not_excel) from exc
    with archive:
        members = archive.infolist()
        if len(members) > XLSX_MAX_MEMBERS:
            raise _file_error(f"{not_excel} Den innehåller för många delar ({len(members)}).")
        unpacked = sum(member.file_size for member in members)
        if unpacked > XLSX_MAX_UNPACKED:
            raise _file_error(
                f"Excel-filen packas upp till mer än {XLSX_MAX_UNPACKED // (1024 * 1024)} MB."
            )
        for member in members:
            sheet = bool(_WORKSHEET.fullmatch(member.filename))
            ratio = XLSX_MAX_RATIO if sheet else XLSX_MAX_RATIO_TEXT
            if member.file_size > XLSX_RATIO_FROM and member.file_size > ratio * max(
                member.compress_size, 1
            ):
                raise _file_error(
                    f"Excel-filen är packad mer än {ratio} gånger "
                    f"(”{member.filename[:80]}”) och läses inte: spara den på nytt i Excel "
                    "eller som CSV."
                )
            if member.filename.lower().endswith((".xml", ".rels")):
                try:
                    _scan_part(archive, member, sheet, limits)
                except TableError:
                    raise
                except Exception as exc:  # a damaged, encrypted or exotic archive
                    raise _file_error("Filen kunde inte läsas som Excel (.xlsx).") from exc


def _scan_part(
    archive: zipfile.ZipFile, member: zipfile.ZipInfo, sheet: bool, limits: Limits
) -> None:
    tally = _Tally()
    max_rows = limits.rows + 1 + TRAILING_EMPTY_ROWS
    # openpyxl reads the shared strings as a stream, and any other part (styles, workbook,
    # relations) as a whole tree of elements: those are counted.
    whole_tree = not sheet and not member.filename.lower().endswith("sharedstrings.xml")
    elements = 0
    with archive.open(member) as part:
        head = part.read(4)
        if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
            raise _file_error("Excel-filen innehåller delar som inte är UTF-8.")
        carry = head
        while True:
            chunk = part.read(1 << 20)
            text = carry + chunk
            # Scan up to the last "<", so that no tag is cut in two. After it there is no
            # other "<", so its first bytes (the tag's name) are all that is kept.
            cut = len(text) if not chunk else text.rfind(b"<")
            if cut < 0:
                carry = b""
                continue
            body, carry = text[:cut], text[cut : cut + 64]
            if _DTD.search(body):
                raise _file_error("Excel-filen innehåller en DTD och läses inte.")
            if sheet:
                _count_cells(body, tally, limits, max_rows)
            elif whole_tree:
                elements += body.count(b"<") - body.count(b"</")
                if elements > XLSX_MAX_PART_ELEMENTS:
                    raise _file_error(
                        f"Excel-filen har för många element i ”{member.filename[:80]}”."
                    )
            if not chunk:
                return


def _count_cells(body: bytes, tally: _Tally, limits: Limits, max_rows: int) -> None:
    position = 0
    for match in _ROW_TAG.finditer(body):
        _add_cells(tally, len(_CELL_TAG.findall(body, position, match.start())), limits)
        tally.rows += 1
        tally.in_row = 0
        position = match.start()
        if tally.rows > max_rows:
            raise _file_error(f"Filen har fler än {limits.rows} rader.")
    _add_cells(tally, len(_CELL_TAG.findall(body, position)), limits)


def _add_cells(tally: _Tally, count: int, limits: Limits) -> None:
    tally.in_row += count
    tally.cells += count
    if tally.in_row > EXCEL_MAX_COLUMNS:
        raise _file_error(
            f"Rad {tally.rows} har fler celler än Excel har kolumner ({EXCEL_MAX_COLUMNS})."
        )
    if tally.cells > XLSX_MAX_CELLS:
        raise _file_error(f"Excel-filen har fler än {XLSX_MAX_CELLS} celler.")


def _xlsx(data: bytes, limits: Limits, build: Callable[[_Source], list[Row]]) -> list[Row]:
    _check_archive(data, limits)
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:
        raise _file_error("Filen kunde inte läsas som Excel (.xlsx).") from exc
    try:
        sheets = workbook.worksheets
        sheet = sheets[0] if sheets else None
        if not isinstance(sheet, ReadOnlyWorksheet):
            raise _file_error("Excel-filen har inget kalkylblad.")
        # The stated size (<dimension>) is the file's word; rows and columns are read as far
        # as they hold data, never padded out to it.
        sheet.reset_dimensions()

        def rows(first: int, width: int, last: int | None = None) -> Iterator[Sequence[Any]]:
            try:
                yield from sheet.iter_rows(
                    min_row=first, max_row=last, max_col=width, values_only=True
                )
            except TableError:
                raise
            except Exception as exc:
                raise _file_error("Filen kunde inte läsas som Excel (.xlsx).") from exc

        header = next(rows(1, limits.columns + 1, 1), ())
        return build(_Source(header, lambda width: rows(2, width)))
    finally:
        workbook.close()
