"""Linkage kernel: compare keyed Bloom-filter encodings (CLKs) and exact identity tokens.

The comparing party holds only encodings that the data owners produced with a secret it
never sees. This module turns two lists of CLKs into candidate pairs:

* :func:`load_clks` decodes base64 CLKs (1024 bits = 128 bytes each) into an ``(N, 16)``
  array of ``uint64`` words;
* :func:`dice_matrix` is the full Sørensen–Dice matrix, for small inputs;
* :func:`candidate_pairs` returns every pair with Dice ≥ threshold without ever holding the
  N × M matrix: compiled popcount loops (numba) compare each row of ``a`` with only those
  rows of ``b`` whose bit counts can reach the threshold (``b`` is sorted by bit count),
  give up on a pair as soon as the words left cannot lift it to the threshold, and run on
  threads that share the inputs; optional block keys restrict the comparisons to records
  with the same key;
* :func:`one_to_one` keeps the best non-conflicting pairs;
* :func:`token_pairs` matches exact identity tokens (see :mod:`samverkan.matching.tokens`).

Dice of two CLKs with bit counts p and q and c common bits is 2c / (p + q), computed in
float64 (0.0 when both are empty). Indices in the results are positions in the inputs.
No Django; numpy ≥ 2 (``np.bitwise_count``) and numba.
"""

from __future__ import annotations

import base64
import binascii
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, TypeVar, cast

import numba
import numpy as np
from numba import types as numba_types
from numba.extending import intrinsic
from numpy.typing import NDArray

__all__ = [
    "CLK_BITS",
    "CLK_BYTES",
    "Pair",
    "ProgressCallback",
    "as_words",
    "candidate_pairs",
    "dice_matrix",
    "load_clks",
    "one_to_one",
    "popcounts",
    "token_pairs",
]

CLK_BITS = 1024
CLK_BYTES = CLK_BITS // 8

#: (a_index, b_index, score)
Pair = tuple[int, int, float]
#: Called as ``progress(done, total)`` with the number of comparisons made so far.
ProgressCallback = Callable[[int, int], None]

Words = NDArray[np.uint64]
Counts = NDArray[np.uint16]

# A task (tile) compares up to _TILE_ROWS rows of ``a`` with up to _TILE_COLUMNS consecutive
# rows of the sorted ``b``: 4,096 rows are 512 KiB of words plus their counts, which stay in
# the L2 cache while each of the 1,024 rows of ``a`` passes over them (scanning all of a large
# ``b`` for every row ran at half the speed). A tile is 4 M comparisons, about 20 ms.
_TILE_ROWS = 1024
_TILE_COLUMNS = 4096
# Fewer comparisons than this run in the calling thread whatever ``workers`` says.
_MIN_THREAD_COMPARISONS = 1 << 22
# Pairs found are written to a buffer of this many rows, doubled up to _MAX_BUFFER when full.
_FIRST_BUFFER = 1024
_MAX_BUFFER = 1 << 20
# Bit counts are uint16.
_MAX_BITS = 32_768
# Cost model for choosing the first early check (see _first_check), in cycles: one
# quarter of the words (AND, popcount, add), one check, one mispredicted branch.
_QUARTER_COST = 3.0
_CHECK_COST = 1.5
_MISPREDICT_COST = 15.0
# Pairs sampled for the cost model.
_SAMPLE_ROWS = 64
_SAMPLE_COLUMNS = 64


# --------------------------------------------------------------------------- loading


