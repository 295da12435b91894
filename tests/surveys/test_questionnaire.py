"""The pure questionnaire model: parsing and validation of the YAML format (errors in
Swedish), the default template, fingerprints, display conditions and answer normalisation."""

from __future__ import annotations

import copy
import dataclasses
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from samverkan.surveys.questionnaire import (
    AnswerError,
    AnswerIn,
    AnyOf,
    Item,
    ItemType,
    Questionnaire,
    QuestionnaireError,
    Stratum,
    condition_to_data,
    fill_period,
    fingerprint,
    is_exposed,
    load_default,
    options_from_municipalities,
    parse_mapping,
    parse_yaml,
    to_mapping,
    to_yaml,
    validate_answers,
    visible_items,
)

QUESTIONNAIRE = load_default()
MUNICIPALITIES = ("linkoping", "norrkoping")
FORMS = (
    "exposure_threat",
    "exposure_harassment",
    "exposure_violence",
    "exposure_property",
    "exposure_bribe",
    "exposure_relatives",
    "exposure_online",
)
CONSEQUENCE_ROWS = (
    "hesitated",
    "decided_differently",
    "avoided_issue",
    "considered_leaving",
    "changed_routines",
)


def document() -> dict[str, Any]:
    """The default template as plain data, to break in tests."""
    return copy.deepcopy(to_mapping(QUESTIONNAIRE))


def find(data: dict[str, Any], item_id: str) -> dict[str, Any]:
    for section in data["sections"]:
        for item in section["items"]:
            if item["id"] == item_id:
                return item  # type: ignore[no-any-return]
    raise KeyError(item_id)


def errors_of(data: object) -> list[str]:
    with pytest.raises(QuestionnaireError) as info:
        parse_mapping(data)
    assert info.value.errors
    return info.value.errors


def answers(**overrides: object) -> dict[str, object]:
    """A complete answer from an employee who was not exposed, as raw form strings."""
    raw: dict[str, object] = {
        "role": "employee",
        "municipality": "linkoping",
        "unit_type": "administration",
        "gender": "woman",
        "age_band": "30_49",
        "worry": "slightly",
    }
    raw.update(dict.fromkeys(FORMS, "never"))
    raw.update(overrides)
    return raw


def exposed(**overrides: object) -> dict[str, object]:
    """A complete answer from an elected official threatened once."""
    raw = answers(
        role="elected",
        chair="neither",
        exposure_threat="once",
        perpetrator="criminal",
        channel="phone;social_media",
        reported_to="police",
    )
    raw.update({f"consequences__{row}": "no" for row in CONSEQUENCE_ROWS})
    raw.update(overrides)
    return raw


def validate(raw: dict[str, object], q: Questionnaire = QUESTIONNAIRE) -> dict[str, object]:
    return validate_answers(q, raw, municipalities=MUNICIPALITIES)


def answer_errors(raw: dict[str, object], q: Questionnaire = QUESTIONNAIRE) -> dict[str, str]:
    with pytest.raises(AnswerError) as info:
        validate(raw, q)
    return info.value.errors


# -- the default template ---------------------------------------------------------------------


def test_default_template_loads() -> None:
    q = QUESTIONNAIRE
    assert (q.key, q.version) == ("otillaten-paverkan", 2)
    assert [s.id for s in q.sections] == ["background", "exposure", "follow_up", "worry_support"]
    assert q.reference_period is None  # the survey wave's dates fill "{period}"
    assert {stratum: item.id for stratum, item in q.strata.items()} == {
        Stratum.ROLE: "role",
        Stratum.MUNICIPALITY: "municipality",
        Stratum.GENDER: "gender",
        Stratum.AGE_BAND: "age_band",
    }
    assert q.analysis.exposure_items == FORMS
    assert q.analysis.exposed_values == ("once", "few_times", "often")
    assert q.analysis.consequence_items == ("consequences",)
    assert q.analysis.reported_item == "reported_to"
    for form in FORMS:
        item = q.item(form)
        assert item.type is ItemType.SCALE
        assert item.option_values == ("never", "once", "few_times", "often")
    assert q.item("consequences").row_ids == CONSEQUENCE_ROWS
    assert q.item("consequences").option_values == ("no", "yes")
    assert options_from_municipalities(q.item("municipality"))
    assert q.item("municipality").options == ()


def test_default_template_has_swedish_and_english_everywhere() -> None:
    q = QUESTIONNAIRE
    texts = [q.title, q.intro]
    for section in q.sections:
        texts += [section.title, *([section.intro] if section.intro else [])]
        for item in section.items:
            texts += [item.text, *(t for t in (item.help, item.warning) if t)]
            texts += [o.text for o in (*item.options, *item.rows)]
    for text in texts:
        assert text["sv"].strip() and text["en"].strip()
        both = (text["sv"] + text["en"]).replace("{period}", "")
        assert "{" not in both and "}" not in both  # "{period}" is the only placeholder


