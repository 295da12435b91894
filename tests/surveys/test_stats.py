"""Survey statistics against statsmodels/scipy reference values (used only here, never by
the module itself)."""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from scipy.stats import chi2_contingency, norm
from statsmodels.stats.proportion import (
    confint_proportions_2indep,
    proportion_confint,
    proportions_ztest,
)

from samverkan.surveys import stats
from samverkan.surveys.stats import (
    Difference,
    Proportion,
    Weighting,
    difference,
    kish_effective_n,
    poststratification_weights,
    weighted_proportion,
    wilson,
    z_for,
)

TOL = 1e-9
CONFIDENCES = st.sampled_from([0.5, 0.8, 0.9, 0.95, 0.975, 0.99, 0.999])


@st.composite
def counts(draw: st.DrawFn, max_n: int = 10_000) -> tuple[int, int]:
    n = draw(st.integers(1, max_n))
    x = draw(
        st.one_of(st.integers(0, n), st.sampled_from([0, 1, n - 1, n]).filter(lambda v: v >= 0))
    )
    return x, n


def test_module_imports_only_the_standard_library() -> None:
    with open(stats.__file__, encoding="utf-8") as handle:
        source = handle.read()
    for banned in ("numpy", "scipy", "statsmodels", "django"):
        assert f"import {banned}" not in source and f"from {banned}" not in source


@given(CONFIDENCES)
def test_z_for_matches_scipy(confidence: float) -> None:
    assert z_for(confidence) == pytest.approx(norm.isf((1 - confidence) / 2), abs=TOL)


def test_z_for_95() -> None:
    assert z_for(0.95) == pytest.approx(1.959963984540054, abs=1e-15)


@pytest.mark.parametrize("confidence", [0.0, 1.0, -0.5, 1.5, math.nan])
def test_bad_confidence(confidence: float) -> None:
    with pytest.raises(ValueError, match="confidence"):
        wilson(1, 2, confidence=confidence)


# -- Wilson -----------------------------------------------------------------------------


@settings(max_examples=200)
@given(counts(), CONFIDENCES)
def test_wilson_matches_statsmodels(count: tuple[int, int], confidence: float) -> None:
    x, n = count
    result = wilson(x, n, confidence=confidence)
    low, high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert result.estimate == pytest.approx(x / n, abs=TOL)
    assert result.low == pytest.approx(low, abs=TOL)
    assert result.high == pytest.approx(high, abs=TOL)
    assert result.n == n
    assert 0.0 <= result.low <= result.estimate <= result.high <= 1.0


@settings(max_examples=100)
@given(
    st.floats(0.5, 5_000, allow_nan=False),
    st.floats(0, 1),
    CONFIDENCES,
)
def test_wilson_accepts_weighted_counts(n: float, share: float, confidence: float) -> None:
    x = min(n, share * n)
    result = wilson(x, n, confidence=confidence)
    low, high = proportion_confint(x, n, alpha=1 - confidence, method="wilson")
    assert result.low == pytest.approx(low, abs=TOL)
    assert result.high == pytest.approx(high, abs=TOL)


def test_wilson_known_values() -> None:
    # 8 of 20 at 95 %: 0.2188 – 0.6134.
    result = wilson(8, 20)
    assert result.estimate == 0.4
    assert result.low == pytest.approx(0.21881, abs=1e-5)
    assert result.high == pytest.approx(0.61342, abs=1e-5)
    assert wilson(0, 10).low == 0.0
    assert wilson(10, 10).high == 1.0


def test_wilson_without_observations() -> None:
    assert wilson(0, 0) == Proportion(None, None, None, 0.0)


@pytest.mark.parametrize(("x", "n"), [(-1, 5), (6, 5), (0, -1), (math.nan, 5), (1, math.inf)])
def test_wilson_rejects_impossible_counts(x: float, n: float) -> None:
    with pytest.raises(ValueError):
        wilson(x, n)


# -- Difference -------------------------------------------------------------------------


@settings(max_examples=200)
@given(counts(), counts(), CONFIDENCES)
def test_newcombe_interval_matches_statsmodels(
    first: tuple[int, int], second: tuple[int, int], confidence: float
) -> None:
    (x1, n1), (x2, n2) = first, second
    result = difference(x1, n1, x2, n2, confidence=confidence)
    low, high = confint_proportions_2indep(
        x1, n1, x2, n2, method="newcomb", compare="diff", alpha=1 - confidence
    )
    assert result.estimate == pytest.approx(x1 / n1 - x2 / n2, abs=TOL)
    assert result.low == pytest.approx(low, abs=TOL)
    assert result.high == pytest.approx(high, abs=TOL)
    assert -1.0 <= result.low <= result.estimate <= result.high <= 1.0