def load_clks(encoded: Iterable[str], *, size: int = CLK_BYTES) -> Words:
    """Decode base64 CLKs of ``size`` bytes (default 128) into an ``(N, 16)`` ``uint64`` array.

    Whitespace inside a CLK (line breaks) is ignored. Other sizes are padded with zero
    bytes to whole 64-bit words, which leaves every Dice score unchanged.
    """
    raw: list[bytes] = []
    for position, text in enumerate(encoded):
        try:
            value = base64.b64decode("".join(text.split()), validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(
                f"CLK på position {position} (räknat från 0) är inte giltig base64."
            ) from None
        if len(value) != size:
            raise ValueError(
                f"CLK på position {position} (räknat från 0) är {len(value)} byte; "
                f"en CLK ska vara {size} byte ({size * 8} bitar)."
            )
        raw.append(value)
    flat = np.frombuffer(b"".join(raw), dtype=np.uint8)
    return as_words(flat.reshape(len(raw), size).copy())


def _bits_per_row(array: NDArray[Any]) -> int:
    return int(array.shape[1]) * array.dtype.itemsize * 8


def as_words(clks: NDArray[Any]) -> Words:
    """``(N, bytes)`` ``uint8`` or ``(N, words)`` ``uint64`` CLKs as C-contiguous words.

    Byte rows whose length is not a multiple of 8 are padded with zero bytes. The bit order
    inside a word does not matter: Dice depends only on which bits two encodings share.
    """
    array = np.asarray(clks)
    if array.ndim != 2 or array.dtype not in (np.uint8, np.uint64):
        raise ValueError("CLK:erna ska vara en matris av uint8 eller uint64, en rad per post.")
    if array.dtype == np.uint64:
        return np.ascontiguousarray(array, dtype=np.uint64)
    if array.shape[1] % 8:
        array = np.pad(array, ((0, 0), (0, 8 - array.shape[1] % 8)))
    return np.ascontiguousarray(array).view(np.uint64)


def popcounts(words: Words) -> Counts:
    """Number of set bits per row."""
    return cast(Counts, np.bitwise_count(words).sum(axis=1, dtype=np.uint16))


def _pair_words(a: NDArray[Any], b: NDArray[Any]) -> tuple[Words, Words]:
    a_words, b_words = as_words(a), as_words(b)
    if _bits_per_row(np.asarray(a)) != _bits_per_row(np.asarray(b)):
        raise ValueError("CLK:erna i de två filerna har olika längd.")
    if a_words.shape[1] * 64 > _MAX_BITS:
        raise ValueError(f"CLK:erna är för långa (högst {_MAX_BITS} bitar).")
    return a_words, b_words


# --------------------------------------------------------------------------- compiled loops

_F = TypeVar("_F", bound=Callable[..., Any])


def _jit(function: _F) -> _F:
    """``numba.njit`` without the GIL, cached on disk where numba finds a writable place.

    numba caches next to this file, else in ``NUMBA_CACHE_DIR`` or the user's cache
    directory. Where none is writable (a read-only installation run by a user without a
    home directory) the loops are compiled once per process instead (a few seconds) and
    not cached: a shared temporary directory would let another local user plant code.
    """
    try:
        return cast(_F, numba.njit(cache=True, nogil=True)(function))
    except RuntimeError:  # "cannot cache function …: no locator available"
        return cast(_F, numba.njit(nogil=True)(function))


def _popcount_typing(typingctx: Any, word: Any) -> Any:
    """Set bits of a ``uint64`` as ``int64``: LLVM's ``ctpop``, one POPCNT instruction."""
    if not isinstance(word, numba_types.Integer):
        return None

    def codegen(context: Any, builder: Any, signature: Any, args: Any) -> Any:
        return builder.ctpop(args[0])

    return numba_types.int64(numba_types.uint64), codegen


_popcount: Any = intrinsic(_popcount_typing)


@_jit
def _required(p: Any, q: Any, threshold: float) -> Any:
    """The fewest common bits c with 2c / (p + q) ≥ threshold, the score computed in float64
    exactly as the result is; more than min(p, q) when the pair can never reach it."""
    total = p + q
    if total == 0:
        return 1  # both empty: the score is 0.0 < threshold
    common = max(0, math.ceil(threshold * total / 2))
    while common > 0 and 2.0 * (common - 1) / total >= threshold:
        common -= 1
    while 2.0 * common / total < threshold:
        common += 1
    return common


@_jit
def _feasible_counts(p: Any, threshold: float, bits: int) -> tuple[Any, Any]:
    """Bit counts q in [least, most] can reach the threshold with a row of p bits: 2 min(p, q)
    / (p + q) ≥ t. The float bounds are widened by one; the exact test comes later."""
    least = max(0, math.floor(p * threshold / (2.0 - threshold)) - 1)
    most = p * (2.0 - threshold) / threshold  # may be huge, even inf, for a tiny threshold
    return least, bits if most >= bits else math.ceil(most) + 1


@_jit
def _bisect(counts: Any, start: int, stop: int, value: int) -> int:
    """First position in ``counts[start:stop]`` (ascending) holding ``value`` or more."""
    while start < stop:
        middle = (start + stop) // 2
        if counts[middle] < value:
            start = middle + 1
        else:
            stop = middle
    return start


@_jit
def _scan(
    a_words: Any,
    a_counts: Any,
    a_rest: Any,
    rows: Any,
    starts: Any,
    stops: Any,
    lo: int,
    hi: int,
    b_words: Any,
    b_counts: Any,
    b_rest: Any,
    threshold: float,
    first_check: int,
    found: Any,
    resume_row: int,
    resume_column: int,
) -> tuple[int, int, int]:
    """Pairs of ``a`` rows ``rows[r]`` with the ``b`` rows ``starts[r]:stops[r]`` (and within
    ``lo:hi``) reaching ``threshold``, written to ``found`` as (a row, b position, common
    bits).

    ``b`` is sorted by bit count within each range. ``a_rest[k, i]`` / ``b_rest[k, j]``
    count the bits after quarter k + 1 of the words; from quarter ``first_check`` on, a
    pair is dropped as soon as its common bits so far plus the smaller of the two counts
    left fall short. Starts at row ``resume_row``, b position ``resume_column``; returns
    (pairs written, row and position to resume at), the row being ``len(rows)`` when all
    are done. ``found`` is an argument, never reallocated here, so that the loop carries
    no reference counting. Any number of words."""
    n_words = a_words.shape[1]
    bits = 64 * n_words
    q1, q2, q3 = n_words // 4, n_words // 2, 3 * n_words // 4
    used = 0
    for r in range(resume_row, rows.shape[0]):
        i = rows[r]
        p = np.int64(a_counts[i])
        least, most = _feasible_counts(p, threshold, bits)
        first, end = max(starts[r], lo), min(stops[r], hi)
        start = _bisect(b_counts, first, end, least)
        stop = _bisect(b_counts, start, end, most + 1)
        if r == resume_row:
            start = max(start, resume_column)
        rest1, rest2, rest3 = a_rest[0, i], a_rest[1, i], a_rest[2, i]
        q_now: Any = -1
        need: Any = 0
        # Views from ``start``, indexed from 0: the compiler then knows that no index is
        # negative and drops the wrap-around arithmetic from every load.
        words, counts = b_words[start:stop], b_counts[start:stop]
        left1, left2, left3 = b_rest[0, start:stop], b_rest[1, start:stop], b_rest[2, start:stop]
        for k in range(stop - start):
            q = np.int64(counts[k])
            if q != q_now:
                q_now = q
                need = _required(p, q, threshold)
            common: Any = 0
            for w in range(q1):
                common += _popcount(a_words[i, w] & words[k, w])
            if first_check <= 1 and common + min(rest1, left1[k]) < need:
                continue
            for w in range(q1, q2):
                common += _popcount(a_words[i, w] & words[k, w])
            if first_check <= 2 and common + min(rest2, left2[k]) < need:
                continue
            for w in range(q2, q3):
                common += _popcount(a_words[i, w] & words[k, w])
            if first_check <= 3 and common + min(rest3, left3[k]) < need:
                continue
            for w in range(q3, n_words):
                common += _popcount(a_words[i, w] & words[k, w])
            if common >= need:
                if used == found.shape[0]:
                    return used, r, start + k  # full: the caller resumes at this pair
                found[used, 0] = i
                found[used, 1] = start + k
                found[used, 2] = common
                used += 1
    return used, rows.shape[0], 0


@_jit
def _scan_1024(
    a_words: Any,
    a_counts: Any,
    a_rest: Any,
    rows: Any,
    starts: Any,
    stops: Any,
    lo: int,
    hi: int,
    b_words: Any,
    b_counts: Any,
    b_rest: Any,
    threshold: float,
    first_check: int,
    found: Any,
    resume_row: int,
    resume_column: int,
) -> tuple[int, int, int]:
    """:func:`_scan` for 16 words (1024 bits), unrolled, two rows of ``a`` at a time.

    Each word of ``b`` is loaded once for both rows; the rows' words stay in registers or on
    the stack, and each quarter is eight independent AND-POPCOUNT-ADD chains. A pair of
    columns is dropped when both rows fall short. Two neighbouring rows with the same range
    of ``b`` (the same block) go together; a row without a partner is paired with itself and
    its pairs are written once. ``found`` needs room for two pairs."""
    used = 0
    r = resume_row
    while r < rows.shape[0]:
        single = not (
            r + 1 < rows.shape[0] and starts[r + 1] == starts[r] and stops[r + 1] == stops[r]
        )
        s = r if single else r + 1
        i, h = rows[r], rows[s]
        p, o = np.int64(a_counts[i]), np.int64(a_counts[h])
        first, end = max(starts[r], lo), min(stops[r], hi)
        # Bit counts the two rows can reach together (the window grows with p).
        least = _feasible_counts(min(p, o), threshold, 1024)[0]
        most = _feasible_counts(max(p, o), threshold, 1024)[1]
        start = _bisect(b_counts, first, end, least)
        stop = _bisect(b_counts, start, end, most + 1)
        if r == resume_row:
            start = max(start, resume_column)
        rest1, rest2, rest3 = a_rest[0, i], a_rest[1, i], a_rest[2, i]
        other1, other2, other3 = a_rest[0, h], a_rest[1, h], a_rest[2, h]
        x0, x1, x2, x3 = a_words[i, 0], a_words[i, 1], a_words[i, 2], a_words[i, 3]
        x4, x5, x6, x7 = a_words[i, 4], a_words[i, 5], a_words[i, 6], a_words[i, 7]
        x8, x9, x10, x11 = a_words[i, 8], a_words[i, 9], a_words[i, 10], a_words[i, 11]
        x12, x13, x14, x15 = a_words[i, 12], a_words[i, 13], a_words[i, 14], a_words[i, 15]
        y0, y1, y2, y3 = a_words[h, 0], a_words[h, 1], a_words[h, 2], a_words[h, 3]
        y4, y5, y6, y7 = a_words[h, 4], a_words[h, 5], a_words[h, 6], a_words[h, 7]
        y8, y9, y10, y11 = a_words[h, 8], a_words[h, 9], a_words[h, 10], a_words[h, 11]
        y12, y13, y14, y15 = a_words[h, 12], a_words[h, 13], a_words[h, 14], a_words[h, 15]
        q_now: Any = -1
        need: Any = 0
        need_other: Any = 0
        # Views from ``start``, indexed from 0: the compiler then knows that no index is
        # negative and drops the wrap-around arithmetic from every load.
        words, counts = b_words[start:stop], b_counts[start:stop]
        left1, left2, left3 = b_rest[0, start:stop], b_rest[1, start:stop], b_rest[2, start:stop]
        for k in range(stop - start):
            q = np.int64(counts[k])
            if q != q_now:
                q_now = q
                need = _required(p, q, threshold)
                need_other = _required(o, q, threshold)
            common = (
                _popcount(x0 & words[k, 0])
                + _popcount(x1 & words[k, 1])
                + _popcount(x2 & words[k, 2])
                + _popcount(x3 & words[k, 3])
            )
            common_other = (
                _popcount(y0 & words[k, 0])
                + _popcount(y1 & words[k, 1])
                + _popcount(y2 & words[k, 2])
                + _popcount(y3 & words[k, 3])
            )
            if (
                first_check <= 1
                and common + min(rest1, left1[k]) < need
                and common_other + min(other1, left1[k]) < need_other
            ):
                continue
            common += (
                _popcount(x4 & words[k, 4])
                + _popcount(x5 & words[k, 5])
                + _popcount(x6 & words[k, 6])
                + _popcount(x7 & words[k, 7])
            )
            common_other += (
                _popcount(y4 & words[k, 4])
                + _popcount(y5 & words[k, 5])
                + _popcount(y6 & words[k, 6])
                + _popcount(y7 & words[k, 7])
            )
            if (
                first_check <= 2
                and common + min(rest2, left2[k]) < need
                and common_other + min(other2, left2[k]) < need_other
            ):
                continue
            common += (
                _popcount(x8 & words[k, 8])
                + _popcount(x9 & words[k, 9])
                + _popcount(x10 & words[k, 10])
                + _popcount(x11 & words[k, 11])
            )
            common_other += (
                _popcount(y8 & words[k, 8])
                + _popcount(y9 & words[k, 9])
                + _popcount(y10 & words[k, 10])
                + _popcount(y11 & words[k, 11])
            )
            if (
                first_check <= 3
                and common + min(rest3, left3[k]) < need
                and common_other + min(other3, left3[k]) < need_other
            ):
                continue
            common += (
                _popcount(x12 & words[k, 12])
                + _popcount(x13 & words[k, 13])
                + _popcount(x14 & words[k, 14])
                + _popcount(x15 & words[k, 15])
            )
            common_other += (
                _popcount(y12 & words[k, 12])
                + _popcount(y13 & words[k, 13])
                + _popcount(y14 & words[k, 14])
                + _popcount(y15 & words[k, 15])
            )
            hit, hit_other = common >= need, common_other >= need_other and not single
            if hit or hit_other:
                if used + 2 > found.shape[0]:
                    return used, r, start + k  # full: the caller resumes at this column
                if hit:
                    found[used, 0] = i
                    found[used, 1] = start + k
                    found[used, 2] = common
                    used += 1
                if hit_other:
                    found[used, 0] = h
                    found[used, 1] = start + k
                    found[used, 2] = common_other
                    used += 1
        r = s + 1
    return used, rows.shape[0], 0


@_jit
def _dice_rows(a_words: Any, a_counts: Any, b_words: Any, b_counts: Any, out: Any) -> None:
    """``out[i, j]`` = Dice of a-row i and b-row j, every pair."""
    for i in range(a_words.shape[0]):
        for j in range(b_words.shape[0]):
            common: Any = 0
            for w in range(a_words.shape[1]):
                common += _popcount(a_words[i, w] & b_words[j, w])
            total = np.int64(a_counts[i]) + np.int64(b_counts[j])
            out[i, j] = 2.0 * common / total if total > 0 else 0.0


# --------------------------------------------------------------------------- kernel


def _dice(common: NDArray[Any], a_counts: NDArray[Any], b_counts: NDArray[Any]) -> NDArray[Any]:
    """2c / (p + q) in float64, 0.0 where both encodings are empty (broadcasting)."""
    total = np.add(a_counts, b_counts, dtype=np.float64)
    doubled = np.multiply(common, 2, dtype=np.float64)
    return cast(NDArray[Any], np.divide(doubled, total, out=np.zeros_like(total), where=total > 0))


def dice_matrix(a: NDArray[Any], b: NDArray[Any]) -> NDArray[np.float64]:
    """The full ``(len(a), len(b))`` Sørensen–Dice matrix (float64).

    The result itself has N × M entries: use it for small inputs and tests,
    :func:`candidate_pairs` for real files.
    """
    a_words, b_words = _pair_words(a, b)
    result = np.empty((a_words.shape[0], b_words.shape[0]), dtype=np.float64)
    if result.size:
        _dice_rows(a_words, popcounts(a_words), b_words, popcounts(b_words), result)
    return result


def _rest_counts(words: Words) -> NDArray[np.int64]:
    """``(3, N)``: bits of each row after the first, second and third quarter of its words
    (one contiguous line per quarter, for the scan's sequential reads)."""
    n_words = words.shape[1]
    rest = np.empty((3, words.shape[0]), dtype=np.int64)
    for k in range(3):
        start = (k + 1) * n_words // 4
        rest[k] = np.bitwise_count(words[:, start:]).sum(axis=1, dtype=np.int64)
    return rest


@dataclass(frozen=True)
class _Problem:
    """Inputs shared by all threads (read only). ``b`` is reordered by block, then bit count
    (``b_order[position]`` is the original index); row ``rows[r]`` of ``a`` is compared with
    positions ``starts[r]:stops[r]`` of ``b``."""

    a_words: Words
    a_counts: NDArray[np.int64]
    a_rest: NDArray[np.int64]
    rows: NDArray[np.int64]
    starts: NDArray[np.int64]
    stops: NDArray[np.int64]
    b_order: NDArray[np.int64]
    b_words: Words
    b_counts: NDArray[np.int64]
    b_rest: NDArray[np.int64]
    threshold: float


_Found = NDArray[np.int64]


def _layout(
    a_words: Words, b_words: Words, blocks: tuple[Sequence[str], Sequence[str]] | None
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.int64], NDArray[np.int64]]:
    """(rows of a to compare, their first and end positions in the reordered b, the order
    of b): b sorted by block and then by bit count, a's rows likewise, so that neighbouring
    rows of a look at about the same rows of b."""
    n_a, n_b = a_words.shape[0], b_words.shape[0]
    b_counts = popcounts(b_words)
    a_counts = popcounts(a_words)
    if blocks is None:
        b_order = np.argsort(b_counts, kind="stable").astype(np.int64)
        rows = np.argsort(a_counts, kind="stable") if n_b else np.arange(0)
        rows = rows.astype(np.int64)
        return rows, np.zeros_like(rows), np.full_like(rows, n_b), b_order
    keys_a, keys_b = blocks
    if len(keys_a) != n_a or len(keys_b) != n_b:
        raise ValueError("Det ska finnas en blocknyckel per post i båda filerna.")
    numbers: dict[str, int] = {}
    b_blocks = np.fromiter(
        (numbers.setdefault(key, len(numbers)) for key in keys_b), dtype=np.int64, count=n_b
    )
    a_blocks = np.fromiter((numbers.get(key, -1) for key in keys_a), dtype=np.int64, count=n_a)
    b_order = np.lexsort((b_counts, b_blocks)).astype(np.int64)
    sorted_blocks = b_blocks[b_order]
    block_numbers = np.arange(len(numbers), dtype=np.int64)
    first = np.searchsorted(sorted_blocks, block_numbers, side="left").astype(np.int64)
    end = np.searchsorted(sorted_blocks, block_numbers, side="right").astype(np.int64)
    rows = np.flatnonzero(a_blocks >= 0).astype(np.int64)
    rows = rows[np.lexsort((a_counts[rows], a_blocks[rows]))]
    return rows, first[a_blocks[rows]], end[a_blocks[rows]], b_order