PERIOD = {"sv": "1 december 2025–30 november 2026", "en": "1 December 2025–30 November 2026"}


def _all_texts(q: Questionnaire) -> list[dict[str, str]]:
    texts: list[Any] = [q.title, q.intro]
    for section in q.sections:
        texts += [section.title, section.intro]
        for item in section.items:
            texts += [item.text, item.help, item.warning, item.short]
            texts += [o.text for o in (*item.options, *item.rows)]
    return [dict(t) for t in texts if t]


def test_the_questions_name_the_waves_period_and_no_other() -> None:
    q = QUESTIONNAIRE
    assert q.item("exposure_threat").text["sv"].startswith("Hur ofta har någon under {period} ")
    words = json.dumps(_all_texts(q), ensure_ascii=False).lower()
    for other in ("tolv månader", "12 månader", "twelve months", "12 months", "senaste år"):
        assert other not in words
    filled = fill_period(q, PERIOD)
    assert filled.item("exposure_threat").text == {
        "sv": "Hur ofta har någon under 1 december 2025–30 november 2026 hotat dig, på annat "
        "sätt än via internet?",
        "en": "How often during 1 December 2025–30 November 2026 has someone threatened you, "
        "other than online?",
    }
    assert filled.sections[1].title["en"] == "Exposure during 1 December 2025–30 November 2026"
    assert "1 december 2025" in filled.sections[1].intro["sv"]  # type: ignore[index]
    assert all("{" not in t["sv"] + t["en"] for t in _all_texts(filled))
    # Only the texts change: the structure (ids, options, conditions, analysis) is the same.
    assert [i.id for i in filled.items] == [i.id for i in q.items]
    assert [i.show_if for i in filled.items] == [i.show_if for i in q.items]
    assert filled.analysis == q.analysis


def test_the_period_does_not_change_the_fingerprint() -> None:
    """Waves with different periods share one questionnaire version and stay comparable;
    the fingerprint is computed on the texts with their placeholders."""
    before = fingerprint(QUESTIONNAIRE)
    other = {"sv": "1 januari 2024–31 december 2024", "en": "1 January 2024–31 December 2024"}
    assert fill_period(QUESTIONNAIRE, PERIOD) != fill_period(QUESTIONNAIRE, other)
    assert fingerprint(parse_yaml(to_yaml(QUESTIONNAIRE))) == before
    assert fingerprint(load_default()) == before


def test_older_documents_keep_their_words_but_read_the_waves_period() -> None:
    """Documents written before waves had dates name their period in words and use
    "{reference_period}"; they still load, and the wave's period fills the placeholder."""
    q = parse_yaml(MINIMAL)
    assert q.reference_period == {"sv": "förra året", "en": "last year"}
    assert q.item("often").text["sv"] == "Hur ofta under {reference_period}?"
    filled = fill_period(q, PERIOD)
    assert filled.item("often").text["en"] == "How often during 1 December 2025–30 November 2026?"


def test_free_text_items_warn_against_names() -> None:
    text_items = [i for i in QUESTIONNAIRE.items if i.type is ItemType.TEXT]
    assert {i.id for i in text_items} == {"party", "comment"}
    for item in text_items:
        assert item.warning is not None
        assert "namn" in item.warning["sv"] and "name" in item.warning["en"]
        assert not item.required


def test_default_template_round_trips() -> None:
    text = to_yaml(QUESTIONNAIRE)
    again = parse_yaml(text)
    assert again == QUESTIONNAIRE
    assert to_yaml(again) == text
    assert parse_mapping(to_mapping(QUESTIONNAIRE)) == QUESTIONNAIRE
    assert parse_mapping(json.loads(json.dumps(to_mapping(QUESTIONNAIRE)))) == QUESTIONNAIRE
    assert hash(again) == hash(QUESTIONNAIRE)
    assert copy.deepcopy(QUESTIONNAIRE) == QUESTIONNAIRE
    # Texts are plain JSON-serialisable mappings.
    assert (
        json.loads(json.dumps(QUESTIONNAIRE.item("role").text)) == QUESTIONNAIRE.item("role").text
    )


def test_model_is_frozen() -> None:
    with pytest.raises(dataclasses.FrozenInstanceError):
        QUESTIONNAIRE.item("role").required = False  # type: ignore[misc]
    with pytest.raises(TypeError):
        QUESTIONNAIRE.item("role").text["sv"] = "x"  # type: ignore[index]


def test_item_lookup() -> None:
    assert QUESTIONNAIRE.item("worry").type is ItemType.SCALE
    assert [i.id for i in QUESTIONNAIRE.items][:2] == ["role", "municipality"]
    with pytest.raises(KeyError):
        QUESTIONNAIRE.item("nope")


