"""Survey results: prevalences with confidence intervals, differences, consequences,
reporting, every other analysed closed item, trends and response rates, with disclosure
control applied to everything that is published. Pure computation: no Django.

The output is plain data (``as_dict()``) shared by the dashboard, the PDF, the CSV and
JSON exports and the API, so every channel publishes exactly the same numbers. Every
published share, bound and difference is rounded here, at the source, to 0.001 (0.1
percentage point); intervals, differences and p-values are computed from the rounded
shares, so they carry nothing beyond the shares and the group sizes (ADR 0010).

Protection (ADR 0010): groups below ``k`` are hidden (never exactly one per breakdown);
a figure where fewer than ``t`` respondents gave, or did not give, the answer is published
only as "fewer than t" (whatever the true count, 0 included); then the whole linked set is
handed to the attacker check in :mod:`samverkan.surveys.disclosure`, and more is hidden
(weighted figures of the indicator, then breakdown categories, then all breakdowns, then
the indicator) until no respondent's answer is forced.
"""

from __future__ import annotations

import itertools
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from itertools import combinations
from typing import Any

from samverkan.surveys import disclosure, stats
from samverkan.surveys import questionnaire as qn
from samverkan.surveys.suppression import suppress_breakdown

DIMENSIONS = ("municipality", "role", "gender", "age_band")
ANY = "any"
DECIMALS = 3  # published precision of shares, bounds and differences (0.1 percentage point)
HALF = 0.5 * 10**-DECIMALS
FEW_THRESHOLD = 3  # default t: counts below t are published as "fewer than t"

Stratum = tuple[str, str, str]  # municipality, role, gender


def _r(value: float | None) -> float | None:
    return None if value is None else round(value, DECIMALS)


@dataclass(frozen=True)
class Estimate:
    """One published figure. ``suppressed`` figures carry no numbers at all; figures with
    ``few_hits`` (fewer than t gave the answer) or ``few_non_hits`` (fewer than t did not)
    carry only the group size."""

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
    few_hits: bool = False
    few_non_hits: bool = False

    @property
    def exact(self) -> bool:
        return not self.suppressed and self.share is not None


@dataclass(frozen=True)
class Comparison:
    a: str
    b: str
    difference: float | None
    low: float | None
    high: float | None
    p_value: float | None
    suppressed: bool = False
    p_adjusted: float | None = None  # Holm, within the indicator's comparisons


@dataclass(frozen=True)
class Indicator:
    key: str
    label: str
    overall: Estimate
    by: dict[str, list[Estimate]]
    municipality_differences: list[Comparison] = field(default_factory=list)
    trend: Comparison | None = None


@dataclass(frozen=True)
class ItemResult:
    """A closed item beyond exposure, consequences and reporting (perpetrators, channels,
    reasons for not reporting, worry, support needed, background items), one indicator per
    option (a matrix: per row). ``population`` is "respondents", "exposed", "subset" (a
    background condition such as the role) or the key of the indicator whose hits form the
    population (e.g. ``reported_to__nobody``)."""

    key: str
    label: str
    population: str
    n: int | None
    indicators: list[Indicator]


@dataclass(frozen=True)
class ResponseRate:
    municipality: str
    role: str
    gender: str
    invited: int
    responded: int | None
    rate: float | None
    few_responded: bool = False
    few_non_responded: bool = False


METHODS_UNWEIGHTED = {
    "precision": "0.001",
    "interval": "wilson",
    "difference": "newcombe_pooled_z",
    "adjustment": "holm",
    "trend": "unweighted_independent_samples",
    "finite_population_correction": "not_applied",
}
METHODS_WEIGHTED = {
    **METHODS_UNWEIGHTED,
    "interval": "wilson_kish",
    "difference": "kish_design_effect_wald",
}


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
    few_threshold: int = FEW_THRESHOLD
    items: list[ItemResult] = field(default_factory=list)
    methods: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Results:
        """The Results that :meth:`as_dict` (or its JSON) came from."""

        def comparison(d: Mapping[str, Any] | None) -> Comparison | None:
            return None if d is None else Comparison(**d)

        def indicator(d: Mapping[str, Any]) -> Indicator:
            return Indicator(
                key=d["key"],
                label=d["label"],
                overall=Estimate(**d["overall"]),
                by={dim: [Estimate(**e) for e in es] for dim, es in d["by"].items()},
                municipality_differences=[
                    Comparison(**c) for c in d.get("municipality_differences", [])
                ],
                trend=comparison(d.get("trend")),
            )

        return cls(
            respondents=data["respondents"],
            min_cell_size=data["min_cell_size"],
            weighted=data["weighted"],
            unweighted_respondents=data["unweighted_respondents"],
            empty_strata=list(data["empty_strata"]),
            labels={k: dict(v) for k, v in data["labels"].items()},
            response_rates=[ResponseRate(**r) for r in data["response_rates"]],
            exposure=[indicator(i) for i in data["exposure"]],
            consequences=[indicator(i) for i in data["consequences"]],
            reporting=[indicator(i) for i in data["reporting"]],
            exposed_respondents=data["exposed_respondents"],
            few_threshold=data.get("few_threshold", FEW_THRESHOLD),
            items=[
                ItemResult(
                    key=i["key"],
                    label=i["label"],
                    population=i["population"],
                    n=i["n"],
                    indicators=[indicator(x) for x in i["indicators"]],
                )
                for i in data.get("items", [])
            ],
            methods=dict(data.get("methods", {})),
        )


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
    few_threshold: int = FEW_THRESHOLD
    # The attacker check's work is bounded by solver nodes and open sides (deterministic,
    # see disclosure.disclosed); these wall-clock limits are safety nets behind that.
    check_time_limit: float = 30.0  # seconds per solver call
    check_budget: float = 120.0  # seconds per phase of the check; open sides count as disclosed


def _text(text: Mapping[str, str] | None, lang: str) -> str:
    if not text:
        return ""
    return text.get(lang) or text.get("sv") or next(iter(text.values()), "")


def _strata_items(questionnaire: qn.Questionnaire) -> dict[str, qn.Item]:
    return {item.stratum: item for item in questionnaire.items if item.stratum}


