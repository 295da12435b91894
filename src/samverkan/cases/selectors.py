"""Reads of cases, always scoped to the user."""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet

from samverkan.cases.models import Case, CasePerson
from samverkan.core.selectors import get_scoped
from samverkan.organisations.roles import Action


def case_list(*, user: Any, query: str = "", status: str = "") -> QuerySet[Case]:
    qs = Case.objects.restrict(user, Action.VIEW).select_related("owner")
    if query:
        qs = qs.filter(Q(title__icontains=query) | Q(reference__icontains=query))
    if status:
        qs = qs.filter(status=status)
    return qs.order_by("-created_at")


def case_get(*, user: Any, pk: Any, action: Action = Action.VIEW) -> Case:
    return get_scoped(Case, user, pk, action)


def case_detail(*, user: Any, pk: Any) -> Case:
    case = case_get(user=user, pk=pk)
    case_shared = list(case.shared_with.order_by("name"))
    case.shared_list = case_shared  # type: ignore[attr-defined]
    return case


def case_persons(*, case: Case) -> QuerySet[CasePerson]:
    """Persons of a case the caller has already fetched through a scoped selector.
    Callers audit the read (samverkan.cases.services.record_person_view)."""
    return case.persons.all()


def can(user: Any, action: Action, case: Case) -> bool:
    return Case.objects.allowed(user, action, case.pk)
