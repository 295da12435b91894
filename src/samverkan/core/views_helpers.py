"""Small helpers for thin views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from django import forms
from django.core.exceptions import ValidationError

F = TypeVar("F", bound=Callable[..., Any])


def ui_language() -> str:
    """The language of the current request's pages for texts kept per language in
    configuration documents: "en" for English, else "sv"."""
    from django.utils.translation import get_language

    return "en" if (get_language() or "sv").startswith("en") else "sv"


def scoped(model: type[Any]) -> Callable[[F], F]:
    """Declare which scoped model a view shows. The isolation test matrix uses this to
    exercise every list, detail and export view with records of other organisations."""

    def decorate(view: F) -> F:
        view.scoped_model = model  # type: ignore[attr-defined]
        return view

    return decorate


def apply_service_errors(form: forms.Form, error: ValidationError) -> None:
    """Show a service's validation error on the form, field by field."""
    if hasattr(error, "error_dict"):
        for field, messages in error.message_dict.items():
            form.add_error(field if field in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def flash_errors(request: Any, problem: ValidationError | forms.Form) -> None:
    """Show a service error or a form's errors as messages, for actions that redirect
    back to the page they came from instead of re-rendering a form."""
    from django.contrib import messages

    if isinstance(problem, forms.Form):
        texts = [str(text) for errors in problem.errors.values() for text in errors]
    else:
        texts = list(problem.messages)
    for text in texts:
        messages.error(request, text)
