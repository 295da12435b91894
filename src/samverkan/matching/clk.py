"""Keyed Bloom-filter encodings (CLKs) of records, bit for bit as clkhash 0.18 makes them.

A data owner turns each record (one string per schema feature, in schema order) into a
CLK of ``schema.l`` bits (1024 in this platform) with a secret shared only between the
data owners. The party that compares CLKs must never hold the secret. See
``docs/matching/encoding.md``.

The algorithm (clkhash 0.18.3, ``bloomfilter.py``, ``field_formats.py``,
``comparators.py``, ``key_derivation.py``):

1. Keys: HKDF (RFC 5869) over the secret with the schema's hash, salt and info gives
   ``2 × len(features)`` keys of ``keySize`` bytes, ignored features included; feature i
   uses key ``2i`` (the second key of each pair belongs to clkhash's doubleHash).
2. Value: a value equal to the feature's ``missingValue.sentinel`` is replaced by
   ``replaceWith`` without validation; otherwise it is validated and formatted (integers
   as ``str(int(value))``, dates as ``YYYYMMDD``).
3. Tokens: n-grams of the value padded with n-1 spaces on each side (positional:
   ``"<1-based position> <n-gram>"``), the whole value (exact), or the numeric
   neighbourhood tokens. An empty value has no tokens and sets no bits.
4. Bits: token t with k insertions (``bitsPerToken``, or ``bitsPerFeature`` spread over
   the tokens) is hashed as ``BLAKE2b-512(t, key=key_i, salt=str(j))`` for
   ``j = 0 … ⌈k/32⌉-1``; the digests are read as little-endian 16-bit numbers and the first
   k of them, modulo l, are the bit indices. Bit index 0 is the most significant bit of
   the first byte (bitarray's big-endian order), and the CLK is the OR of all features.

Functions are top level and take only picklable arguments, so they can run in worker
processes. Errors in values are :class:`RecordError` in Swedish; they never contain the
value itself (it may be a name or an identity number). The bit indices of a record are
collected as bytes and set with numpy in one step (no per-bit Python loop); within one
:func:`encode_rows` or :func:`encode_each` call the indices of repeated values and tokens
are cached (never across calls, so no key material outlives the call).

No Django; standard library and numpy.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime

import numpy as np
from numpy.typing import NDArray

from samverkan.matching.schema import (
    DATE_OUTPUT_FORMAT,
    KEYS_PER_FEATURE,
    BitsPerFeature,
    BitsPerToken,
    Comparison,
    DateFormat,
    EnumFormat,
    ExactComparison,
    Feature,
    IgnoredFeature,
    IntegerFormat,
    LinkageSchema,
    NgramComparison,
    NumericComparison,
    Strategy,
    StringFormat,
)

__all__ = [
    "MIN_SECRET_BYTES",
    "RecordError",
    "check_header",
    "decode_clk",
    "dice",
    "encode_each",
    "encode_record",
    "encode_rows",
    "feature_value",
    "tokenize",
]

#: Shorter shared secrets are refused (same rule as :mod:`samverkan.matching.tokens`).
MIN_SECRET_BYTES = 16

_HASHES = {"SHA256": hashlib.sha256, "SHA512": hashlib.sha512}
_SHORTS_PER_DIGEST = 32  # one BLAKE2b-512 digest = 32 unsigned 16-bit numbers
_INTEGER_TEXT = re.compile(r"\s*[+-]?[0-9]+\s*")
_MAX_CACHE = 1 << 16
# Records whose filters are set in one numpy pass (a bit array of _BATCH × l bytes).
_BATCH = 1024


class RecordError(ValueError):
    """A record or one of its values does not fit the schema.

    ``reason`` is a Swedish message without the value; ``identifier`` and ``column``
    (0-based) name the feature when the problem is in one value; ``row`` is set by
    :func:`encode_rows` (numbered from its ``first_row``).
    """

    def __init__(
        self,
        reason: str,
        identifier: str | None = None,
        column: int | None = None,
        row: int | None = None,
    ) -> None:
        self.reason = reason
        self.identifier = identifier
        self.column = column
        self.row = row
        super().__init__(reason, identifier, column, row)

    def at_row(self, row: int) -> RecordError:
        return RecordError(self.reason, self.identifier, self.column, row)

    def __str__(self) -> str:
        parts = []
        if self.row is not None:
            parts.append(f"rad {self.row}")
        if self.identifier is not None:
            parts.append(f'fält "{self.identifier}"')
        prefix = ", ".join(parts)
        return f"{prefix}: {self.reason}" if prefix else self.reason


# --------------------------------------------------------------------------- keys


def _hkdf(secret: bytes, length: int, hash_name: str, salt: bytes | None, info: bytes) -> bytes:
    """HKDF (RFC 5869); no salt means a string of zeros as long as the hash."""
    digest = _HASHES[hash_name]
    size = digest().digest_size
    prk = hmac.new(salt or bytes(size), secret, digest).digest()
    okm = bytearray()
    block = b""
    counter = 1
    while len(okm) < length:
        block = hmac.new(prk, block + info + bytes([counter]), digest).digest()
        okm += block
        counter += 1
    return bytes(okm[:length])


def _feature_keys(schema: LinkageSchema, secret: bytes) -> tuple[bytes, ...]:
    """The BLAKE2b key of every feature (ignored features too, to keep the positions)."""
    if not isinstance(secret, bytes):
        raise TypeError("hemligheten måste vara bytes")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"hemligheten måste vara minst {MIN_SECRET_BYTES} byte lång")
    kdf = schema.kdf
    n = len(schema.features)
    okm = _hkdf(secret, KEYS_PER_FEATURE * n * kdf.key_size, kdf.hash, kdf.salt, kdf.info or b"")
    step = KEYS_PER_FEATURE * kdf.key_size
    return tuple(okm[i * step : i * step + kdf.key_size] for i in range(n))


# --------------------------------------------------------------------------- values


def feature_value(feature: Feature, value: str) -> str:
    """Validate ``value`` for ``feature`` and return the text that is tokenised.

    Raises :class:`RecordError` (with ``identifier`` set, ``column`` unset)."""

    def fail(reason: str) -> RecordError:
        return RecordError(reason, feature.identifier)

    if not isinstance(value, str):
        raise fail("värdet måste vara text")
    missing = feature.hashing.missing_value
    if missing is not None and value == missing.sentinel:
        return missing.replace_with
    encoding = feature.encoding
    try:
        value.encode(encoding)
    except UnicodeEncodeError:
        raise fail(f"värdet innehåller tecken som inte kan kodas som {encoding}") from None

    fmt = feature.format
    if isinstance(fmt, StringFormat):
        if fmt.pattern is not None:
            if re.fullmatch(fmt.pattern, value) is None:
                raise fail(f"värdet har inte formen {fmt.pattern!r}")
            return value
        if fmt.min_length is not None and len(value) < fmt.min_length:
            raise fail(f"värdet är kortare än {fmt.min_length} tecken")
        if fmt.max_length is not None and len(value) > fmt.max_length:
            raise fail(f"värdet är längre än {fmt.max_length} tecken ({len(value)})")
        if fmt.case == "upper" and value.upper() != value:
            raise fail("värdet måste skrivas med versaler")
        if fmt.case == "lower" and value.lower() != value:
            raise fail("värdet måste skrivas med gemener")
        return value
    if isinstance(fmt, IntegerFormat):
        if not _INTEGER_TEXT.fullmatch(value):
            raise fail("värdet är inte ett heltal")
        try:
            number = int(value, 10)
        except ValueError:  # more digits than Python converts
            raise fail("värdet är inte ett heltal av rimlig storlek") from None
        if fmt.minimum is not None and number < fmt.minimum:
            raise fail(f"heltalet är mindre än {fmt.minimum}")
        if fmt.maximum is not None and number > fmt.maximum:
            raise fail(f"heltalet är större än {fmt.maximum}")
        return str(number)
    if isinstance(fmt, DateFormat):
        try:
            parsed = datetime.strptime(value, fmt.format)
        except ValueError:
            raise fail(f"värdet är inte ett giltigt datum i formatet {fmt.format!r}") from None
        return parsed.strftime(DATE_OUTPUT_FORMAT)
    assert isinstance(fmt, EnumFormat)
    if value not in fmt.values:
        raise fail(f"värdet är inte ett av de tillåtna ({', '.join(fmt.values)})")
    return value


def tokenize(comparison: Comparison, text: str) -> list[str]:
    """The tokens of an already formatted value (see :func:`feature_value`)."""
    if not text:
        return []
    if isinstance(comparison, NgramComparison):
        n = comparison.n
        word = f"{' ' * (n - 1)}{text}{' ' * (n - 1)}" if n > 1 else text
        count = len(word) - n + 1
        if comparison.positional:
            return [f"{i + 1} {word[i : i + n]}" for i in range(count)]
        return [word[i : i + n] for i in range(count)]
    if isinstance(comparison, ExactComparison):
        return [text]
    return _numeric_tokens(comparison, text)


def _numeric_tokens(comparison: NumericComparison, text: str) -> list[str]:
    # Integer input only (the schema allows numeric comparison on integer features).
    value = int(text, 10)
    if comparison.fractional_precision > 0:
        value *= pow(10, comparison.fractional_precision)
    value *= 2 * comparison.resolution
    interval = comparison.distance_interval
    residue = value % interval
    if residue == 0:
        pass
    elif residue < interval / 2:
        value -= residue
    else:
        value += interval - residue
    r = comparison.resolution
    return [str(value + i * interval) for i in range(-r, r + 1)]


def _insertions(strategy: Strategy, num_tokens: int) -> list[int]:
    if isinstance(strategy, BitsPerToken):
        return [strategy.bits] * num_tokens
    assert isinstance(strategy, BitsPerFeature)
    k, residue = divmod(strategy.bits, num_tokens)
    return [k + 1] * residue + [k] * (num_tokens - residue)


# --------------------------------------------------------------------------- bits


def _token_indices(token: bytes, k: int, key: bytes) -> bytes:
    """The first k little-endian 16-bit numbers of the token's BLAKE2b digests, as bytes.

    Each number modulo l is one bit index (clkhash's ``blake_hash_token``)."""
    if k <= _SHORTS_PER_DIGEST:
        return hashlib.blake2b(token, key=key, salt=b"0").digest()[: 2 * k]
    digests = b"".join(
        hashlib.blake2b(token, key=key, salt=str(j).encode()).digest()
        for j in range((k + _SHORTS_PER_DIGEST - 1) // _SHORTS_PER_DIGEST)
    )
    return digests[: 2 * k]


def _bloom_filter(indices: bytes | bytearray, length: int) -> bytes:
    """Set the bits named by ``indices`` (see :func:`_token_indices`) in a filter of
    ``length`` bits; bit 0 is the most significant bit of the first byte."""
    if not indices:
        return bytes(length // 8)
    positions = np.frombuffer(indices, dtype="<u2") & (length - 1)
    bits = np.zeros(length, dtype=np.uint8)
    bits[positions] = 1
    return np.packbits(bits).tobytes()


def _bloom_filters(records: Sequence[bytes], length: int) -> NDArray[np.uint8]:
    """:func:`_bloom_filter` of each of ``records`` (indices as bytes), in one numpy pass:
    an ``(len(records), length / 8)`` array, one filter per row."""
    counts = np.fromiter((len(indices) // 2 for indices in records), np.intp, len(records))
    positions = np.frombuffer(b"".join(records), dtype="<u2") & (length - 1)
    bits = np.zeros((len(records), length), dtype=np.uint8)
    bits[np.repeat(np.arange(len(records)), counts), positions] = 1
    return np.packbits(bits, axis=1)


class _Cache:
    """Bit indices already computed within one call: per token, and per whole value.

    A value's indices depend only on its feature and its text, so a repeated value (a
    common name, a sex, a household size) costs one dictionary look-up. Both tables are
    emptied when they reach ``_MAX_CACHE`` entries.
    """

    __slots__ = ("tokens", "values")

    def __init__(self) -> None:
        self.tokens: dict[tuple[int, bytes, int], bytes] = {}
        self.values: dict[tuple[int, str], bytes] = {}


def _feature_indices(
    column: int, feature: Feature, value: str, key: bytes, cache: _Cache | None
) -> bytes:
    """The bit indices (see :func:`_token_indices`) of one value, all tokens together."""
    try:
        text = feature_value(feature, value)
    except RecordError as e:
        raise RecordError(e.reason, feature.identifier, column) from None
    tokens = tokenize(feature.hashing.comparison, text)
    if not tokens:
        return b""
    encoding = feature.encoding
    counts = _insertions(feature.hashing.strategy, len(tokens))
    indices = bytearray()
    for token, k in zip(tokens, counts, strict=True):
        if k == 0:
            continue
        data = token.encode(encoding)
        if cache is None:
            indices += _token_indices(data, k, key)
            continue
        slot = (column, data, k)
        chunk = cache.tokens.get(slot)
        if chunk is None:
            if len(cache.tokens) >= _MAX_CACHE:
                cache.tokens.clear()
            chunk = cache.tokens[slot] = _token_indices(data, k, key)
        indices += chunk
    return bytes(indices)


def _record_indices(
    values: Sequence[str],
    schema: LinkageSchema,
    keys: tuple[bytes, ...],
    cache: _Cache | None,
) -> bytes:
    """The bit indices of all features of one record (see :func:`_token_indices`)."""
    features = schema.features
    if isinstance(values, str | bytes):
        raise RecordError("posten måste vara en lista med värden, inte en enda text")
    if len(values) != len(features):
        raise RecordError(f"posten har {len(values)} värden men schemat har {len(features)} fält")
    indices = bytearray()
    for column, (feature, value, key) in enumerate(zip(features, values, keys, strict=True)):
        if isinstance(feature, IgnoredFeature):
            continue
        if cache is None or type(value) is not str:
            indices += _feature_indices(column, feature, value, key, None)
            continue
        slot = (column, value)
        chunk = cache.values.get(slot)
        if chunk is None:
            if len(cache.values) >= _MAX_CACHE:
                cache.values.clear()
            chunk = cache.values[slot] = _feature_indices(column, feature, value, key, cache)
        indices += chunk
    return bytes(indices)


def encode_record(values: Sequence[str], schema: LinkageSchema, secret: bytes) -> bytes:
    """The CLK (``schema.l / 8`` bytes, 128 for l = 1024) of one record.

    ``values`` holds one string per schema feature, ignored features included. Raises
    :class:`RecordError` for a bad record, ``ValueError``/``TypeError`` for a bad secret.
    For many records use :func:`encode_rows`, which derives the keys once.
    """
    return _bloom_filter(
        _record_indices(values, schema, _feature_keys(schema, secret), None), schema.l
    )


def encode_rows(
    rows: Iterable[Sequence[str]],
    schema: LinkageSchema,
    secret: bytes,
    *,
    first_row: int = 1,
) -> list[str]:
    """Base64 CLKs of ``rows``, in order, as clkhash's ``serialize_bitarray`` writes them.

    A bad value raises :class:`RecordError` with ``row`` = ``first_row`` + its position
    (pass ``first_row=2`` for a CSV file whose first line is a header).
    """
    out: list[str] = []
    for result in _encode_each(rows, schema, secret, first_row, stop=True):
        assert isinstance(result, str)
        out.append(result)
    return out


def encode_each(
    rows: Iterable[Sequence[str]],
    schema: LinkageSchema,
    secret: bytes,
    *,
    first_row: int = 1,
) -> list[str | RecordError]:
    """Like :func:`encode_rows`, but a bad record does not stop the others: its place in the
    result holds its :class:`RecordError` (``row`` set as there) instead of a CLK.

    The keys are derived once for all ``rows`` (a few HMACs, far more than hashing one
    record's tokens): encode many records per call, not one.
    """
    return list(_encode_each(rows, schema, secret, first_row, stop=False))


def _encode_each(
    rows: Iterable[Sequence[str]],
    schema: LinkageSchema,
    secret: bytes,
    first_row: int,
    *,
    stop: bool,
) -> Iterator[str | RecordError]:
    keys = _feature_keys(schema, secret)
    cache = _Cache()
    batch: list[bytes | RecordError] = []
    for index, row in enumerate(rows):
        try:
            batch.append(_record_indices(row, schema, keys, cache))
        except RecordError as e:
            if stop:
                raise e.at_row(first_row + index) from None
            batch.append(e.at_row(first_row + index))
        if len(batch) == _BATCH:
            yield from _finish(batch, schema.l)
            batch = []
    yield from _finish(batch, schema.l)


def _finish(batch: list[bytes | RecordError], length: int) -> Iterator[str | RecordError]:
    """Base64 CLKs of a batch of records' indices; errors stay in their places."""
    good = [item for item in batch if not isinstance(item, RecordError)]
    filters = iter(_bloom_filters(good, length))
    for item in batch:
        if isinstance(item, RecordError):
            yield item
        else:
            yield base64.b64encode(next(filters).tobytes()).decode("ascii")


def check_header(columns: Sequence[str], schema: LinkageSchema) -> None:
    """Check a CSV header against the schema's identifiers (clkhash's header rule)."""
    expected = schema.identifiers
    if len(columns) != len(expected):
        raise RecordError(
            f"rubrikraden har {len(columns)} kolumner men schemat har {len(expected)}"
        )
    for column, (name, wanted) in enumerate(zip(columns, expected, strict=True)):
        if name != wanted:
            raise RecordError(
                f'kolumn {column + 1} heter "{name}" men schemat väntar "{wanted}"',
                wanted,
                column,
            )


# --------------------------------------------------------------------------- comparing


def decode_clk(encoded: str, schema: LinkageSchema | None = None) -> bytes:
    """Bytes of a base64 CLK; with ``schema``, its length is checked too."""
    try:
        raw = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("kodningen är inte giltig base64") from None
    if schema is not None and len(raw) != schema.clk_bytes:
        raise ValueError(f"kodningen har {len(raw)} byte men schemat ger {schema.clk_bytes}")
    return raw


def dice(a: bytes, b: bytes) -> float:
    """Sørensen–Dice coefficient 2|a ∧ b| / (|a| + |b|) of two CLKs; 0.0 if both are empty."""
    if len(a) != len(b):
        raise ValueError(f"kodningarna har olika längd ({len(a)} och {len(b)} byte)")
    x = int.from_bytes(a, "big")
    y = int.from_bytes(b, "big")
    total = x.bit_count() + y.bit_count()
    if total == 0:
        return 0.0
    return 2 * (x & y).bit_count() / total
