"""Transparent risk score for premises (ROS).

A risk score is a reason to look closer at a premises, never a finding about anyone. It is
a weighted checklist, written out here so that anyone can recompute it by hand; there is no
trained, statistical or otherwise opaque model (the Dutch SyRI system was struck down for
exactly that opacity).

The formula::

    score = Σ weight_i × strength_i     over the enabled indicators i whose rule holds
    level = "low"     if score <  t_low
            "medium"  if t_low ≤ score < t_high
            "high"    if score ≥ t_high            (thresholds (t_low, t_high), default (2, 4))

``strength`` is 1 for every indicator except ``signals_recent``, where it is
``min(1, weighted / min_signals)``: ``weighted`` is the sum of the signals' weights from
:func:`samverkan.ros.grading.signal_weight` (0.25 … 1 per signal), so two well-graded
signals give full strength and two ungraded tips a quarter of it. Each fired indicator's
``contribution`` is ``weight × strength``; the score is their sum.

The indicators (rules in code, weights and thresholds configuration):

* ``permit_missing`` – a permit type the kind of activity requires has no valid permit
  (status "active" and ``valid_to`` empty or not before today).
* ``permit_expired`` – such a type has no valid permit and a permit of that type has
  lapsed: status "expired" or "revoked", or status "active" with ``valid_to`` before today.
  A lapsed permit that has been replaced by a valid one does not count. A lapsed permit
  therefore fires both this and ``permit_missing``.
* ``signals_recent`` – at least ``min_signals`` signals observed in the last ``months``
  calendar months: on or after the same day ``months`` months before today (a signal
  exactly six months old counts) and not after today.
* ``cash_intensive`` – the kind of activity is cash-intensive.
* ``business_many_addresses`` – a business at the premises is registered at
  ``min_addresses`` or more addresses.
* ``linked_findings`` – ``min_findings`` or more findings at earlier inspections of
  businesses or persons linked to the premises.
* ``earlier_sanctions`` – ``min_sanctions`` or more earlier sanctions at the premises.

Default weights, thresholds, labels and the explanation sentences (Swedish and English) are
in ``risk_indicators.yaml`` beside this module (:func:`load_default_config`); administrators
override weights, thresholds and on/off in the database. Every fired indicator carries a
sentence naming the concrete facts behind it (:func:`explain`).

Pure computation: no Django. Standard library only, except that the shipped YAML file is
read with PyYAML (a dependency of the project) when the defaults are first needed.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any, Final

from samverkan.ros.grading import signal_weight

__all__ = [
    "DEFAULT_THRESHOLDS",
    "INDICATOR_KEYS",
    "LANGUAGES",
    "LEVELS",
    "LEVEL_LABELS",
    "PERMIT_STATUSES",
    "FiredIndicator",
    "IndicatorConfig",
    "IndicatorDefinition",
    "PermitFact",
    "PremisesFacts",
    "RiskAssessment",
    "SignalFact",
    "default_configs",
    "explain",
    "level_for",
    "load_default_config",
    "parse_definitions",
    "score",
]

INDICATOR_KEYS: Final[tuple[str, ...]] = (
    "permit_missing",
    "permit_expired",
    "signals_recent",
    "cash_intensive",
    "business_many_addresses",
    "linked_findings",
    "earlier_sanctions",
)
"""Every indicator, in the order in which results are reported."""

PERMIT_STATUSES: Final[frozenset[str]] = frozenset(
    {"active", "expired", "revoked", "applied", "denied"}
)
LANGUAGES: Final[tuple[str, ...]] = ("sv", "en")
LEVELS: Final[tuple[str, ...]] = ("low", "medium", "high")
LEVEL_LABELS: Final[dict[str, dict[str, str]]] = {
    "low": {"sv": "låg", "en": "low"},
    "medium": {"sv": "medel", "en": "medium"},
    "high": {"sv": "hög", "en": "high"},
}
DEFAULT_THRESHOLDS: Final[tuple[float, float]] = (2.0, 4.0)

# The parameters each rule reads: name -> (smallest, largest) allowed integer value.
_PARAMS: Final[dict[str, dict[str, tuple[int, int]]]] = {
    "permit_missing": {},
    "permit_expired": {},
    "signals_recent": {"months": (1, 600), "min_signals": (1, 10_000)},
    "cash_intensive": {},
    "business_many_addresses": {"min_addresses": (1, 100_000)},
    "linked_findings": {"min_findings": (1, 100_000)},
    "earlier_sanctions": {"min_sanctions": (1, 100_000)},
}

# The placeholders each explanation sentence may use.
_PLACEHOLDERS: Final[dict[str, frozenset[str]]] = {
    "permit_missing": frozenset({"permits", "activity_kind"}),
    "permit_expired": frozenset({"permits"}),
    "signals_recent": frozenset({"signals", "period", "weighted", "min_signals"}),
    "cash_intensive": frozenset({"activity_kind"}),
    "business_many_addresses": frozenset({"addresses", "min_addresses"}),
    "linked_findings": frozenset({"findings", "min_findings"}),
    "earlier_sanctions": frozenset({"sanctions", "min_sanctions"}),
}


# --------------------------------------------------------------------------- input facts


@dataclass(frozen=True, slots=True)
class PermitFact:
    """One permit registered for the premises. ``status`` is one of
    :data:`PERMIT_STATUSES`; ``valid_to`` is the last day of validity (None: open-ended)."""

    type: str
    status: str
    valid_to: date | None = None

    def __post_init__(self) -> None:
        if self.status not in PERMIT_STATUSES:
            raise ValueError(
                f"unknown permit status {self.status!r}: expected one of "
                + ", ".join(sorted(PERMIT_STATUSES))
            )


@dataclass(frozen=True, slots=True)
class SignalFact:
    """One signal about the premises with its grading (reliability "A"–"F", credibility
    "1"–"6", see :mod:`samverkan.ros.grading`)."""

    observed_on: date
    reliability: str
    credibility: str

    def __post_init__(self) -> None:
        signal_weight(self.reliability, self.credibility)  # raises ValueError if unknown


@dataclass(frozen=True, slots=True)
class PremisesFacts:
    """Everything the score is computed from, for one premises on one day.

    ``activity_kind`` (optional) is the name of the kind of activity, used only in the
    explanation sentences ("krävs för verksamhetstypen restaurang").
    """

    premises_id: str
    kind_cash_intensive: bool
    required_permit_types: frozenset[str]
    permits: tuple[PermitFact, ...]
    signals: tuple[SignalFact, ...]
    business_address_count: int
    linked_findings: int
    earlier_sanctions: int
    today: date
    activity_kind: str = ""

    def __post_init__(self) -> None:
        for name in ("business_address_count", "linked_findings", "earlier_sanctions"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"{name} must be a non-negative integer, not {value!r}")


# --------------------------------------------------------------------------- configuration


def _check_params(key: str, params: Mapping[str, Any], *, complete: bool) -> dict[str, int]:
    spec = _PARAMS[key]
    unknown = set(params) - set(spec)
    if unknown:
        allowed = ", ".join(sorted(spec)) or "none"
        raise ValueError(
            f"{key}: unknown parameter(s) {', '.join(sorted(map(str, unknown)))} "
            f"(allowed: {allowed})"
        )
    if complete and set(spec) - set(params):
        raise ValueError(
            f"{key}: missing parameter(s) {', '.join(sorted(set(spec) - set(params)))}"
        )
    checked: dict[str, int] = {}
    for name, value in params.items():
        low, high = spec[name]
        if (
            isinstance(value, bool)
            or not isinstance(value, int | float)
            or not math.isfinite(value)
            or value != int(value)
            or not low <= value <= high
        ):
            raise ValueError(f"{key}.{name} must be a whole number {low}–{high}, not {value!r}")
        checked[name] = int(value)
    return checked


def _check_weight(key: str, weight: Any) -> float:
    if isinstance(weight, bool) or not isinstance(weight, int | float):
        raise ValueError(f"{key}: the weight must be a number, not {weight!r}")
    if not math.isfinite(weight) or weight < 0:
        raise ValueError(f"{key}: the weight must be a finite number ≥ 0, not {weight!r}")
    return float(weight)


@dataclass(frozen=True)
class IndicatorConfig:
    """The settings of one indicator: its weight, whether it is in use, and parameter
    overrides (missing parameters take the defaults). Validated on construction; the
    parameters are stored read-only."""

    key: str
    weight: float
    enabled: bool = True
    params: Mapping[str, float | int] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or self.key not in _PARAMS:
            raise ValueError(f"unknown risk indicator {self.key!r}")
        if not isinstance(self.params, Mapping):
            raise ValueError(f"{self.key}.params must be a mapping")
        object.__setattr__(self, "weight", _check_weight(self.key, self.weight))
        checked = _check_params(self.key, self.params, complete=False)
        object.__setattr__(self, "params", MappingProxyType(checked))


@dataclass(frozen=True)
class IndicatorDefinition:
    """What the shipped defaults say about one indicator: its labels and description
    (Swedish "sv" and English "en"), its default weight and parameters, and the
    explanation sentence templates. Validated on construction: the parameters must be
    complete and the templates may use only the indicator's own placeholders."""

    key: str
    label: Mapping[str, str]
    description: Mapping[str, str]
    weight: float
    params: Mapping[str, int]
    explanation: Mapping[str, str]

    def __post_init__(self) -> None:
        if not isinstance(self.key, str) or self.key not in _PARAMS:
            raise ValueError(f"unknown risk indicator {self.key!r}")
        key = self.key
        object.__setattr__(self, "label", _texts(f"{key}.label", self.label))
        object.__setattr__(self, "description", _texts(f"{key}.description", self.description))
        object.__setattr__(self, "weight", _check_weight(key, self.weight))
        if not isinstance(self.params, Mapping):
            raise ValueError(f"{key}.params must be a mapping")
        params = _check_params(key, self.params, complete=True)
        object.__setattr__(self, "params", MappingProxyType(params))
        explanation = _texts(f"{key}.explanation", self.explanation)
        for language, template in explanation.items():
            _check_template(key, language, template)
        object.__setattr__(self, "explanation", explanation)

    @property
    def default_weight(self) -> float:
        return self.weight

    @property
    def default_params(self) -> Mapping[str, int]:
        return self.params