def test_conditions_as_data() -> None:
    condition = QUESTIONNAIRE.item("perpetrator").show_if
    assert isinstance(condition, AnyOf) and len(condition.conditions) == len(FORMS)
    assert condition_to_data(condition)["any"][0] == {
        "item": "exposure_threat",
        "in": ["once", "few_times", "often"],
    }
    assert QUESTIONNAIRE.item("not_reported_reason").show_if == AnswerIn("reported_to", ("nobody",))


# -- fingerprint ------------------------------------------------------------------------------


def test_fingerprint_is_stable() -> None:
    first = fingerprint(QUESTIONNAIRE)
    assert len(first) == 64 and int(first, 16) >= 0
    assert fingerprint(load_default()) == first
    assert fingerprint(parse_yaml(to_yaml(QUESTIONNAIRE))) == first
    # Layout of the YAML (key order, flow style, comments) does not matter, content does.
    reordered = yaml.safe_dump(to_mapping(QUESTIONNAIRE), sort_keys=True, default_flow_style=True)
    assert fingerprint(parse_yaml("# comment\n" + reordered)) == first


def _reword(data: dict[str, Any]) -> None:
    find(data, "exposure_threat")["text"]["sv"] += " (även via ombud)"


def _reword_english_option(data: dict[str, Any]) -> None:
    find(data, "worry")["options"][0]["text"]["en"] = "Not worried"


def _add_option(data: dict[str, Any]) -> None:
    find(data, "unit_type")["options"].append({"value": "party", "text": {"sv": "P", "en": "P"}})


def _change_condition(data: dict[str, Any]) -> None:
    find(data, "chair")["show_if"] = {"item": "role", "in": ["elected"]}


def _change_analysis(data: dict[str, Any]) -> None:
    data["analysis"]["exposed_values"] = ["few_times", "often"]


def _change_version(data: dict[str, Any]) -> None:
    data["version"] = 3


def _change_required(data: dict[str, Any]) -> None:
    find(data, "worry")["required"] = False


def _change_period(data: dict[str, Any]) -> None:
    """Naming the period in words is a change of wording (older documents did)."""
    data["reference_period"] = {"sv": "förra kalenderåret", "en": "last calendar year"}


@pytest.mark.parametrize(
    "change",
    [
        _reword,
        _reword_english_option,
        _add_option,
        _change_condition,
        _change_analysis,
        _change_version,
        _change_required,
        _change_period,
    ],
)
def test_fingerprint_changes_with_content(change: Callable[[dict[str, Any]], None]) -> None:
    data = document()
    change(data)
    assert fingerprint(parse_mapping(data)) != fingerprint(QUESTIONNAIRE)


# -- broken documents -------------------------------------------------------------------------


def _duplicate_id(data: dict[str, Any]) -> None:
    find(data, "worry")["id"] = "role"


def _missing_english(data: dict[str, Any]) -> None:
    del find(data, "exposure_threat")["options"][3]["text"]["en"]


def _later_condition(data: dict[str, Any]) -> None:
    find(data, "role")["show_if"] = {"item": "worry", "in": ["very"]}


def _unknown_stratum(data: dict[str, Any]) -> None:
    find(data, "gender")["stratum"] = "region"


def _unknown_analysis_id(data: dict[str, Any]) -> None:
    data["analysis"]["reported_item"] = "reported"


def _unknown_exposure_id(data: dict[str, Any]) -> None:
    data["analysis"]["exposure_items"].append("exposure_fraud")


def _bad_id(data: dict[str, Any]) -> None:
    find(data, "gender")["id"] = "Kön"


def _double_underscore_id(data: dict[str, Any]) -> None:
    find(data, "gender")["id"] = "gender__x"


def _unknown_condition_item(data: dict[str, Any]) -> None:
    find(data, "chair")["show_if"] = {"item": "rolle", "in": ["elected"]}


def _condition_bad_value(data: dict[str, Any]) -> None:
    find(data, "chair")["show_if"] = {"item": "role", "in": ["politician"]}


def _matrix_condition_without_row(data: dict[str, Any]) -> None:
    find(data, "reported_to")["show_if"] = {"item": "consequences", "in": ["yes"]}


def _text_without_warning(data: dict[str, Any]) -> None:
    del find(data, "comment")["warning"]


def _unknown_type(data: dict[str, Any]) -> None:
    find(data, "worry")["type"] = "slider"


def _bad_option_value(data: dict[str, Any]) -> None:
    find(data, "worry")["options"][0]["value"] = "Inte alls"


def _duplicate_option(data: dict[str, Any]) -> None:
    options = find(data, "worry")["options"]
    options[1]["value"] = options[0]["value"]


def _unknown_key(data: dict[str, Any]) -> None:
    find(data, "worry")["show-if"] = {"item": "role", "in": ["elected"]}


def _exposed_value_not_an_option(data: dict[str, Any]) -> None:
    data["analysis"]["exposed_values"] = ["once", "ofta"]


