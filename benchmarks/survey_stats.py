"""Speed of the survey statistics (pure modules, no Django).

Generates N synthetic respondents (municipality × role × gender strata, 30 yes/no items),
then times, in the same run:

* baseline: a plain Python loop counting yes answers per municipality × role × gender
  and item;
* the same counts followed by a Wilson interval for every group and item;
* post-stratification weights plus weighted prevalences (Wilson on Kish's effective n)
  for every item, overall and by municipality.

    .venv/bin/python benchmarks/survey_stats.py [N]
"""

from __future__ import annotations

import random
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

sys.path.insert(0, "src")

from samverkan.surveys.stats import poststratification_weights, weighted_proportion, wilson

MUNICIPALITIES = [f"Kommun {chr(ord('A') + i)}" for i in range(8)]
ROLES = ["förtroendevald", "anställd"]
GENDERS = ["kvinna", "man", "annat"]
ITEMS = 30
Stratum = tuple[str, str, str]


def build(n: int, rng: random.Random) -> tuple[list[Stratum], list[list[bool]]]:
    strata: list[Stratum] = []
    answers: list[list[bool]] = []
    base = [rng.uniform(0.02, 0.4) for _ in range(ITEMS)]
    for _ in range(n):
        stratum = (
            rng.choice(MUNICIPALITIES),
            rng.choices(ROLES, weights=[1, 4])[0],
            rng.choices(GENDERS, weights=[48, 48, 4])[0],
        )
        lift = 1.5 if stratum[1] == "förtroendevald" else 1.0
        strata.append(stratum)
        answers.append([rng.random() < p * lift for p in base])
    return strata, answers


def count(strata: list[Stratum], answers: list[list[bool]]) -> dict[Stratum, list[int]]:
    """Baseline: n and yes-count per item for every stratum (index 0 holds n)."""
    counts: dict[Stratum, list[int]] = {}
    for stratum, row in zip(strata, answers, strict=True):
        line = counts.get(stratum)
        if line is None:
            line = counts[stratum] = [0] * (ITEMS + 1)
        line[0] += 1
        for item, yes in enumerate(row, start=1):
            if yes:
                line[item] += 1
    return counts


def prevalences(strata: list[Stratum], answers: list[list[bool]]) -> int:
    counts = count(strata, answers)
    results = 0
    for line in counts.values():
        for item in range(1, ITEMS + 1):
            wilson(line[item], line[0])
            results += 1
    return results


def weighted(
    strata: list[Stratum], answers: list[list[bool]], population: dict[Stratum, int]
) -> int:
    weighting = poststratification_weights(Counter(strata), population)
    weights = [weighting.weights[s] for s in strata]
    results = 0
    groups: dict[str | None, list[int]] = {None: list(range(len(strata)))}
    for index, stratum in enumerate(strata):
        groups.setdefault(stratum[0], []).append(index)
    for members in groups.values():
        group_weights = [weights[i] for i in members]
        for item in range(ITEMS):
            weighted_proportion([answers[i][item] for i in members], group_weights)
            results += 1
    return results


def timed(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, float, Any]:
    samples = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        samples.append(time.perf_counter() - start)
    return min(samples), statistics.median(samples), result


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 25_000
    rng = random.Random(1)
    strata, answers = build(n, rng)
    population = {
        (m, r, g): rng.randint(20, 3_000) for m in MUNICIPALITIES for r in ROLES for g in GENDERS
    }

    base_min, base_med, counts = timed(lambda: count(strata, answers))
    wilson_counts = [(line[i], line[0]) for line in counts.values() for i in range(1, ITEMS + 1)]
    only_min, only_med, _ = timed(lambda: [wilson(x, m) for x, m in wilson_counts])
    prev_min, prev_med, n_prev = timed(lambda: prevalences(strata, answers))
    weight_min, weight_med, n_weighted = timed(lambda: weighted(strata, answers, population))

    print(f"respondents: {n}, items: {ITEMS}, strata: {len(counts)} of {len(population)}")
    print("seconds (min / median of 5)")
    print(f"baseline count loop:                {base_min:.4f} / {base_med:.4f}")
    print(f"Wilson CIs alone ({len(wilson_counts)} intervals):  {only_min:.4f} / {only_med:.4f}")
    print(f"counts + Wilson ({n_prev} prevalences): {prev_min:.4f} / {prev_med:.4f}")
    print(f"ratio (counts + Wilson) / baseline: {prev_min / base_min:.2f}")
    print(f"weights + weighted prevalences ({n_weighted}): {weight_min:.4f} / {weight_med:.4f}")


if __name__ == "__main__":
    main()
