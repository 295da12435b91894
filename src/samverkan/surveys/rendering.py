"""Prepare questionnaire items for the respondent form (labels in the respondent's
language, current values, errors and display conditions for survey.js)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from samverkan.surveys import questionnaire as qn


def _text(text: Any, lang: str) -> str:
    if not text:
        return ""
    return str(text.get(lang) or text.get("sv") or next(iter(text.values()), ""))


def condition_json(condition: Any) -> str:
    """The display condition as JSON for survey.js (empty: always shown)."""
    if condition is None:
        return ""
    return json.dumps(qn.condition_to_data(condition), ensure_ascii=False, separators=(",", ":"))


def form_items(
    questionnaire: qn.Questionnaire,
    lang: str,
    municipalities: Sequence[tuple[str, str]],
    submitted: dict[str, Any],
    errors: dict[str, str],
) -> list[dict[str, Any]]:
    items = []
    for section in questionnaire.sections:
        for index, item in enumerate(section.items):
            if qn.options_from_municipalities(item):
                options: list[dict[str, Any]] = [
                    {"value": v, "label": label} for v, label in municipalities
                ]
            else:
                options = [{"value": o.value, "label": _text(o.text, lang)} for o in item.options]
            value = submitted.get(item.id)
            chosen = set(value) if isinstance(value, list) else {value} if value else set()
            for option in options:
                option["checked"] = option["value"] in chosen
            rows = []
            for row in item.rows:
                key = f"{item.id}__{row.value}"
                rows.append(
                    {
                        "key": key,
                        "label": _text(row.text, lang),
                        "options": [
                            {**o, "checked": submitted.get(key) == o["value"]} for o in options
                        ],
                        "error": errors.get(key, ""),
                    }
                )
            items.append(
                {
                    "section": _text(section.title, lang) if index == 0 else "",
                    "id": item.id,
                    "type": str(item.type),
                    "label": _text(item.text, lang),
                    "help": _text(item.help, lang),
                    "warning": _text(item.warning, lang),
                    "required": item.required,
                    "options": options,
                    "rows": rows,
                    "value": value if isinstance(value, str) else "",
                    "min": item.min,
                    "max": item.max,
                    "error": errors.get(item.id, ""),
                    "show_if": condition_json(item.show_if),
                }
            )
    return items