def _given(item: qn.Item, answer: Mapping[str, Any], row: str | None = None) -> set[str]:
    """The option values an answer gives (normalised or raw; a matrix: for ``row``)."""
    if item.type is qn.ItemType.MATRIX:
        value = answer.get(item.matrix_key(row or ""))
        if value is None:
            whole = answer.get(item.id)
            value = whole.get(row) if isinstance(whole, Mapping) else None
    else:
        value = answer.get(item.id)
    if isinstance(value, str):
        if item.type is qn.ItemType.MULTIPLE:
            return {part.strip() for part in value.split(";") if part.strip()}
        return {value}
    if isinstance(value, list | tuple | set | frozenset):
        return {v for v in value if isinstance(v, str)}
    return set()


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


def protected_categories(
    counts: Mapping[str, int], k: int, forced: Sequence[str] | set[str] = ()
) -> set[str]:
    """Categories of a breakdown to hide: ``forced`` ones, those below k, never exactly one
    with respondents, and the hidden categories together either empty or at least k."""
    hidden = set(suppress_breakdown(dict(counts), k)) | (set(forced) & set(counts))
    while True:
        positive = [c for c in hidden if counts[c] > 0]
        total = sum(counts[c] for c in hidden)
        if total == 0 or (total >= k and len(positive) != 1):
            return hidden
        rest = sorted(
            ((counts[c] == 0, counts[c], n, c) for n, c in enumerate(counts) if c not in hidden),
        )
        rest = [r for r in rest if not r[0]]
        if not rest:
            return hidden
        hidden.add(rest[0][3])


# --- What is published ------------------------------------------------------------------


@dataclass
class _Spec:
    key: str
    label: str
    section: str  # exposure, consequences, reporting or an item id
    population: str  # "all", "subset" or the key of the parent indicator
    test: Callable[[Mapping[str, Any]], bool]
    breakdowns: bool
    subset: Callable[[Mapping[str, Any]], bool] | None = None


@dataclass
class _Structure:
    """Questionnaire logic an attacker can read, as constraints between indicators."""

    union: list[tuple[str, list[str]]] = field(default_factory=list)  # any, its parts
    exclusive: list[tuple[str, list[str]]] = field(default_factory=list)  # option, others
    at_least_one: list[list[str]] = field(default_factory=list)
    exactly_one: list[list[str]] = field(default_factory=list)
    at_most_one: list[list[str]] = field(default_factory=list)


Test = Callable[[Mapping[str, Any]], bool]


def _value_in(item_id: str, values: set[str]) -> Test:
    return lambda answer: answer.get(item_id) in values


def _row_in(item: qn.Item, row: str, values: set[str]) -> Test:
    return lambda answer: bool(_given(item, answer, row) & values)


def _chosen(item: qn.Item, value: str) -> Test:
    return lambda answer: value in _given(item, answer)


def _exposed_condition(condition: qn.Condition | None, analysis: Any) -> bool:
    if condition is None:
        return False
    leaves = list(qn.condition_items(condition))
    if not isinstance(condition, qn.AnyOf | qn.AnswerIn):
        return False
    if isinstance(condition, qn.AnyOf) and any(
        not isinstance(c, qn.AnswerIn) for c in condition.conditions
    ):
        return False
    return {leaf.item for leaf in leaves} == set(analysis.exposure_items) and all(
        set(leaf.values) == set(analysis.exposed_values) and leaf.row is None for leaf in leaves
    )


def _specs(inputs: Inputs) -> tuple[list[_Spec], _Structure, list[tuple[str, str, str]]]:
    q = inputs.questionnaire
    analysis = q.analysis
    lang = inputs.language
    specs: list[_Spec] = [
        _Spec(ANY, inputs.any_label, "exposure", "all", lambda a: _is_exposed(a, analysis), True)
    ]
    structure = _Structure()
    for item_id in analysis.exposure_items:
        item = q.item(item_id)
        specs.append(
            _Spec(
                item_id,
                _text(item.short or item.text, lang),
                "exposure",
                "all",
                _value_in(item_id, set(analysis.exposed_values)),
                True,
            )
        )
    structure.union.append((ANY, list(analysis.exposure_items)))
    known = {s.key for s in specs}
    strata = _strata_items(q)
    stratum_ids = {item.id: dim for dim, item in strata.items()}
    items: list[tuple[str, str, str]] = []  # item id, label, population

    def population_of(item: qn.Item) -> tuple[str, Callable[[Mapping[str, Any]], bool] | None]:
        condition = item.show_if
        if condition is None:
            return "all", None
        if _exposed_condition(condition, analysis):
            return ANY, None
        if isinstance(condition, qn.AnswerIn) and condition.row is None:
            if condition.item in stratum_ids:
                values = set(condition.values)
                return "subset", _value_in(condition.item, values)
            if len(condition.values) == 1:
                parent = f"{condition.item}__{condition.values[0]}"
                if parent in known:
                    return parent, None
        return "", None  # a population the check cannot model: not published

    def add_item(item: qn.Item, section: str, breakdowns: bool) -> list[str]:
        population, subset = population_of(item)
        if not population:
            return []
        keys: list[str] = []
        if item.type is qn.ItemType.MATRIX:
            positives = {o.value for o in item.options[1:]}  # the first option is "no"
            for row in item.rows:
                key = f"{item.id}__{row.value}"
                specs.append(
                    _Spec(
                        key,
                        _text(row.text, lang),
                        section,
                        population,
                        _row_in(item, row.value, positives),
                        breakdowns,
                        subset,
                    )
                )
                keys.append(key)
        else:
            for option in item.options:
                key = f"{item.id}__{option.value}"
                specs.append(
                    _Spec(
                        key,
                        _text(option.text, lang),
                        section,
                        population,
                        _chosen(item, option.value),
                        breakdowns,
                        subset,
                    )
                )
                keys.append(key)
            if item.type is qn.ItemType.MULTIPLE:
                for option in item.options:
                    if option.exclusive:
                        structure.exclusive.append(
                            (
                                f"{item.id}__{option.value}",
                                [k for k in keys if k != f"{item.id}__{option.value}"],
                            )
                        )
                if item.required:
                    structure.at_least_one.append(keys)
            elif item.required:
                structure.exactly_one.append(keys)
            else:
                structure.at_most_one.append(keys)
        known.update(keys)
        return keys

    for item_id in analysis.consequence_items:
        add_item(q.item(item_id), "consequences", True)
    if analysis.reported_item:
        add_item(q.item(analysis.reported_item), "reporting", True)
    covered = {
        *analysis.exposure_items,
        *analysis.consequence_items,
        analysis.reported_item,
        *stratum_ids,
    }
    for item in q.items:
        if item.id in covered or item.type not in qn.OPTION_TYPES:
            continue
        if item.options_from is not None:
            continue
        if add_item(item, item.id, False):
            population, _ = population_of(item)
            name = {"all": "respondents", ANY: "exposed"}.get(population, population)
            items.append((item.id, _text(item.short or item.text, lang), name))
    return specs, structure, items


