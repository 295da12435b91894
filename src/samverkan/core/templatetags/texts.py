from __future__ import annotations

from collections.abc import Mapping

from django import template

register = template.Library()


@register.filter
def lang(text: Mapping[str, str] | None, language: str) -> str:
    """A text stored per language ({"sv": …, "en": …}) in the given language, else Swedish."""
    if not text:
        return ""
    return str(text.get(language) or text.get("sv") or next(iter(text.values()), ""))


@register.filter
def get(mapping: Mapping[str, object] | None, key: str) -> object:
    """mapping[key], or the key itself when it is missing (for label look-ups)."""
    if not mapping:
        return key
    return mapping.get(key, key)
