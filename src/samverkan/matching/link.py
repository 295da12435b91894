"""Linkage kernel: compare keyed Bloom-filter encodings (CLKs) and exact identity tokens.

The comparing party holds only encodings that the data owners produced with a secret it
never sees. This module turns two lists of CLKs into candidate pairs:

* :func:`load_clks` decodes base64 CLKs (1024 bits = 128 bytes each) into an ``(N, 16)``
  array of ``uint64`` words;
* :func:`dice_matrix` is the full Sørensen–Dice matrix, for small inputs;
* :func:`candidate_pairs` returns every pair with Dice ≥ threshold without ever holding the
  N × M matrix: tiles of 64 × 512 pairs are counted with ``np.bitwise_count`` word by word,
  rows of ``a`` are spread over processes, and optional block keys restrict the comparisons
  to records with the same key;
* :func:`one_to_one` keeps the best non-conflicting pairs;
* :func:`token_pairs` matches exact identity tokens (see :mod:`samverkan.matching.tokens`).

Dice of two CLKs with bit counts p and q and c common bits is 2c / (p + q), computed in
float64 (0.0 when both are empty). Indices in the results are positions in the inputs.
No Django; numpy ≥ 2 (``np.bitwise_count``).
"""

from __future__ import annotations

import base64
import binascii
import math
import os
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, cast

import numpy as np
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
Index = NDArray[np.intp]

# A tile of _TILE_ROWS × _TILE_COLS pairs keeps its temporary arrays (256 KiB of words) in
# the L2 cache; fastest of the shapes 8–128 × 512–4096 measured on the x86 dev machine.
_TILE_ROWS = 64
_TILE_COLS = 512
# Rows of ``a`` per task: several tasks per worker for load balance, at most this many so
# that progress is reported often enough.
_MAX_TASK_ROWS = 2048
_TASKS_PER_WORKER = 4
# Starting processes costs tens of milliseconds, about a million comparisons: fewer
# comparisons than this run in the calling process whatever ``workers`` says.
_MIN_POOL_COMPARISONS = 2_000_000
# Bit counts are uint16.
_MAX_BITS = 32_768


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


# --------------------------------------------------------------------------- kernel


def _tile_intersections(
    a_cols: Words, b_cols: Words, scratch: Words, counts: NDArray[np.uint8], out: Counts
) -> None:
    """``out[i, j]`` = common bits of a-row i and b-row j; inputs are transposed (words, rows).

    Word by word (AND, popcount, add) on arrays of tile size, so nothing of size
    rows × cols × words is ever allocated.
    """
    out[...] = 0
    for word in range(a_cols.shape[0]):
        np.bitwise_and(a_cols[word, :, None], b_cols[word, None, :], out=scratch)
        np.bitwise_count(scratch, out=counts)
        np.add(out, counts, out=out)


class _Tiler:
    """Scratch space for one process."""

    def __init__(self) -> None:
        self.scratch: Words = np.empty((_TILE_ROWS, _TILE_COLS), dtype=np.uint64)
        self.counts: NDArray[np.uint8] = np.empty((_TILE_ROWS, _TILE_COLS), dtype=np.uint8)
        self.common: Counts = np.empty((_TILE_ROWS, _TILE_COLS), dtype=np.uint16)

    def tiles(self, a_words: Words, b_words: Words) -> Iterable[tuple[int, int, Counts]]:
        """Yield ``(row0, col0, common bits)`` for every tile; the array is reused."""
        a_cols = np.ascontiguousarray(a_words.T)
        b_cols = np.ascontiguousarray(b_words.T)
        for row0 in range(0, a_words.shape[0], _TILE_ROWS):
            rows = min(_TILE_ROWS, a_words.shape[0] - row0)
            for col0 in range(0, b_words.shape[0], _TILE_COLS):
                cols = min(_TILE_COLS, b_words.shape[0] - col0)
                common = self.common[:rows, :cols]
                _tile_intersections(
                    a_cols[:, row0 : row0 + rows],
                    b_cols[:, col0 : col0 + cols],
                    self.scratch[:rows, :cols],
                    self.counts[:rows, :cols],
                    common,
                )
                yield row0, col0, common