def _exposure_item_of_wrong_type(data: dict[str, Any]) -> None:
    data["analysis"]["exposure_items"] = ["comment"]


def _number_without_bounds(data: dict[str, Any]) -> None:
    data["sections"][0]["items"].append(
        {"id": "years", "type": "number", "text": {"sv": "År?", "en": "Years?"}}
    )


def _duplicate_stratum(data: dict[str, Any]) -> None:
    find(data, "unit_type")["stratum"] = "role"


def _missing_swedish_title(data: dict[str, Any]) -> None:
    del data["sections"][2]["title"]["sv"]


def _unknown_placeholder(data: dict[str, Any]) -> None:
    find(data, "worry")["text"]["sv"] = "Hur orolig är du {perioden}?"


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (_duplicate_id, 'avsnitt 4, fråga "role": id "role" används redan (i avsnitt 1)'),
        (
            _missing_english,
            'avsnitt 2, fråga "exposure_threat": alternativet "often" saknar engelsk text',
        ),
        (
            _later_condition,
            'avsnitt 1, fråga "role": villkoret ("show_if") hänvisar till frågan "worry", som '
            "kommer senare i enkäten",
        ),
        (
            _unknown_stratum,
            'avsnitt 1, fråga "gender": okänd stratifieringsvariabel (stratum) "region"',
        ),
        (
            _unknown_analysis_id,
            'analysblocket ("analysis"): "reported_item" hänvisar till frågan "reported", som '
            "inte finns",
        ),
        (
            _unknown_exposure_id,
            '"exposure_items" hänvisar till frågan "exposure_fraud", som inte finns',
        ),
        (_bad_id, 'avsnitt 1, fråga "Kön": id "Kön" är ogiltigt'),
        (_double_underscore_id, 'fråga "gender__x": id "gender__x" får inte innehålla "__"'),
        (
            _unknown_condition_item,
            'avsnitt 1, fråga "chair": villkoret ("show_if") hänvisar till frågan "rolle", som '
            "inte finns",
        ),
        (
            _condition_bad_value,
            'fråga "chair": villkoret ("show_if") anger värdet "politician", som inte är ett '
            'alternativ i frågan "role"',
        ),
        (_matrix_condition_without_row, 'matrisfrågan "consequences" och måste ange "row"'),
        (_text_without_warning, 'avsnitt 4, fråga "comment": frågetypen "text" kräver en varning'),
        (_unknown_type, 'avsnitt 4, fråga "worry": okänd frågetyp "slider"'),
        (_bad_option_value, 'fråga "worry": alternativet "Inte alls" har ett ogiltigt'),
        (_duplicate_option, 'fråga "worry": alternativet "not_at_all" förekommer flera gånger'),
        (_unknown_key, 'avsnitt 4, fråga "worry": okänd nyckel "show-if"'),
        (_exposed_value_not_an_option, 'anger värdet "ofta", som inte är ett alternativ'),
        (_exposure_item_of_wrong_type, 'frågan "comment" av typen "text"'),
        (_number_without_bounds, 'fråga "years": frågetypen "number" kräver både "min" och "max"'),
        (
            _duplicate_stratum,
            'avsnitt 1, fråga "unit_type": stratifieringsvariabeln "role" används redan '
            '(avsnitt 1, fråga "role")',
        ),
        (_missing_swedish_title, 'avsnitt 3: rubriken ("title") saknar svensk text'),
        (_unknown_placeholder, 'fråga "worry": frågetexten (sv) har en okänd platshållare'),
    ],
)
def test_broken_documents_name_the_place(
    change: Callable[[dict[str, Any]], None], expected: str
) -> None:
    data = document()
    change(data)
    errors = errors_of(data)
    assert any(expected in error for error in errors), errors
    # Also through YAML text.
    with pytest.raises(QuestionnaireError) as info:
        parse_yaml(yaml.safe_dump(data, allow_unicode=True))
    assert info.value.errors == errors


def test_all_errors_are_collected() -> None:
    data = document()
    _duplicate_id(data)
    _missing_english(data)
    _unknown_stratum(data)
    _unknown_analysis_id(data)
    errors = errors_of(data)
    assert len(errors) >= 4
    assert "\n- " in str(QuestionnaireError(errors))
    again = copy.deepcopy(QuestionnaireError(errors))  # as pickle does
    assert again.errors == errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("- just\n- a list\n", "Dokumentet ska vara en mappning"),
        ("just a string", "Dokumentet ska vara en mappning"),
        ("", "Dokumentet ska vara en mappning"),
        ("key: [unclosed\nversion: 1\n", "Dokumentet är inte giltig YAML på rad"),
        ("key: a\n  bad: indentation\n", "Dokumentet är inte giltig YAML"),
        ("key: a\nkey: b\n", 'nyckeln "key" förekommer två gånger'),
        ("key: !!python/object:os.system ls\n", "Dokumentet är inte giltig YAML"),
        ("\tkey: a\n", "Dokumentet är inte giltig YAML"),
    ],
)
def test_unreadable_yaml_is_a_questionnaire_error(text: str, expected: str) -> None:
    with pytest.raises(QuestionnaireError) as info:
        parse_yaml(text)
    assert not isinstance(info.value, yaml.YAMLError)
    assert any(expected in error for error in info.value.errors), info.value.errors


