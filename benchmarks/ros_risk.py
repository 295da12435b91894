"""Speed of the ROS risk score (pure module, no Django).

Scores N synthetic premises (default 200,000) with the default indicator settings and
prints premises per second, beside a baseline loop that only builds the same facts,
measured in the same run. The raw data is generated before timing starts; both loops
build the facts from it, the second also scores them (score + both explanations).

    .venv/bin/python benchmarks/ros_risk.py [N]
"""

from __future__ import annotations

import random
import sys
import time
from collections import Counter
from datetime import date, timedelta
from typing import Any

sys.path.insert(0, "src")

from samverkan.ros import risk

TODAY = date(2026, 11, 27)
PERMIT_TYPES = ["alcohol", "food", "tobacco", "building", "fire"]
STATUSES = ["active"] * 6 + ["expired", "revoked", "applied", "denied"]
GRADES = [(r, c) for r in "ABCDEF" for c in "123456"]
KINDS = [
    ("restaurang", True, ("alcohol", "food")),
    ("kafé", True, ("food",)),
    ("kiosk", True, ("tobacco", "food")),
    ("biltvätt", True, ()),
    ("frisör", False, ()),
    ("nagelsalong", False, ()),
    ("föreningslokal", False, ("fire",)),
]

Raw = tuple[Any, ...]


def generate(n: int, seed: int = 2026) -> list[Raw]:
    rnd = random.Random(seed)
    rows: list[Raw] = []
    for i in range(n):
        name, cash, required = rnd.choice(KINDS)
        permits = tuple(
            (
                rnd.choice(PERMIT_TYPES),
                rnd.choice(STATUSES),
                None if rnd.random() < 0.3 else TODAY + timedelta(days=rnd.randint(-700, 700)),
            )
            for _ in range(rnd.choice((0, 1, 1, 2, 2, 3)))
        )
        signals = tuple(
            (TODAY - timedelta(days=rnd.randint(0, 720)), *rnd.choice(GRADES))
            for _ in range(rnd.choice((0, 0, 0, 1, 2, 3, 5)))
        )
        rows.append(
            (
                f"p-{i}",
                cash,
                frozenset(required),
                permits,
                signals,
                rnd.choice((1, 1, 1, 1, 2, 2, 3, 4, 7)),
                rnd.choice((0, 0, 0, 0, 1, 2)),
                rnd.choice((0, 0, 0, 0, 0, 1)),
                name,
            )
        )
    return rows


def build(row: Raw) -> risk.PremisesFacts:
    pid, cash, required, permits, signals, addresses, findings, sanctions, kind = row
    return risk.PremisesFacts(
        premises_id=pid,
        kind_cash_intensive=cash,
        required_permit_types=required,
        permits=tuple(risk.PermitFact(t, s, v) for t, s, v in permits),
        signals=tuple(risk.SignalFact(d, r, c) for d, r, c in signals),
        business_address_count=addresses,
        linked_findings=findings,
        earlier_sanctions=sanctions,
        today=TODAY,
        activity_kind=kind,
    )


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    rows = generate(n)
    config = risk.default_configs()  # also reads the YAML file once, outside the timing

    started = time.perf_counter()
    for row in rows:
        build(row)
    baseline = time.perf_counter() - started

    levels: Counter[str] = Counter()
    fired: Counter[str] = Counter()
    started = time.perf_counter()
    for row in rows:
        assessment = risk.score(build(row), config)
        levels[assessment.level] += 1
        for item in assessment.fired:
            fired[item.key] += 1
    scored = time.perf_counter() - started

    print(f"ROS risk score, {n:,} synthetic premises, Python {sys.version.split()[0]}")
    print(f"  baseline (build facts only): {baseline:7.2f} s  {n / baseline:10,.0f} premises/s")
    print(f"  build facts + score:         {scored:7.2f} s  {n / scored:10,.0f} premises/s")
    per_premises = (scored - baseline) / n * 1e6
    print(f"  scoring alone ≈ {per_premises:.1f} µs per premises; ratio {scored / baseline:.2f}")
    print("  levels: " + ", ".join(f"{level} {levels[level]:,}" for level in risk.LEVELS))
    print("  fired:  " + ", ".join(f"{key} {fired[key]:,}" for key in risk.INDICATOR_KEYS))


if __name__ == "__main__":
    main()
