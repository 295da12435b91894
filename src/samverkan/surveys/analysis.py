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
        items = _strata_items(inputs.questionnaire)
        self.ids = [items[d].id if d in items else "" for d in ("municipality", "role", "gender")]
        if not self.enabled:
            return
        assert inputs.population is not None
        sample = Counter(self.stratum(a) for a in inputs.answers)
        known = {s: n for s, n in sample.items() if s in inputs.population}
        self.unweighted = sum(n for s, n in sample.items() if s not in inputs.population)
        population = {s: n for s, n in inputs.population.items() if n > 0}
        if known:
            weighting = stats.poststratification_weights(known, population)
            self.by_stratum = {s: float(w) for s, w in weighting.weights.items()}
            self.empty = ["/".join(str(p) for p in s) for s in weighting.empty_strata]

    def stratum(self, answer: Mapping[str, Any]) -> Stratum:
        return tuple(  # type: ignore[return-value]
            str(answer.get(item_id, "")) if item_id else "" for item_id in self.ids
        )

    def weight(self, answer: Mapping[str, Any]) -> float:
        return self.by_stratum.get(self.stratum(answer), 1.0)


@dataclass
class _Population:
    """A set of respondents with everything every indicator needs, computed once:
    weights, the groups of each breakdown and which groups are hidden. Hiding the same
    groups for every indicator keeps figures from being combined across indicators."""

    answers: list[Mapping[str, Any]]
    weights: list[float]
    suppressed: bool
    groups: dict[str, dict[str, list[int]]]  # dimension -> category -> answer indices
    hidden: dict[str, set[str]]
    labels: dict[str, dict[str, str]]

    @classmethod
    def build(
        cls,
        answers: Sequence[Mapping[str, Any]],
        weights: _Weights,
        inputs: Inputs,
        labels: dict[str, dict[str, str]],
    ) -> _Population:
        k = inputs.min_cell_size
        rows = list(answers)
        items = _strata_items(inputs.questionnaire)
        suppressed = len(rows) < k
        groups: dict[str, dict[str, list[int]]] = {}
        hidden: dict[str, set[str]] = {}
        for dimension in DIMENSIONS:
            if dimension not in items:
                continue
            item_id = items[dimension].id
            found: dict[str, list[int]] = defaultdict(list)
            for index, answer in enumerate(rows):
                value = answer.get(item_id)
                if isinstance(value, str) and value:
                    found[value].append(index)
            # Categories in the questionnaire's order, then any others found in the answers.
            ordered = {c: found.get(c, []) for c in labels.get(dimension, {})}
            for category, indices in found.items():
                ordered.setdefault(category, indices)
            counts = {c: len(indices) for c, indices in ordered.items()}
            groups[dimension] = ordered
            hidden[dimension] = set(counts) if suppressed else protected_categories(counts, k)
        return cls(
            answers=rows,
            weights=[weights.weight(a) for a in rows] if weights.enabled else [],
            suppressed=suppressed,
            groups=groups,
            hidden=hidden,
            labels=labels,
        )

    def estimate(
        self, category: str, label: str, indices: Sequence[int], hits: Sequence[bool], hide: bool
    ) -> Estimate:
        if hide or not indices:
            return Estimate(category, label, None, suppressed=bool(indices) or hide)
        values = [hits[i] for i in indices]
        plain = stats.wilson(sum(values), len(values))
        extra: dict[str, Any] = {}
        if self.weights:
            weighted = stats.weighted_proportion(values, [self.weights[i] for i in indices])
            extra = {
                "weighted_share": weighted.estimate,
                "weighted_low": weighted.low,
                "weighted_high": weighted.high,
            }
        return Estimate(
            category, label, len(values), plain.estimate, plain.low, plain.high, **extra
        )


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


def _indicator(key: str, label: str, population: _Population, test: Any) -> Indicator:
    hits = [bool(test(a)) for a in population.answers]
    everyone = range(len(hits))
    overall = population.estimate("", "", everyone, hits, population.suppressed)
    by: dict[str, list[Estimate]] = {}
    for dimension, groups in population.groups.items():
        names = population.labels.get(dimension, {})
        by[dimension] = [
            population.estimate(
                category,
                names.get(category, category),
                indices,
                hits,
                category in population.hidden[dimension],
            )
            for category, indices in groups.items()
        ]
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
        group_a = population.groups["municipality"][a]
        group_b = population.groups["municipality"][b]
        diff = stats.difference(
            sum(hits[i] for i in group_a), len(group_a), sum(hits[i] for i in group_b), len(group_b)
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
    everyone = _Population.build(answers, weights, inputs, labels)
    for key, label, test in tests:
        indicator = _indicator(key, label, everyone, test)
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
    among_exposed = _Population.build(exposed, weights, inputs, labels)
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
                        among_exposed,
                        lambda a, i=item_id, r=row.value, p=positives: (a.get(i) or {}).get(r) in p,
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
                    among_exposed,
                    lambda a, i=item.id, v=option.value: v in (a.get(i) or []),
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