def test_yes_and_no_stay_text() -> None:
    """YAML 1.1 would read an unquoted ``no`` as false; option values must stay text."""
    text = to_yaml(QUESTIONNAIRE).replace("value: 'no'", "value: no").replace("'yes'", "yes")
    assert "value: no\n" in text
    assert parse_yaml(text) == QUESTIONNAIRE


MINIMAL = """
key: mini
version: 3
title: {sv: Liten, en: Small}
intro: {sv: Intro, en: Intro}
reference_period: {sv: förra året, en: last year}
sections:
  - id: only
    title: {sv: Allt, en: Everything}
    items:
      - id: often
        type: single
        required: true
        text:
          sv: Hur ofta under {reference_period}?
          en: "How often during {reference_period}?"
        options:
          - {value: never, text: {sv: Aldrig, en: Never}}
          - {value: sometimes, text: {sv: Ibland, en: Sometimes}}
      - id: years
        type: number
        min: 0
        max: 120
        required: true
        help: {sv: Hela år, en: Whole years}
        text: {sv: "Hur många år?", en: "How many years?"}
      - id: grid
        type: matrix
        show_if: {item: often, in: [sometimes]}
        text: {sv: Hände det…, en: Did it happen…}
        rows:
          - {value: day, text: {sv: dagtid, en: in daytime}}
          - {value: night, text: {sv: nattetid, en: at night}}
        options:
          - {value: "no", text: {sv: Nej, en: "No"}}
          - {value: "yes", text: {sv: Ja, en: "Yes"}}
      - id: told
        type: multiple
        show_if: {item: grid, row: night, in: ["yes"]}
        text: {sv: "Berättade du?", en: "Did you tell?"}
        options:
          - {value: police, text: {sv: Polisen, en: Police}}
          - {value: nobody, exclusive: true, text: {sv: Ingen, en: Nobody}}
      - id: note
        type: text
        show_if: {all: [{item: often, in: [sometimes]}, {item: told, in: [nobody]}]}
        text: {sv: "Varför inte?", en: "Why not?"}
        warning: {sv: Skriv inga namn., en: Write no names.}
analysis:
  exposure_items: [often]
  exposed_values: [sometimes]
  consequence_items: [grid]
  reported_item: told
"""


def test_minimal_document() -> None:
    q = parse_yaml(MINIMAL)
    assert q.item("often").text["en"] == "How often during {reference_period}?"
    assert q.item("years").min == 0 and q.item("years").max == 120
    assert q.analysis.perpetrator_item is None and q.analysis.channel_item is None
    assert parse_yaml(to_yaml(q)) == q


def test_documented_example_is_valid() -> None:
    doc = Path(__file__).parents[2] / "docs" / "surveys" / "questionnaire-format.md"
    example = doc.read_text(encoding="utf-8").split("## Example")[1].split("```yaml")[1]
    q = parse_yaml(example.split("```")[0])
    assert [i.id for i in q.items] == ["role", "exposure_threat", "reported_to", "comment"]


# -- answers ----------------------------------------------------------------------------------


def test_complete_answer_is_normalised() -> None:
    raw = answers(comment="  Inget att tillägga.  ", csrfmiddlewaretoken="abc")
    clean = validate(raw)
    assert clean == {
        "role": "employee",
        "municipality": "linkoping",
        "unit_type": "administration",
        "gender": "woman",
        "age_band": "30_49",
        **dict.fromkeys(FORMS, "never"),
        "worry": "slightly",
        "comment": "Inget att tillägga.",
    }
    assert not is_exposed(QUESTIONNAIRE, clean)
    assert validate(clean) == clean


def test_hidden_follow_ups_are_dropped() -> None:
    raw = answers(
        chair="chair",
        party="Partiet",
        perpetrator="criminal",
        channel="phone",
        consequences__hesitated="yes",
        reported_to="nobody",
        not_reported_reason="fear",
    )
    clean = validate(raw)
    for hidden in ("chair", "party", "perpetrator", "channel", "consequences", "reported_to"):
        assert hidden not in clean
    assert "not_reported_reason" not in clean
    assert not any(key.startswith("consequences") for key in clean)


def test_hidden_items_are_not_checked() -> None:
    clean = validate(answers(perpetrator="garbage", consequences__hesitated="maybe"))
    assert "perpetrator" not in clean