@dataclass
class _State:
    """How far each indicator's publication has been cut back by the protection loop."""

    weighted_off: set[str] = field(default_factory=set)
    hidden: dict[str, dict[str, set[str]]] = field(default_factory=dict)
    no_breakdowns: set[str] = field(default_factory=set)
    suppressed: set[str] = field(default_factory=set)
    everything: bool = False


class _Data:
    def __init__(self, inputs: Inputs) -> None:
        self.inputs = inputs
        self.check_level = "full"  # how much of the wave the attacker check could settle
        self.protection: Protection | None = None
        self.k = inputs.min_cell_size
        self.t = inputs.few_threshold
        self.answers = list(inputs.answers)
        self.labels = _labels(inputs)
        self.weighting = _Weights(inputs)
        self.w = [self.weighting.weight(a) for a in self.answers]
        strata = _strata_items(inputs.questionnaire)
        self.dims = [d for d in DIMENSIONS if d in strata]
        self.atom_of = [
            tuple(v if isinstance(v := a.get(strata[d].id), str) else "" for d in self.dims)
            for a in self.answers
        ]
        self.atoms = sorted(set(self.atom_of))
        self.specs, self.structure, self.items = _specs(inputs)
        self.by_key = {s.key: s for s in self.specs}
        self.hits = {s.key: [bool(s.test(a)) for a in self.answers] for s in self.specs}
        self.categories: dict[str, list[str]] = {}
        for d_index, dim in enumerate(self.dims):
            found = list(dict.fromkeys(atom[d_index] for atom in self.atoms if atom[d_index]))
            ordered = list(self.labels.get(dim, {}))
            ordered += [c for c in found if c not in ordered]
            self.categories[dim] = ordered
        self._members: dict[str, list[bool]] = {}

    def members(self, spec: _Spec) -> list[bool]:
        """Who belongs to the population the indicator is published among."""
        name = spec.population if spec.population != "subset" else f"subset:{spec.key}"
        if name not in self._members:
            if spec.population == "all":
                self._members[name] = [True] * len(self.answers)
            elif spec.population == "subset":
                assert spec.subset is not None
                self._members[name] = [bool(spec.subset(a)) for a in self.answers]
            else:
                self._members[name] = self.hits[spec.population]
        return self._members[name]

    def weighted(self, spec: _Spec) -> bool:
        # Among a sub-population defined by answers, Kish's effective n would depend on
        # who answered what: weighted figures are published only where it does not.
        return self.weighting.enabled and spec.population in ("all", "subset")


def _estimate(
    data: _Data,
    category: str,
    label: str,
    indices: Sequence[int],
    hits: Sequence[bool],
    weighted: bool,
) -> Estimate:
    n = len(indices)
    x = sum(hits[i] for i in indices)
    few_hits, few_non_hits = x < data.t, n - x < data.t
    if few_hits or few_non_hits:
        return Estimate(category, label, n, few_hits=few_hits, few_non_hits=few_non_hits)
    share = _r(x / n)
    assert share is not None
    plain = stats.wilson(min(n, share * n), n)
    extra: dict[str, Any] = {}
    if weighted:
        weights = [data.w[i] for i in indices]
        exact = stats.weighted_proportion([hits[i] for i in indices], weights)
        n_eff = stats.kish_effective_n(weights)
        published = _r(exact.estimate)
        assert published is not None
        interval = stats.wilson(min(n_eff, published * n_eff), n_eff)
        extra = {
            "weighted_share": published,
            "weighted_low": _r(interval.low),
            "weighted_high": _r(interval.high),
        }
    return Estimate(category, label, n, share, _r(plain.low), _r(plain.high), **extra)


def _publish(data: _Data, state: _State) -> dict[str, Indicator]:
    k = data.k
    published: dict[str, Indicator] = {}
    for spec in data.specs:
        members = data.members(spec)
        hits = data.hits[spec.key]
        population = [i for i, m in enumerate(members) if m]
        parent = published.get(spec.population)
        weighted = data.weighted(spec) and spec.key not in state.weighted_off
        hidden_all = (
            state.everything
            or spec.key in state.suppressed
            or len(population) < k
            or (parent is not None and not parent.overall.exact)
            or (spec.population not in ("all", "subset") and parent is None)
        )
        if hidden_all:
            overall = Estimate("", "", None, suppressed=True)
        else:
            overall = _estimate(data, "", "", population, hits, weighted)
        by: dict[str, list[Estimate]] = {}
        if spec.breakdowns:
            for d_index, dim in enumerate(data.dims):
                groups: dict[str, list[int]] = {c: [] for c in data.categories[dim]}
                for i in population:
                    value = data.atom_of[i][d_index]
                    if value:
                        groups.setdefault(value, []).append(i)
                counts = {c: len(v) for c, v in groups.items()}
                forced = set(state.hidden.get(spec.key, {}).get(dim, set()))
                if parent is not None:
                    parents = {e.category: e for e in parent.by.get(dim, [])}
                    forced |= {c for c in groups if c not in parents or not parents[c].exact}
                if hidden_all or not overall.exact or spec.key in state.no_breakdowns:
                    hide = set(groups)
                else:
                    hide = protected_categories(counts, k, forced)
                names = data.labels.get(dim, {})
                by[dim] = [
                    Estimate(c, names.get(c, c), None, suppressed=bool(idx) or c in hide)
                    if c in hide or not idx
                    else _estimate(
                        data,
                        c,
                        names.get(c, c),
                        idx,
                        hits,
                        weighted and dim in WEIGHTING_DIMENSIONS,
                    )
                    for c, idx in groups.items()
                ]
        published[spec.key] = Indicator(spec.key, spec.label, overall, by)
    return published