@settings(max_examples=200)
@given(counts(), counts())
def test_p_value_matches_ztest_and_chi_square(
    first: tuple[int, int], second: tuple[int, int]
) -> None:
    (x1, n1), (x2, n2) = first, second
    assume(0 < x1 + x2 < n1 + n2)  # otherwise the test is undefined
    result = difference(x1, n1, x2, n2)
    assert result.z is not None and result.p_value is not None
    z, p_value = proportions_ztest([x1, x2], [n1, n2])
    assert result.z == pytest.approx(z, rel=TOL, abs=TOL)
    assert result.p_value == pytest.approx(p_value, rel=TOL, abs=1e-15)

    chi2, chi_p, _, _ = chi2_contingency([[x1, n1 - x1], [x2, n2 - x2]], correction=False)
    assert result.z**2 == pytest.approx(chi2, rel=TOL, abs=TOL)
    assert result.p_value == pytest.approx(chi_p, rel=1e-7, abs=1e-15)


def test_difference_known_values() -> None:
    # Newcombe (1998), example (c): 56/70 − 48/80 = 0.2, method 10: 0.0524 – 0.3339.
    result = difference(56, 70, 48, 80)
    assert result.estimate == pytest.approx(0.2)
    assert result.low == pytest.approx(0.0524, abs=5e-5)
    assert result.high == pytest.approx(0.3339, abs=5e-5)
    assert result.z is not None and result.z > 0


@pytest.mark.parametrize(("x1", "n1", "x2", "n2"), [(0, 10, 0, 20), (10, 10, 20, 20)])
def test_difference_without_test_when_everyone_answered_alike(
    x1: int, n1: int, x2: int, n2: int
) -> None:
    result = difference(x1, n1, x2, n2)
    assert result.estimate == 0.0
    assert result.z is None and result.p_value is None
    assert result.low is not None and result.high is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        low, high = confint_proportions_2indep(x1, n1, x2, n2, method="newcomb")
    assert (result.low, result.high) == pytest.approx((low, high), abs=TOL)


@pytest.mark.parametrize(("n1", "n2"), [(0, 10), (10, 0), (0, 0)])
def test_difference_with_an_empty_group(n1: int, n2: int) -> None:
    assert difference(0, n1, 0, n2) == Difference(None, None, None, None, None)


def test_difference_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="group 2"):
        difference(1, 2, 3, 2)


# -- Post-stratification ----------------------------------------------------------------


def test_poststratification_by_hand() -> None:
    result = poststratification_weights({"A": 30, "B": 70}, {"A": 500, "B": 500})
    assert result.weights == pytest.approx({"A": 5 / 3, "B": 5 / 7})
    assert result.empty_strata == ()
    assert result.collapsed is False


def test_poststratification_with_an_empty_stratum() -> None:
    result = poststratification_weights(
        {"A": 10, "B": 40, "D": 0}, {"A": 200, "B": 300, "C": 500, "D": 0}
    )
    # C (500 people) has no respondents: the weights target the covered 500 people.
    assert result == Weighting(weights={"A": 2.0, "B": 0.75}, empty_strata=("C",), collapsed=True)


def test_poststratification_without_respondents() -> None:
    result = poststratification_weights({}, {"A": 5, "B": 0})
    assert result == Weighting(weights={}, empty_strata=("A",), collapsed=False)


def test_poststratification_rejects_strata_outside_the_population() -> None:
    with pytest.raises(ValueError, match="'Z'"):
        poststratification_weights({"A": 3, "Z": 1}, {"A": 10})
    with pytest.raises(ValueError, match="'B'"):
        poststratification_weights({"A": 3, "B": 1}, {"A": 10, "B": 0})
    with pytest.raises(ValueError, match="negative"):
        poststratification_weights({"A": 3}, {"A": -1})