def _texts(where: str, value: Any) -> Mapping[str, str]:
    if not isinstance(value, Mapping) or set(value) != set(LANGUAGES):
        raise ValueError(f"{where} must have exactly the texts {', '.join(LANGUAGES)}")
    for language in LANGUAGES:
        text = value[language]
        if not isinstance(text, str) or not text.strip():
            raise ValueError(f"{where}.{language} must be a non-empty text")
    return MappingProxyType({language: str(value[language]) for language in LANGUAGES})


def _check_template(key: str, language: str, template: str) -> None:
    allowed = _PLACEHOLDERS[key]
    where = f"{key}.explanation.{language}"
    try:
        names = {name for _, name, _, _ in string.Formatter().parse(template) if name is not None}
    except ValueError as exc:
        raise ValueError(f"{where}: {exc}") from None
    if not names <= allowed:
        raise ValueError(
            f"{where}: unknown placeholder(s) {', '.join(sorted(map(repr, names - allowed)))}"
            f" (allowed: {', '.join(sorted(allowed))})"
        )
    try:
        template.format_map(dict.fromkeys(allowed, ""))
    except (ValueError, KeyError, IndexError, AttributeError, TypeError) as exc:
        raise ValueError(f"{where}: {exc}") from None


_DEFINITION_FIELDS: Final[frozenset[str]] = frozenset(
    {"key", "label", "description", "weight", "params", "explanation"}
)