# --- The attacker check -----------------------------------------------------------------


def _model(
    data: _Data, published: Mapping[str, Indicator]
) -> tuple[disclosure.Model, dict[tuple[str, tuple[str, ...]], int]]:
    model = disclosure.Model()
    size = Counter(data.atom_of)
    atom_weight: dict[tuple[str, ...], float] = {}
    for atom, w in zip(data.atom_of, data.w, strict=True):
        atom_weight[atom] = w
    var: dict[tuple[str, tuple[str, ...]], int] = {}
    cap_var: dict[tuple[str, tuple[str, ...]], int | None] = {}
    cap_const: dict[tuple[str, tuple[str, ...]], int] = {}
    for spec in data.specs:
        members = data.members(spec)
        hits = data.hits[spec.key]
        truth: Counter[tuple[str, ...]] = Counter()
        inside: Counter[tuple[str, ...]] = Counter()
        for i, atom in enumerate(data.atom_of):
            if members[i]:
                inside[atom] += 1
                truth[atom] += hits[i]
        for atom in data.atoms:
            if spec.population in ("all", "subset"):
                cap = inside[atom]  # known to the attacker from the atom's strata
                if cap == 0:
                    continue
                v = model.variable(upper=cap, truth=truth[atom])
                cap_const[(spec.key, atom)] = cap
                cap_var[(spec.key, atom)] = None
                model.protect((spec.key, atom), v, cap=cap)
            else:
                parent = var.get((spec.population, atom))
                if parent is None:
                    continue
                v = model.variable(upper=size[atom], truth=truth[atom])
                model.constrain({v: 1.0, parent: -1.0}, -float("inf"), 0.0)
                cap_var[(spec.key, atom)] = parent
                model.protect((spec.key, atom), v, cap_var=parent)
            var[(spec.key, atom)] = v

    def cap_terms(key: str, atom: tuple[str, ...], scale: float) -> tuple[dict[int, float], float]:
        parent = cap_var.get((key, atom))
        if parent is not None:
            return {parent: scale}, 0.0
        return {}, scale * cap_const.get((key, atom), 0)

    structure = data.structure
    first_structural = len(model.rows)
    for atom in data.atoms:
        for whole, parts in structure.union:
            if (whole, atom) not in var:
                continue
            total = {var[(whole, atom)]: -1.0}
            for part in parts:
                if (part, atom) in var:
                    model.constrain(
                        {var[(part, atom)]: 1.0, var[(whole, atom)]: -1.0}, -float("inf"), 0.0
                    )
                    total[var[(part, atom)]] = total.get(var[(part, atom)], 0.0) + 1.0
            model.constrain(total, 0.0, float("inf"))
        for option, others in structure.exclusive:
            if (option, atom) not in var:
                continue
            for other in others:
                if (other, atom) in var:
                    terms, const = cap_terms(option, atom, -1.0)
                    terms = {**terms}
                    terms[var[(option, atom)]] = terms.get(var[(option, atom)], 0.0) + 1.0
                    terms[var[(other, atom)]] = terms.get(var[(other, atom)], 0.0) + 1.0
                    model.constrain(terms, -float("inf"), -const)
        for kind, families in (
            ("ge", structure.at_least_one),
            ("eq", structure.exactly_one),
            ("le", structure.at_most_one),
        ):
            for keys in families:
                present = [key for key in keys if (key, atom) in var]
                if not present:
                    continue
                terms, const = cap_terms(present[0], atom, -1.0)
                terms = {**terms}
                for key in present:
                    terms[var[(key, atom)]] = terms.get(var[(key, atom)], 0.0) + 1.0
                low = -const if kind in ("ge", "eq") else -float("inf")
                high = -const if kind in ("le", "eq") else float("inf")
                model.constrain(terms, low, high)

    # Questionnaire logic that the stored answers do not follow (e.g. paper answers that
    # skipped a required item) is no knowledge: keep only rows the true counts satisfy.
    structural = model.rows[first_structural:]
    del model.rows[first_structural:]
    for terms, low, high in structural:
        activity = sum(c * model.truth[v] for v, c in terms.items())
        if low - 1e-9 <= activity <= high + 1e-9:
            model.rows.append((terms, low, high))
    t = data.t
    if _exposed_published(data, published[ANY].overall):
        exposed = {var[(ANY, a)]: 1.0 for a in data.atoms if (ANY, a) in var}
        count = float(_exposed_count(data))
        model.constrain(exposed, count, count)
    for spec in data.specs:
        indicator = published[spec.key]
        groups: list[tuple[Estimate, list[tuple[str, ...]]]] = [(indicator.overall, data.atoms)]
        for d_index, dim in enumerate(data.dims):
            for estimate in indicator.by.get(dim, []):
                groups.append(
                    (estimate, [a for a in data.atoms if a[d_index] == estimate.category])
                )
        for estimate, atoms in groups:
            if estimate.suppressed:
                continue
            atoms = [a for a in atoms if (spec.key, a) in var]
            if not atoms:
                continue
            hit_terms = {var[(spec.key, a)]: 1.0 for a in atoms}
            caps: dict[int, float] = {}
            cap_sum = 0.0
            for a in atoms:
                terms, const = cap_terms(spec.key, a, 1.0)
                for v, c in terms.items():
                    caps[v] = caps.get(v, 0.0) + c
                cap_sum += const
            if estimate.n is not None and caps:
                model.constrain(caps, estimate.n - cap_sum, estimate.n - cap_sum)
            if estimate.few_hits:
                model.constrain(hit_terms, -float("inf"), t - 1)
            if estimate.few_non_hits:
                terms = dict(caps)
                for v in hit_terms:
                    terms[v] = terms.get(v, 0.0) - 1.0
                model.constrain(terms, -float("inf"), t - 1 - cap_sum)
            for share, weights in (
                (estimate.share, None),
                (estimate.weighted_share, atom_weight),
            ):
                if share is None:
                    continue
                for bound, sign in ((share - HALF, 1), (share + HALF, -1)):
                    # sign * (Σ w x - bound Σ w cap) >= 0
                    terms = {}
                    const = 0.0
                    for a in atoms:
                        w = 1.0 if weights is None else weights[a]
                        terms[var[(spec.key, a)]] = terms.get(var[(spec.key, a)], 0.0) + w
                        cterms, cconst = cap_terms(spec.key, a, -bound * w)
                        for v, c in cterms.items():
                            terms[v] = terms.get(v, 0.0) + c
                        const += cconst
                    scaled = {v: sign * c for v, c in terms.items()}
                    model.constrain(scaled, -sign * const, float("inf"))
    return model, var


