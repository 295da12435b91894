"""Linkage kernel at scale: ``candidate_pairs`` on random CLKs, one process against all cores,
without and with blocking.

Builds ``--size`` × ``--size-b`` random 1024-bit CLKs (default 20,000 × 20,000; each bit set
with probability ``--density``) and plants ``--planted`` noisy copies of rows of a in b (3 %
of the bits flipped), so that the run finds real pairs. Then it times, median of
``--repeat``:

* the baseline in the same run: a pure numpy popcount of every row of a and b
  (``np.bitwise_count(words).sum(axis=1)``), no comparisons;
* ``candidate_pairs(a, b, --threshold)`` with ``workers=1`` and with ``--workers``
  (default: all cores), all pairs compared;
* the same with ``--blocks`` random block keys (default 50), only same-block pairs compared;
* ``one_to_one`` on the pairs found.

It prints seconds, comparisons per second, the pairs found and whether every run found the
same pairs. Timings are never asserted.

    .venv/bin/python benchmarks/matching_link.py [--size N] [--size-b M] [--threshold T]
        [--blocks K] [--workers W] [--density D] [--planted P] [--repeat R] [--seed S]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

sys.path.insert(0, "src")

import numpy as np

from samverkan.matching.link import CLK_BITS, candidate_pairs, one_to_one

T = TypeVar("T")


def timed(function: Callable[[], T], repeat: int) -> tuple[float, T]:
    """Median wall-clock seconds of ``repeat`` runs, and the last result."""
    seconds: list[float] = []
    result: T | None = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = function()
        seconds.append(time.perf_counter() - start)
    assert result is not None
    return statistics.median(seconds), result


def random_clks(rng: np.random.Generator, n: int, density: float) -> Any:
    rows = []
    for start in range(0, n, 4096):  # bounded memory for the random floats
        bits = rng.random((min(4096, n - start), CLK_BITS)) < density
        rows.append(np.packbits(bits, axis=1))
    return np.concatenate(rows) if rows else np.empty((0, CLK_BITS // 8), np.uint8)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=20_000, help="CLKs in a")
    parser.add_argument("--size-b", type=int, default=None, help="CLKs in b (default: --size)")
    parser.add_argument("--threshold", type=float, default=0.8)
    parser.add_argument("--blocks", type=int, default=50)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--density", type=float, default=0.3)
    parser.add_argument("--planted", type=int, default=1_000)
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--seed", type=int, default=20261127)
    args = parser.parse_args()
    n_a = args.size
    n_b = args.size if args.size_b is None else args.size_b
    planted = min(args.planted, n_a, n_b)

    rng = np.random.default_rng(args.seed)
    a = random_clks(rng, n_a, args.density)
    b = random_clks(rng, n_b, args.density)
    source = rng.choice(n_a, planted, replace=False)
    target = rng.choice(n_b, planted, replace=False)
    noise = np.packbits(rng.random((planted, CLK_BITS)) < 0.03, axis=1)
    b[target] = np.bitwise_xor(a[source], noise)
    keys_a = [str(key) for key in rng.integers(0, args.blocks, n_a)]
    keys_b = [str(key) for key in rng.integers(0, args.blocks, n_b)]
    for i, j in zip(source.tolist(), target.tolist(), strict=True):
        keys_b[j] = keys_a[i]  # planted pairs share a block
    blocks = (keys_a, keys_b)
    count_a, count_b = Counter(blocks[0]), Counter(blocks[1])
    block_comparisons = sum(count_a[key] * count_b[key] for key in count_a)

    print(
        f"CLKs: {n_a:,} × {n_b:,} ({CLK_BITS} bits, density {args.density}), "
        f"{planted:,} planted pairs, threshold {args.threshold}, repeat {args.repeat}, "
        f"cpu_count {os.cpu_count()}, numpy {np.__version__}"
    )

    words = (a.view(np.uint64), b.view(np.uint64))
    base_s, _ = timed(
        lambda: [np.bitwise_count(w).sum(axis=1, dtype=np.uint16) for w in words], args.repeat
    )
    rows = n_a + n_b
    print(
        f"\nbaseline popcount of all {rows:,} rows: {base_s * 1e3:.2f} ms "
        f"({rows / base_s / 1e6:.1f} M rows/s)"
    )

    header = f"{'run':<26} {'workers':>7} {'comparisons':>14} {'seconds':>9} {'comparisons/s':>15}"
    print("\n" + header + f" {'pairs':>8}  same")
    print("-" * (len(header) + 15))
    reference: list[tuple[int, int, float]] | None = None
    results: dict[tuple[str, int], tuple[float, list[tuple[int, int, float]]]] = {}
    for label, block_arg, comparisons in (
        ("all pairs", None, n_a * n_b),
        (f"blocking ({args.blocks} blocks)", blocks, block_comparisons),
    ):
        for workers in sorted({1, args.workers}):
            seconds, pairs = timed(
                lambda w=workers, blk=block_arg: candidate_pairs(  # type: ignore[misc]
                    a, b, args.threshold, blocks=blk, workers=w
                ),
                args.repeat,
            )
            results[(label, workers)] = (seconds, pairs)
            if block_arg is None and reference is None:
                reference = pairs
            expected = (
                reference
                if block_arg is None
                else [p for p in reference or [] if keys_a[p[0]] == blocks[1][p[1]]]
            )
            print(
                f"{label:<26} {workers:>7} {comparisons:>14,} {seconds:>9.2f} "
                f"{comparisons / seconds:>15,.0f} {len(pairs):>8,}  "
                f"{'yes' if pairs == expected else 'NO'}"
            )

    print()
    for label, comparisons in (
        ("all pairs", n_a * n_b),
        (f"blocking ({args.blocks} blocks)", block_comparisons),
    ):
        one = results[(label, 1)][0]
        many = results[(label, args.workers)][0]
        per_comparison = many / comparisons
        per_row = base_s / rows
        print(
            f"{label}: {args.workers} workers {one / many:.2f}× faster than 1; one comparison "
            f"({args.workers} workers) costs {per_comparison / per_row:.2f}× one row's popcount"
        )
    assert reference is not None
    select_s, chosen = timed(lambda: one_to_one(reference), args.repeat)
    truth = set(zip(source.tolist(), target.tolist(), strict=True))
    recovered = sum(1 for i, j, _ in chosen if (i, j) in truth)
    print(
        f"one_to_one on {len(reference):,} pairs: {select_s * 1e3:.1f} ms, {len(chosen):,} kept, "
        f"{recovered:,} of {planted:,} planted pairs among them"
    )


if __name__ == "__main__":
    main()