@dataclass(frozen=True)
class _Catalogue:
    definitions: tuple[IndicatorDefinition, ...]
    permit_types: Mapping[str, Mapping[str, str]]


def _parse_catalogue(text: str) -> _Catalogue:
    import yaml  # PyYAML, a project dependency; only needed to read the defaults

    data = yaml.safe_load(text)
    if not isinstance(data, dict) or set(data) - {"indicators", "permit_types"}:
        raise ValueError("the risk indicator file must have 'indicators' (and 'permit_types')")
    items = data.get("indicators")
    if not isinstance(items, list):
        raise ValueError("'indicators' must be a list")
    found: dict[str, IndicatorDefinition] = {}
    for item in items:
        if not isinstance(item, dict) or set(item) != _DEFINITION_FIELDS:
            raise ValueError(
                f"each indicator needs exactly the fields {', '.join(sorted(_DEFINITION_FIELDS))}"
            )
        key = item["key"]
        if not isinstance(key, str) or key not in _PARAMS:
            raise ValueError(f"unknown risk indicator {key!r}")
        if key in found:
            raise ValueError(f"risk indicator {key!r} is defined twice")
        found[key] = IndicatorDefinition(
            key=key,
            label=item["label"],
            description=item["description"],
            weight=item["weight"],
            params=item["params"] if item["params"] is not None else {},
            explanation=item["explanation"],
        )
    missing = [key for key in INDICATOR_KEYS if key not in found]
    if missing:
        raise ValueError(f"risk indicator(s) not defined: {', '.join(missing)}")
    permit_types = data.get("permit_types") or {}
    if not isinstance(permit_types, dict):
        raise ValueError("'permit_types' must be a mapping")
    names = {
        str(code): _texts(f"permit_types.{code}", labels) for code, labels in permit_types.items()
    }
    return _Catalogue(tuple(found[key] for key in INDICATOR_KEYS), MappingProxyType(names))