WEIGHTING_DIMENSIONS = ("municipality", "role", "gender")


def _moves(
    data: _Data, var: Mapping[tuple[str, tuple[str, ...]], int]
) -> Callable[[Any, str], Iterator[dict[int, int]]]:
    """Candidate certificates for the check: a hit moved from one atom to another that
    differs only in one dimension, and back along a second such pair, so that every
    published margin stays the same. With weighting only the age band is varied (it is
    not a weighting variable, and weighted figures are not published by age band)."""
    varied = [
        d
        for d, dim in enumerate(data.dims)
        if not data.weighting.enabled or dim not in WEIGHTING_DIMENSIONS
    ]
    present = set(data.atoms)
    rests: dict[int, dict[tuple[str, ...], list[tuple[str, ...]]]] = {}
    for d in varied:
        table: dict[tuple[str, ...], list[tuple[str, ...]]] = defaultdict(list)
        for atom in data.atoms:
            table[atom[:d] + atom[d + 1 :]].append(atom)
        rests[d] = table
    exposure_parts = [s.key for s in data.specs if s.section == "exposure" and s.key != ANY]

    def chains(key: str) -> list[list[str]]:
        spec = data.by_key[key]
        found: list[list[str]] = [[key]]
        lineage = [key]
        while spec.population in data.by_key:
            lineage = [*lineage, spec.population]
            spec = data.by_key[spec.population]
            found.append(lineage)
        if ANY in lineage:
            base = lineage if lineage[-1] == ANY else [*lineage, ANY]
            found += [[*base, part] for part in exposure_parts if part not in base]
        if key in exposure_parts:
            found.append([key, ANY])
        return found

    siblings: dict[str, list[str]] = defaultdict(list)
    structure = data.structure
    for keys in structure.exactly_one + structure.at_most_one + structure.at_least_one:
        for key in keys:
            siblings[key] += [k for k in keys if k != key]
    for option, others in structure.exclusive:
        siblings[option] += [k for k in others if k not in siblings[option]]
        for other in others:
            if option not in siblings[other]:
                siblings[other].append(option)

    def cycles(target: Any, side: str) -> list[dict[int, int]]:
        key, a = target
        sign = 1 if side == "some" else -1
        out: list[dict[int, int]] = []
        for chain in chains(key):
            if all((k, a) in var for k in chain):
                out.append({var[(k, a)]: sign for k in chain})
        for other in siblings.get(key, []):
            if (other, a) in var:
                out.append({var[(key, a)]: sign, var[(other, a)]: -sign})
        if not data.by_key[key].breakdowns:
            # Only the overall figure is published: a hit may move to any atom with the same
            # weight (with weighting: the same stratum), alone or swapped with a sibling.
            partners = [
                b
                for b in data.atoms
                if b != a and (not data.weighting.enabled or b[:3] == a[:3]) and (key, b) in var
            ]
            for b in partners:
                out.append({var[(key, a)]: sign, var[(key, b)]: -sign})
                for other in siblings.get(key, []):
                    if (other, a) in var and (other, b) in var:
                        out.append(
                            {
                                var[(key, a)]: sign,
                                var[(other, a)]: -sign,
                                var[(key, b)]: -sign,
                                var[(other, b)]: sign,
                            }
                        )
                if len(out) >= 120:
                    return out
        for d in varied:
            rest_a = a[:d] + a[d + 1 :]
            for b in rests[d][rest_a]:
                if b == a:
                    continue
                for rest_c in rests[d]:
                    if rest_c == rest_a:
                        continue
                    c = (*rest_c[:d], b[d], *rest_c[d:])
                    e = (*rest_c[:d], a[d], *rest_c[d:])
                    if c not in present or e not in present:
                        continue
                    for chain in chains(key):
                        move: dict[int, int] = {}
                        for k in chain:
                            cells = [(k, a), (k, b), (k, c), (k, e)]
                            if not all(cell in var for cell in cells):
                                break
                            for cell, step in zip(cells, (sign, -sign, sign, -sign), strict=True):
                                move[var[cell]] = move.get(var[cell], 0) + step
                        else:
                            out.append(move)
                    if len(out) >= 200:
                        return out
        return out

    swaps = _profile_swaps(data, var)

    def moves(target: Any, side: str) -> Iterator[dict[int, int]]:
        yield from cycles(target, side)
        yield from swaps(target, side)

    return moves


SWAPS_PER_SIDE = 80  # candidate profile swaps tried per open side
EXAMINED_PER_SIDE = 400  # respondents considered as partners per open side (a work limit)


