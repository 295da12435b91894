"""The grading scale for signals (Admiralty system: källvärdering A–F, informationsvärdering
1–6) and the weight a graded signal counts with."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samverkan.ros.grading import (
    CREDIBILITY_FACTOR,
    DESCRIPTIONS,
    LABELS,
    RELIABILITY_FACTOR,
    InformationCredibility,
    SourceReliability,
    signal_weight,
)

RELIABILITIES = list(SourceReliability)  # best first
CREDIBILITIES = list(InformationCredibility)  # best first
DOCS = Path(__file__).resolve().parents[2] / "docs" / "ros" / "risk.md"


def test_the_scales_are_a_to_f_and_1_to_6_in_order() -> None:
    assert [r.value for r in SourceReliability] == ["A", "B", "C", "D", "E", "F"]
    assert [c.value for c in InformationCredibility] == ["1", "2", "3", "4", "5", "6"]


def test_every_grade_has_swedish_and_english_label_and_description() -> None:
    grades = [r.value for r in SourceReliability] + [c.value for c in InformationCredibility]
    assert set(LABELS) == set(grades) == set(DESCRIPTIONS)
    for grade in grades:
        for texts in (LABELS[grade], DESCRIPTIONS[grade]):
            assert set(texts) == {"sv", "en"}
            assert all(text.strip() for text in texts.values())
            assert all("\n" not in text for text in texts.values())  # one line


def test_the_documented_labels() -> None:
    assert LABELS["A"]["sv"] == "Fullständigt tillförlitlig"
    assert LABELS["F"]["sv"] == "Kan inte bedömas"
    assert LABELS["1"]["sv"] == "Bekräftad av andra källor"
    assert LABELS["6"]["sv"] == "Kan inte bedömas"
    assert LABELS["A"]["en"] == "Completely reliable"
    assert LABELS["6"]["en"] == "Truth cannot be judged"


def test_enum_members_index_the_labels() -> None:
    assert LABELS[SourceReliability.B] is LABELS["B"]
    assert LABELS[InformationCredibility.PROBABLY_TRUE] is LABELS["2"]


def test_the_ends_of_the_scale() -> None:
    assert signal_weight("A", "1") == 1.0
    assert signal_weight("F", "6") == 0.25
    assert signal_weight("F", "1") == 0.5  # unknown source, confirmed information
    assert signal_weight("A", "6") == 0.5  # reliable source, information not assessed
    assert RELIABILITY_FACTOR[SourceReliability.F] == 0.5
    assert CREDIBILITY_FACTOR[InformationCredibility.CANNOT_BE_JUDGED] == 0.5


@pytest.mark.parametrize("reliability", RELIABILITIES)
@pytest.mark.parametrize("credibility", CREDIBILITIES)
def test_the_weight_is_the_product_of_the_two_factors(
    reliability: SourceReliability, credibility: InformationCredibility
) -> None:
    expected = RELIABILITY_FACTOR[reliability] * CREDIBILITY_FACTOR[credibility]
    assert signal_weight(reliability, credibility) == expected
    assert signal_weight(reliability.value, credibility.value) == expected
    assert 0.25 <= expected <= 1.0


@given(st.integers(0, 5), st.integers(0, 5), st.integers(0, 5), st.integers(0, 5))
def test_a_better_grade_never_gives_a_lower_weight(r1: int, r2: int, c1: int, c2: int) -> None:
    better_r, worse_r = sorted((r1, r2))
    better_c, worse_c = sorted((c1, c2))
    assert signal_weight(RELIABILITIES[better_r], CREDIBILITIES[better_c]) >= signal_weight(
        RELIABILITIES[worse_r], CREDIBILITIES[worse_c]
    )
    # each axis on its own
    assert signal_weight(RELIABILITIES[better_r], CREDIBILITIES[c1]) >= signal_weight(
        RELIABILITIES[worse_r], CREDIBILITIES[c1]
    )
    assert signal_weight(RELIABILITIES[r1], CREDIBILITIES[better_c]) >= signal_weight(
        RELIABILITIES[r1], CREDIBILITIES[worse_c]
    )


def test_the_ranked_grades_are_strictly_decreasing() -> None:
    factors = [RELIABILITY_FACTOR[r] for r in RELIABILITIES[:5]]
    assert factors == sorted(factors, reverse=True) and len(set(factors)) == 5
    factors = [CREDIBILITY_FACTOR[c] for c in CREDIBILITIES[:5]]
    assert factors == sorted(factors, reverse=True) and len(set(factors)) == 5


@pytest.mark.parametrize(
    ("reliability", "credibility"),
    [("G", "1"), ("a", "1"), ("", "1"), ("A", "7"), ("A", "0"), ("A", ""), ("A1", "1")],
)
def test_unknown_grades_are_refused(reliability: str, credibility: str) -> None:
    with pytest.raises(ValueError, match="reliability" if credibility == "1" else "credibility"):
        signal_weight(reliability, credibility)


def test_non_text_grades_are_refused() -> None:
    with pytest.raises(ValueError):
        signal_weight(cast(Any, None), "1")
    with pytest.raises(ValueError):
        signal_weight("A", cast(Any, 1))


def test_the_documented_weight_table_matches_the_code() -> None:
    text = DOCS.read_text(encoding="utf-8")
    for reliability in RELIABILITIES:
        cells = " | ".join(
            f"{signal_weight(reliability, c):.4f}".rstrip("0").rstrip(".") for c in CREDIBILITIES
        )
        row = f"| **{reliability.value}** | {cells} |"
        assert row in text, row
    assert re.search(r"\bF6\b.*0\.25", text)