@settings(max_examples=200)
@given(
    st.dictionaries(
        st.tuples(st.sampled_from("ABCDEFGH"), st.sampled_from(["förtroendevald", "anställd"])),
        st.tuples(st.integers(0, 400), st.integers(1, 50_000)),
        min_size=1,
    )
)
def test_poststratification_properties(strata: dict[tuple[str, str], tuple[int, int]]) -> None:
    sample = {h: n_h for h, (n_h, _) in strata.items()}
    population = {h: big_n for h, (_, big_n) in strata.items()}
    result = poststratification_weights(sample, population)
    covered = [h for h in strata if sample[h] > 0]
    assert list(result.weights) == covered
    assert set(result.empty_strata) == {h for h in strata if sample[h] == 0}
    assert result.collapsed == bool(result.empty_strata and covered)
    n = sum(sample.values())
    weighted_total = math.fsum(sample[h] * w for h, w in result.weights.items())
    assert weighted_total == pytest.approx(n, rel=1e-12)
    big_n = sum(population[h] for h in covered)
    for h, w in result.weights.items():
        assert sample[h] * w / weighted_total == pytest.approx(population[h] / big_n, rel=1e-12)


# -- Weighted proportions and Kish ------------------------------------------------------


@given(st.integers(1, 1_000), st.floats(0.01, 100))
def test_kish_equal_weights_give_n(n: int, weight: float) -> None:
    assert kish_effective_n([weight] * n) == pytest.approx(n, rel=1e-12)


WEIGHT = st.one_of(st.just(0.0), st.floats(1e-3, 1e6))


@given(st.lists(WEIGHT, min_size=1, max_size=200))
def test_kish_matches_formula(weights: list[float]) -> None:
    assume(sum(weights) > 0)
    expected = sum(weights) ** 2 / sum(w * w for w in weights)
    assert kish_effective_n(weights) == pytest.approx(expected, rel=1e-9)
    assert kish_effective_n(weights) <= len(weights) * (1 + 1e-12)


def test_kish_edge_cases() -> None:
    assert kish_effective_n([]) == 0.0
    assert kish_effective_n([0.0, 0.0]) == 0.0
    assert kish_effective_n([1e300, 1e300]) == pytest.approx(2.0)
    with pytest.raises(ValueError, match="weight #1"):
        kish_effective_n([1.0, -1.0])


@settings(max_examples=100)
@given(st.lists(st.booleans(), min_size=1, max_size=500), st.floats(0.1, 10), CONFIDENCES)
def test_weighted_proportion_with_equal_weights_is_wilson(
    values: list[bool], weight: float, confidence: float
) -> None:
    result = weighted_proportion(values, [weight] * len(values), confidence=confidence)
    plain = wilson(sum(values), len(values), confidence=confidence)
    assert result.n == pytest.approx(len(values), rel=1e-12)
    assert result.estimate == pytest.approx(plain.estimate, abs=1e-12)
    assert result.low == pytest.approx(plain.low, abs=1e-9)
    assert result.high == pytest.approx(plain.high, abs=1e-9)


@settings(max_examples=200)
@given(
    st.lists(st.tuples(st.booleans(), WEIGHT), min_size=1, max_size=300),
    CONFIDENCES,
)
def test_weighted_proportion_matches_statsmodels(
    data: list[tuple[bool, float]], confidence: float
) -> None:
    values = [v for v, _ in data]
    weights = [w for _, w in data]
    assume(sum(weights) > 0)
    result = weighted_proportion(values, weights, confidence=confidence)
    share = sum(w for v, w in data if v) / sum(weights)
    n_eff = sum(weights) ** 2 / sum(w * w for w in weights)
    low, high = proportion_confint(
        min(share * n_eff, n_eff), n_eff, alpha=1 - confidence, method="wilson"
    )
    assert result.n == pytest.approx(n_eff, rel=1e-9)
    assert result.estimate == pytest.approx(share, abs=1e-12)
    assert result.low == pytest.approx(low, abs=TOL)
    assert result.high == pytest.approx(high, abs=TOL)


def test_weighted_proportion_edge_cases() -> None:
    assert weighted_proportion([], []) == Proportion(None, None, None, 0.0)
    assert weighted_proportion([True, False], [0.0, 0.0]) == Proportion(None, None, None, 0.0)
    with pytest.raises(ValueError, match="2 values but 1 weights"):
        weighted_proportion([True, False], [1.0])
    with pytest.raises(ValueError, match="weight #0"):
        weighted_proportion([True], [math.nan])
    # Weight 0 removes a respondent.
    assert weighted_proportion([True, False, True], [1.0, 0.0, 1.0]) == wilson(2, 2)
