"""Reading an uploaded file of encodings (``samverkan match encode`` output) and storing its
arrays compactly. Pure: no Django.

Every problem is a :class:`UploadError` in Swedish naming the record (counted from 1) and
the field, and nothing is kept from a file with any problem.
"""

from __future__ import annotations

import base64
import binascii
import gzip
import io
import json
import re
import zlib
from dataclasses import dataclass
from datetime import date

import numpy as np
from numpy.typing import NDArray

from samverkan.matching import engine, link, localfiles

__all__ = ["MAX_ERRORS", "ParsedUpload", "UploadError", "dump_payload", "load_payload", "parse"]

MAX_ERRORS = 20
OPEN_END = 2**31 - 1
_REF_RE = re.compile(r"[0-9a-f]{8,64}", re.ASCII)
_TOKEN_RE = re.compile(r"[0-9a-f]{64}", re.ASCII)
_EPOCH = date(1970, 1, 1)


class UploadError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


@dataclass(frozen=True)
class ParsedUpload:
    fingerprint: str
    clk_bits: int
    invalid_rows: int
    refs: list[str]
    clks: NDArray[np.uint8]  # (N, clk_bits // 8)
    tokens: list[str]
    starts: NDArray[np.int32]  # days since 1970-01-01; clipped to the dataset period
    ends: NDArray[np.int32]

    @property
    def size(self) -> int:
        return len(self.refs)

    @property
    def token_count(self) -> int:
        return sum(1 for token in self.tokens if token)


def day_number(value: date) -> int:
    return (value - _EPOCH).days


def _parse_day(text: object, *, end: bool) -> int:
    """A date or month (see :func:`localfiles.period_bounds`) as its first or last day's
    number."""
    if not isinstance(text, str):
        raise ValueError
    first, last = localfiles.period_bounds(text)
    return day_number(last if end else first)


def _decompress(data: bytes) -> bytes:
    if data[:2] == b"\x1f\x8b":
        try:
            return gzip.decompress(data)
        except (OSError, EOFError, zlib.error):
            raise UploadError(
                ["Filen ser ut att vara gzip-packad men kunde inte packas upp."]
            ) from None
    return data


def parse(data: bytes, *, period_start: date, period_end: date) -> ParsedUpload:
    """Validate a file of encodings (JSON, optionally gzip-packed) completely."""
    try:
        document = json.loads(_decompress(data).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UploadError(
            [
                "Filen är inte en kodad fil från ”samverkan match encode” (ogiltig JSON). "
                "Klartextfiler tas aldrig emot: koda registret hos er först."
            ]
        ) from None
    if not isinstance(document, dict) or document.get("format") != localfiles.FORMAT:
        raise UploadError(
            [
                f"Filen är inte en kodad fil i formatet {localfiles.FORMAT} (”samverkan match "
                "encode”). Klartextfiler tas aldrig emot."
            ]
        )
    errors: list[str] = []
    fingerprint = document.get("schema_fingerprint")
    if not isinstance(fingerprint, str) or not re.fullmatch(r"[0-9a-f]{16,64}", fingerprint):
        errors.append("Fältet schema_fingerprint saknas eller är ogiltigt.")
    bits = document.get("clk_bits", 1024)
    if isinstance(bits, bool) or not isinstance(bits, int) or bits <= 0 or bits % 8:
        errors.append("Fältet clk_bits ska vara ett positivt antal bitar delbart med 8.")
        bits = 1024
    invalid = document.get("invalid_rows", 0)
    if isinstance(invalid, bool) or not isinstance(invalid, int) or invalid < 0:
        errors.append("Fältet invalid_rows ska vara ett heltal ≥ 0.")
        invalid = 0
    records = document.get("records")
    if not isinstance(records, list) or not records:
        errors.append("Filen innehåller inga poster.")
        raise UploadError(errors)
    if document.get("count", len(records)) != len(records):
        errors.append(
            f"Filen säger {document.get('count')} poster men innehåller {len(records)}; "
            "den är troligen avkortad."
        )
    size = bits // 8
    first_day, last_day = day_number(period_start), day_number(period_end)
    refs: list[str] = []
    clks = np.zeros((len(records), size), dtype=np.uint8)
    tokens: list[str] = []
    starts = np.empty(len(records), dtype=np.int32)
    ends = np.empty(len(records), dtype=np.int32)
    seen: set[str] = set()
    for index, record in enumerate(records):
        where = f"Post {index + 1}"
        if len(errors) >= MAX_ERRORS:
            errors.append("… fler fel finns; rätta ovanstående först.")
            break
        if not isinstance(record, dict):
            errors.append(f"{where}: ska vara ett objekt.")
            continue
        ref = record.get("ref")
        if not isinstance(ref, str) or not _REF_RE.fullmatch(ref):
            errors.append(f"{where}: fältet ref ska vara en slumpad referens (hex).")
        elif ref in seen:
            errors.append(f"{where}: referensen förekommer två gånger.")
        else:
            seen.add(ref)
        refs.append(ref if isinstance(ref, str) else "")
        try:
            raw = base64.b64decode("".join(str(record.get("clk", "")).split()), validate=True)
        except (binascii.Error, ValueError):
            raw = b""
        if len(raw) != size:
            errors.append(f"{where}: fältet clk ska vara {size} byte i base64.")
        else:
            clks[index] = np.frombuffer(raw, dtype=np.uint8)
        token = record.get("token") or ""
        if token and (not isinstance(token, str) or not _TOKEN_RE.fullmatch(token)):
            errors.append(f"{where}: fältet token ska vara 64 hexadecimala tecken.")
            token = ""
        tokens.append(token)
        try:
            start = _parse_day(record["from"], end=False) if record.get("from") else first_day
            stop = _parse_day(record["to"], end=True) if record.get("to") else last_day
        except (ValueError, TypeError):
            errors.append(f"{where}: from/to ska vara datum (ÅÅÅÅ-MM-DD eller ÅÅÅÅ-MM).")
            continue
        if stop < start and record.get("from") and record.get("to"):
            errors.append(f"{where}: to ligger före from.")
            continue
        starts[index] = max(start, first_day)
        ends[index] = min(stop, last_day)
        if starts[index] > ends[index]:
            # Outside the dataset's period: kept, but never overlaps anything.
            starts[index], ends[index] = 1, 0
    if errors:
        raise UploadError(errors)
    assert isinstance(fingerprint, str)
    return ParsedUpload(fingerprint, bits, invalid, refs, clks, tokens, starts, ends)


def dump_payload(parsed: ParsedUpload) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(
        buffer,
        refs=np.array(parsed.refs, dtype="U64"),
        clks=parsed.clks,
        tokens=np.array(parsed.tokens, dtype="U64"),
        starts=parsed.starts,
        ends=parsed.ends,
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class StoredEncodings:
    refs: list[str]
    encodings: engine.Encodings


def load_payload(payload: bytes) -> StoredEncodings:
    with np.load(io.BytesIO(payload), allow_pickle=False) as archive:
        clks = link.as_words(archive["clks"])
        return StoredEncodings(
            refs=archive["refs"].tolist(),
            encodings=engine.Encodings(
                clks=clks,
                tokens=archive["tokens"].tolist(),
                starts=archive["starts"].astype(np.int32),
                ends=archive["ends"].astype(np.int32),
            ),
        )