def _profile_swaps(
    data: _Data, var: Mapping[tuple[str, tuple[str, ...]], int]
) -> Callable[[Any, str], Iterator[dict[int, int]]]:
    """Candidate certificates that exchange whole answers between respondents: the
    answers of respondent i (atom a) and k (atom b) change places, and so do those of i2
    (atom c) and k2 (atom e), where i2 answered every broken-down indicator as i did and
    k2 as k did, and the four atoms form a cycle ({a, c} and {b, e} hold the same category
    in every dimension). Every published breakdown and total then stays the same, and
    every atom still holds answers a respondent gave, so the questionnaire's logic holds
    too (all of it is checked exactly by the caller). This moves a respondent into or out
    of a sub-population together with everything answered there, which moves of single
    counts cannot do."""
    n = len(data.answers)
    counted = {
        spec.key: [h and m for h, m in zip(data.hits[spec.key], data.members(spec), strict=True)]
        for spec in data.specs
    }
    broken = [spec.key for spec in data.specs if spec.breakdowns]
    profile = [tuple(counted[key][p] for key in broken) for p in range(n)]
    where: dict[tuple[bool, ...], dict[tuple[str, ...], list[int]]] = defaultdict(
        lambda: defaultdict(list)
    )
    for p in range(n):
        where[profile[p]][data.atom_of[p]].append(p)
    people: dict[tuple[str, ...], list[int]] = defaultdict(list)
    for p in range(n):
        people[data.atom_of[p]].append(p)

    def fourth(
        a: tuple[str, ...], b: tuple[str, ...], c: tuple[str, ...]
    ) -> tuple[str, ...] | None:
        """The atom e with {a, c} = {b, e} in every dimension, if there is one."""
        e = []
        for a_d, b_d, c_d in zip(a, b, c, strict=True):
            if a_d == b_d:
                e.append(c_d)
            elif c_d == b_d:
                e.append(a_d)
            else:
                return None
        return tuple(e)

    def move(i: int, k: int, i2: int, k2: int) -> dict[int, int] | None:
        changes: dict[int, int] = {}
        a, b = data.atom_of[i], data.atom_of[k]
        c, e = data.atom_of[i2], data.atom_of[k2]
        for key, hit in counted.items():
            for atom, step in (
                (a, hit[k] - hit[i]),
                (b, hit[i] - hit[k]),
                (c, hit[k2] - hit[i2]),
                (e, hit[i2] - hit[k2]),
            ):
                if not step:
                    continue
                v = var.get((key, atom))
                if v is None:
                    return None
                changes[v] = changes.get(v, 0) + step
        return {v: d for v, d in changes.items() if d}

    def swaps(target: Any, side: str) -> Iterator[dict[int, int]]:
        key, a = target
        wanted = side == "some"  # the answer the atom should gain a respondent with
        hit = counted[key]
        tried = examined = 0
        for i in people.get(a, []):
            if hit[i] == wanted:
                continue
            for k_atoms in where.values():
                for k in itertools.chain.from_iterable(k_atoms.values()):
                    b = data.atom_of[k]
                    if b == a or hit[k] != wanted:
                        continue
                    examined += 1
                    if examined > EXAMINED_PER_SIDE:
                        return
                    for c, i2_people in where[profile[i]].items():
                        e = fourth(a, b, c)
                        if e is None:
                            continue
                        # Four different respondents (atoms may coincide).
                        i2 = next((p for p in i2_people if p not in (i, k)), None)
                        k2 = next((p for p in k_atoms.get(e, []) if p not in (i, k, i2)), None)
                        if i2 is None or k2 is None:
                            continue
                        candidate = move(i, k, i2, k2)
                        if candidate:
                            yield candidate
                            tried += 1
                            if tried >= SWAPS_PER_SIDE:
                                return

    return swaps


def _escalate(data: _Data, state: _State, found: set[Any]) -> None:
    by_key: dict[str, list[tuple[str, ...]]] = defaultdict(list)
    for key, atom in sorted(found):
        spec = data.by_key[key]
        if spec.population not in ("all", "subset") and (spec.population, atom) in found:
            continue  # the parent's own disclosure is the cause; it is cut back first
        by_key[key].append(atom)

    touched: set[str] = set()
    touched_sections: set[str] = set()

    def cut(key: str, atoms: list[tuple[str, ...]]) -> None:
        # One step per indicator and round: a key cut back in this round (itself or as a
        # sibling) waits for the next check before it is cut further.
        if key in touched:
            return
        touched.add(key)
        spec = data.by_key[key]
        if data.weighted(spec) and key not in state.weighted_off:
            state.weighted_off.add(key)
            return
        if spec.breakdowns and key not in state.no_breakdowns:
            hidden = state.hidden.setdefault(key, {})
            added = False
            for d_index, dim in enumerate(data.dims):
                for atom in atoms:
                    if atom[d_index] and atom[d_index] not in hidden.setdefault(dim, set()):
                        hidden[dim].add(atom[d_index])
                        added = True
            if not added:
                state.no_breakdowns.add(key)
            return
        if key not in state.suppressed:
            state.suppressed.add(key)
            return
        # Still given away once hidden: its siblings (e.g. the other options of a single
        # choice, which sum to the group) tell it; hide the smallest shown sibling next.
        if spec.section in touched_sections:
            return  # a sibling was hidden this round; check again first
        siblings = [s.key for s in data.specs if s.section == spec.section and s.key != key]
        shown = [s for s in siblings if s not in state.suppressed]
        if shown:
            smallest = min(shown, key=lambda s: (sum(data.hits[s]), s))
            state.suppressed.add(smallest)
            touched.add(smallest)
            touched_sections.add(spec.section)
            return
        if spec.population in data.by_key:
            cut(spec.population, atoms)
            return
        state.everything = True

    for key, atoms in by_key.items():
        cut(key, atoms)


@dataclass(frozen=True)
class Protection:
    """What the protection loop decided for a wave: how far each indicator is cut back and
    which level the check settled. It depends on the answers only, never on the language,
    so one decision serves the results in every language (see :func:`analyse_languages`)."""

    state: _State
    level: str


def _protect(data: _Data, decided: Protection | None = None) -> dict[str, Indicator]:
    """Publish as much as the attacker check allows. When the full set is too large for the
    check to settle within its budget, the publication falls back to each indicator's total
    (no breakdowns, no weighted figures) and is checked again from there; only if that too
    cannot be settled is everything hidden. Either way nothing unchecked is published.

    With ``decided`` (the decision for the same answers in another language) the loop is
    not run again: the same figures are published."""
    if decided is not None:
        data.check_level = decided.level
        data.protection = decided
        return _publish(data, decided.state)
    published, state = _protect_loop(data)
    data.protection = Protection(state=state, level=data.check_level)
    return published


def _reduced(data: _Data, keep: Sequence[str], weighted: bool) -> _State:
    """A smaller publication to fall back to: the exposure figures broken down by the
    dimensions in ``keep`` only, every other indicator's total, and weighted figures only
    when ``weighted``."""
    exposure = {spec.key for spec in data.specs if spec.section == "exposure"}
    return _State(
        weighted_off=set() if weighted else {spec.key for spec in data.specs},
        hidden={
            key: {dim: set(data.categories[dim]) for dim in data.dims if dim not in keep}
            for key in exposure
        },
        no_breakdowns={spec.key for spec in data.specs if spec.key not in exposure},
    )


