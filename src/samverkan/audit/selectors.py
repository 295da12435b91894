"""Reads of the audit log: auditors (granskare) see the entries made by members of
their organisations and the entries about their organisations' records."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db.models import Q, QuerySet

from samverkan.audit.models import AuditEntry
from samverkan.core.scoping import get_scope
from samverkan.organisations.roles import Role


def audit_entries(
    *,
    user: Any,
    query: str = "",
    action: str = "",
    actor: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> QuerySet[AuditEntry]:
    orgs = get_scope(user).orgs_with_role(Role.AUDITOR)
    if not orgs:
        return AuditEntry.objects.none()
    qs = AuditEntry.objects.filter(
        Q(organisation_id__in=orgs) | Q(subject_organisation_id__in=orgs)
    )
    if query:
        qs = qs.filter(
            Q(object_repr__icontains=query)
            | Q(purpose__icontains=query)
            | Q(object_id__iexact=query)
        )
    if action:
        qs = qs.filter(action=action)
    if actor:
        qs = qs.filter(actor_username__icontains=actor)
    if object_type:
        qs = qs.filter(object_type=object_type)
    if date_from:
        qs = qs.filter(timestamp__date__gte=date_from)
    if date_to:
        qs = qs.filter(timestamp__date__lte=date_to)
    return qs.order_by("-seq")