def _dice(common: NDArray[Any], a_counts: NDArray[Any], b_counts: NDArray[Any]) -> NDArray[Any]:
    """2c / (p + q) in float64, 0.0 where both encodings are empty (broadcasting)."""
    total = np.add(a_counts, b_counts, dtype=np.float64)
    doubled = np.multiply(common, 2, dtype=np.float64)
    return cast(NDArray[Any], np.divide(doubled, total, out=np.zeros_like(total), where=total > 0))


def dice_matrix(a: NDArray[Any], b: NDArray[Any]) -> NDArray[np.float64]:
    """The full ``(len(a), len(b))`` Sørensen–Dice matrix (float64).

    Counted tile by tile like :func:`candidate_pairs`, but the result itself has N × M
    entries: use it for small inputs and tests, :func:`candidate_pairs` for real files.
    """
    a_words, b_words = _pair_words(a, b)
    a_counts, b_counts = popcounts(a_words), popcounts(b_words)
    result = np.empty((a_words.shape[0], b_words.shape[0]), dtype=np.float64)
    for row0, col0, common in _Tiler().tiles(a_words, b_words):
        rows, cols = common.shape
        result[row0 : row0 + rows, col0 : col0 + cols] = _dice(
            common,
            a_counts[row0 : row0 + rows, None],
            b_counts[None, col0 : col0 + cols],
        )
    return result


@dataclass(frozen=True)
class _Problem:
    a_words: Words
    a_counts: Counts
    b_words: Words
    b_counts: Counts
    threshold: float


@dataclass(frozen=True)
class _Task:
    a_rows: Index  # positions in a
    b_rows: Index | None  # positions in b; None: all of b

    def comparisons(self, b_size: int) -> int:
        return len(self.a_rows) * (b_size if self.b_rows is None else len(self.b_rows))


_Found = tuple[Index, Index, NDArray[np.float64]]


def _solve(problem: _Problem, task: _Task) -> _Found:
    """Every pair of the task with Dice ≥ threshold, as positions in a and b."""
    a_words = problem.a_words[task.a_rows]
    a_counts = problem.a_counts[task.a_rows]
    if task.b_rows is None:
        b_words, b_counts = problem.b_words, problem.b_counts
    else:
        b_words, b_counts = problem.b_words[task.b_rows], problem.b_counts[task.b_rows]
    threshold = problem.threshold
    found_a: list[Index] = []
    found_b: list[Index] = []
    found_score: list[NDArray[np.float64]] = []
    for row0, col0, common in _Tiler().tiles(a_words, b_words):
        rows, cols = common.shape
        tile_a = a_counts[row0 : row0 + rows]
        tile_b = b_counts[col0 : col0 + cols]
        # Cheap integer filter: Dice ≥ t needs c ≥ t (p + q) / 2 ≥ t (p + min q) / 2. The
        # margin keeps every pair whose float64 score could reach t; the exact test follows.
        least = np.floor(threshold * (tile_a + float(tile_b.min())) / 2 - 1e-6)
        least = np.maximum(least, 0).astype(np.uint16)
        rows_hit, cols_hit = np.nonzero(common >= least[:, None])
        if rows_hit.size == 0:
            continue
        score = _dice(common[rows_hit, cols_hit], tile_a[rows_hit], tile_b[cols_hit])
        keep = score >= threshold
        found_a.append(rows_hit[keep] + row0)
        found_b.append(cols_hit[keep] + col0)
        found_score.append(score[keep])
    if not found_a:
        empty = np.empty(0, dtype=np.intp)
        return empty, empty, np.empty(0, dtype=np.float64)
    local_a = np.concatenate(found_a)
    local_b = np.concatenate(found_b)
    global_b = local_b if task.b_rows is None else task.b_rows[local_b]
    return task.a_rows[local_a], global_b, np.concatenate(found_score)


_worker_problem: _Problem | None = None


def _init_worker(problem: _Problem) -> None:
    global _worker_problem
    _worker_problem = problem


def _solve_in_worker(task: _Task) -> _Found:
    assert _worker_problem is not None
    return _solve(_worker_problem, task)