_Tile = tuple[int, int, int, int, int]  # rows start:stop of a, positions lo:hi of b, comparisons


def _tiles(starts: NDArray[np.int64], stops: NDArray[np.int64]) -> list[_Tile]:
    """Cut the comparisons into tiles of _TILE_ROWS rows of a (in their order) × _TILE_COLUMNS
    positions of b, leaving out tiles without comparisons."""
    tiles: list[_Tile] = []
    for row in range(0, len(starts), _TILE_ROWS):
        first, end = starts[row : row + _TILE_ROWS], stops[row : row + _TILE_ROWS]
        low, high = int(first.min()), int(end.max())
        edges = np.arange(low, high, _TILE_COLUMNS, dtype=np.int64)
        overlap = np.minimum(end[:, None], edges[None, :] + _TILE_COLUMNS) - np.maximum(
            first[:, None], edges[None, :]
        )
        sizes = np.clip(overlap, 0, None).sum(axis=0)
        for lo, size in zip(edges.tolist(), sizes.tolist(), strict=True):
            if size:
                stop = min(row + _TILE_ROWS, len(starts))
                tiles.append((row, stop, lo, min(lo + _TILE_COLUMNS, high), size))
    return tiles


def _first_check(problem: _Problem) -> int:
    """The quarter (1–3) after which pairs are first checked against the threshold, or 4
    for none, from a sample of the pairs the scan will meet.

    An early check saves the remaining words of the pairs it drops but costs a comparison
    and, when it drops about half of them, mispredicted branches: at a high threshold the
    first quarter already drops almost every pair, at a low one no check pays. Only speed
    depends on the choice, never the result.
    """
    rows = problem.rows
    if len(rows) == 0:
        return 4
    picked = np.unique(np.linspace(0, len(rows) - 1, _SAMPLE_ROWS).astype(np.int64))
    a_index: list[NDArray[np.int64]] = []
    b_index: list[NDArray[np.int64]] = []
    for r in picked.tolist():
        start, stop = int(problem.starts[r]), int(problem.stops[r])
        width = min(_SAMPLE_COLUMNS, stop - start)
        positions = start + np.arange(width, dtype=np.int64) * (stop - start) // max(width, 1)
        a_index.append(np.full(width, rows[r], dtype=np.int64))
        b_index.append(positions)
    i, j = np.concatenate(a_index), np.concatenate(b_index)
    p, q = problem.a_counts[i].astype(np.float64), problem.b_counts[j].astype(np.float64)
    t = problem.threshold
    met = 2 * np.minimum(p, q) >= t * (p + q)  # pairs the popcount window lets through
    if np.count_nonzero(met) < 32:
        return 2
    i, j, p, q = i[met], j[met], p[met], q[met]
    need = np.ceil(t * (p + q) / 2)
    counted = np.cumsum(
        np.bitwise_count(problem.a_words[i] & problem.b_words[j]), axis=1, dtype=np.int64
    )
    n_words = counted.shape[1]
    dropped = []
    for k in range(3):
        end = (k + 1) * n_words // 4
        so_far = counted[:, end - 1] if end else np.zeros(len(i), dtype=np.int64)
        left = np.minimum(problem.a_rest[k, i], problem.b_rest[k, j])
        dropped.append(float(np.mean(so_far + left < need)))

    def cost(first: int) -> float:
        reached, total, before = 1.0, 0.0, 0.0
        for k, share in enumerate(dropped, start=1):
            total += reached * _QUARTER_COST
            if k >= first:
                # Of the pairs that reach this check, the share it drops (rises with k).
                here = (share - before) / (1.0 - before) if before < 1.0 else 1.0
                total += reached * (_CHECK_COST + _MISPREDICT_COST * min(here, 1.0 - here))
                reached, before = 1.0 - share, share
        return total + reached * _QUARTER_COST

    return min(range(1, 5), key=cost)


