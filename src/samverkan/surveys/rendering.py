"""Prepare a wave's questionnaire for the respondent form: sections with their
introductions, items with labels in the respondent's language, current values, errors,
display conditions for survey.js, and the error summary.

Which follow-up questions start hidden is decided here with the same rule as the server's
validation (``questionnaire.visible_items``); survey.js applies that rule again as answers
change.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from typing import Any

from samverkan.surveys import periods
from samverkan.surveys import questionnaire as qn
from samverkan.surveys.models import Wave
from samverkan.surveys.strata import load_questionnaire


def _text(text: Any, lang: str) -> str:
    if not text:
        return ""
    return str(text.get(lang) or text.get("sv") or next(iter(text.values()), ""))


@lru_cache(maxsize=32)
def _filled(document: str, start: date, end: date) -> qn.Questionnaire:
    return qn.fill_period(load_questionnaire(document), periods.period_texts(start, end))


def wave_questionnaire(wave: Wave) -> qn.Questionnaire:
    """The wave's questionnaire as its respondents read it: ``{period}`` is the wave's
    reference period."""
    return _filled(wave.questionnaire.document, wave.period_start, wave.period_end)


def condition_json(condition: Any) -> str:
    """The display condition as JSON for survey.js (empty: always shown)."""
    if condition is None:
        return ""
    return json.dumps(qn.condition_to_data(condition), ensure_ascii=False, separators=(",", ":"))


def _options(
    item: qn.Item, lang: str, municipalities: Sequence[tuple[str, str]]
) -> list[dict[str, Any]]:
    if qn.options_from_municipalities(item):
        return [{"value": v, "label": label, "exclusive": False} for v, label in municipalities]
    return [
        {"value": o.value, "label": _text(o.text, lang), "exclusive": o.exclusive}
        for o in item.options
    ]


def _form_item(
    item: qn.Item,
    lang: str,
    municipalities: Sequence[tuple[str, str]],
    submitted: dict[str, Any],
    errors: dict[str, str],
    visible: bool,
) -> dict[str, Any]:
    options = _options(item, lang, municipalities)
    value = submitted.get(item.id)
    chosen = set(value) if isinstance(value, list) else {value} if value else set()
    for option in options:
        option["id"] = f"{item.id}-{option['value']}"
        option["checked"] = option["value"] in chosen
    rows = []
    for row in item.rows:
        key = item.matrix_key(row.value)
        rows.append(
            {
                "key": key,
                "label": _text(row.text, lang),
                "options": [
                    {**o, "id": f"{key}-{o['value']}", "checked": submitted.get(key) == o["value"]}
                    for o in options
                ],
                "error": errors.get(key, ""),
                "target": f"{key}-{options[0]['value']}" if options else key,
            }
        )
    help_text = _text(item.help, lang)
    error = errors.get(item.id, "")
    described = [f"help-{item.id}"] if help_text else []
    if item.warning and item.type is qn.ItemType.TEXT:
        described.append(f"warn-{item.id}")
    if error:
        described.append(f"err-{item.id}")
    choice = item.type in qn.CHOICE_TYPES and options
    target = options[0]["id"] if choice else item.id
    return {
        "id": item.id,
        "type": str(item.type),
        "label": _text(item.text, lang),
        "help": help_text,
        "warning": _text(item.warning, lang),
        "required": item.required,
        "options": options,
        "rows": rows,
        "value": value if isinstance(value, str) else "",
        "min": item.min,
        "max": item.max,
        "error": error,
        "describedby": " ".join(described),
        "target": target,
        "show_if": condition_json(item.show_if),
        "hidden": not visible,
    }


def form_sections(
    questionnaire: qn.Questionnaire,
    lang: str,
    municipalities: Sequence[tuple[str, str]],
    submitted: dict[str, Any],
    errors: dict[str, str],
) -> list[dict[str, Any]]:
    """One entry per section (number, title, introduction, items); a section whose items
    are all hidden starts hidden."""
    visible = {item.id for item in qn.visible_items(questionnaire, submitted)}
    sections = []
    for number, section in enumerate(questionnaire.sections, start=1):
        items = [
            _form_item(item, lang, municipalities, submitted, errors, item.id in visible)
            for item in section.items
        ]
        sections.append(
            {
                "id": section.id,
                "number": number,
                "title": _text(section.title, lang),
                "intro": _text(section.intro, lang),
                "items": items,
                "hidden": all(item["hidden"] for item in items),
                "has_error": any(
                    item["error"] or any(row["error"] for row in item["rows"]) for item in items
                ),
            }
        )
    return sections


def error_summary(sections: Sequence[dict[str, Any]]) -> list[dict[str, str]]:
    """The errors in questionnaire order, each with the id of the field to move to."""
    summary: list[dict[str, str]] = []
    for section in sections:
        for item in section["items"]:
            if item["error"]:
                summary.append(
                    {"target": item["target"], "label": item["label"], "message": item["error"]}
                )
            for row in item["rows"]:
                if row["error"]:
                    summary.append(
                        {
                            "target": row["target"],
                            "label": f"{item['label']} – {row['label']}",
                            "message": row["error"],
                        }
                    )
    return summary
