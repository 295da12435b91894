"""Reads of the audit log: auditors (granskare) see the entries made by members of
their organisations and the entries about their organisations' records.

The level rule is applied here, once, for the page, the API and the CSV export alike: an
entry about a record above the levels the auditor role reads comes out redacted (it says
that an action happened on an object of its type, not which object, why or with what).
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from typing import Any

from django.db.models import BooleanField, ExpressionWrapper, Q
from django.db.models.query import ModelIterable

from samverkan.audit.models import AppendOnlyQuerySet, AuditEntry
from samverkan.core.scoping import get_scope
from samverkan.organisations.roles import Role, readable_levels

# Entries about objects of an organisation without a recorded level were written before
# levels were recorded; they are treated as above every level. Entries about an
# organisation itself name only the organisation.
_WITHOUT_LEVEL = "organisations.organisation"


def readable_by_auditors() -> Q:
    """Entries an auditor may read in full: about an object at a level the auditor role
    reads, or about no organisation's record at all."""
    levels = sorted(level.value for level in readable_levels(Role.AUDITOR))
    unknown = Q(subject_confidentiality="")
    no_record = Q(subject_organisation_id__isnull=True) | Q(object_type=_WITHOUT_LEVEL)
    return Q(subject_confidentiality__in=levels) | (unknown & no_record)


class _RedactingIterable(ModelIterable[AuditEntry]):
    """Yields entries with what they say about an unreadable object blanked."""

    def __iter__(self) -> Iterator[AuditEntry]:
        for entry in super().__iter__():
            if not getattr(entry, "readable", False):
                entry.redact()
            elif entry.object_id.isdigit():
                # A sequential id (a membership's, say) counts the rows of every
                # organisation; the object's text names it.
                entry.object_id = ""
            yield entry


class AuditorQuerySet(AppendOnlyQuerySet):
    """The audit log as an auditor reads it. Rows come out as redacted model instances;
    reading raw column values (``values()``, ``values_list()``) would bypass that and is
    refused."""

    def values(self, *fields: Any, **expressions: Any) -> Any:
        raise TypeError("Read audit entries for auditors as objects (they are redacted).")

    def values_list(self, *fields: Any, flat: bool = False, named: bool = False) -> Any:
        raise TypeError("Read audit entries for auditors as objects (they are redacted).")


def audit_entries(
    *,
    user: Any,
    query: str = "",
    action: str = "",
    actor: str = "",
    object_type: str = "",
    date_from: date | None = None,
    date_to: date | None = None,
) -> AuditorQuerySet:
    orgs = get_scope(user).orgs_with_role(Role.AUDITOR)
    qs = AuditorQuerySet(model=AuditEntry)
    if not orgs:
        return qs.none()
    qs = qs.filter(Q(organisation_id__in=orgs) | Q(subject_organisation_id__in=orgs))
    if query:
        # Only what is shown can be searched: a hit on a redacted entry would confirm it.
        qs = qs.filter(
            readable_by_auditors()
            & (
                Q(object_repr__icontains=query)
                | Q(purpose__icontains=query)
                | Q(object_id__iexact=query)
            )
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
    qs = qs.annotate(readable=ExpressionWrapper(readable_by_auditors(), BooleanField()))
    qs._iterable_class = _RedactingIterable
    return qs.order_by("-seq")