def parse_definitions(text: str) -> list[IndicatorDefinition]:
    """Read indicator definitions from YAML text in the format of
    ``risk_indicators.yaml``, in :data:`INDICATOR_KEYS` order. Raises ValueError when the
    text does not define every indicator exactly once, with valid weights, complete
    parameters and explanation templates that use only their own placeholders."""
    return list(_parse_catalogue(text).definitions)


@cache
def _default_catalogue() -> _Catalogue:
    text = resources.files("samverkan.ros").joinpath("risk_indicators.yaml").read_text("utf-8")
    return _parse_catalogue(text)


def load_default_config() -> list[IndicatorDefinition]:
    """The shipped indicator definitions (``risk_indicators.yaml``), in
    :data:`INDICATOR_KEYS` order."""
    return list(_default_catalogue().definitions)


def default_configs() -> list[IndicatorConfig]:
    """Every indicator enabled with its default weight and parameters."""
    return [IndicatorConfig(d.key, d.weight, True, d.params) for d in load_default_config()]


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class FiredIndicator:
    """An indicator whose rule held. ``contribution = weight × strength``; ``explanation``
    is one sentence per language ("sv", "en") naming the facts behind it."""

    key: str
    label: dict[str, str]
    weight: float
    strength: float
    contribution: float
    explanation: dict[str, str]


