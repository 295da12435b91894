"""The one way the application writes spreadsheets: CSV and XLSX for every export.

CSV is UTF-8 with a byte-order mark and ``;`` between fields unless told otherwise (what
Swedish Excel opens directly). Nothing a user typed can become a formula:

* In CSV, a text value that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage
  return gets a leading apostrophe (the OWASP advice against CSV injection). So does text
  that already starts with an apostrophe, so that :func:`unescape_formula` gives back exactly
  what was written. Numbers (``int``, ``float``, ``Decimal``), negative ones included, are
  written as numbers.
* In XLSX, every text value is a string cell, never a formula; one that starts with one of
  those characters is also marked with Excel's own quote prefix, so that editing the cell
  keeps it text. The value itself is written unchanged, except that line breaks become
  ``\n`` (XML cannot keep a carriage return), characters XML cannot hold become U+FFFD and
  text is cut at Excel's 32,767 characters per cell.

Pure apart from the response helpers at the end, which import Django when called, so
that the offline command-line tools (``samverkan match reveal``) escape the same way.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpResponse, StreamingHttpResponse

__all__ = [
    "DANGEROUS_FIRST",
    "XLSX_CONTENT_TYPE",
    "csv_lines",
    "csv_response",
    "csv_stream_response",
    "csv_text",
    "escape_formula",
    "unescape_formula",
    "xlsx_bytes",
    "xlsx_response",
]

DANGEROUS_FIRST = frozenset("=+-@\t\r")
QUOTE = "'"
XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
XLSX_MAX_CELL = 32_767
_ILLEGAL_XML = re.compile(r"[\000-\010\013\014\016-\037\ud800-\udfff\ufffe\uffff]")

Cell = Any  # str, int, float, Decimal, bool, date, datetime, None or anything str() reads


def escape_formula(text: str) -> str:
    """``text`` made safe to open in a spreadsheet: an apostrophe in front when it starts
    with a character that makes a formula (or with an apostrophe)."""
    if text and (text[0] in DANGEROUS_FIRST or text[0] == QUOTE):
        return QUOTE + text
    return text


def unescape_formula(text: str) -> str:
    """The inverse of :func:`escape_formula`: ``unescape_formula(escape_formula(s)) == s``
    for every string ``s``."""
    if len(text) > 1 and text[0] == QUOTE and (text[1] in DANGEROUS_FIRST or text[1] == QUOTE):
        return text[1:]
    return text


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime | date):
        return value.isoformat()
    return str(value)


def _csv_cell(value: Any) -> Any:
    return value if _is_number(value) else escape_formula(_text(value))


class _Echo:
    """A file that hands back what is written to it, for a streaming csv.writer."""

    def write(self, value: str) -> str:
        return value


def csv_lines(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ";",
    bom: bool = True,
) -> Iterator[str]:
    """The CSV one line at a time (rows are read lazily: this streams)."""
    writer = csv.writer(_Echo(), delimiter=delimiter)
    first: str = writer.writerow([_csv_cell(h) for h in header])
    yield ("\ufeff" + first) if bom else first
    for row in rows:
        yield writer.writerow([_csv_cell(v) for v in row])


def csv_text(
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ";",
    bom: bool = True,
) -> str:
    return "".join(csv_lines(header, rows, delimiter=delimiter, bom=bom))


def _xml_safe(text: str) -> str:
    # XML reads a carriage return as a line feed; Excel breaks lines in a cell with "\n".
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _ILLEGAL_XML.sub("\ufffd", text)[:XLSX_MAX_CELL]


def xlsx_bytes(header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet: str) -> bytes:
    """One sheet, the header in the first row; write-only (rows are not kept)."""
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_xml_safe(sheet)[:31] or "Data")

    def cell(value: Any) -> Any:
        if _is_number(value):
            return value
        text = _text(value)
        if not text:
            return None
        out = WriteOnlyCell(worksheet, value=None)
        out.value = _xml_safe(text)
        out.data_type = "s"  # openpyxl would take text starting with "=" for a formula
        if text[0] in DANGEROUS_FIRST:
            out.quotePrefix = True
        return out

    worksheet.append([cell(h) for h in header])
    for row in rows:
        worksheet.append([cell(v) for v in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _attachment(filename: str) -> str:
    safe = re.sub(r"[^A-Za-z0-9._-]", "_", filename)
    return f'attachment; filename="{safe}"'


def csv_response(
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ";",
    bom: bool = True,
) -> HttpResponse:
    """A CSV download."""
    from django.http import HttpResponse

    text = csv_text(header, rows, delimiter=delimiter, bom=bom)
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _attachment(filename)
    return response


def csv_stream_response(
    filename: str,
    header: Sequence[Any],
    rows: Iterable[Sequence[Any]],
    *,
    delimiter: str = ";",
    bom: bool = True,
) -> StreamingHttpResponse:
    """A CSV download sent while the rows are read (for exports too large to hold)."""
    from django.http import StreamingHttpResponse

    lines = csv_lines(header, rows, delimiter=delimiter, bom=bom)
    response = StreamingHttpResponse(lines, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = _attachment(filename)
    return response


def xlsx_response(
    filename: str, header: Sequence[Any], rows: Iterable[Sequence[Any]], *, sheet: str
) -> HttpResponse:
    from django.http import HttpResponse

    response = HttpResponse(xlsx_bytes(header, rows, sheet=sheet), content_type=XLSX_CONTENT_TYPE)
    response["Content-Disposition"] = _attachment(filename)
    return response
