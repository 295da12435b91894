"""Survey results: prevalences with confidence intervals, differences, consequences,
reporting, trends and response rates, with small-group protection applied to
everything that is published. Pure computation: no Django.

The output is plain data (``as_dict()``) shared by the dashboard, the PDF, the CSV and
JSON exports and the API, so every channel publishes exactly the same numbers.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import combinations
from typing import Any

from samverkan.surveys import questionnaire as qn
from samverkan.surveys import stats
from samverkan.surveys.suppression import suppress, suppress_breakdown

DIMENSIONS = ("municipality", "role", "gender", "age_band")
ANY = "any"

Stratum = tuple[str, str, str]  # municipality, role, gender


@dataclass(frozen=True)
class Estimate:
    """One published figure. ``suppressed`` figures carry no numbers at all."""

    category: str
    label: str
    n: int | None
    share: float | None = None
    low: float | None = None
    high: float | None = None
    weighted_share: float | None = None
    weighted_low: float | None = None
    weighted_high: float | None = None
    suppressed: bool = False


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    suppressed: bool = False


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    overall: Estimate
    by: dict[str, list[Estimate]]
    municipality_differences: list[Comparison] = field(default_factory=list)
    trend: Comparison | None = None


@dataclass(frozen=True)
class ResponseRate:
    municipality: str
    role: str
    gender: str
    invited: int
    responded: int | None
    rate: float | None


@dataclass(frozen=True)
class Results:
    respondents: int
    min_cell_size: int
    weighted: bool
    unweighted_respondents: int
    empty_strata: list[str]
    labels: dict[str, dict[str, str]]
    response_rates: list[ResponseRate]
    exposure: list[Indicator]
    consequences: list[Indicator]
    reporting: list[Indicator]
    exposed_respondents: int | None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Inputs:
    questionnaire: qn.Questionnaire
    answers: Sequence[Mapping[str, Any]]
    min_cell_size: int
    language: str = "sv"
    municipality_labels: Mapping[str, str] = field(default_factory=dict)
    population: Mapping[Stratum, int] | None = None  # invited, for weighting
    invited: Mapping[Stratum, int] = field(default_factory=dict)
    responded: Mapping[Stratum, int] = field(default_factory=dict)
    previous: tuple[qn.Questionnaire, Sequence[Mapping[str, Any]]] | None = None
    any_label: str = "Any form of exposure"


def _text(text: Mapping[str, str] | None, lang: str) -> str:
    if not text:
        return ""
    return text.get(lang) or text.get("sv") or next(iter(text.values()), "")


def _strata_items(questionnaire: qn.Questionnaire) -> dict[str, qn.Item]:
    return {item.stratum: item for item in questionnaire.items if item.stratum}


def _is_exposed(answer: Mapping[str, Any], analysis: Any) -> bool:
    return any(answer.get(item) in analysis.exposed_values for item in analysis.exposure_items)


def _labels(inputs: Inputs) -> dict[str, dict[str, str]]:
    labels: dict[str, dict[str, str]] = {}
    for dimension, item in _strata_items(inputs.questionnaire).items():
        if dimension == "municipality":
            labels[dimension] = dict(inputs.municipality_labels)
        else:
            labels[dimension] = {o.value: _text(o.text, inputs.language) for o in item.options}
    return labels


class _Weights:
    def __init__(self, inputs: Inputs) -> None:
        self.enabled = inputs.population is not None
        self.empty: list[str] = []
        self.unweighted = 0
        self.by_stratum: dict[Stratum, float] = {}
        if not self.enabled:
            return
        assert inputs.population is not None
        sample = Counter(self.stratum(a, inputs) for a in inputs.answers)
        known = {s: n for s, n in sample.items() if s in inputs.population}
        self.unweighted = sum(n for s, n in sample.items() if s not in inputs.population)
        population = {s: n for s, n in inputs.population.items() if n > 0}
        if known:
            weighting = stats.poststratification_weights(known, population)
            self.by_stratum = {s: float(w) for s, w in weighting.weights.items()}
            self.empty = ["/".join(str(p) for p in s) for s in weighting.empty_strata]

    @staticmethod
    def stratum(answer: Mapping[str, Any], inputs: Inputs) -> Stratum:
        items = _strata_items(inputs.questionnaire)
        return tuple(  # type: ignore[return-value]
            str(answer.get(items[d].id, "")) if d in items else ""
            for d in ("municipality", "role", "gender")
        )

    def weight(self, answer: Mapping[str, Any], inputs: Inputs) -> float:
        return self.by_stratum.get(self.stratum(answer, inputs), 1.0)


def _estimate(
    category: str,
    label: str,
    group: Sequence[Mapping[str, Any]],
    test: Any,
    weights: _Weights,
    inputs: Inputs,
    suppressed: bool,
) -> Estimate:
    if suppressed or not group:
        return Estimate(category, label, None, suppressed=bool(group) or suppressed)
    hits = [bool(test(a)) for a in group]
    plain = stats.wilson(sum(hits), len(hits))
    values: dict[str, Any] = {}
    if weights.enabled:
        weighted = stats.weighted_proportion(hits, [weights.weight(a, inputs) for a in group])
        values = {
            "weighted_share": weighted.estimate,
            "weighted_low": weighted.low,
            "weighted_high": weighted.high,
        }
    return Estimate(category, label, len(group), plain.estimate, plain.low, plain.high, **values)


def protected_categories(counts: Mapping[str, int], k: int) -> set[str]:
    """Categories of a breakdown to suppress: fewer than k, never exactly one, and the
    suppressed categories together either empty or at least k."""
    hidden = set(suppress_breakdown(dict(counts), k))
    while hidden:
        total = sum(counts[c] for c in hidden)
        if total == 0 or total >= k:
            break
        rest = sorted((n, c) for c, n in counts.items() if c not in hidden and n > 0)
        if not rest:
            break
        hidden.add(rest[0][1])
    return hidden


def _indicator(
    key: str,
    label: str,
    population: Sequence[Mapping[str, Any]],
    test: Any,
    weights: _Weights,
    inputs: Inputs,
    labels: dict[str, dict[str, str]],
) -> Indicator:
    k = inputs.min_cell_size
    items = _strata_items(inputs.questionnaire)
    overall = _estimate("", "", population, test, weights, inputs, len(population) < k)
    by: dict[str, list[Estimate]] = {}
    groups_by_dim: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for dimension in DIMENSIONS:
        if dimension not in items:
            continue
        groups: dict[str, list[Mapping[str, Any]]] = defaultdict(list)
        for answer in population:
            value = answer.get(items[dimension].id)
            if isinstance(value, str) and value:
                groups[value].append(answer)
        # Categories in the questionnaire's order, then any others found in the answers.
        counts = {category: len(groups.get(category, [])) for category in labels.get(dimension, {})}
        for category, rows in groups.items():
            counts.setdefault(category, len(rows))
        hidden = protected_categories(counts, k) if not overall.suppressed else set(counts)
        by[dimension] = [
            _estimate(
                category,
                labels.get(dimension, {}).get(category, category),
                groups.get(category, []),
                test,
                weights,
                inputs,
                category in hidden,
            )
            for category in counts
        ]
        groups_by_dim[dimension] = groups
    differences: list[Comparison] = []
    municipal = {e.category: e for e in by.get("municipality", [])}
    for a, b in combinations(sorted(municipal), 2):
        if (
            municipal[a].suppressed
            or municipal[b].suppressed
            or not municipal[a].n
            or not municipal[b].n
        ):
            differences.append(Comparison(a, b, None, None, None, None, suppressed=True))
            continue
        group_a = groups_by_dim["municipality"][a]
        group_b = groups_by_dim["municipality"][b]
        diff = stats.difference(
            sum(bool(test(x)) for x in group_a),
            len(group_a),
            sum(bool(test(x)) for x in group_b),
            len(group_b),
        )
        differences.append(Comparison(a, b, diff.estimate, diff.low, diff.high, diff.p_value))
    return Indicator(key, label, overall, by, differences)


def _trend(
    key: str, current: Indicator, previous_answers: Sequence[Mapping[str, Any]], test: Any, k: int
) -> Comparison | None:
    if current.overall.suppressed or current.overall.n is None:
        return None
    n_prev = len(previous_answers)
    if n_prev < k:
        return Comparison("previous", "current", None, None, None, None, suppressed=True)
    x_prev = sum(bool(test(a)) for a in previous_answers)
    x_now = round((current.overall.share or 0) * current.overall.n)
    diff = stats.difference(x_now, current.overall.n, x_prev, n_prev)
    return Comparison("previous", "current", diff.estimate, diff.low, diff.high, diff.p_value)


def _response_rates(inputs: Inputs, labels: dict[str, dict[str, str]]) -> list[ResponseRate]:
    k = inputs.min_cell_size
    cells = {(s[0], f"{s[1]}|{s[2]}"): inputs.responded.get(s, 0) for s in inputs.invited}
    hidden = suppress(cells, k).suppressed_cells if cells else set()
    rates = []
    for stratum in sorted(inputs.invited):
        invited = inputs.invited[stratum]
        key = (stratum[0], f"{stratum[1]}|{stratum[2]}")
        responded = None if key in hidden else inputs.responded.get(stratum, 0)
        rates.append(
            ResponseRate(
                labels.get("municipality", {}).get(stratum[0], stratum[0]),
                labels.get("role", {}).get(stratum[1], stratum[1]),
                labels.get("gender", {}).get(stratum[2], stratum[2]),
                invited,
                responded,
                None if responded is None or not invited else responded / invited,
            )
        )
    return rates


def analyse(inputs: Inputs) -> Results:
    q = inputs.questionnaire
    analysis = q.analysis
    k = inputs.min_cell_size
    labels = _labels(inputs)
    weights = _Weights(inputs)
    answers = list(inputs.answers)
    lang = inputs.language

    exposure: list[Indicator] = []
    tests: list[tuple[str, str, Any]] = [
        (ANY, inputs.any_label, lambda a: _is_exposed(a, analysis))
    ]
    for item_id in analysis.exposure_items:
        tests.append(
            (
                item_id,
                _text(q.item(item_id).short or q.item(item_id).text, lang),
                lambda a, i=item_id: a.get(i) in analysis.exposed_values,
            )
        )
    previous_answers: list[Mapping[str, Any]] | None = None
    if inputs.previous is not None:
        previous_q, previous_answers = inputs.previous[0], list(inputs.previous[1])
        shared_ids = {i.id for i in previous_q.items}
    for key, label, test in tests:
        indicator = _indicator(key, label, answers, test, weights, inputs, labels)
        if previous_answers is not None and (key == ANY or key in shared_ids):
            indicator = Indicator(
                indicator.key,
                indicator.label,
                indicator.overall,
                indicator.by,
                indicator.municipality_differences,
                _trend(key, indicator, previous_answers, test, k),
            )
        exposure.append(indicator)

    exposed = [a for a in answers if _is_exposed(a, analysis)]
    exposed_n = len(exposed) if len(exposed) >= k else None
    consequences: list[Indicator] = []
    for item_id in analysis.consequence_items:
        item = q.item(item_id)
        if item.type == qn.ItemType.MATRIX:
            positives = {o.value for o in item.options[1:]}  # the first option is "no"
            for row in item.rows:
                consequences.append(
                    _indicator(
                        f"{item_id}__{row.value}",
                        _text(row.text, lang),
                        exposed,
                        lambda a, i=item_id, r=row.value, p=positives: (a.get(i) or {}).get(r) in p,
                        weights,
                        inputs,
                        labels,
                    )
                )
    reporting: list[Indicator] = []
    if analysis.reported_item:
        item = q.item(analysis.reported_item)
        for option in item.options:
            reporting.append(
                _indicator(
                    f"{item.id}__{option.value}",
                    _text(option.text, lang),
                    exposed,
                    lambda a, i=item.id, v=option.value: v in (a.get(i) or []),
                    weights,
                    inputs,
                    labels,
                )
            )
    return Results(
        respondents=len(answers),
        min_cell_size=k,
        weighted=weights.enabled,
        unweighted_respondents=weights.unweighted,
        empty_strata=weights.empty,
        labels=labels,
        response_rates=_response_rates(inputs, labels),
        exposure=exposure,
        consequences=consequences,
        reporting=reporting,
        exposed_respondents=exposed_n,
    )