@dataclass(frozen=True)
class RiskAssessment:
    """The score of one premises with everything needed to explain it.

    ``fired`` and ``not_fired`` (enabled indicators whose rule did not hold) and
    ``disabled`` (switched off or not configured) follow :data:`INDICATOR_KEYS` order.
    """

    premises_id: str
    score: float
    level: str
    thresholds: tuple[float, float]
    fired: tuple[FiredIndicator, ...]
    not_fired: tuple[str, ...]
    disabled: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy, for storing beside the score."""
        return {
            "premises_id": self.premises_id,
            "score": self.score,
            "level": self.level,
            "thresholds": list(self.thresholds),
            "fired": [
                {
                    "key": f.key,
                    "label": dict(f.label),
                    "weight": f.weight,
                    "strength": f.strength,
                    "contribution": f.contribution,
                    "explanation": dict(f.explanation),
                }
                for f in self.fired
            ],
            "not_fired": list(self.not_fired),
            "disabled": list(self.disabled),
        }


# --------------------------------------------------------------------------- wording


def _num(value: float, language: str) -> str:
    """1.5 -> "1,5" (sv) / "1.5" (en); at most two decimals, at least one."""
    text = f"{value:.2f}".rstrip("0")
    if text.endswith("."):
        text += "0"
    return text.replace(".", ",") if language == "sv" else text


def _count(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


_COUNT_WORDS: Final[dict[str, dict[str, tuple[str, str]]]] = {
    "signals": {"sv": ("signal", "signaler"), "en": ("signal", "signals")},
    "findings": {"sv": ("anmärkning", "anmärkningar"), "en": ("finding", "findings")},
    "sanctions": {"sv": ("sanktion", "sanktioner"), "en": ("sanction", "sanctions")},
}


def _counted(what: str, n: int) -> dict[str, str]:
    return {language: _count(n, *_COUNT_WORDS[what][language]) for language in LANGUAGES}


def _join(items: Sequence[str], language: str) -> str:
    if len(items) <= 1:
        return "".join(items)
    last = " och " if language == "sv" else " and "
    return ", ".join(items[:-1]) + last + items[-1]


def _permit_name(permit_type: str, language: str) -> str:
    names = _default_catalogue().permit_types.get(permit_type)
    return names[language] if names is not None else permit_type


def _activity_kind(name: str) -> dict[str, str]:
    if name:
        return {"sv": f"verksamhetstypen {name}", "en": f"the activity type {name}"}
    return {"sv": "verksamhetstypen på lokalen", "en": "the activity type at the premises"}


_LAPSED_STATUS: Final[dict[str, dict[str, str]]] = {
    "expired": {"sv": "har löpt ut", "en": "expired"},
    "revoked": {"sv": "har återkallats", "en": "revoked"},
}
_VALID_TO: Final[dict[str, str]] = {"sv": "gällde till", "en": "valid until"}


def _describe_lapsed(permit: PermitFact, language: str) -> str:
    parts = []
    if permit.status in _LAPSED_STATUS:
        parts.append(_LAPSED_STATUS[permit.status][language])
    if permit.valid_to is not None:
        parts.append(f"{_VALID_TO[language]} {permit.valid_to.isoformat()}")
    return f"{_permit_name(permit.type, language)} ({', '.join(parts)})"


def _period(months: int) -> dict[str, str]:
    if months == 1:
        return {"sv": "den senaste månaden", "en": "in the last month"}
    return {"sv": f"de senaste {months} månaderna", "en": f"in the last {months} months"}


# --------------------------------------------------------------------------- rules

# A rule returns None when it does not hold, else (strength, placeholder values per language).
_Hit = tuple[float, dict[str, dict[str, str]]]
_Rule = Callable[[PremisesFacts, Mapping[str, int]], _Hit | None]


def _is_valid(permit: PermitFact, today: date) -> bool:
    return permit.status == "active" and (permit.valid_to is None or permit.valid_to >= today)


def _is_lapsed(permit: PermitFact, today: date) -> bool:
    if permit.status in ("expired", "revoked"):
        return True
    return permit.status == "active" and permit.valid_to is not None and permit.valid_to < today


def _types_without_valid_permit(facts: PremisesFacts) -> list[str]:
    if not facts.required_permit_types:
        return []
    valid = {p.type for p in facts.permits if _is_valid(p, facts.today)}
    return sorted(facts.required_permit_types - valid)


def _permit_missing(facts: PremisesFacts, params: Mapping[str, int]) -> _Hit | None:
    missing = _types_without_valid_permit(facts)
    if not missing:
        return None
    kind = _activity_kind(facts.activity_kind)
    return 1.0, {
        language: {
            "permits": _join([_permit_name(t, language) for t in missing], language),
            "activity_kind": kind[language],
        }
        for language in LANGUAGES
    }


def _permit_expired(facts: PremisesFacts, params: Mapping[str, int]) -> _Hit | None:
    missing = set(_types_without_valid_permit(facts))
    if not missing:
        return None
    lapsed = sorted(
        (p for p in facts.permits if p.type in missing and _is_lapsed(p, facts.today)),
        key=lambda p: (p.type, p.valid_to or date.min, p.status),
    )
    if not lapsed:
        return None
    values = {}
    for language in LANGUAGES:
        texts = list(dict.fromkeys(_describe_lapsed(p, language) for p in lapsed))
        values[language] = {"permits": _join(texts, language)}
    return 1.0, values


def _months_before(day: date, months: int) -> date:
    """The same day ``months`` calendar months earlier (the month's last day if shorter)."""
    index = day.year * 12 + (day.month - 1) - months
    if index < 12:
        return date.min
    year, month = divmod(index, 12)
    month += 1
    for last in (31, 30, 29, 28):
        try:
            return date(year, month, min(day.day, last))
        except ValueError:
            continue
    raise AssertionError("unreachable")  # pragma: no cover


def _signals_recent(facts: PremisesFacts, params: Mapping[str, int]) -> _Hit | None:
    months, min_signals = params["months"], params["min_signals"]
    if len(facts.signals) < min_signals:
        return None
    today = facts.today
    since = _months_before(today, months)
    weights = [
        signal_weight(s.reliability, s.credibility)
        for s in facts.signals
        if since <= s.observed_on <= today
    ]
    if len(weights) < min_signals:
        return None
    weighted = math.fsum(weights)
    strength = min(1.0, weighted / min_signals)
    signals = _counted("signals", len(weights))
    period = _period(months)
    return strength, {
        language: {
            "signals": signals[language],
            "period": period[language],
            "weighted": _num(weighted, language),
            "min_signals": str(min_signals),
        }
        for language in LANGUAGES
    }


def _cash_intensive(facts: PremisesFacts, params: Mapping[str, int]) -> _Hit | None:
    if not facts.kind_cash_intensive:
        return None
    kind = _activity_kind(facts.activity_kind)
    return 1.0, {language: {"activity_kind": kind[language]} for language in LANGUAGES}


def _business_many_addresses(facts: PremisesFacts, params: Mapping[str, int]) -> _Hit | None:
    threshold = params["min_addresses"]
    if facts.business_address_count < threshold:
        return None
    values = {"addresses": str(facts.business_address_count), "min_addresses": str(threshold)}
    return 1.0, {language: values for language in LANGUAGES}


def _linked_findings(facts: PremisesFacts, params: Mapping[str, int]) -> _Hit | None:
    threshold = params["min_findings"]
    if facts.linked_findings < threshold:
        return None
    findings = _counted("findings", facts.linked_findings)
    return 1.0, {
        language: {"findings": findings[language], "min_findings": str(threshold)}
        for language in LANGUAGES
    }


def _earlier_sanctions(facts: PremisesFacts, params: Mapping[str, int]) -> _Hit | None:
    threshold = params["min_sanctions"]
    if facts.earlier_sanctions < threshold:
        return None
    sanctions = _counted("sanctions", facts.earlier_sanctions)
    return 1.0, {
        language: {"sanctions": sanctions[language], "min_sanctions": str(threshold)}
        for language in LANGUAGES
    }


_RULES: Final[dict[str, _Rule]] = {
    "permit_missing": _permit_missing,
    "permit_expired": _permit_expired,
    "signals_recent": _signals_recent,
    "cash_intensive": _cash_intensive,
    "business_many_addresses": _business_many_addresses,
    "linked_findings": _linked_findings,
    "earlier_sanctions": _earlier_sanctions,
}


# --------------------------------------------------------------------------- scoring


def _check_thresholds(thresholds: tuple[float, float]) -> tuple[float, float]:
    try:
        low, high = (float(t) for t in thresholds)
    except (TypeError, ValueError):
        raise ValueError(f"thresholds must be two numbers, not {thresholds!r}") from None
    if not (math.isfinite(low) and math.isfinite(high) and 0 <= low <= high):
        raise ValueError(f"thresholds must satisfy 0 ≤ low ≤ high, not {thresholds!r}")
    return low, high


def level_for(value: float, thresholds: tuple[float, float] = DEFAULT_THRESHOLDS) -> str:
    """The level of a score: "low" below the first threshold, "medium" from the first,
    "high" from the second."""
    low, high = _check_thresholds(thresholds)
    if value >= high:
        return "high"
    if value >= low:
        return "medium"
    return "low"


def _capitalise(text: str) -> str:
    return text[:1].upper() + text[1:]


def score(
    facts: PremisesFacts,
    config: Sequence[IndicatorConfig],
    thresholds: tuple[float, float] = DEFAULT_THRESHOLDS,
    *,
    definitions: Sequence[IndicatorDefinition] | None = None,
) -> RiskAssessment:
    """Score one premises.

    ``config`` holds at most one :class:`IndicatorConfig` per indicator; an indicator that
    is missing from it counts as disabled. Parameters missing from a config take the
    defaults from ``definitions`` (the shipped ``risk_indicators.yaml`` when None), which
    also give the labels and the explanation sentences. Raises ValueError for a repeated
    indicator or invalid thresholds.
    """
    bounds = _check_thresholds(thresholds)
    by_key: dict[str, IndicatorConfig] = {}
    for item in config:
        if item.key in by_key:
            raise ValueError(f"risk indicator {item.key!r} is configured twice")
        by_key[item.key] = item
    known = _default_definitions() if definitions is None else {d.key: d for d in definitions}
    fired: list[FiredIndicator] = []
    not_fired: list[str] = []
    disabled: list[str] = []
    for key in INDICATOR_KEYS:
        setting = by_key.get(key)
        if setting is None or not setting.enabled:
            disabled.append(key)
            continue
        definition = known.get(key)
        if definition is None:
            raise ValueError(f"no definition for risk indicator {key!r}")
        params: Mapping[str, int] = definition.params
        if setting.params:  # validated whole numbers (IndicatorConfig.__post_init__)
            params = {**params, **{name: int(v) for name, v in setting.params.items()}}
        hit = _RULES[key](facts, params)
        if hit is None:
            not_fired.append(key)
            continue
        strength, values = hit
        fired.append(
            FiredIndicator(
                key=key,
                label=dict(definition.label),
                weight=setting.weight,
                strength=strength,
                contribution=setting.weight * strength,
                explanation={
                    language: _capitalise(
                        definition.explanation[language].format_map(values[language])
                    )
                    for language in LANGUAGES
                },
            )
        )
    total = math.fsum(f.contribution for f in fired)
    return RiskAssessment(
        premises_id=facts.premises_id,
        score=total,
        level=level_for(total, bounds),
        thresholds=bounds,
        fired=tuple(fired),
        not_fired=tuple(not_fired),
        disabled=tuple(disabled),
    )


@cache
def _default_definitions() -> Mapping[str, IndicatorDefinition]:
    return MappingProxyType({d.key: d for d in _default_catalogue().definitions})


_EXPLAIN: Final[dict[str, dict[str, str]]] = {
    "sv": {
        "summary": "Risknivå {level}: poäng {score} (medel från {low}, hög från {high}).",
        "none": "Ingen riskindikator slog till.",
        "line": "+{contribution} {label}: {explanation}",
        "partial": "+{contribution} {label} (vikt {weight} × styrka {strength}): {explanation}",
    },
    "en": {
        "summary": "Risk level {level}: score {score} (medium from {low}, high from {high}).",
        "none": "No risk indicator fired.",
        "line": "+{contribution} {label}: {explanation}",
        "partial": "+{contribution} {label} (weight {weight} × strength {strength}): {explanation}",
    },
}


def explain(assessment: RiskAssessment, language: str) -> list[str]:
    """The assessment in words: a summary line, then one line per fired indicator with its
    contribution (and weight × strength where the strength is below 1). ``language`` is
    "sv" or "en"."""
    if language not in _EXPLAIN:
        raise ValueError(f"unknown language {language!r}: expected one of {', '.join(LANGUAGES)}")
    words = _EXPLAIN[language]
    low, high = assessment.thresholds
    lines = [
        words["summary"].format(
            level=LEVEL_LABELS[assessment.level][language],
            score=_num(assessment.score, language),
            low=_num(low, language),
            high=_num(high, language),
        )
    ]
    if not assessment.fired:
        lines.append(words["none"])
    for item in assessment.fired:
        template = words["line"] if item.strength >= 1 else words["partial"]
        lines.append(
            template.format(
                contribution=_num(item.contribution, language),
                label=item.label[language],
                weight=_num(item.weight, language),
                strength=_num(item.strength, language),
                explanation=item.explanation[language],
            )
        )
    return lines
