from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from samverkan.core.templatetags.texts import get, lang

register = template.Library()
register.filter("lang", lang)
register.filter("get", get)


@register.filter
def percent(value: Any) -> str:
    if value is None:
        return "–"
    return f"{100 * float(value):.0f} %"


@register.filter
def interval(estimate: Any, weighted: bool = False) -> str:
    low = getattr(estimate, "weighted_low" if weighted else "low", None)
    high = getattr(estimate, "weighted_high" if weighted else "high", None)
    if low is None or high is None:
        return ""
    return f"{100 * low:.0f}–{100 * high:.0f} %"


@register.filter
def points(value: Any) -> str:
    """A difference in percentage points with sign and one decimal, Swedish style."""
    if value is None:
        return "–"
    text = f"{100 * float(value):+.1f}".replace("-", "−")
    if text in ("+0.0", "−0.0"):
        text = "±0.0"
    return text if (get_language() or "sv").startswith("en") else text.replace(".", ",")