def _solve(problem: _Problem, tile: _Tile, first_check: int) -> _Found:
    """One tile: ``(pairs, 3)`` of (a row, b position, common bits). The buffer starts small
    and doubles whenever the scan fills it."""
    scan = _scan_1024 if problem.a_words.shape[1] == CLK_BITS // 64 else _scan
    start, stop, lo, hi, _ = tile
    rows = problem.rows[start:stop]
    starts, stops = problem.starts[start:stop], problem.stops[start:stop]
    parts: list[_Found] = []
    capacity = max(2, _FIRST_BUFFER)  # _scan_1024 writes up to two pairs at once
    row, column = 0, 0
    while row < len(rows):
        found = np.empty((capacity, 3), dtype=np.int64)
        used, row, column = scan(
            problem.a_words,
            problem.a_counts,
            problem.a_rest,
            rows,
            starts,
            stops,
            lo,
            hi,
            problem.b_words,
            problem.b_counts,
            problem.b_rest,
            problem.threshold,
            first_check,
            found,
            row,
            column,
        )
        parts.append(found[:used] if used == capacity else found[:used].copy())
        capacity = max(2, min(2 * capacity, _MAX_BUFFER))
    if not parts:
        return np.empty((0, 3), dtype=np.int64)
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def candidate_pairs(
    a: NDArray[Any],
    b: NDArray[Any],
    threshold: float,
    *,
    blocks: tuple[Sequence[str], Sequence[str]] | None = None,
    workers: int | None = None,
    progress: ProgressCallback | None = None,
) -> list[Pair]:
    """Every pair ``(a_index, b_index, dice)`` with Dice ≥ ``threshold`` (0 < threshold ≤ 1).

    ``a`` and ``b`` are CLK arrays (see :func:`as_words`). ``blocks`` gives one block key per
    record of ``a`` and of ``b``; only records with equal keys are then compared.
    ``workers`` threads share the rows of ``a`` (default ``os.cpu_count()``; 1, or fewer
    than four million comparisons, runs in the calling thread). ``progress(done, total)``
    is called in the calling thread with the number of comparisons made, after each
    finished task, and finally with ``done == total``.
    The result is sorted by ``(a_index, b_index)`` and does not depend on ``workers``.
    """
    if not 0 < threshold <= 1:
        raise ValueError("Tröskeln ska vara större än 0 och högst 1.")
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ValueError("Antalet trådar ska vara minst 1.")
    a_words, b_words = _pair_words(a, b)
    rows, starts, stops, b_order = _layout(a_words, b_words, blocks)
    total = int((stops - starts).sum())
    b_sorted = np.ascontiguousarray(b_words[b_order])
    problem = _Problem(
        a_words=a_words,
        a_counts=popcounts(a_words).astype(np.int64),
        a_rest=_rest_counts(a_words),
        rows=rows,
        starts=starts,
        stops=stops,
        b_order=b_order,
        b_words=b_sorted,
        b_counts=popcounts(b_sorted).astype(np.int64),
        b_rest=_rest_counts(b_sorted),
        threshold=float(threshold),
    )
    tiles = _tiles(starts, stops)
    first_check = _first_check(problem) if tiles else 4

    found: list[_Found] = []
    done = 0
    if workers == 1 or len(tiles) <= 1 or total < _MIN_THREAD_COMPARISONS:
        for tile in tiles:
            found.append(_solve(problem, tile, first_check))
            done += tile[4]
            if progress is not None:
                progress(done, total)
    else:
        executor = ThreadPoolExecutor(max_workers=min(workers, len(tiles)))
        try:
            pending: dict[Future[_Found], _Tile] = {
                executor.submit(_solve, problem, tile, first_check): tile for tile in tiles
            }
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    tile = pending.pop(future)
                    found.append(future.result())
                    done += tile[4]
                    if progress is not None:
                        progress(done, total)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    if progress is not None and not tiles:
        progress(0, 0)
    return _sorted_pairs(problem, found)


