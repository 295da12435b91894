"""Hostile files for the upload tests: small on disk, huge or malformed once read.

Sheets are written as raw XML (inline strings) so that a file of any shape is made in a
fraction of a second, as an attacker would make it, without a spreadsheet program."""

from __future__ import annotations

import gzip
import io
import json
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from pathlib import Path

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" '
    'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>'
    "</Types>"
)
_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="xl/workbook.xml" Type="http://schemas.openxmlformats.org/'
    'officeDocument/2006/relationships/officeDocument"/></Relationships>'
)
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Blad1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Target="worksheets/sheet1.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/worksheet"/>'
    '<Relationship Id="rId2" Target="sharedStrings.xml" Type="http://schemas.'
    'openxmlformats.org/officeDocument/2006/relationships/sharedStrings"/></Relationships>'
)
_SHEET_HEAD = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
    "<sheetData>"
)
_SHEET_TAIL = "</sheetData></worksheet>"


def column_letter(number: int) -> str:
    letters = ""
    while number:
        number, rest = divmod(number - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


def cell(column: int, row: int, text: str) -> str:
    text = text.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c r="{column_letter(column)}{row}" t="inlineStr"><is><t>{text}</t></is></c>'


def row_xml(number: int, cells: Iterable[tuple[int, str]]) -> str:
    return f'<row r="{number}">' + "".join(cell(c, number, t) for c, t in cells) + "</row>"


def xlsx(rows: Iterable[str], *, level: int = 6, shared_strings: Iterable[str] = ()) -> bytes:
    """An XLSX file whose first sheet holds ``rows`` (``<row>`` elements) and whose shared
    strings part holds ``shared_strings`` (pieces of XML), streamed into the archive."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as sheet:
            sheet.write(_SHEET_HEAD.encode())
            chunk: list[str] = []
            for row in rows:
                chunk.append(row)
                if len(chunk) >= 2000:
                    sheet.write("".join(chunk).encode())
                    chunk.clear()
            sheet.write(("".join(chunk) + _SHEET_TAIL).encode())
        with archive.open("xl/sharedStrings.xml", "w", force_zip64=True) as strings:
            strings.write(
                b'<?xml version="1.0" encoding="UTF-8"?>'
                b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
            )
            for piece in shared_strings:
                strings.write(piece.encode())
            strings.write(b"</sst>")
    return buffer.getvalue()


HEADER = [(1, "adress"), (2, "kommun")]


def wide_xlsx(rows: int = 10_000) -> bytes:
    """Every row holds one cell, in the last column Excel has (XFD, number 16,384)."""
    return xlsx([row_xml(1, HEADER)] + [row_xml(n, [(16_384, "x")]) for n in range(2, rows + 2)])


def wide_header_xlsx() -> bytes:
    """The header itself reaches column XFD."""
    return xlsx([row_xml(1, [(c, f"k{c}") for c in range(1, 16_385)])])


def tall_xlsx(rows: int) -> bytes:
    return xlsx(
        [row_xml(1, HEADER)] + [row_xml(n, [(1, f"G{n}"), (2, "L")]) for n in range(2, rows + 2)]
    )


def far_row_xlsx() -> bytes:
    """One row numbered a billion: a reader that fills in the missing rows never ends."""
    return xlsx([row_xml(1, HEADER), row_xml(1_000_000_000, [(1, "x")])])


def bomb_xlsx(megabytes: int = 200) -> bytes:
    """A sheet that unpacks to ``megabytes`` MB of identical rows (packed about 1:1000)."""
    row = row_xml(2, [(1, "a")])
    return xlsx([row_xml(1, HEADER)] + [row] * (megabytes * 1024 * 1024 // len(row)), level=9)


def strings_xlsx(megabytes: int = 8, ratio: float = 8.5) -> bytes:
    """Shared strings packed about ``ratio`` times: ``megabytes`` MB of one-letter strings
    (which pack a thousand times) beside random text that packs hardly at all."""
    import secrets

    size = megabytes * 1024 * 1024
    tiny = "<si><t>a</t></si>" * (size // 17)
    # Random URL-safe text packs to about 3/4 of its length.
    padding = "<!--" + secrets.token_urlsafe(int(size / ratio / 0.75 * 3 / 4)) + "-->"
    return xlsx([row_xml(1, HEADER)], shared_strings=[tiny, padding])


def tall_csv(rows: int) -> bytes:
    return ("adress;kommun\n" + "".join(f"G{n};L\n" for n in range(rows))).encode()


def gzip_zeros(megabytes: int, path: Path) -> Path:
    """``megabytes`` MB of zero bytes, gzip-packed (about 1 MB per 1,000 MB), written in
    pieces so that making it costs no memory."""
    block = bytes(1024 * 1024)
    with gzip.open(path, "wb", compresslevel=9) as handle:
        for _ in range(megabytes):
            handle.write(block)
    return path


def gzip_json_padding(megabytes: int, path: Path) -> Path:
    """A valid-looking encodings document followed by ``megabytes`` MB of white space."""
    head = json.dumps({"format": "samverkan-clk-v1", "records": []}).encode()
    block = b" " * (1024 * 1024)
    with gzip.open(path, "wb", compresslevel=9) as handle:
        handle.write(head[:-1])
        for _ in range(megabytes):
            handle.write(block)
        handle.write(b"}")
    return path


def deep_json(depth: int) -> str:
    return "[" * depth + "]" * depth


def deflate_ratio(data: bytes) -> float:
    return len(data) / len(zlib.compress(data))


def chunks(data: bytes, size: int) -> Iterator[bytes]:
    for start in range(0, len(data), size):
        yield data[start : start + size]
