"""The legal toolbox of joint operations: the default catalogue, the lookups, the YAML round
trip and the Swedish error messages of broken documents."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from samverkan.ros.toolbox import (
    MAX_FINDINGS_PER_CHECK,
    REQUIRED_SANCTIONS,
    Authority,
    Label,
    Outcome,
    Toolbox,
    ToolboxError,
    load_default,
    parse_mapping,
    parse_toolbox,
    to_mapping,
    to_yaml,
)

TOOLBOX = load_default()
AUTHORITY_KINDS = (
    "police",
    "rescue",
    "environment_health",
    "alcohol_licensing",
    "building",
    "tax",
    "enforcement",
    "work_environment",
    "social_insurance",
)


def _data() -> dict[str, Any]:
    return copy.deepcopy(to_mapping(TOOLBOX))


def _errors(data: object) -> list[str]:
    with pytest.raises(ToolboxError) as info:
        parse_toolbox(yaml.safe_dump(data, allow_unicode=True, sort_keys=False))
    return info.value.errors


def _position(data: dict[str, Any], section: str, key: str) -> int:
    """0-based index of the entry with ``key`` in ``data[section]``."""
    return next(i for i, entry in enumerate(data[section]) if entry["key"] == key)


# --------------------------------------------------------------------------------------------
# The default catalogue


def test_default_loads_with_every_authority_kind() -> None:
    assert isinstance(TOOLBOX, Toolbox)
    assert tuple(a.key for a in TOOLBOX.authorities) == AUTHORITY_KINDS
    for authority in TOOLBOX.authorities:
        assert authority.label.sv and authority.label.en
        assert authority.legal_basis.sv and authority.legal_basis.en
        assert authority.checks and authority.sanctions
        for check in authority.checks:
            assert 1 <= len(check.findings) <= MAX_FINDINGS_PER_CHECK


def test_default_has_the_common_sanctions_with_their_outcomes() -> None:
    keys = {s.key for s in TOOLBOX.sanctions}
    assert set(REQUIRED_SANCTIONS) <= keys
    assert [s.key for s in TOOLBOX.with_outcome(Outcome.CLOSURE)] == ["closure"]
    assert [s.key for s in TOOLBOX.with_outcome(Outcome.PERMIT_REVOKED)] == ["permit_revoked"]
    assert TOOLBOX.sanction("injunction").label == Label(sv="Föreläggande", en="Injunction")
    assert TOOLBOX.sanction("injunction").outcome is None


@pytest.mark.parametrize("authority", TOOLBOX.authorities, ids=lambda a: a.key)
def test_every_sanction_of_an_authority_exists(authority: Authority) -> None:
    for key in authority.sanctions:
        assert TOOLBOX.sanction(key).key == key
        assert TOOLBOX.may_use(authority.key, key)
    assert [s.key for s in TOOLBOX.sanctions_for(authority.key)] == list(authority.sanctions)


@pytest.mark.parametrize("authority", TOOLBOX.authorities, ids=lambda a: a.key)
def test_finding_keys_are_unique_within_an_authority(authority: Authority) -> None:
    keys = [f.key for f in authority.findings]
    assert len(keys) == len(set(keys))
    for check in authority.checks:
        for finding in check.findings:
            assert TOOLBOX.finding(authority.key, finding.key) is finding
            assert authority.check_of(finding.key) is check


def test_mandates_from_the_brief() -> None:
    assert set(TOOLBOX.authority("police").sanctions) == {"police_report", "seizure", "removal"}
    assert set(TOOLBOX.authority("rescue").sanctions) == {"injunction", "closure", "fine"}
    assert set(TOOLBOX.authority("alcohol_licensing").sanctions) == {"warning", "permit_revoked"}
    assert set(TOOLBOX.authority("building").sanctions) == {
        "injunction",
        "sanction_charge",
        "closure",
    }
    assert set(TOOLBOX.authority("enforcement").sanctions) == {"seizure"}
    assert set(TOOLBOX.authority("social_insurance").sanctions) == {"recovery", "police_report"}
    tax = TOOLBOX.authority("tax")
    assert "Skatteförfarandelagen (2011:1244)" in tax.legal_basis.sv
    assert tax.check("cash_register").label.sv == "Kassaregister"
    assert TOOLBOX.finding("tax", "no_certified_register").label.en == "No certified cash register"
    assert "(2003:778)" in TOOLBOX.authority("rescue").legal_basis.sv
    assert "(2010:1622)" in TOOLBOX.authority("alcohol_licensing").legal_basis.sv
    assert not TOOLBOX.may_use("police", "closure")
    assert not TOOLBOX.may_use("migration", "closure")


def test_lookups_raise_key_error_for_unknown_keys() -> None:
    with pytest.raises(KeyError):
        TOOLBOX.authority("migration")
    with pytest.raises(KeyError):
        TOOLBOX.sanction("vite")
    with pytest.raises(KeyError):
        TOOLBOX.finding("tax", "drug_dealing")
    with pytest.raises(KeyError):
        TOOLBOX.finding("nobody", "no_certified_register")
    with pytest.raises(KeyError):
        TOOLBOX.authority("tax").check("drugs")


def test_labels() -> None:
    label = TOOLBOX.authority("tax").label
    assert label.get("sv") == str(label) == "Skatteverket"
    assert label.get("en") == "Swedish Tax Agency"
    assert label.get("fi") == "Skatteverket"


def test_model_is_frozen_and_hashable() -> None:
    with pytest.raises(AttributeError):
        TOOLBOX.sanctions = ()  # type: ignore[misc]
    assert hash(TOOLBOX) == hash(load_default())


# --------------------------------------------------------------------------------------------
# Round trip


def test_round_trip_yaml() -> None:
    text = to_yaml(TOOLBOX)
    assert parse_toolbox(text) == TOOLBOX
    assert to_yaml(parse_toolbox(text)) == text


def test_round_trip_json_mapping() -> None:
    data = json.loads(json.dumps(to_mapping(TOOLBOX)))
    assert parse_mapping(data) == TOOLBOX


def test_yaml_1_1_booleans_stay_text() -> None:
    data = _data()
    data["sanctions"][0]["label"]["en"] = "No"
    toolbox = parse_toolbox(yaml.safe_dump(data, allow_unicode=True).replace("'No'", "No"))
    assert toolbox.sanctions[0].label.en == "No"
    assert parse_toolbox(to_yaml(toolbox)) == toolbox


def test_labels_are_stripped() -> None:
    data = _data()
    data["sanctions"][0]["label"]["sv"] = "  Föreläggande \n"
    assert parse_mapping(data) == TOOLBOX


# --------------------------------------------------------------------------------------------
# Broken documents


def test_unknown_sanction_referenced_by_an_authority() -> None:
    data = _data()
    rescue = _position(data, "authorities", "rescue")
    data["authorities"][rescue]["sanctions"] = ["injunction", "vite"]
    assert _errors(data) == [
        f'authorities[{rescue + 1}] (rescue).sanctions[2]: okänd sanktion "vite" '
        '(finns inte under "sanctions")'
    ]


def test_duplicate_keys() -> None:
    data = _data()
    data["authorities"].append(copy.deepcopy(data["authorities"][0]))
    data["sanctions"].append({"key": "fine", "label": {"sv": "Vite", "en": "Fine"}})
    tax = data["authorities"][_position(data, "authorities", "tax")]
    tax["checks"][1]["findings"][0]["key"] = "no_certified_register"
    tax["checks"][2]["key"] = "cash_register"
    tax["sanctions"].append("fine")
    n_sanctions = len(data["sanctions"])
    n_authorities = len(data["authorities"])
    tax_path = f"authorities[{_position(data, 'authorities', 'tax') + 1}] (tax)"
    assert _errors(data) == [
        f'sanctions[{n_sanctions}]: sanktionen "fine" förekommer två gånger (även i sanctions[2])',
        f'{tax_path}.checks[2] (staff_ledger).findings[1]: iakttagelsen "no_certified_register" '
        "förekommer två gånger inom myndigheten "
        f"(även i {tax_path}.checks[1] (cash_register).findings[1])",
        f'{tax_path}.checks[3]: kontrollpunkten "cash_register" förekommer två gånger '
        f"(även i {tax_path}.checks[1])",
        f'{tax_path}.sanctions[4]: sanktionen "fine" förekommer två gånger',
        f'authorities[{n_authorities}]: myndigheten "police" förekommer två gånger '
        "(även i authorities[1])",
    ]


def test_duplicate_mapping_key_in_yaml() -> None:
    text = to_yaml(TOOLBOX).replace("  outcome: null\n", "  outcome: null\n  outcome: null\n", 1)
    with pytest.raises(ToolboxError) as info:
        parse_toolbox(text)
    [message] = info.value.errors
    assert message.startswith("Dokumentet är inte giltig YAML på rad 7, kolumn 3")
    assert 'nyckeln "outcome" förekommer två gånger' in message


def test_missing_labels() -> None:
    data = _data()
    del data["sanctions"][0]["label"]["en"]
    data["sanctions"][1]["label"] = "Vite"
    del data["authorities"][0]["label"]
    data["authorities"][0]["legal_basis"]["sv"] = "  "
    data["authorities"][0]["checks"][0]["findings"][0]["label"]["de"] = "Störung"
    assert _errors(data) == [
        'sanctions[1] (injunction): "label" saknar engelsk text (en)',
        'sanctions[2] (fine): "label" ska vara en mappning per språk, t.ex. {sv: ..., en: ...}, '
        "inte text",
        'authorities[1] (police): "label" saknas',
        'authorities[1] (police): "legal_basis" saknar svensk text (sv)',
        'authorities[1] (police).checks[1] (public_order).findings[1] (disorder): "label" har '
        'ett okänt språk "de" (tillåtna: sv, en)',
    ]


def test_unknown_outcome() -> None:
    data = _data()
    closure = _position(data, "sanctions", "closure")
    data["sanctions"][closure]["outcome"] = "shut_down"
    assert _errors(data) == [
        f'sanctions[{closure + 1}] (closure): okänt utfall "shut_down" i "outcome" '
        "(tillåtna: closure, permit_revoked eller null)"
    ]


def test_missing_common_sanction() -> None:
    data = _data()
    data["sanctions"] = [s for s in data["sanctions"] if s["key"] != "recovery"]
    social = _position(data, "authorities", "social_insurance")
    assert _errors(data) == [
        'sanctions: den gemensamma sanktionen "recovery" saknas (den krävs för rapporteringen; '
        "etikett och utfall får ändras men nyckeln måste finnas)",
        f"authorities[{social + 1}] (social_insurance).sanctions[1]: okänd sanktion "
        '"recovery" (finns inte under "sanctions")',
    ]


def test_bad_keys_and_shapes() -> None:
    data = _data()
    data["version"] = 2
    data["sanctions"][0]["key"] = "Föreläggande"
    data["authorities"][0]["key"] = 7
    data["authorities"][1]["checks"] = []
    data["authorities"][2]["checks"][0]["findings"] = [
        {"key": f"f{i}", "label": {"sv": "x", "en": "x"}} for i in range(MAX_FINDINGS_PER_CHECK + 1)
    ]
    data["authorities"][3]["sanctions"] = "warning"
    data["authorities"][4]["colour"] = "red"
    assert _errors(data) == [
        'Okänd nyckel "version" på översta nivån (tillåtna: sanctions, authorities)',
        'sanctions[1]: "key" "Föreläggande" är ogiltig (tillåtet: högst 50 tecken av a–z, '
        "0–9 och _, och den ska börja med en bokstav)",
        'authorities[1]: "key" ska vara text, inte tal',
        'authorities[2] (rescue): "checks" ska vara en lista med minst en kontrollpunkt, '
        "men är tom",
        'authorities[3] (environment_health).checks[1] (food_registration): "findings" har 5 '
        "iakttagelser (högst 4 per kontrollpunkt; dela upp kontrollpunkten)",
        'authorities[4] (alcohol_licensing): "sanctions" ska vara en lista med minst en '
        "sanktion, inte text",
        'authorities[5]: okänd nyckel "colour" (tillåtna: key, label, legal_basis, checks, '
        "sanctions)",
    ]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "Dokumentet ska vara en mappning (nyckel: värde) på översta nivån, inte tomt värde"),
        (
            "- a\n- b\n",
            "Dokumentet ska vara en mappning (nyckel: värde) på översta nivån, inte lista",
        ),
        ("sanctions: [\n", "Dokumentet är inte giltig YAML på rad 2, kolumn 1"),
        ("!!python/object:os.system {}\n", "Dokumentet är inte giltig YAML på rad 1, kolumn 1"),
    ],
)
def test_not_a_toolbox(text: str, message: str) -> None:
    with pytest.raises(ToolboxError) as info:
        parse_toolbox(text)
    assert info.value.errors[0].startswith(message)
    assert str(info.value).startswith("Verktygslådan är ogiltig:\n- ")


def test_missing_lists() -> None:
    assert _errors({}) == [
        '"sanctions" saknas (en lista med minst en sanktion)',
        '"authorities" saknas (en lista med minst en myndighet)',
    ]
    data = _data()
    del data["sanctions"]
    # Without a sanction list the authorities' references are not reported one by one.
    assert _errors(data) == ['"sanctions" saknas (en lista med minst en sanktion)']


def test_deep_nesting() -> None:
    with pytest.raises(ToolboxError):
        parse_toolbox("sanctions: " + "[" * 5000 + "]" * 5000)


# --------------------------------------------------------------------------------------------
# Property: anything of the top-level shape gives a toolbox or a ToolboxError


_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False),
    st.text(max_size=12),
    st.sampled_from(["police", "closure", "fine", "sv", "en", "null", "permit_revoked"]),
)
_junk = st.recursive(
    _scalars,
    lambda inner: st.one_of(
        st.lists(inner, max_size=4),
        st.dictionaries(st.one_of(st.text(max_size=8), st.integers()), inner, max_size=4),
    ),
    max_leaves=12,
)
_keys = st.one_of(
    st.sampled_from([*REQUIRED_SANCTIONS, "removal", *AUTHORITY_KINDS, "a", "Bad key"]), _junk
)
_labels = st.one_of(
    st.fixed_dictionaries({"sv": st.text(max_size=8), "en": st.text(max_size=8)}), _junk
)


def _entry(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[Any]:
    """A mapping with any subset of ``fields`` (plus, sometimes, a stray key) or junk."""
    return st.one_of(
        st.fixed_dictionaries({}, optional=fields),
        st.fixed_dictionaries({}, optional={**fields, "extra": _junk}),
        _junk,
    )


_findings = st.lists(_entry({"key": _keys, "label": _labels}), max_size=6)
_checks = st.lists(
    _entry({"key": _keys, "label": _labels, "findings": st.one_of(_findings, _junk)}),
    max_size=3,
)
_sanctions = st.lists(
    _entry(
        {
            "key": _keys,
            "label": _labels,
            "outcome": st.one_of(st.sampled_from([None, "closure", "permit_revoked"]), _junk),
        }
    ),
    max_size=12,
)
_authorities = st.lists(
    _entry(
        {
            "key": _keys,
            "label": _labels,
            "legal_basis": _labels,
            "checks": st.one_of(_checks, _junk),
            "sanctions": st.one_of(st.lists(_keys, max_size=4), _junk),
        }
    ),
    max_size=4,
)
_documents = st.fixed_dictionaries(
    {},
    optional={
        "sanctions": st.one_of(_sanctions, _junk),
        "authorities": st.one_of(_authorities, _junk),
        "other": _junk,
    },
)


def _parse_or_error(parse: Any, value: object) -> None:
    try:
        toolbox = parse(value)
    except ToolboxError as exc:
        assert exc.errors
        assert all(isinstance(message, str) and message for message in exc.errors)
    else:
        assert isinstance(toolbox, Toolbox)
        assert parse_toolbox(to_yaml(toolbox)) == toolbox


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_parse_mapping_raises_only_toolbox_error(document: dict[str, Any]) -> None:
    _parse_or_error(parse_mapping, document)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_documents)
def test_parse_toolbox_raises_only_toolbox_error(document: dict[str, Any]) -> None:
    _parse_or_error(parse_toolbox, yaml.safe_dump(document, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parse_toolbox_of_any_text_raises_only_toolbox_error(text: str) -> None:
    _parse_or_error(parse_toolbox, text)


@settings(max_examples=100, deadline=None)
@given(
    st.sampled_from(["sanctions", "authorities"]),
    st.integers(min_value=0, max_value=8),
    st.sampled_from(["key", "label", "outcome", "legal_basis", "checks", "sanctions"]),
    _junk,
)
def test_one_bad_value_in_the_default_gives_a_toolbox_error_or_a_toolbox(
    section: str, index: int, field: str, value: object
) -> None:
    data = _data()
    data[section][index][field] = value
    _parse_or_error(parse_mapping, data)
