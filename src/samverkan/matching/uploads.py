"""Reading an uploaded file of encodings (``samverkan match encode`` output) and storing its
arrays compactly. Pure: no Django.

Every problem is a :class:`UploadError` in Swedish naming the record (counted from 1) and
the field, and nothing is kept from a file with any problem.
"""

from __future__ import annotations

import base64
import binascii
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
# CLKs of clkhash are usually 1,024 bits; anything outside this range is not an encoding.
CLK_BITS_MIN = 64
CLK_BITS_MAX = 8192
# Counts stored in the database (a positive 32-bit integer).
MAX_COUNT = 2**31 - 1
# The most a file may hold unpacked unless the caller says otherwise (the service passes
# SAMVERKAN_MATCH_MAX_UNPACKED_MB), and how much harder than a file of encodings a gzip file
# may pack once it unpacks to more than RATIO_FROM bytes.
MAX_UNPACKED = 400 * 1024 * 1024
MAX_RATIO = 20
RATIO_FROM = 16 * 1024 * 1024
CHUNK = 1024 * 1024
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


def _decompress(data: bytes, max_bytes: int) -> bytes:
    """The file unpacked if it is gzip-packed, a piece at a time: never more than
    ``max_bytes``, and never more than MAX_RATIO times the packed size (a file of encodings
    packs about 1.5 times; a "gzip bomb" a thousand)."""
    if data[:2] != b"\x1f\x8b":
        if len(data) > max_bytes:
            raise UploadError([f"Filen är större än {max_bytes // (1024 * 1024)} MB."])
        return data
    allowed = min(max_bytes, max(MAX_RATIO * len(data), RATIO_FROM))
    out = bytearray()
    rest = data
    try:
        while rest[:2] == b"\x1f\x8b":  # a gzip file may hold several members
            unpacker = zlib.decompressobj(wbits=31)
            pending = rest
            while not unpacker.eof:
                piece = unpacker.decompress(pending, CHUNK)
                pending = unpacker.unconsumed_tail
                out += piece
                if len(out) > allowed:
                    raise UploadError([_too_big(max_bytes, allowed)])
                if not piece and not pending:
                    break  # the input ended before the packed stream did
            if not unpacker.eof:
                raise UploadError(["Filen ser ut att vara gzip-packad men är avkortad."])
            rest = unpacker.unused_data
    except zlib.error:
        raise UploadError(
            ["Filen ser ut att vara gzip-packad men kunde inte packas upp."]
        ) from None
    return bytes(out)


def _too_big(max_bytes: int, allowed: int) -> str:
    if allowed < max_bytes:
        return (
            f"Filen packas upp till mer än {MAX_RATIO} gånger sin storlek och tas inte emot: "
            "en fil från ”samverkan match encode” gör aldrig det."
        )
    return f"Filen packas upp till mer än {max_bytes // (1024 * 1024)} MB."


def _int_field(
    document: dict[str, object], name: str, default: int, low: int, high: int
) -> int | None:
    value = document.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        return None
    return value


def parse(
    data: bytes,
    *,
    period_start: date,
    period_end: date,
    max_bytes: int = MAX_UNPACKED,
) -> ParsedUpload:
    """Validate a file of encodings (JSON, optionally gzip-packed) completely.
    ``max_bytes``: the most the file may hold unpacked."""
    try:
        document = json.loads(_decompress(data, max_bytes).decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise UploadError(
            [
                "Filen är inte en kodad fil från ”samverkan match encode” (ogiltig JSON). "
                "Klartextfiler tas aldrig emot: koda registret hos er först."
            ]
        ) from None
    except RecursionError:
        raise UploadError(
            ["Filen är inte en kodad fil från ”samverkan match encode” (för djupt nästlad)."]
        ) from None
    if not isinstance(document, dict) or document.get("format") != localfiles.FORMAT:
        raise UploadError(
            [
                f"Filen är inte en kodad fil i formatet {localfiles.FORMAT} (”samverkan match "
                "encode”). Klartextfiler tas aldrig emot."
            ]
        )
    # Only values of the expected types are ever looked at (or written into a message):
    # the file is the uploader's, and a deeply nested value must not reach repr().
    errors: list[str] = []
    fingerprint = document.get("schema_fingerprint")
    if not isinstance(fingerprint, str) or not re.fullmatch(r"[0-9a-f]{16,64}", fingerprint):
        errors.append("Fältet schema_fingerprint saknas eller är ogiltigt.")
    bits = _int_field(document, "clk_bits", 1024, CLK_BITS_MIN, CLK_BITS_MAX)
    if bits is None or bits % 8:
        errors.append(
            f"Fältet clk_bits ska vara ett antal bitar delbart med 8, från {CLK_BITS_MIN} "
            f"till {CLK_BITS_MAX}."
        )
        bits = 1024
    invalid = _int_field(document, "invalid_rows", 0, 0, MAX_COUNT)
    if invalid is None:
        errors.append(f"Fältet invalid_rows ska vara ett heltal från 0 till {MAX_COUNT}.")
        invalid = 0
    records = document.get("records")
    if not isinstance(records, list) or not records:
        errors.append("Filen innehåller inga poster.")
        raise UploadError(errors)
    count = _int_field(document, "count", len(records), 0, MAX_COUNT)
    if count is None:
        errors.append("Fältet count ska vara antalet poster.")
    elif count != len(records):
        errors.append(
            f"Filen säger {count} poster men innehåller {len(records)}; den är troligen avkortad."
        )
    size = bits // 8
    first_day, last_day = day_number(period_start), day_number(period_end)
    refs: list[str] = []
    clks = bytearray()
    tokens: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
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
        clk = record.get("clk", "")
        raw = b""
        if isinstance(clk, str) and len(clk) <= 2 * size + 64:
            try:
                raw = base64.b64decode("".join(clk.split()), validate=True)
            except (binascii.Error, ValueError):
                raw = b""
        if len(raw) != size:
            errors.append(f"{where}: fältet clk ska vara {size} byte i base64.")
            raw = bytes(size)
        clks += raw
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
        start, stop = max(start, first_day), min(stop, last_day)
        if start > stop:
            # Outside the dataset's period: kept, but never overlaps anything.
            start, stop = 1, 0
        starts.append(start)
        ends.append(stop)
    if errors:
        raise UploadError(errors)
    assert isinstance(fingerprint, str)
    return ParsedUpload(
        fingerprint,
        bits,
        invalid,
        refs,
        np.frombuffer(clks, dtype=np.uint8).reshape(len(refs), size),
        tokens,
        np.array(starts, dtype=np.int32),
        np.array(ends, dtype=np.int32),
    )


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