def _task_rows(size: int, workers: int) -> int:
    wanted = math.ceil(size / (workers * _TASKS_PER_WORKER)) if size else 1
    rounded = math.ceil(wanted / _TILE_ROWS) * _TILE_ROWS
    return max(_TILE_ROWS, min(_MAX_TASK_ROWS, rounded))


def _split(a_rows: Index, b_rows: Index | None, rows: int) -> list[_Task]:
    return [_Task(a_rows[start : start + rows], b_rows) for start in range(0, len(a_rows), rows)]


def _tasks(
    n_a: int, n_b: int, blocks: tuple[Sequence[str], Sequence[str]] | None, workers: int
) -> list[_Task]:
    if blocks is None:
        if n_b == 0:
            return []
        return _split(np.arange(n_a, dtype=np.intp), None, _task_rows(n_a, workers))
    keys_a, keys_b = blocks
    if len(keys_a) != n_a or len(keys_b) != n_b:
        raise ValueError("Det ska finnas en blocknyckel per post i båda filerna.")
    members_a: defaultdict[str, list[int]] = defaultdict(list)
    members_b: defaultdict[str, list[int]] = defaultdict(list)
    for position, key in enumerate(keys_a):
        members_a[key].append(position)
    for position, key in enumerate(keys_b):
        members_b[key].append(position)
    shared = [key for key in members_a if key in members_b]
    total = sum(len(members_a[key]) * len(members_b[key]) for key in shared)
    tasks: list[_Task] = []
    for key in shared:
        a_rows = np.asarray(members_a[key], dtype=np.intp)
        b_rows = np.asarray(members_b[key], dtype=np.intp)
        # Split a block by its share of all comparisons, so one big block still spreads.
        share = len(a_rows) * len(b_rows) / total
        rows = _task_rows(math.ceil(len(a_rows) / max(share, 1e-12)), workers)
        tasks.extend(_split(a_rows, b_rows, rows))
    # Biggest first: the last tasks to finish are then the short ones.
    tasks.sort(key=lambda task: task.comparisons(n_b), reverse=True)
    return tasks


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
    ``workers`` processes share the rows of ``a`` (default ``os.cpu_count()``; 1, or fewer
    than two million comparisons, runs in this process). ``progress(done, total)`` is
    called in this process with the number of comparisons made, after each finished task,
    and finally with ``done == total``.
    The result is sorted by ``(a_index, b_index)`` and does not depend on ``workers``.
    """
    if not 0 < threshold <= 1:
        raise ValueError("Tröskeln ska vara större än 0 och högst 1.")
    if workers is None:
        workers = os.cpu_count() or 1
    if workers < 1:
        raise ValueError("Antalet processer ska vara minst 1.")
    a_words, b_words = _pair_words(a, b)
    n_a, n_b = a_words.shape[0], b_words.shape[0]
    tasks = _tasks(n_a, n_b, blocks, workers)
    total = sum(task.comparisons(n_b) for task in tasks)
    problem = _Problem(a_words, popcounts(a_words), b_words, popcounts(b_words), threshold)

    found: list[_Found] = []
    done = 0
    if workers == 1 or len(tasks) <= 1 or total < _MIN_POOL_COMPARISONS:
        for task in tasks:
            found.append(_solve(problem, task))
            done += task.comparisons(n_b)
            if progress is not None:
                progress(done, total)
    else:
        executor = ProcessPoolExecutor(
            max_workers=min(workers, len(tasks)),
            initializer=_init_worker,
            initargs=(problem,),
        )
        try:
            pending: dict[Future[_Found], _Task] = {
                executor.submit(_solve_in_worker, task): task for task in tasks
            }
            while pending:
                finished, _ = wait(pending, return_when=FIRST_COMPLETED)
                for future in finished:
                    task = pending.pop(future)
                    found.append(future.result())
                    done += task.comparisons(n_b)
                    if progress is not None:
                        progress(done, total)
        finally:
            executor.shutdown(wait=True, cancel_futures=True)
    if progress is not None and not tasks:
        progress(0, 0)
    return _sorted_pairs(found)


def _sorted_pairs(found: list[_Found]) -> list[Pair]:
    if not found:
        return []
    a_index = np.concatenate([part[0] for part in found])
    b_index = np.concatenate([part[1] for part in found])
    score = np.concatenate([part[2] for part in found])
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