def test_exposed_respondent_gets_follow_ups() -> None:
    clean = validate(exposed(party=" Mittenpartiet "))
    assert clean["chair"] == "neither"
    assert clean["party"] == "Mittenpartiet"
    assert clean["perpetrator"] == ["criminal"]
    assert clean["channel"] == ["phone", "social_media"]
    assert clean["consequences"] == dict.fromkeys(CONSEQUENCE_ROWS, "no")
    assert list(clean["consequences"]) == list(CONSEQUENCE_ROWS)  # type: ignore[call-overload]
    assert clean["reported_to"] == ["police"]
    assert "not_reported_reason" not in clean
    assert is_exposed(QUESTIONNAIRE, clean)
    assert validate(clean) == clean


def test_required_follow_ups_missing() -> None:
    errors = answer_errors(answers(exposure_online="often"))
    assert errors["perpetrator"] == "Välj minst ett alternativ."
    assert errors["channel"] == "Välj minst ett alternativ."
    assert errors["reported_to"] == "Välj minst ett alternativ."
    for row in CONSEQUENCE_ROWS:
        assert errors[f"consequences__{row}"] == "Välj ett av alternativen."
    assert "not_reported_reason" not in errors


def test_required_background_missing() -> None:
    raw = answers()
    del raw["gender"]
    raw["age_band"] = "   "
    errors = answer_errors(raw)
    assert errors == {
        "gender": "Välj ett av alternativen.",
        "age_band": "Välj ett av alternativen.",
    }


def test_chair_required_for_elected_only() -> None:
    assert answer_errors(answers(role="both")) == {"chair": "Välj ett av alternativen."}
    assert "chair" not in validate(answers(role="employee"))


def test_not_reported_reason_follows_nobody() -> None:
    raw = exposed(reported_to="nobody")
    assert answer_errors(raw) == {"not_reported_reason": "Välj minst ett alternativ."}
    clean = validate({**raw, "not_reported_reason": "fear;did_not_know"})
    assert clean["not_reported_reason"] == ["did_not_know", "fear"]


def test_bad_values() -> None:
    errors = answer_errors(answers(unit_type="kommunstyrelse", exposure_bribe="sometimes"))
    assert errors == {
        "unit_type": 'Värdet "kommunstyrelse" är inte ett av alternativen.',
        "exposure_bribe": 'Värdet "sometimes" är inte ett av alternativen.',
    }
    errors = answer_errors(exposed(channel="phone;fax"))
    assert errors == {"channel": 'Värdet "fax" är inte ett av alternativen.'}
    errors = answer_errors(answers(role=["employee", "elected"]))
    assert errors == {"role": "Välj bara ett av alternativen."}
    errors = answer_errors(answers(role=5, gender={"a": "b"}))
    assert errors == {"role": "Svaret har fel format.", "gender": "Svaret har fel format."}


def test_municipality_comes_from_the_wave() -> None:
    assert validate(answers(municipality="norrkoping"))["municipality"] == "norrkoping"
    errors = answer_errors(answers(municipality="motala"))
    assert errors == {"municipality": 'Värdet "motala" är inte ett av alternativen.'}
    with pytest.raises(AnswerError) as info:
        validate_answers(QUESTIONNAIRE, answers())  # no municipalities given
    assert set(info.value.errors) == {"municipality"}


def test_multiple_choice_forms() -> None:
    as_list = validate(exposed(channel=["social_media", "phone", "phone"]))
    as_text = validate(exposed(channel=" social_media ; phone;;"))
    assert as_list["channel"] == as_text["channel"] == ["phone", "social_media"]
    errors = answer_errors(exposed(reported_to="police;nobody"))
    assert errors == {
        "reported_to": (
            'Alternativet "Jag har inte anmält eller rapporterat det till någon" kan inte '
            "kombineras med andra alternativ."
        )
    }


def test_matrix_answers() -> None:
    raw = exposed(consequences__avoided_issue="yes", consequences__considered_leaving="maybe")
    del raw["consequences__hesitated"]
    errors = answer_errors(raw)
    assert errors == {
        "consequences__hesitated": "Välj ett av alternativen.",
        "consequences__considered_leaving": 'Värdet "maybe" är inte ett av alternativen.',
    }
    raw = exposed(consequences__avoided_issue="yes")
    assert validate(raw)["consequences"] == {
        **dict.fromkeys(CONSEQUENCE_ROWS, "no"),
        "avoided_issue": "yes",
    }
    # A normalised matrix answer is accepted as it is.
    nested = exposed()
    for row in CONSEQUENCE_ROWS:
        del nested[f"consequences__{row}"]
    nested["consequences"] = dict.fromkeys(CONSEQUENCE_ROWS, "yes")
    assert validate(nested)["consequences"] == dict.fromkeys(CONSEQUENCE_ROWS, "yes")


