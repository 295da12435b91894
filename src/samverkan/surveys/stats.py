"""Survey statistics for the undue-influence surveys. Pure computation: imports no Django
and nothing outside the standard library.

* :func:`wilson` – a proportion with its Wilson score interval.
* :func:`difference` – the difference between two independent proportions with Newcombe's
  hybrid score interval and the two-sided pooled two-proportion z-test.
* :func:`poststratification_weights` – one weight per stratum so that the weighted sample
  matches the population distribution over the strata.
* :func:`weighted_proportion` – a weighted share with a Wilson interval on Kish's effective
  sample size.
* :func:`kish_effective_n` – Kish's effective sample size of a set of weights.

All confidence levels are two-sided. Counts may be non-integers (weighted data).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import compress
from statistics import NormalDist
from typing import Generic, TypeVar

__all__ = [
    "Difference",
    "Proportion",
    "Weighting",
    "difference",
    "kish_effective_n",
    "poststratification_weights",
    "weighted_proportion",
    "wilson",
    "z_for",
]

StratumT = TypeVar("StratumT", bound=Hashable)


@dataclass(frozen=True)
class Proportion:
    """A proportion with its confidence interval.

    ``estimate``, ``low`` and ``high`` are None when there are no observations (``n == 0``).
    ``n`` is the number of observations the interval is based on; for
    :func:`weighted_proportion` it is Kish's effective sample size, which is usually not an
    integer and smaller than the number of respondents.
    """

    estimate: float | None
    low: float | None
    high: float | None
    n: float


@dataclass(frozen=True)
class Difference:
    """The difference ``p1 - p2`` between two independent proportions.

    ``low``/``high`` is Newcombe's hybrid score interval. ``z`` is the pooled two-proportion
    test statistic (positive when ``p1 > p2``) and ``p_value`` its two-sided p-value; the test
    is the same as Pearson's chi-square test without continuity correction on the 2×2 table
    (``z ** 2`` is the chi-square statistic).

    All fields are None when either group has no observations. ``z`` and ``p_value`` alone
    are None when the test is undefined because the pooled proportion is 0 or 1 (every
    respondent in both groups answered the same way); the interval is still given then.
    """

    estimate: float | None
    low: float | None
    high: float | None
    z: float | None
    p_value: float | None


@dataclass(frozen=True)
class Weighting(Generic[StratumT]):
    """Post-stratification weights.

    ``weights`` maps each stratum with respondents to the weight of every respondent in it.

    ``empty_strata`` lists, in the population mapping's order, the strata that exist in the
    population (count > 0) but have no respondents. They cannot be weighted: their share of
    the population is spread over the other strata in proportion to those strata's
    population counts, so estimates describe the population of the covered strata only. The
    caller must list the empty strata in the method section of a report.

    ``collapsed`` is True exactly when that happened, i.e. when there are empty strata and
    at least one stratum with respondents: the weights then reproduce the population shares
    *within the covered strata* rather than within the whole population.
    """

    weights: dict[StratumT, float]
    empty_strata: tuple[StratumT, ...]
    collapsed: bool


def _check_confidence(confidence: float) -> None:
    if not (isinstance(confidence, int | float) and 0.0 < confidence < 1.0):
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")


@lru_cache(maxsize=64)
def z_for(confidence: float) -> float:
    """The two-sided standard normal critical value, e.g. 1.959963984540054 for 0.95."""
    _check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2.0)


def _check_count(successes: float, n: float, what: str = "") -> None:
    if not (math.isfinite(successes) and math.isfinite(n)):
        raise ValueError(f"{what}successes and n must be finite, got {successes!r} and {n!r}")
    if n < 0:
        raise ValueError(f"{what}n must not be negative, got {n!r}")
    if not 0 <= successes <= n:
        raise ValueError(f"{what}successes must lie between 0 and n={n!r}, got {successes!r}")


def _wilson_bounds(share: float, n: float, z: float) -> tuple[float, float]:
    """Wilson score interval for an observed share ``share`` out of ``n`` (n > 0)."""
    z2 = z * z
    denominator = 1.0 + z2 / n
    centre = (share + z2 / (2.0 * n)) / denominator
    half_width = z * math.sqrt(share * (1.0 - share) / n + z2 / (4.0 * n * n)) / denominator
    low = 0.0 if share <= 0.0 else max(0.0, centre - half_width)
    high = 1.0 if share >= 1.0 else min(1.0, centre + half_width)
    return low, high


def wilson(successes: float, n: float, *, confidence: float = 0.95) -> Proportion:
    """The share ``successes / n`` with its Wilson score interval.

    ``successes`` and ``n`` may be non-integers (weighted counts). With ``n == 0`` the
    estimate and the bounds are None.
    """
    z = z_for(confidence)
    _check_count(successes, n)
    if n == 0:
        return Proportion(None, None, None, 0.0)
    share = successes / n
    low, high = _wilson_bounds(share, n, z)
    return Proportion(share, low, high, float(n))


def difference(
    x1: float, n1: float, x2: float, n2: float, *, confidence: float = 0.95
) -> Difference:
    """The difference ``x1/n1 - x2/n2`` with Newcombe's hybrid score interval (Newcombe 1998,
    method 10, built from the two Wilson intervals) and the two-sided pooled z-test p-value.
    """
    z_crit = z_for(confidence)
    _check_count(x1, n1, "group 1: ")
    _check_count(x2, n2, "group 2: ")
    if n1 == 0 or n2 == 0:
        return Difference(None, None, None, None, None)
    p1 = x1 / n1
    p2 = x2 / n2
    low1, high1 = _wilson_bounds(p1, n1, z_crit)
    low2, high2 = _wilson_bounds(p2, n2, z_crit)
    estimate = p1 - p2
    low = max(-1.0, estimate - math.hypot(p1 - low1, high2 - p2))
    high = min(1.0, estimate + math.hypot(p2 - low2, high1 - p1))

    pooled = (x1 + x2) / (n1 + n2)
    variance = pooled * (1.0 - pooled) * (1.0 / n1 + 1.0 / n2)
    if variance <= 0.0:
        return Difference(estimate, low, high, None, None)
    z = estimate / math.sqrt(variance)
    p_value = math.erfc(abs(z) / math.sqrt(2.0))
    return Difference(estimate, low, high, z, p_value)


def poststratification_weights(
    sample: Mapping[StratumT, int], population: Mapping[StratumT, int]
) -> Weighting[StratumT]:
    """Weights ``w_h = (N_h / N) / (n_h / n)`` per stratum ``h``.

    ``sample`` gives the number of respondents per stratum, ``population`` the number of
    people per stratum. ``N`` and ``n`` are the totals over the strata that have
    respondents, so the weights summed over all respondents equal the number of respondents
    and the weighted share of each covered stratum equals its population share among the
    covered strata.

    Strata in the population without respondents are returned in ``empty_strata`` (see
    :class:`Weighting`). A stratum with respondents but absent from the population, or
    with a population count of 0, raises ValueError naming the stratum. With no
    respondents at all the weights are empty and every populated stratum is empty.
    """
    for stratum, count in population.items():
        if count < 0:
            raise ValueError(f"population count of stratum {stratum!r} is negative: {count!r}")
    for stratum, count in sample.items():
        if count < 0:
            raise ValueError(f"sample count of stratum {stratum!r} is negative: {count!r}")
        if count == 0:
            continue
        if stratum not in population:
            raise ValueError(
                f"stratum {stratum!r} has {count} respondents but is not in the population"
            )
        if population[stratum] == 0:
            raise ValueError(
                f"stratum {stratum!r} has {count} respondents but a population count of 0"
            )

    covered = [h for h, size in population.items() if size > 0 and sample.get(h, 0) > 0]
    empty = tuple(h for h, size in population.items() if size > 0 and sample.get(h, 0) == 0)
    n = sum(sample[h] for h in covered)
    big_n = sum(population[h] for h in covered)
    # (N_h / N) / (n_h / n) as one division, so integer counts give a correctly rounded weight.
    weights = {h: (population[h] * n) / (big_n * sample[h]) for h in covered}
    return Weighting(weights=weights, empty_strata=empty, collapsed=bool(empty and covered))


def _check_weights(weights: Sequence[float]) -> float:
    """Validate the weights and return their (correctly rounded) sum."""
    try:
        total = math.fsum(weights)
    except (OverflowError, ValueError):  # overflow, or inf and -inf together
        total = math.inf
    if math.isfinite(total) and (not weights or min(weights) >= 0):
        return total
    for index, weight in enumerate(weights):
        if not (math.isfinite(weight) and weight >= 0):
            raise ValueError(f"weight #{index} must be finite and non-negative, got {weight!r}")
    raise ValueError("the weights are too large to add up")


def kish_effective_n(weights: Sequence[float]) -> float:
    """Kish's effective sample size ``(Σw)² / Σw²``; 0.0 when there is no positive weight.

    Equal weights give the number of weights; unequal weights give less.
    """
    _check_weights(weights)
    return _kish(weights)


def _kish(weights: Sequence[float]) -> float:
    largest = max(weights, default=0.0)
    if largest <= 0:
        return 0.0
    if not 1e-100 < largest < 1e100:
        # Scaling leaves the ratio unchanged and avoids overflow and underflow.
        weights = [weight / largest for weight in weights]
    total = math.fsum(weights)
    return total * total / math.fsum(map(operator.mul, weights, weights))


def weighted_proportion(
    values: Sequence[bool], weights: Sequence[float], *, confidence: float = 0.95
) -> Proportion:
    """The weighted share of true ``values`` with a Wilson interval on Kish's effective
    sample size ``n_eff = (Σw)² / Σw²``.

    The returned ``Proportion.n`` is ``n_eff``, not the number of respondents. Respondents
    with weight 0 do not count; with no positive weight the estimate and bounds are None.
    """
    z = z_for(confidence)
    if len(values) != len(weights):
        raise ValueError(f"{len(values)} values but {len(weights)} weights")
    total = _check_weights(weights)
    if total == 0:
        return Proportion(None, None, None, 0.0)
    # fsum is correctly rounded, so the sum over a subset never exceeds the total.
    share = min(1.0, math.fsum(compress(weights, values)) / total)
    n_eff = _kish(weights)
    low, high = _wilson_bounds(share, n_eff, z)
    return Proportion(share, low, high, n_eff)