# The publications tried in turn: each one is checked in full (and cut back where the check
# finds a disclosure); a publication the check cannot settle within its work limit, or that
# the cut-back empties, gives way to the next, smaller one.
FALLBACKS: tuple[tuple[str, tuple[str, ...] | None], ...] = (
    ("full", None),
    ("municipality_role", ("municipality", "role")),
    ("municipality", ("municipality",)),
    ("totals", ()),
)


def _protect_loop(data: _Data) -> tuple[dict[str, Indicator], _State]:
    phases: list[tuple[str, _State]] = []
    for level, keep in FALLBACKS:
        if keep is None:
            phases.append((level, _State()))
        elif level == "totals":
            phases.append(
                (
                    level,
                    _State(
                        weighted_off={s.key for s in data.specs},
                        no_breakdowns={s.key for s in data.specs},
                    ),
                )
            )
        else:
            if data.weighting.enabled:
                phases.append((level, _reduced(data, keep, weighted=True)))
            phases.append((level, _reduced(data, keep, weighted=False)))
    for level, state in phases:
        data.check_level = level
        deadline = time.monotonic() + data.inputs.check_budget
        timed_out: list[bool] = []
        for _ in range(50 * max(1, len(data.specs))):
            published = _publish(data, state)
            if state.everything:
                break  # cut back to nothing: try the next, smaller publication
            model, var = _model(data, published)
            found = disclosure.disclosed(
                model,
                moves=_moves(data, var),
                time_limit=data.inputs.check_time_limit,
                # Out of work, every side the solver has not settled counts as given away,
                # so nothing unchecked is published.
                budget=max(0.5, deadline - time.monotonic()),
                timed_out=timed_out,
            )
            if not found:
                return published, state
            if timed_out:
                break  # too large to settle: fall back to the next publication
            _escalate(data, state, found)
    data.check_level = "none"
    state = _State(everything=True)
    return _publish(data, state), state


# --- Derived figures: differences, trend -------------------------------------------------