def test_optional_matrix_rows_and_conditions_on_rows() -> None:
    q = parse_yaml(MINIMAL)
    clean = validate({"often": "sometimes", "years": "3", "grid__night": "yes"}, q)
    assert clean == {"often": "sometimes", "years": 3, "grid": {"night": "yes"}}
    assert [i.id for i in visible_items(q, clean)] == ["often", "years", "grid", "told"]
    clean = validate(
        {"often": "sometimes", "years": "3", "grid__night": "yes", "told": "nobody", "note": "x"},
        q,
    )
    assert clean["note"] == "x"
    assert validate({"often": "never", "years": "3", "grid__night": "yes", "told": "x"}, q) == {
        "often": "never",
        "years": 3,
    }


@pytest.mark.parametrize(
    ("given", "expected"),
    [("0", 0), ("120", 120), (" 42 ", 42), ("+7", 7), (17, 17), (["5"], 5)],
)
def test_number_accepted(given: object, expected: int) -> None:
    q = parse_yaml(MINIMAL)
    assert validate({"often": "never", "years": given}, q)["years"] == expected


@pytest.mark.parametrize(
    "given", ["-1", "121", "1.5", "12 år", "1e2", "", "  ", "٣", "9" * 5000, None, 200]
)
def test_number_rejected(given: object) -> None:
    q = parse_yaml(MINIMAL)
    errors = answer_errors({"often": "never", "years": given}, q)
    assert errors == {"years": "Ange ett heltal mellan 0 och 120."}


@pytest.mark.parametrize("given", [True, 1.5, ["1", "2"], {"a": 1}])
def test_number_of_wrong_type(given: object) -> None:
    q = parse_yaml(MINIMAL)
    errors = answer_errors({"often": "never", "years": given}, q)
    assert errors == {"years": "Svaret har fel format."}


def test_free_text_limits() -> None:
    assert validate(answers(comment="x" * 2000))["comment"] == "x" * 2000
    assert validate(answers(comment="  " + "x" * 2000 + "\n"))["comment"] == "x" * 2000
    assert answer_errors(answers(comment="x" * 2001)) == {
        "comment": "Texten får vara högst 2000 tecken."
    }
    assert answer_errors(answers(comment="a\x00b")) == {
        "comment": "Texten innehåller otillåtna tecken."
    }
    assert validate(answers(comment="rad ett\nrad två"))["comment"] == "rad ett\nrad två"
    assert "comment" not in validate(answers(comment="   "))


def test_visible_items_follow_answers() -> None:
    def ids(raw: dict[str, object]) -> list[str]:
        return [item.id for item in visible_items(QUESTIONNAIRE, raw)]

    base = ids({})
    assert "chair" not in base and "perpetrator" not in base and "comment" in base
    assert "chair" in ids({"role": "both"}) and "party" in ids({"role": "elected"})
    follow = ids({"exposure_relatives": "few_times"})
    assert {"perpetrator", "channel", "consequences", "reported_to"} <= set(follow)
    assert "not_reported_reason" not in follow
    assert "not_reported_reason" in ids({"exposure_bribe": "once", "reported_to": "nobody"})
    assert "not_reported_reason" in ids({"exposure_bribe": "once", "reported_to": ["nobody"]})
    # A follow-up of a hidden item is hidden even when an answer lingers.
    assert "not_reported_reason" not in ids({"reported_to": "nobody"})


# -- property-based ---------------------------------------------------------------------------

ITEMS: dict[str, Item] = {item.id: item for item in QUESTIONNAIRE.items}
KEYS = sorted(
    [*ITEMS]
    + [ITEMS["consequences"].matrix_key(row) for row in CONSEQUENCE_ROWS]
    + ["csrfmiddlewaretoken", "consequences__nope", "", "__"]
)
VALUES = sorted(
    {v for item in ITEMS.values() for v in item.option_values} | set(MUNICIPALITIES) | {"x"}
)
junk = st.one_of(
    st.text(max_size=30),
    st.sampled_from(VALUES),
    st.lists(st.sampled_from(VALUES), max_size=4).map(";".join),
    st.lists(st.one_of(st.sampled_from(VALUES), st.text(max_size=5)), max_size=4),
    st.integers(min_value=-10, max_value=500).map(str),
)


def _valid(key: str) -> st.SearchStrategy[object]:
    """A valid answer for ``key`` (an item id or a matrix key), in one of the raw forms."""
    item = ITEMS[key.split("__")[0]]
    if item.type is ItemType.TEXT:
        return st.text(st.characters(blacklist_categories=["Cc", "Cs"]), max_size=40)
    values = MUNICIPALITIES if options_from_municipalities(item) else item.option_values
    if item.type is not ItemType.MULTIPLE:
        return st.sampled_from(values)
    exclusive = [o.value for o in item.options if o.exclusive]
    others = [v for v in values if v not in exclusive]
    chosen = st.one_of(
        st.lists(st.sampled_from(others), min_size=1, max_size=3, unique=True),
        *([st.sampled_from(exclusive).map(lambda v: [v])] if exclusive else []),
    )
    return st.one_of(chosen, chosen.map(";".join))


