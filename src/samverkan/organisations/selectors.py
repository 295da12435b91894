"""Reads about organisations and memberships."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from samverkan.core.scoping import get_scope
from samverkan.organisations.models import Collaboration, Membership, Organisation

ACTIVE_ORG_ATTR = "_samverkan_active_org"


def user_organisations(user: Any) -> QuerySet[Organisation]:
    return Organisation.objects.filter(pk__in=get_scope(user).organisation_ids)


def user_memberships(user: Any) -> QuerySet[Membership]:
    if not user.is_authenticated:
        return Membership.objects.none()
    return Membership.objects.filter(user_id=user.pk).select_related("organisation", "unit")


def primary_organisation(user: Any) -> Organisation | None:
    """The organisation the user currently acts for (chosen in the header), or the first."""
    active = getattr(user, ACTIVE_ORG_ATTR, None)
    if active is not None:
        return active
    org_ids = get_scope(user).organisation_ids
    if not org_ids:
        return None
    org = Organisation.objects.filter(pk__in=org_ids).order_by("name").first()
    setattr(user, ACTIVE_ORG_ATTR, org)
    return org


def partner_organisations(user: Any) -> QuerySet[Organisation]:
    """Organisations that share a collaboration with one of the user's organisations:
    the only ones a record may be shared with."""
    org_ids = get_scope(user).organisation_ids
    collaborations = Collaboration.objects.filter(members__in=org_ids)
    return (
        Organisation.objects.filter(collaborations__in=collaborations, is_active=True)
        .distinct()
        .order_by("name")
    )


def collaboration_partners(organisation: Organisation) -> QuerySet[Organisation]:
    return (
        Organisation.objects.filter(collaborations__members=organisation, is_active=True)
        .exclude(pk=organisation.pk)
        .distinct()
        .order_by("name")
    )


def directory() -> QuerySet[Organisation]:
    """The directory of organisations (names and types only are public to members)."""
    return Organisation.objects.filter(is_active=True).order_by("name")