def _sorted_pairs(problem: _Problem, found: list[_Found]) -> list[Pair]:
    if not found:
        return []
    pairs = np.concatenate(found)
    a_index, positions = pairs[:, 0], pairs[:, 1]
    score = _dice(pairs[:, 2], problem.a_counts[a_index], problem.b_counts[positions])
    b_index = problem.b_order[positions]
    order = np.lexsort((b_index, a_index))
    return list(
        zip(a_index[order].tolist(), b_index[order].tolist(), score[order].tolist(), strict=True)
    )


# --------------------------------------------------------------------------- selection


def one_to_one(pairs: Iterable[Pair]) -> list[Pair]:
    """Greedy one-to-one selection: best score first, each a and b index used at most once.

    Ties are taken in ``(a_index, b_index)`` order, so the result is deterministic. The
    result is in the order of selection (score descending, then a_index, b_index).
    """
    used_a: set[int] = set()
    used_b: set[int] = set()
    chosen: list[Pair] = []
    for a_index, b_index, score in sorted(pairs, key=lambda pair: (-pair[2], pair[0], pair[1])):
        if a_index in used_a or b_index in used_b:
            continue
        used_a.add(a_index)
        used_b.add(b_index)
        chosen.append((a_index, b_index, score))
    return chosen


def token_pairs(tokens_a: Sequence[str], tokens_b: Sequence[str]) -> list[tuple[int, int]]:
    """Exact matches of identity tokens, as ``(a_index, b_index)`` sorted by a then b.

    Empty tokens (records without an identity number) match nothing. A token that occurs
    several times gives every combination.
    """
    positions_b: defaultdict[str, list[int]] = defaultdict(list)
    for b_index, token in enumerate(tokens_b):
        if token:
            positions_b[token].append(b_index)
    return [
        (a_index, b_index)
        for a_index, token in enumerate(tokens_a)
        if token
        for b_index in positions_b.get(token, ())
    ]
