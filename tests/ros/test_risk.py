"""The transparent risk score for premises: each indicator fires exactly when its rule
holds, the score is the sum of the shown contributions, and every fired indicator says in
words which facts made it fire."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.ros import risk
from samverkan.ros.grading import InformationCredibility, SourceReliability, signal_weight
from samverkan.ros.risk import (
    DEFAULT_THRESHOLDS,
    INDICATOR_KEYS,
    LEVELS,
    IndicatorConfig,
    PermitFact,
    PremisesFacts,
    RiskAssessment,
    SignalFact,
    default_configs,
    explain,
    level_for,
    load_default_config,
    parse_definitions,
    score,
)

TODAY = date(2026, 11, 27)
SRC = Path(__file__).resolve().parents[2] / "src"
YAML = SRC / "samverkan" / "ros" / "risk_indicators.yaml"


def make(**overrides: Any) -> PremisesFacts:
    """Facts for which no indicator fires; override what a test needs."""
    values: dict[str, Any] = {
        "premises_id": "p-1",
        "kind_cash_intensive": False,
        "required_permit_types": frozenset(),
        "permits": (),
        "signals": (),
        "business_address_count": 1,
        "linked_findings": 0,
        "earlier_sanctions": 0,
        "today": TODAY,
    }
    values.update(overrides)
    return PremisesFacts(**values)


def signal(days_ago: int = 0, grade: str = "A1", today: date = TODAY) -> SignalFact:
    return SignalFact(today - timedelta(days=days_ago), grade[0], grade[1])


def config(**changes: Any) -> list[IndicatorConfig]:
    """The defaults, with per-key changes: key={"weight": .., "enabled": .., "params": ..}."""
    result = []
    for item in default_configs():
        change = changes.get(item.key, {})
        result.append(
            IndicatorConfig(
                item.key,
                change.get("weight", item.weight),
                change.get("enabled", item.enabled),
                {**item.params, **change.get("params", {})},
            )
        )
    return result


def fired(facts: PremisesFacts, cfg: Sequence[IndicatorConfig] | None = None) -> set[str]:
    return {f.key for f in score(facts, default_configs() if cfg is None else cfg).fired}


def one(assessment: RiskAssessment, key: str) -> risk.FiredIndicator:
    (item,) = [f for f in assessment.fired if f.key == key]
    return item


# --------------------------------------------------------------------------- defaults


def test_the_shipped_defaults() -> None:
    definitions = load_default_config()
    assert [d.key for d in definitions] == list(INDICATOR_KEYS)
    assert {d.key: d.weight for d in definitions} == {
        "permit_missing": 2.0,
        "permit_expired": 1.0,
        "signals_recent": 1.5,
        "cash_intensive": 0.5,
        "business_many_addresses": 1.0,
        "linked_findings": 1.0,
        "earlier_sanctions": 1.5,
    }
    params = {d.key: dict(d.params) for d in definitions}
    assert params["signals_recent"] == {"months": 6, "min_signals": 2}
    assert params["business_many_addresses"] == {"min_addresses": 3}
    assert params["linked_findings"] == {"min_findings": 1}
    assert params["earlier_sanctions"] == {"min_sanctions": 1}
    for d in definitions:
        assert set(d.label) == set(d.description) == set(d.explanation) == {"sv", "en"}
        assert d.default_weight == d.weight and d.default_params == d.params


def test_neutral_facts_fire_nothing() -> None:
    assessment = score(make(), default_configs())
    assert assessment.fired == ()
    assert assessment.score == 0.0
    assert assessment.level == "low"
    assert assessment.not_fired == INDICATOR_KEYS
    assert assessment.disabled == ()
    assert assessment.thresholds == DEFAULT_THRESHOLDS


def test_the_formula_is_stated_in_the_module_docstring() -> None:
    doc = risk.__doc__ or ""
    assert "score = Σ weight_i × strength_i" in doc
    assert "min(1, weighted / min_signals)" in doc
    assert "opaque" in doc


def test_the_scoring_modules_do_not_import_django() -> None:
    code = (
        f"import sys; sys.path.insert(0, {str(SRC)!r})\n"
        "from datetime import date\n"
        "from samverkan.ros import risk, grading\n"
        "f = risk.PremisesFacts('x', True, frozenset({'alcohol'}), (), (), 0, 0, 0,"
        " date(2026, 1, 1))\n"
        "risk.explain(risk.score(f, risk.default_configs()), 'sv')\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'rest_framework'})\n"
        "assert not bad, bad\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)  # noqa: S603


# --------------------------------------------------------------------------- permits


def test_permit_missing_fires_without_a_permit() -> None:
    facts = make(required_permit_types=frozenset({"alcohol"}), activity_kind="restaurang")
    assessment = score(facts, default_configs())
    assert {f.key for f in assessment.fired} == {"permit_missing"}
    item = one(assessment, "permit_missing")
    assert (
        item.explanation["sv"]
        == "Serveringstillstånd saknas (krävs för verksamhetstypen restaurang)."
    )
    assert item.explanation["en"] == (
        "No valid alcohol licence (required for the activity type restaurang)."
    )
    assert (item.weight, item.strength, item.contribution) == (2.0, 1.0, 2.0)


def test_permit_missing_names_every_missing_type_and_unknown_types_verbatim() -> None:
    facts = make(required_permit_types=frozenset({"alcohol", "food", "hundtillstånd"}))
    item = one(score(facts, default_configs()), "permit_missing")
    assert item.explanation["sv"] == (
        "Serveringstillstånd, registrering av livsmedelsanläggning och hundtillstånd saknas "
        "(krävs för verksamhetstypen på lokalen)."
    )
    assert "alcohol licence, food business registration and hundtillstånd" in item.explanation["en"]


@pytest.mark.parametrize(
    ("permit", "missing", "expired"),
    [
        (PermitFact("alcohol", "active", None), False, False),
        (PermitFact("alcohol", "active", TODAY + timedelta(days=1)), False, False),
        (PermitFact("alcohol", "active", TODAY), False, False),  # last day of validity
        (PermitFact("alcohol", "active", TODAY - timedelta(days=1)), True, True),
        (PermitFact("alcohol", "expired", TODAY - timedelta(days=30)), True, True),
        (PermitFact("alcohol", "expired", None), True, True),
        (PermitFact("alcohol", "revoked", TODAY + timedelta(days=300)), True, True),
        (PermitFact("alcohol", "applied", None), True, False),
        (PermitFact("alcohol", "denied", TODAY - timedelta(days=3)), True, False),
        (PermitFact("food", "active", None), True, False),  # another type does not help
    ],
)
def test_permit_rules(permit: PermitFact, missing: bool, expired: bool) -> None:
    facts = make(required_permit_types=frozenset({"alcohol"}), permits=(permit,))
    assert fired(facts) == {
        k for k, on in [("permit_missing", missing), ("permit_expired", expired)] if on
    }


def test_a_renewed_permit_clears_both_permit_indicators() -> None:
    permits = (
        PermitFact("alcohol", "expired", TODAY - timedelta(days=400)),
        PermitFact("alcohol", "revoked", TODAY - timedelta(days=200)),
        PermitFact("alcohol", "active", TODAY + timedelta(days=365)),
    )
    facts = make(required_permit_types=frozenset({"alcohol"}), permits=permits)
    assert fired(facts) == set()


def test_permits_that_are_not_required_are_ignored() -> None:
    permits = (
        PermitFact("tobacco", "revoked", None),
        PermitFact("alcohol", "expired", date(2020, 1, 1)),
    )
    assert fired(make(permits=permits)) == set()
    facts = make(required_permit_types=frozenset({"food"}), permits=permits)
    assert fired(facts) == {"permit_missing"}


def test_permit_expired_names_the_lapsed_permits() -> None:
    permits = (
        PermitFact("food", "revoked", date(2026, 3, 31)),
        PermitFact("alcohol", "active", date(2026, 10, 31)),
        PermitFact("tobacco", "active", None),
    )
    facts = make(required_permit_types=frozenset({"alcohol", "food", "tobacco"}), permits=permits)
    item = one(score(facts, default_configs()), "permit_expired")
    assert item.explanation["sv"] == (
        "Tillstånd som krävs har upphört utan att ersättas: serveringstillstånd (gällde till "
        "2026-10-31) och registrering av livsmedelsanläggning (har återkallats, gällde till "
        "2026-03-31)."
    )
    assert item.explanation["en"] == (
        "A required permit has lapsed and not been replaced: alcohol licence (valid until "
        "2026-10-31) and food business registration (revoked, valid until 2026-03-31)."
    )


# --------------------------------------------------------------------------- signals


def test_two_signals_fire_and_one_does_not() -> None:
    assert fired(make(signals=(signal(0),))) == set()
    assert fired(make(signals=(signal(0), signal(10)))) == {"signals_recent"}


def test_a_signal_exactly_six_months_old_counts_and_one_day_older_does_not() -> None:
    six_months_ago = date(2026, 5, 27)
    recent = SignalFact(TODAY, "A", "1")
    assert fired(make(signals=(recent, SignalFact(six_months_ago, "A", "1")))) == {"signals_recent"}
    older = six_months_ago - timedelta(days=1)
    assert fired(make(signals=(recent, SignalFact(older, "A", "1")))) == set()


def test_the_window_is_in_calendar_months_clamped_to_the_month_end() -> None:
    today = date(2026, 8, 31)  # six months earlier: 2026-02-28
    recent = SignalFact(today, "A", "1")
    for day, counts in [(date(2026, 2, 28), True), (date(2026, 2, 27), False)]:
        facts = make(today=today, signals=(recent, SignalFact(day, "A", "1")))
        assert (fired(facts) == {"signals_recent"}) is counts


def test_signals_after_today_do_not_count() -> None:
    facts = make(signals=(signal(0), signal(-1)))
    assert fired(facts) == set()


def test_signal_strength_is_the_weighted_count_relative_to_the_threshold() -> None:
    facts = make(signals=(signal(1, "F6"), signal(2, "F6")))
    item = one(score(facts, default_configs()), "signals_recent")
    assert item.strength == 0.25  # (0.25 + 0.25) / 2
    assert item.contribution == 1.5 * 0.25
    facts = make(signals=(signal(1, "A1"), signal(2, "B2"), signal(3, "C3")))
    item = one(score(facts, default_configs()), "signals_recent")
    assert item.strength == 1.0  # capped
    assert item.explanation["sv"] == "3 signaler de senaste 6 månaderna (viktat 2,33)."
    assert item.explanation["en"] == "3 signals in the last 6 months (weighted 2.33)."


def test_signal_parameters() -> None:
    cfg = config(signals_recent={"params": {"months": 1, "min_signals": 3}})
    facts = make(signals=(signal(0), signal(5), signal(20)))
    item = one(score(facts, cfg), "signals_recent")
    assert item.explanation["sv"] == "3 signaler den senaste månaden (viktat 3,0)."
    assert item.explanation["en"] == "3 signals in the last month (weighted 3.0)."
    assert fired(make(signals=(signal(0), signal(5), signal(40))), cfg) == set()


# --------------------------------------------------------------------------- the rest


def test_cash_intensive() -> None:
    assert fired(make(kind_cash_intensive=True)) == {"cash_intensive"}
    item = one(
        score(make(kind_cash_intensive=True, activity_kind="kiosk"), config()), "cash_intensive"
    )
    assert item.explanation["sv"] == "Verksamhetstypen kiosk är kontantintensiv."
    assert item.explanation["en"] == "The activity type kiosk is cash-intensive."


@pytest.mark.parametrize(("count", "fires"), [(0, False), (2, False), (3, True), (12, True)])
def test_business_many_addresses(count: int, fires: bool) -> None:
    facts = make(business_address_count=count)
    assert (fired(facts) == {"business_many_addresses"}) is fires
    if fires:
        item = one(score(facts, default_configs()), "business_many_addresses")
        assert item.explanation["sv"] == (
            f"En verksamhet på lokalen är registrerad på {count} adresser (gräns 3)."
        )
    cfg = config(business_many_addresses={"params": {"min_addresses": 5}})
    assert (fired(facts, cfg) == {"business_many_addresses"}) is (count >= 5)


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_linked_findings(count: int) -> None:
    facts = make(linked_findings=count)
    assert (fired(facts) == {"linked_findings"}) is (count >= 1)
    cfg = config(linked_findings={"params": {"min_findings": 2}})
    assert (fired(facts, cfg) == {"linked_findings"}) is (count >= 2)
    if count == 1:
        item = one(score(facts, default_configs()), "linked_findings")
        assert item.explanation["sv"].startswith("1 anmärkning vid tidigare tillsyn")
        assert item.explanation["en"].startswith("1 finding at earlier inspections")


@pytest.mark.parametrize("count", [0, 1, 2, 5])
def test_earlier_sanctions(count: int) -> None:
    facts = make(earlier_sanctions=count)
    assert (fired(facts) == {"earlier_sanctions"}) is (count >= 1)
    cfg = config(earlier_sanctions={"params": {"min_sanctions": 2}})
    assert (fired(facts, cfg) == {"earlier_sanctions"}) is (count >= 2)
    if count:
        item = one(score(facts, default_configs()), "earlier_sanctions")
        word = "sanktion" if count == 1 else "sanktioner"
        assert item.explanation["sv"] == f"Lokalen har fått {count} {word} tidigare."


# --------------------------------------------------------------------------- configuration


def test_disabled_and_unconfigured_indicators_never_fire() -> None:
    facts = make(kind_cash_intensive=True, earlier_sanctions=3)
    assessment = score(facts, config(cash_intensive={"enabled": False}))
    assert [f.key for f in assessment.fired] == ["earlier_sanctions"]
    assert "cash_intensive" in assessment.disabled
    assert "cash_intensive" not in assessment.not_fired
    only = [c for c in default_configs() if c.key == "cash_intensive"]
    assessment = score(facts, only)
    assert [f.key for f in assessment.fired] == ["cash_intensive"]
    assert assessment.disabled == tuple(k for k in INDICATOR_KEYS if k != "cash_intensive")
    assert score(facts, []).fired == ()


def test_config_order_does_not_matter() -> None:
    facts = make(kind_cash_intensive=True, earlier_sanctions=3, signals=(signal(), signal(3)))
    forward = score(facts, default_configs())
    backward = score(facts, list(reversed(default_configs())))
    assert forward == backward
    assert [f.key for f in forward.fired] == [
        "signals_recent",
        "cash_intensive",
        "earlier_sanctions",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("no_such_indicator", 1.0), "unknown risk indicator"),
        (("cash_intensive", -0.5), "weight"),
        (("cash_intensive", math.nan), "weight"),
        (("cash_intensive", math.inf), "weight"),
        (("cash_intensive", True), "weight"),
        (("cash_intensive", "1"), "weight"),
        (("cash_intensive", 1.0, True, {"months": 3}), "unknown parameter"),
        (("signals_recent", 1.0, True, {"months": 0}), "months"),
        (("signals_recent", 1.0, True, {"months": 2.5}), "months"),
        (("signals_recent", 1.0, True, {"min_signals": True}), "min_signals"),
        (("signals_recent", 1.0, True, {"min_signals": "2"}), "min_signals"),
        (("linked_findings", 1.0, True, {"min_findings": 0}), "min_findings"),
    ],
)
def test_invalid_settings_are_refused(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        IndicatorConfig(*args)


def test_settings_are_read_only_and_whole_numbers() -> None:
    item = IndicatorConfig("signals_recent", 2, True, {"months": 3.0})
    assert item.weight == 2.0 and isinstance(item.weight, float)
    assert dict(item.params) == {"months": 3}
    with pytest.raises(TypeError):
        cast(Any, item.params)["months"] = 4


def test_an_indicator_configured_twice_is_refused() -> None:
    cfg = [*default_configs(), IndicatorConfig("cash_intensive", 1.0)]
    with pytest.raises(ValueError, match="twice"):
        score(make(), cfg)


@pytest.mark.parametrize("thresholds", [(4.0, 2.0), (-1.0, 2.0), (1.0, math.inf), (math.nan, 1.0)])
def test_invalid_thresholds_are_refused(thresholds: tuple[float, float]) -> None:
    with pytest.raises(ValueError, match="thresholds"):
        score(make(), default_configs(), thresholds)


def test_invalid_facts_are_refused() -> None:
    with pytest.raises(ValueError, match="permit status"):
        PermitFact("alcohol", "valid", None)
    with pytest.raises(ValueError, match="reliability"):
        SignalFact(TODAY, "G", "1")
    with pytest.raises(ValueError, match="credibility"):
        SignalFact(TODAY, "A", "9")
    with pytest.raises(ValueError, match="linked_findings"):
        make(linked_findings=-1)
    with pytest.raises(ValueError, match="business_address_count"):
        make(business_address_count=2.5)


def test_levels_at_the_thresholds() -> None:
    assert [level_for(s) for s in (0.0, 1.99, 2.0, 3.99, 4.0, 8.5)] == [
        "low",
        "low",
        "medium",
        "medium",
        "high",
        "high",
    ]
    assert level_for(2.0, (1.0, 1.0)) == "high"
    facts = make(kind_cash_intensive=True)  # 0.5
    assert score(facts, default_configs()).level == "low"
    assessment = score(facts, default_configs(), (0.5, 1.0))
    assert (assessment.level, assessment.thresholds) == ("medium", (0.5, 1.0))
    assert score(facts, default_configs(), thresholds=(0.25, 0.5)).level == "high"


def test_changing_a_weight_changes_the_score_by_exactly_that_contribution() -> None:
    facts = make(
        required_permit_types=frozenset({"alcohol"}),
        signals=(signal(1, "F6"), signal(2, "F6")),  # strength 0.25
    )
    before = score(facts, default_configs())
    after = score(facts, config(signals_recent={"weight": 5.5}))
    assert after.score - before.score == (5.5 - 1.5) * 0.25
    after = score(facts, config(permit_missing={"weight": 3.0}))
    assert after.score - before.score == 1.0
    # a weight of an indicator that did not fire changes nothing
    assert score(facts, config(earlier_sanctions={"weight": 9.0})).score == before.score


# --------------------------------------------------------------------------- explanations


def test_explain_in_swedish_and_english() -> None:
    facts = make(
        required_permit_types=frozenset({"alcohol"}),
        activity_kind="restaurang",
        signals=(signal(1, "F6"), signal(2, "F6")),
        earlier_sanctions=2,
    )
    assessment = score(facts, default_configs())
    assert assessment.score == 2.0 + 0.375 + 1.5
    assert explain(assessment, "sv") == [
        "Risknivå medel: poäng 3,88 (medel från 2,0, hög från 4,0).",
        "+2,0 Tillstånd saknas: Serveringstillstånd saknas (krävs för verksamhetstypen "
        "restaurang).",
        "+0,38 Aktuella signaler (vikt 1,5 × styrka 0,25): 2 signaler de senaste 6 månaderna "
        "(viktat 0,5).",
        "+1,5 Tidigare sanktioner: Lokalen har fått 2 sanktioner tidigare.",
    ]
    english = explain(assessment, "en")
    assert english[0] == "Risk level medium: score 3.88 (medium from 2.0, high from 4.0)."
    assert english[2].startswith("+0.38 Recent signals (weight 1.5 × strength 0.25): 2 signals")
    assert explain(score(make(), default_configs()), "en") == [
        "Risk level low: score 0.0 (medium from 2.0, high from 4.0).",
        "No risk indicator fired.",
    ]
    with pytest.raises(ValueError, match="language"):
        explain(assessment, "de")


def test_the_assessment_can_be_stored_as_json() -> None:
    facts = make(kind_cash_intensive=True, signals=(signal(), signal(1)))
    stored = json.loads(json.dumps(score(facts, default_configs()).to_dict()))
    assert (stored["score"], stored["level"]) == (2.0, "medium")
    assert [f["key"] for f in stored["fired"]] == ["signals_recent", "cash_intensive"]
    assert (
        stored["fired"][1]["explanation"]["sv"] == "Verksamhetstypen på lokalen är kontantintensiv."
    )


# --------------------------------------------------------------------------- the YAML file


def _yaml_with(old: str, new: str) -> str:
    text = YAML.read_text(encoding="utf-8")
    assert old in text
    return text.replace(old, new, 1)


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("- key: cash_intensive", "- key: cash_intensiv", "unknown risk indicator"),
        ("- key: cash_intensive", "- key: permit_missing", "defined twice"),
        ('"{activity_kind} är kontantintensiv."', '"{kind} är kontantintensiv."', "placeholder"),
        ('"{activity_kind} är kontantintensiv."', '"{activity_kind är"', "explanation"),
        ("params: {months: 6, min_signals: 2}", "params: {months: 6}", "missing parameter"),
        ("params: {min_addresses: 3}", "params: {min_adresses: 3}", "unknown parameter"),
        ("weight: 0.5", "weight: -0.5", "weight"),
        ("{sv: Kontantintensiv verksamhet, en: Cash-intensive activity}", "{sv: Kontant}", "label"),
    ],
)
def test_a_broken_definition_file_is_refused(old: str, new: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_definitions(_yaml_with(old, new))


def test_the_definition_file_parses_to_the_defaults() -> None:
    assert parse_definitions(YAML.read_text(encoding="utf-8")) == load_default_config()


def test_custom_definitions_change_the_wording() -> None:
    definitions = [
        replace(
            d, explanation={"sv": "Kontanter: {activity_kind}.", "en": "Cash: {activity_kind}."}
        )
        if d.key == "cash_intensive"
        else d
        for d in load_default_config()
    ]
    item = one(
        score(make(kind_cash_intensive=True), default_configs(), definitions=definitions),
        "cash_intensive",
    )
    assert item.explanation == {
        "sv": "Kontanter: verksamhetstypen på lokalen.",
        "en": "Cash: the activity type at the premises.",
    }


# --------------------------------------------------------------------------- properties

GRADES = [r.value + c.value for r in SourceReliability for c in InformationCredibility]
PERMIT_TYPES = ["alcohol", "food", "tobacco", "other-type"]


@st.composite
def signals_for(draw: st.DrawFn, today: date) -> SignalFact:
    return signal(draw(st.integers(-20, 400)), draw(st.sampled_from(GRADES)), today)


@st.composite
def premises_facts(draw: st.DrawFn) -> PremisesFacts:
    today = draw(st.dates(date(2000, 1, 1), date(2035, 12, 31)))
    permits = draw(
        st.lists(
            st.builds(
                PermitFact,
                st.sampled_from(PERMIT_TYPES),
                st.sampled_from(sorted(risk.PERMIT_STATUSES)),
                st.none() | st.integers(-400, 400).map(lambda d: today + timedelta(days=d)),
            ),
            max_size=5,
        )
    )
    return PremisesFacts(
        premises_id=draw(st.text(max_size=5)),
        kind_cash_intensive=draw(st.booleans()),
        required_permit_types=frozenset(draw(st.sets(st.sampled_from(PERMIT_TYPES), max_size=3))),
        permits=tuple(permits),
        signals=tuple(draw(st.lists(signals_for(today), max_size=6))),
        business_address_count=draw(st.integers(0, 6)),
        linked_findings=draw(st.integers(0, 4)),
        earlier_sanctions=draw(st.integers(0, 4)),
        today=today,
        activity_kind=draw(st.sampled_from(["", "restaurang", "kiosk"])),
    )


WEIGHTS = st.floats(0, 20, allow_nan=False) | st.integers(0, 80).map(lambda n: n / 4)


@st.composite
def configs(draw: st.DrawFn) -> list[IndicatorConfig]:
    result = []
    for item in default_configs():
        if draw(st.integers(0, 9)) == 0:
            continue  # not configured
        params: dict[str, int] = {}
        for name in item.params:
            if draw(st.booleans()):
                params[name] = draw(st.integers(1, 6))
        result.append(IndicatorConfig(item.key, draw(WEIGHTS), draw(st.integers(0, 4)) > 0, params))
    return draw(st.permutations(result))


@settings(max_examples=300)
@given(premises_facts(), configs())
def test_score_is_the_sum_of_the_contributions(
    facts: PremisesFacts, cfg: list[IndicatorConfig]
) -> None:
    assessment = score(facts, cfg)
    assert assessment.score == math.fsum(f.contribution for f in assessment.fired)
    for item in assessment.fired:
        assert 0.0 <= item.strength <= 1.0
        assert item.contribution == item.weight * item.strength
        assert all(item.explanation[lang].strip() for lang in ("sv", "en"))
        assert "{" not in item.explanation["sv"] + item.explanation["en"]
    keys = [f.key for f in assessment.fired]
    everything = keys + list(assessment.not_fired) + list(assessment.disabled)
    assert sorted(everything) == sorted(INDICATOR_KEYS)
    for part in (keys, list(assessment.not_fired), list(assessment.disabled)):
        assert part == [k for k in INDICATOR_KEYS if k in part]  # deterministic order
    enabled = {c.key for c in cfg if c.enabled}
    assert set(assessment.disabled) == set(INDICATOR_KEYS) - enabled
    assert assessment.level == level_for(assessment.score)


@settings(max_examples=300)
@given(premises_facts(), configs(), st.data())
def test_adding_a_signal_never_lowers_the_score(
    facts: PremisesFacts, cfg: list[IndicatorConfig], data: st.DataObject
) -> None:
    extra = data.draw(signals_for(facts.today))
    before = score(facts, cfg)
    after = score(replace(facts, signals=(*facts.signals, extra)), cfg)
    assert after.score >= before.score
    assert {f.key for f in before.fired} <= {f.key for f in after.fired}


@settings(max_examples=200)
@given(premises_facts(), configs(), st.randoms(use_true_random=False))
def test_the_order_of_the_facts_does_not_matter(
    facts: PremisesFacts, cfg: list[IndicatorConfig], rnd: Any
) -> None:
    permits, signals = list(facts.permits), list(facts.signals)
    rnd.shuffle(permits)
    rnd.shuffle(signals)
    shuffled = replace(facts, permits=tuple(permits), signals=tuple(signals))
    assert score(shuffled, cfg) == score(facts, cfg)


@settings(max_examples=200)
@given(premises_facts(), configs(), st.data())
def test_a_disabled_indicator_never_fires_and_its_weight_is_irrelevant(
    facts: PremisesFacts, cfg: list[IndicatorConfig], data: st.DataObject
) -> None:
    key = data.draw(st.sampled_from(INDICATOR_KEYS))
    weight = data.draw(WEIGHTS)
    off = [replace(c, enabled=False, weight=weight) if c.key == key else c for c in cfg]
    assessment = score(facts, off)
    assert key not in {f.key for f in assessment.fired}
    assert key in assessment.disabled
    without = score(facts, [c for c in cfg if c.key != key])
    assert assessment == without


@settings(max_examples=300)
@given(premises_facts(), configs(), st.data())
def test_a_weight_change_moves_the_score_by_the_change_in_contribution(
    facts: PremisesFacts, cfg: list[IndicatorConfig], data: st.DataObject
) -> None:
    before = score(facts, cfg)
    if not before.fired:
        return
    item = data.draw(st.sampled_from(before.fired))
    weight = data.draw(WEIGHTS)
    changed = [replace(c, weight=weight) if c.key == item.key else c for c in cfg]
    after = score(facts, changed)
    moved = one(after, item.key)
    assert moved.strength == item.strength
    assert moved.contribution == weight * item.strength
    others = [f for f in after.fired if f.key != item.key]
    assert others == [f for f in before.fired if f.key != item.key]
    assert after.score - before.score == pytest.approx(
        moved.contribution - item.contribution, abs=1e-9
    )


@given(
    st.floats(0, 100, allow_nan=False),
    st.floats(0, 100, allow_nan=False),
    st.floats(0, 50, allow_nan=False),
    st.floats(0, 50, allow_nan=False),
)
def test_the_level_is_monotone_in_the_score(a: float, b: float, t1: float, t2: float) -> None:
    low, high = sorted((a, b))
    thresholds = (min(t1, t2), max(t1, t2))
    assert LEVELS.index(level_for(low, thresholds)) <= LEVELS.index(level_for(high, thresholds))


@settings(max_examples=100)
@given(premises_facts())
def test_the_signal_weights_are_those_of_the_grading(facts: PremisesFacts) -> None:
    cfg = config(signals_recent={"params": {"min_signals": 1}})
    assessment = score(facts, cfg)
    since = risk._months_before(facts.today, 6)
    recent = [s for s in facts.signals if since <= s.observed_on <= facts.today]
    assert ("signals_recent" in {f.key for f in assessment.fired}) is bool(recent)
    if recent:
        weighted = math.fsum(signal_weight(s.reliability, s.credibility) for s in recent)
        assert one(assessment, "signals_recent").strength == min(1.0, weighted)