def _holm(p_values: Sequence[float]) -> list[float]:
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    m = len(p_values)
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (m - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def _differences(data: _Data, spec: _Spec, indicator: Indicator) -> list[Comparison]:
    """Pairwise municipality differences from the published (rounded) shares; weighted
    shares use Kish's effective n (a first-order design-effect correction)."""
    estimates = {e.category: e for e in indicator.by.get("municipality", [])}
    members = data.members(spec)
    d_index = data.dims.index("municipality") if "municipality" in data.dims else -1
    pairs: list[tuple[str, str, stats.Difference | None]] = []
    for a, b in combinations(sorted(estimates), 2):
        ea, eb = estimates[a], estimates[b]
        if not (ea.exact and eb.exact and ea.n and eb.n):
            pairs.append((a, b, None))
            continue
        if ea.weighted_share is not None and eb.weighted_share is not None:

            def n_eff(category: str) -> float:
                return stats.kish_effective_n(
                    [
                        data.w[i]
                        for i, atom in enumerate(data.atom_of)
                        if members[i] and atom[d_index] == category
                    ]
                )

            na, nb = n_eff(a), n_eff(b)
            diff = stats.difference(
                min(na, ea.weighted_share * na), na, min(nb, eb.weighted_share * nb), nb
            )
        else:
            assert ea.share is not None and eb.share is not None
            diff = stats.difference(
                min(ea.n, ea.share * ea.n), ea.n, min(eb.n, eb.share * eb.n), eb.n
            )
        pairs.append((a, b, diff))
    tested = [d.p_value for _, _, d in pairs if d is not None and d.p_value is not None]
    adjusted = iter(_holm(tested))
    comparisons = []
    for a, b, found in pairs:
        if found is None:
            comparisons.append(Comparison(a, b, None, None, None, None, suppressed=True))
            continue
        p_adj = next(adjusted) if found.p_value is not None else None
        comparisons.append(
            Comparison(
                a,
                b,
                _r(found.estimate),
                _r(found.low),
                _r(found.high),
                _r(found.p_value),
                p_adjusted=_r(p_adj),
            )
        )
    return comparisons


def _trend(current: Estimate, previous: Estimate | None) -> Comparison | None:
    """Change of the unweighted share since the earlier wave, from the published shares of
    both waves, as between independent samples."""
    if not current.exact or current.n is None:
        return None
    if previous is None or not previous.exact or previous.n is None:
        return Comparison("previous", "current", None, None, None, None, suppressed=True)
    assert current.share is not None and previous.share is not None
    diff = stats.difference(
        min(current.n, current.share * current.n),
        current.n,
        min(previous.n, previous.share * previous.n),
        previous.n,
    )
    return Comparison(
        "previous", "current", _r(diff.estimate), _r(diff.low), _r(diff.high), _r(diff.p_value)
    )


# --- Response rates -----------------------------------------------------------------------


def _response_rates(inputs: Inputs, labels: dict[str, dict[str, str]]) -> list[ResponseRate]:
    """Invited counts are public; responded counts are hidden for strata with fewer than k
    invited, published as "fewer than t" where fewer than t did or did not answer, and
    further cells are hidden until no hidden cell follows from the published totals (per
    municipality, role, gender and overall, all treated as published)."""
    k, t = inputs.min_cell_size, inputs.few_threshold
    strata = [s for s in sorted(inputs.invited) if inputs.invited[s] > 0]
    responded = {s: min(inputs.responded.get(s, 0), inputs.invited[s]) for s in strata}
    hidden = {s for s in strata if inputs.invited[s] < k}
    few = {
        s: (responded[s] < t, inputs.invited[s] - responded[s] < t)
        for s in strata
        if s not in hidden and (responded[s] < t or inputs.invited[s] - responded[s] < t)
    }
    for _ in range(len(strata) + 1):
        determined = _determined_rates(inputs, strata, responded, hidden, few, t)
        if not determined:
            break
        for s in sorted(determined):
            rest = [c for c in strata if c not in hidden and c not in few and c[0] == s[0]] or [
                c for c in strata if c not in hidden and c not in few
            ]
            if rest:
                hidden.add(min(rest, key=lambda c: (responded[c] == 0, responded[c], c)))
            else:
                hidden |= set(few)
                few.clear()
    rates = []
    for stratum in strata:
        invited = inputs.invited[stratum]
        shown = stratum not in hidden and stratum not in few
        few_r, few_n = few.get(stratum, (False, False))
        rates.append(
            ResponseRate(
                labels.get("municipality", {}).get(stratum[0], stratum[0]),
                labels.get("role", {}).get(stratum[1], stratum[1]),
                labels.get("gender", {}).get(stratum[2], stratum[2]),
                invited,
                responded[stratum] if shown else None,
                _r(responded[stratum] / invited) if shown else None,
                few_responded=few_r,
                few_non_responded=few_n,
            )
        )
    return rates


def _determined_rates(
    inputs: Inputs,
    strata: list[Stratum],
    responded: Mapping[Stratum, int],
    hidden: set[Stratum],
    few: Mapping[Stratum, tuple[bool, bool]],
    t: int,
) -> set[Stratum]:
    """Hidden or coarsened cells whose value the published totals fix, or force to 0 or
    to all invited."""
    unknown = [s for s in strata if s in hidden or s in few]
    if not unknown:
        return set()
    model = disclosure.Model()
    var = {}
    for s in unknown:
        var[s] = model.variable(upper=inputs.invited[s], truth=responded[s])
        if s in few:
            few_r, few_n = few[s]
            if few_r:
                model.constrain({var[s]: 1.0}, 0.0, t - 1)
            if few_n:
                model.constrain({var[s]: 1.0}, inputs.invited[s] - t + 1, float("inf"))
    for position in (0, 1, 2, None):
        lines: dict[Any, list[Stratum]] = defaultdict(list)
        for s in strata:
            lines[s[position] if position is not None else ""].append(s)
        for line in lines.values():
            terms = {var[s]: 1.0 for s in line if s in var}
            known = sum(responded[s] for s in line if s not in var)
            total = sum(responded[s] for s in line)
            model.constrain(terms, total - known, total - known)
    for s in unknown:
        model.protect(s, var[s], cap=inputs.invited[s])
    given_away = disclosure.disclosed(model, time_limit=inputs.check_time_limit)
    forced: set[Stratum] = {s for s in unknown if s in given_away}
    # A cell is also given away when its value is fixed anywhere in between.
    for s in unknown:
        if s not in forced and _fixed(model, var[s], responded[s], inputs.check_time_limit):
            forced.add(s)
    return forced


def _fixed(model: disclosure.Model, v: int, value: int, time_limit: float) -> bool:
    """Whether ``v`` can take no value other than ``value``."""
    for low, high in ((value + 1, float("inf")), (-float("inf"), value - 1)):
        probe = disclosure.Model(
            upper=list(model.upper), truth=list(model.truth), rows=list(model.rows)
        )
        probe.rows.append(({v: 1.0}, low, high))
        if disclosure.feasible(probe, time_limit=time_limit):
            return False
    return True


# --- Entry point --------------------------------------------------------------------------


def analyse(inputs: Inputs) -> Results:
    """The published results of one wave in ``inputs.language``."""
    return _analyse(inputs, None, None)[0]


def analyse_languages(
    inputs: Inputs, languages: Sequence[str], any_labels: Mapping[str, str] | None = None
) -> dict[str, Results]:
    """The published results in every language of ``languages`` from one protection
    decision: the attacker check runs once, so every language publishes the same figures
    (two decisions taken apart could differ, and together publish what neither checked)."""
    decided: Protection | None = None
    earlier: Results | None = None
    out: dict[str, Results] = {}
    for language in languages:
        label = (any_labels or {}).get(language, inputs.any_label)
        result, decided, earlier = _analyse(
            replace(inputs, language=language, any_label=label), decided, earlier
        )
        out[language] = result
    return out


def _analyse(
    inputs: Inputs, decided: Protection | None, earlier: Results | None
) -> tuple[Results, Protection, Results | None]:
    data = _Data(inputs)
    k = inputs.min_cell_size
    published = _protect(data, decided)
    assert data.protection is not None

    previous: dict[str, Estimate] = {}
    if inputs.previous is not None:
        if earlier is None:
            previous_q, previous_answers = inputs.previous
            earlier = analyse(
                Inputs(
                    questionnaire=previous_q,
                    answers=list(previous_answers),
                    min_cell_size=k,
                    language=inputs.language,
                    few_threshold=inputs.few_threshold,
                    check_time_limit=inputs.check_time_limit,
                    check_budget=inputs.check_budget,
                )
            )
        previous = {i.key: i.overall for i in earlier.exposure}

    def finished(spec: _Spec) -> Indicator:
        indicator = published[spec.key]
        differences = _differences(data, spec, indicator) if spec.breakdowns else []
        trend = None
        if inputs.previous is not None and spec.section == "exposure":
            trend = _trend(indicator.overall, previous.get(spec.key))
        return Indicator(
            indicator.key, indicator.label, indicator.overall, indicator.by, differences, trend
        )

    sections: dict[str, list[Indicator]] = defaultdict(list)
    for spec in data.specs:
        sections[spec.section].append(finished(spec))
    exposed = published[ANY].overall
    items = []
    for item_id, label, population in data.items:
        indicators = sections.get(item_id, [])
        n: int | None = None
        if population == "respondents":
            n = len(data.answers) if len(data.answers) >= k else None
        elif indicators and not indicators[0].overall.suppressed:
            n = indicators[0].overall.n
        items.append(ItemResult(item_id, label, population, n, indicators))
    results = Results(
        respondents=len(data.answers),
        min_cell_size=k,
        weighted=data.weighting.enabled,
        unweighted_respondents=data.weighting.unweighted,
        empty_strata=data.weighting.empty,
        labels=data.labels,
        response_rates=_response_rates(inputs, data.labels),
        exposure=sections["exposure"],
        consequences=sections["consequences"],
        reporting=sections["reporting"],
        exposed_respondents=_exposed_count(data) if _exposed_published(data, exposed) else None,
        few_threshold=inputs.few_threshold,
        items=items,
        methods={
            **(METHODS_WEIGHTED if data.weighting.enabled else METHODS_UNWEIGHTED),
            "check": data.check_level,
        },
    )
    return results, data.protection, earlier


def _exposed_count(data: _Data) -> int:
    return sum(data.hits[ANY])


def _exposed_published(data: _Data, exposed: Estimate) -> bool:
    return exposed.exact and _exposed_count(data) >= data.k
