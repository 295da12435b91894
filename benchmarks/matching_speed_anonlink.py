"""anonlink's candidate generation on the CLKs that ``matching_speed.py`` hands it.

Runs in its own virtual environment (``benchmarks/.venv-anonlink``, anonlink 0.15.3, made by
``matching_speed.py``), never imported by the project:

    benchmarks/.venv-anonlink/bin/python benchmarks/matching_speed_anonlink.py \\
        IN.npz OUT.npz --thresholds 0.7 0.8 0.9 --processes 1 2 --repeat 3

``IN.npz`` holds ``a`` and ``b``, ``(N, 128)`` uint8 arrays of 1024-bit CLKs. For every
threshold and number of processes it times ``find_candidate_pairs`` with
``dice_coefficient_accelerated`` (anonlink's C++ popcount kernel) over a × b, median of
``--repeat`` (the conversion to ``bitarray`` is not timed). anonlink compares in one thread;
with P processes a forked pool of P workers (started before timing) each takes a quarter
of a slice of ``a`` against all of ``b``, the usual way to spread it over cores. Writes the
seconds and the pairs found (a index, b index, score) of each run to ``OUT.npz``.
"""

from __future__ import annotations

import argparse
import multiprocessing
import statistics
import sys
import time
from typing import Any

import anonlink
import numpy as np
from anonlink.candidate_generation import find_candidate_pairs
from anonlink.similarities import dice_coefficient_accelerated
from bitarray import bitarray

_A: list[Any] = []
_B: list[Any] = []


def to_bitarrays(clks: Any) -> list[Any]:
    out = []
    for row in clks:
        bits = bitarray(endian="big")
        bits.frombytes(row.tobytes())
        out.append(bits)
    return out


def solve(task: tuple[int, int, float]) -> tuple[Any, Any, Any]:
    start, stop, threshold = task
    sims, _, (rec_a, rec_b) = find_candidate_pairs(
        [_A[start:stop], _B], dice_coefficient_accelerated, threshold
    )
    return (
        np.frombuffer(rec_a, dtype=np.uint32).astype(np.int64) + start,
        np.frombuffer(rec_b, dtype=np.uint32).astype(np.int64),
        np.frombuffer(sims, dtype=np.float64).copy(),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs")
    parser.add_argument("outputs")
    parser.add_argument("--thresholds", type=float, nargs="+", required=True)
    parser.add_argument("--processes", type=int, nargs="+", default=[1])
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    data = np.load(args.inputs)
    _A.extend(to_bitarrays(data["a"]))
    _B.extend(to_bitarrays(data["b"]))
    n_a = len(_A)
    out: dict[str, Any] = {}
    for processes in args.processes:
        pool = multiprocessing.get_context("fork").Pool(processes) if processes > 1 else None
        try:
            for threshold in args.thresholds:
                parts = processes * 4 if pool is not None else 1
                edges = [n_a * k // parts for k in range(parts + 1)]
                tasks = [
                    (edges[k], edges[k + 1], threshold)
                    for k in range(parts)
                    if edges[k] < edges[k + 1]
                ]
                seconds = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    found = (
                        pool.map(solve, tasks) if pool is not None else [solve(t) for t in tasks]
                    )
                    seconds.append(time.perf_counter() - start)
                key = f"{threshold}_{processes}"
                out[f"seconds_{key}"] = np.array(statistics.median(seconds))
                out[f"a_{key}"] = np.concatenate([part[0] for part in found])
                out[f"b_{key}"] = np.concatenate([part[1] for part in found])
                out[f"score_{key}"] = np.concatenate([part[2] for part in found])
        finally:
            if pool is not None:
                pool.close()
                pool.join()
    out["version"] = np.array(getattr(anonlink, "__version__", "?"))
    np.savez(args.outputs, **out)


if __name__ == "__main__":
    sys.exit(main())
