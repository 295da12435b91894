"""How the wave's organisations and the questionnaire's background items meet."""

from __future__ import annotations

from functools import lru_cache

from django.utils.text import slugify

from samverkan.organisations.models import Organisation
from samverkan.surveys import questionnaire as qn
from samverkan.surveys.models import Wave


def municipality_value(organisation: Organisation) -> str:
    """The answer value that stands for an organisation in the municipality item."""
    return slugify(organisation.name).replace("-", "_")


def participants(wave: Wave) -> list[Organisation]:
    return sorted([wave.owner, *wave.shared_with.all()], key=lambda o: o.name)


def stratum_options(questionnaire: qn.Questionnaire, stratum: str) -> dict[str, set[str]]:
    """Option value → lower-cased labels (sv and en) of the item marked with ``stratum``."""
    for item in questionnaire.items:
        if item.stratum == stratum:
            return {
                option.value: {text.strip().lower() for text in option.text.values()}
                for option in item.options
            }
    return {}


@lru_cache(maxsize=32)
def load_questionnaire(document: str) -> qn.Questionnaire:
    """The parsed questionnaire of a stored document (parsed once per process)."""
    return qn.parse_yaml(document)
