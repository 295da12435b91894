"""The messages for invalid answers, in the active language: one table for the pure
module's problem codes (``questionnaire.AnswerProblem``).

The respondent form shows them in the form's language; a paper import shows them in the
coordinator's. ``questionnaire.py`` keeps the Swedish text for where Django is not at hand.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from samverkan.core.views_helpers import ui_language
from samverkan.surveys import questionnaire as qn

__all__ = ["MESSAGES", "answer_message", "answer_messages"]

MESSAGES: dict[str, Promise] = {
    "choose_one": _("Choose one of the options."),
    "choose_only_one": _("Choose only one of the options."),
    "choose_some": _("Choose at least one option."),
    "format": _("The answer has the wrong format."),
    "required_text": _("This field must be filled in."),
    "text_too_long": _("The text may be at most %(limit)s characters."),
    "text_bad_chars": _("The text contains characters that are not allowed."),
    "not_an_option": _('The value "%(value)s" is not one of the options.'),
    "number_range": _("Enter a whole number between %(min)s and %(max)s."),
    "exclusive": _('The option "%(option)s" cannot be combined with other options.'),
}


def answer_message(problem: qn.AnswerProblem) -> str:
    """The problem's message in the active language (Swedish for an unknown code)."""
    message = MESSAGES.get(problem.code)
    if message is None:
        return problem.swedish()
    values = {**problem.values, "option": problem.option_text(ui_language())}
    return str(message) % values


def answer_messages(problems: Mapping[str, qn.AnswerProblem]) -> dict[str, str]:
    """Each key's message in the active language."""
    return {key: answer_message(problem) for key, problem in problems.items()}
