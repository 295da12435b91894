"""The data owner's side and the comparing side of a matching run, as files.

Pure: no Django. ``encode_file`` turns the owner's CSV into encodings that hold no clear
text (CLKs, keyed identity tokens, keyed block keys and random references); the mapping
from references back to rows stays with the owner. ``link_files`` compares two encoded
files and never needs the secret.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import re
import secrets as random_secrets
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from samverkan.core.identity import IdentityNumberError
from samverkan.matching import clk, link, schema, tokens

FORMAT = "samverkan-clk-v1"
CHUNK = 2000
Progress = Callable[[int, int], None]


class MatchFileError(ValueError):
    """A problem with an input file, in Swedish."""


@dataclass
class EncodeResult:
    records: int = 0
    invalid: list[str] = field(default_factory=list)


def read_secret(path: Path) -> bytes:
    data = path.read_bytes().strip()
    if len(data) < tokens.MIN_SECRET_BYTES:
        raise MatchFileError(
            f"Nyckelfilen är för kort: minst {tokens.MIN_SECRET_BYTES} byte krävs."
        )
    return data


def _block_key(value: str, secret: bytes) -> str:
    key = tokens.hkdf_sha256(secret, info=b"samverkan block key v1")
    return hmac.new(key, value.strip().lower().encode("utf-8"), hashlib.sha256).hexdigest()[:16]


def _encode_chunk(
    rows: list[tuple[int, list[str]]],
    schema_data: dict[str, Any],
    secret: bytes,
    identity_index: int | None,
    block_index: int | None,
) -> list[tuple[int, str | None, str | None, str | None, str | None]]:
    """(row number, clk, token, block, error) for each row. Runs in worker processes."""
    parsed = schema.parse_schema(schema_data)
    # One call for the chunk: the keys are derived once, not once per row.
    encodings = clk.encode_each([values for _, values in rows], parsed, secret)
    out: list[tuple[int, str | None, str | None, str | None, str | None]] = []
    for (number, values), encoded in zip(rows, encodings, strict=True):
        try:
            if isinstance(encoded, clk.RecordError):
                raise encoded.at_row(number)
            token = None
            if identity_index is not None and values[identity_index].strip():
                token = tokens.identity_token(values[identity_index], secret)
            block = _block_key(values[block_index], secret) if block_index is not None else None
        except clk.RecordError as error:
            out.append((number, None, None, None, str(error)))
            continue
        except IdentityNumberError as error:
            out.append((number, None, None, None, f"rad {number}: {error}"))
            continue
        out.append((number, encoded, token, block, None))
    return out


def encode_file(
    *,
    schema_path: Path,
    secret: bytes,
    input_path: Path,
    output_path: Path,
    mapping_path: Path | None = None,
    identity_column: str | None = None,
    block_column: str | None = None,
    from_column: str | None = None,
    to_column: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> EncodeResult:
    """Encode ``input_path`` (CSV with the schema's columns, plus the optional period
    columns ``from_column``/``to_column``, which are not part of the schema) into
    ``output_path``; see docs/matching/README.md."""
    parsed = schema.load_schema(schema_path)
    schema_data = schema.to_dict(parsed)
    with input_path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.reader(handle)
        try:
            header = next(reader)
        except StopIteration as exc:
            raise MatchFileError("Indatafilen är tom.") from exc
        rows = [(number, row) for number, row in enumerate(reader, start=2)]
    header, rows, periods = _split_periods(header, rows, from_column, to_column)
    try:
        clk.check_header(header, parsed)
    except clk.RecordError as error:
        raise MatchFileError(f"Rubrikraden stämmer inte med schemat: {error}") from error

    def index_of(column: str | None, option: str) -> int | None:
        if column is None:
            return None
        if column not in header:
            raise MatchFileError(f"Kolumnen ”{column}” ({option}) finns inte i indatafilen.")
        return header.index(column)

    identity_index = index_of(identity_column, "--identity-column")
    block_index = index_of(block_column, "--block-column")
    chunks = [rows[i : i + CHUNK] for i in range(0, len(rows), CHUNK)]
    results: list[tuple[int, str | None, str | None, str | None, str | None]] = []
    workers = workers or os.cpu_count() or 1
    args = (schema_data, secret, identity_index, block_index)
    if workers == 1 or len(chunks) <= 1:
        for chunk in chunks:
            results.extend(_encode_chunk(chunk, *args))
            if progress:
                progress(len(results), len(rows))
    else:
        with ProcessPoolExecutor(max_workers=workers) as pool:
            futures = [pool.submit(_encode_chunk, chunk, *args) for chunk in chunks]
            for future in futures:
                results.extend(future.result())
                if progress:
                    progress(len(results), len(rows))
    result = EncodeResult()
    records = []
    mapping = []
    for number, encoded, token, block, problem in results:
        period = periods.get(number)
        if problem is None and isinstance(period, str):
            problem = period
        if problem is not None:
            result.invalid.append(problem)
            continue
        reference = random_secrets.token_hex(12)
        record: dict[str, Any] = {"ref": reference, "clk": encoded, "token": token, "block": block}
        if isinstance(period, tuple):
            record["from"], record["to"] = period
        records.append(record)
        mapping.append((reference, number))
    result.records = len(records)
    output_path.write_text(
        json.dumps(
            {
                "format": FORMAT,
                "schema_fingerprint": schema.fingerprint(parsed),
                "clk_bits": parsed.l,
                "count": len(records),
                "invalid_rows": len(result.invalid),
                "records": records,
            }
        ),
        encoding="utf-8",
    )
    if mapping_path is not None:
        with mapping_path.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["ref", "row"])
            writer.writerows(mapping)
    return result


_PERIOD_RE = re.compile(r"\d{4}-\d{2}(-\d{2})?", re.ASCII)


def period_bounds(text: str) -> tuple[date, date]:
    """First and last day of a period written as a date (YYYY-MM-DD) or a month (YYYY-MM).
    ValueError for anything else."""
    if not _PERIOD_RE.fullmatch(text):
        raise ValueError(text)
    if len(text) == 10:
        day = date.fromisoformat(text)
        return day, day
    year, month = int(text[:4]), int(text[5:])
    first = date(year, month, 1)
    following = date(year + month // 12, month % 12 + 1, 1)
    return first, following - timedelta(days=1)


def _period_value(text: str) -> str | None:
    """A period end as written, None when empty; ValueError when not a date or month."""
    text = text.strip()
    if not text:
        return None
    period_bounds(text)
    return text


def _split_periods(
    header: list[str],
    rows: list[tuple[int, list[str]]],
    from_column: str | None,
    to_column: str | None,
) -> tuple[list[str], list[tuple[int, list[str]]], dict[int, tuple[str | None, str | None] | str]]:
    """Take the period columns out of the rows. Returns the header and rows without them
    and, per row number, the period or a Swedish error naming the row and column."""
    wanted = [
        (name, option)
        for name, option in ((from_column, "--from-column"), (to_column, "--to-column"))
        if name
    ]
    if not wanted:
        return header, rows, {}
    positions: list[int] = []
    for name, option in wanted:
        if name not in header:
            raise MatchFileError(f"Kolumnen ”{name}” ({option}) finns inte i indatafilen.")
        positions.append(header.index(name))
    keep = [i for i in range(len(header)) if i not in positions]
    periods: dict[int, tuple[str | None, str | None] | str] = {}
    stripped: list[tuple[int, list[str]]] = []
    for number, row in rows:
        values: list[str | None] = []
        for (name, _option), position in zip(wanted, positions, strict=True):
            try:
                values.append(_period_value(row[position]) if position < len(row) else None)
            except ValueError:
                periods[number] = (
                    f"rad {number}: kolumnen ”{name}” ska vara ett datum (ÅÅÅÅ-MM-DD) eller "
                    "en månad (ÅÅÅÅ-MM)"
                )
                break
        else:
            start = values[0] if from_column else None
            end = values[-1] if to_column else None
            if start and end and period_bounds(end)[1] < period_bounds(start)[0]:
                periods[number] = f"rad {number}: perioden slutar innan den börjar"
            else:
                periods[number] = (start, end)
        stripped.append((number, [row[i] for i in keep if i < len(row)]))
    return [header[i] for i in keep], stripped, periods


def read_encoded(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as error:
        raise MatchFileError(f"{path.name} kunde inte läsas som en kodad fil.") from error
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise MatchFileError(f"{path.name} är inte en kodad fil ({FORMAT}).")
    return data


def link_files(
    a_path: Path,
    b_path: Path,
    *,
    threshold: float,
    one_to_one: bool = False,
    blocking: bool = False,
    workers: int | None = None,
    progress: Progress | None = None,
) -> list[tuple[int, int, float]]:
    """Pairs (a_index, b_index, score) with Sørensen–Dice ≥ threshold; indices are
    positions in the two files' record lists."""
    a, b = read_encoded(a_path), read_encoded(b_path)
    if a["schema_fingerprint"] != b["schema_fingerprint"]:
        raise MatchFileError(
            "Filerna är kodade med olika scheman och kan inte jämföras "
            "(schemats fingeravtryck skiljer sig)."
        )
    if not 0 < threshold <= 1:
        raise MatchFileError("Tröskeln ska ligga mellan 0 och 1.")
    size = int(a.get("clk_bits", 1024)) // 8
    a_clks = link.load_clks([r["clk"] for r in a["records"]], size=size)
    b_clks = link.load_clks([r["clk"] for r in b["records"]], size=size)
    blocks = None
    if blocking:
        a_blocks: Sequence[Any] = [r.get("block") for r in a["records"]]
        b_blocks: Sequence[Any] = [r.get("block") for r in b["records"]]
        if None in a_blocks or None in b_blocks:
            raise MatchFileError("Blockning kräver att båda filerna kodats med --block-column.")
        blocks = (list(a_blocks), list(b_blocks))
    pairs = link.candidate_pairs(
        a_clks, b_clks, threshold, blocks=blocks, workers=workers, progress=progress
    )
    return link.one_to_one(pairs) if one_to_one else pairs