ANSWER_KEYS = [k for k in KEYS if k.split("__")[0] in ITEMS and k != "consequences"]


@st.composite
def plausible_answers(draw: st.DrawFn) -> dict[str, object]:
    """A complete valid answer to every item, then none or a few keys dropped or spoiled,
    so that many examples pass validation and the others fail in one place or a few."""
    raw: dict[str, object] = {key: draw(_valid(key)) for key in ANSWER_KEYS}
    if draw(st.integers(0, 2)) == 0:  # not exposed: the follow-ups must be dropped
        raw.update(dict.fromkeys(FORMS, "never"))
    for key in draw(st.lists(st.sampled_from(KEYS), max_size=3)):
        if draw(st.booleans()):
            raw.pop(key, None)
        else:
            raw[key] = draw(junk)
    return raw


string_dicts = st.dictionaries(
    st.one_of(st.sampled_from(KEYS), st.text(max_size=20)),
    st.one_of(st.text(), st.lists(st.text(), max_size=3)),
)


def _check_output(raw: dict[str, object]) -> None:
    try:
        clean = validate(raw)
    except AnswerError as error:
        assert error.errors
        for key, message in error.errors.items():
            assert key in KEYS and isinstance(message, str) and message
        return
    visible = {item.id: item for item in visible_items(QUESTIONNAIRE, clean)}
    assert set(clean) <= set(visible)
    for item in visible.values():
        if item.required and item.type is not ItemType.MATRIX:
            assert item.id in clean
    for item_id, value in clean.items():
        item = visible[item_id]
        allowed = MUNICIPALITIES if options_from_municipalities(item) else item.option_values
        if item.type in (ItemType.SINGLE, ItemType.SCALE):
            assert isinstance(value, str) and value in allowed
        elif item.type is ItemType.MULTIPLE:
            assert isinstance(value, list) and value == sorted(set(value))
            assert value and set(value) <= set(allowed)
            exclusive = {o.value for o in item.options if o.exclusive}
            assert len(value) == 1 or not exclusive & set(value)
        elif item.type is ItemType.MATRIX:
            assert isinstance(value, dict)
            assert set(value) <= set(item.row_ids) and set(value.values()) <= set(allowed)
            if item.required:
                assert set(value) == set(item.row_ids)
        elif item.type is ItemType.TEXT:
            assert isinstance(value, str) and value == value.strip() and 0 < len(value) <= 2000
        else:
            raise AssertionError(item.type)
    assert validate(clean) == clean


@settings(max_examples=300, deadline=None)
@given(raw=plausible_answers())
def test_plausible_answers_only_keep_visible_allowed_values(raw: dict[str, object]) -> None:
    _check_output(raw)


@settings(max_examples=200, deadline=None)
@given(raw=string_dicts)
def test_arbitrary_strings_only_raise_answer_error(raw: dict[str, object]) -> None:
    _check_output(raw)


@settings(max_examples=100, deadline=None)
@given(raw=string_dicts)
def test_visible_items_never_fail(raw: dict[str, object]) -> None:
    shown = visible_items(QUESTIONNAIRE, raw)
    assert [i.id for i in shown][:5] == ["role", "municipality", "unit_type", "gender", "age_band"]


def _paths(node: object, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix]
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


DOCUMENT_PATHS = _paths(to_mapping(QUESTIONNAIRE))[1:]
yaml_values = st.recursive(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False),
        st.text(max_size=10),
        st.sampled_from(["role", "never", "once", "single", "matrix", "municipalities", "sv"]),
    ),
    lambda children: st.one_of(
        st.lists(children, max_size=3),
        st.dictionaries(st.sampled_from(["sv", "en", "id", "item", "in", "any"]), children),
    ),
    max_leaves=8,
)


@settings(max_examples=300, deadline=None)
@given(
    changes=st.lists(
        st.tuples(st.sampled_from(DOCUMENT_PATHS), yaml_values, st.booleans()),
        min_size=1,
        max_size=3,
    )
)
def test_broken_documents_only_raise_questionnaire_error(
    changes: list[tuple[tuple[Any, ...], object, bool]],
) -> None:
    data = document()
    for path, value, delete in changes:
        node: Any = data
        try:
            for step in path[:-1]:
                node = node[step]
            if delete and isinstance(node, dict):
                node.pop(path[-1], None)
            else:
                node[path[-1]] = value
        except (KeyError, IndexError, TypeError):
            continue  # an earlier change removed this place
    try:
        q = parse_mapping(data)
    except QuestionnaireError as error:
        assert error.errors and all(isinstance(e, str) and e for e in error.errors)
    else:
        assert parse_yaml(to_yaml(q)) == q
