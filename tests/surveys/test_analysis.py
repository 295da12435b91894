"""The analysis layer: small-group protection of breakdowns and the published shape."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.surveys import questionnaire as qn
from samverkan.surveys.analysis import Inputs, analyse, protected_categories

counts_strategy = st.dictionaries(
    st.sampled_from(["a", "b", "c", "d", "e", "f"]), st.integers(0, 30), min_size=1
)


@settings(max_examples=300)
@given(counts=counts_strategy, k=st.integers(5, 10))
def test_no_hidden_group_can_be_worked_out_from_the_total(counts: dict[str, int], k: int) -> None:
    hidden = protected_categories(counts, k)
    if 0 < sum(counts.values()) < k:
        return  # the total itself is hidden by the caller, and with it every group
    # Every group shown has at least k respondents (or none).
    assert all(counts[c] == 0 or counts[c] >= k for c in counts if c not in hidden)
    # Never exactly one hidden group with respondents: it would be total minus the rest.
    assert len([c for c in hidden if counts[c] > 0]) != 1
    # The hidden groups together are either empty or at least k.
    together = sum(counts[c] for c in hidden)
    assert together == 0 or together >= k


def _answer(municipality: str, gender: str, threat: str) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "role": "employee",
        "municipality": municipality,
        "gender": gender,
        "age_band": "30_49",
        "exposure_threat": threat,
    }
    for item in ("harassment", "violence", "property", "bribe", "relatives", "online"):
        answer[f"exposure_{item}"] = "never"
    return answer


def test_a_group_of_two_is_hidden_together_with_another() -> None:
    questionnaire = qn.load_default()
    answers = [_answer("a", "woman", "once") for _ in range(20)]
    answers += [_answer("a", "man", "never") for _ in range(20)]
    answers += [_answer("a", "other", "once") for _ in range(2)]
    result = analyse(
        Inputs(
            questionnaire=questionnaire,
            answers=answers,
            min_cell_size=5,
            municipality_labels={"a": "A"},
        )
    )
    by_gender = {e.category: e for e in result.exposure[0].by["gender"]}
    assert by_gender["other"].suppressed and by_gender["other"].share is None
    # "other" (2) alone would be recoverable from the total: a second group is hidden too,
    # and together the hidden groups hold at least five respondents.
    hidden = [e for e in by_gender.values() if e.suppressed]
    assert len(hidden) >= 2
    assert result.exposure[0].overall.n == 42
    data = result.as_dict()
    assert data["exposure"][0]["by"]["gender"]
    assert {"respondents", "min_cell_size", "weighted", "response_rates", "exposure"} <= set(data)


def test_everything_is_hidden_below_k_respondents() -> None:
    questionnaire = qn.load_default()
    answers = [_answer("a", "woman", "once") for _ in range(4)]
    result = analyse(
        Inputs(
            questionnaire=questionnaire,
            answers=answers,
            min_cell_size=5,
            municipality_labels={"a": "A"},
        )
    )
    for indicator in result.exposure:
        assert indicator.overall.suppressed
        assert all(e.share is None for estimates in indicator.by.values() for e in estimates)
