"""Published figures equal an independent computation with statsmodels on generated data
(to the published precision: shares are rounded to 0.001 and intervals are computed from
the rounded share, so limits may differ from statsmodels' by one unit in the last place)."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np
from statsmodels.stats.proportion import proportion_confint
from statsmodels.stats.weightstats import DescrStatsW

from samverkan.surveys import questionnaire as qn
from samverkan.surveys.analysis import Inputs, analyse

FORMS = [
    "exposure_threat",
    "exposure_harassment",
    "exposure_violence",
    "exposure_property",
    "exposure_bribe",
    "exposure_relatives",
    "exposure_online",
]


def _answers(n: int, seed: int) -> list[dict[str, Any]]:
    rng = random.Random(seed)
    rows = []
    for _ in range(n):
        role = rng.choice(["elected", "employee", "employee"])
        answer: dict[str, Any] = {
            "municipality": rng.choice(["a", "b"]),
            "role": role,
            "gender": rng.choice(["woman", "man"]),
            "age_band": rng.choice(["30_49", "50_64"]),
            "unit_type": rng.choice(["council", "administration"]),
            "worry": rng.choice(["not_at_all", "slightly", "fairly", "very"]),
        }
        if role == "elected":
            answer["chair"] = rng.choice(["chair", "neither"])
        for item in FORMS:
            answer[item] = "once" if rng.random() < 0.35 else "never"
        rows.append(answer)
    return rows


def test_published_shares_and_intervals_match_statsmodels() -> None:
    answers = _answers(300, 4)
    q = qn.load_default()
    strata = Counter((a["municipality"], a["role"], a["gender"]) for a in answers)
    invited = {s: c * 2 + 1 for s, c in strata.items()}
    result = analyse(
        Inputs(
            questionnaire=q,
            answers=answers,
            min_cell_size=5,
            municipality_labels={"a": "A", "b": "B"},
            population=invited,
            invited=invited,
            responded=dict(strata),
        )
    )
    n_total = len(answers)
    big_n = sum(invited.values())
    weights = np.array(
        [
            (invited[(a["municipality"], a["role"], a["gender"])] / big_n)
            / (strata[(a["municipality"], a["role"], a["gender"])] / n_total)
            for a in answers
        ]
    )
    checked = 0
    for indicator in result.exposure[1:]:
        hits = np.array([a[indicator.key] == "once" for a in answers], dtype=float)
        groups = [(indicator.overall, np.ones(len(answers), dtype=bool))]
        for e in indicator.by.get("municipality", []):
            groups.append((e, np.array([a["municipality"] == e.category for a in answers])))
        for e in indicator.by.get("gender", []):
            groups.append((e, np.array([a["gender"] == e.category for a in answers])))
        for e, mask in groups:
            if not e.exact:
                continue
            x, n = int(hits[mask].sum()), int(mask.sum())
            assert e.n == n
            assert e.share == round(x / n, 3)
            low, high = proportion_confint(x, n, alpha=0.05, method="wilson")
            assert abs(e.low - low) <= 0.0011 and abs(e.high - high) <= 0.0011
            if e.weighted_share is not None:
                stats = DescrStatsW(hits[mask], weights=weights[mask])
                assert abs(e.weighted_share - stats.mean) <= 0.0005 + 1e-12
            checked += 1
    assert checked > 10
    # Holm: statsmodels' multipletests on the published unadjusted p-values.
    from statsmodels.stats.multitest import multipletests

    for indicator in result.exposure:
        shown = [
            c
            for c in indicator.municipality_differences
            if c.p_value is not None and c.p_adjusted is not None
        ]
        if len(shown) > 1:
            expected = multipletests([c.p_value for c in shown], method="holm")[1]
            for c, p in zip(shown, expected, strict=True):
                assert abs(c.p_adjusted - p) <= 0.0011
