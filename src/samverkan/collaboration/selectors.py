"""Reads about collaboration agreements, scoped to the user's organisations.

An agreement is visible to the members of its collaboration and to every organisation
that is or was a party to it; to nobody else."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.collaboration import activation
from samverkan.collaboration.models import Agreement, AgreementEvent, Party, ReceivedRecord
from samverkan.core.scoping import get_scope
from samverkan.organisations.roles import Confidentiality, Role

WRITER_ROLES = (Role.COORDINATOR,)


def agreement_list(*, user: Any) -> QuerySet[Agreement]:
    org_ids = get_scope(user).organisation_ids
    if not org_ids:
        return Agreement.objects.none()
    return (
        Agreement.objects.filter(
            Q(collaboration__members__in=org_ids) | Q(parties__organisation__in=org_ids)
        )
        .distinct()
        .select_related("collaboration")
        .order_by("title")
    )


def get_agreement(*, user: Any, pk: Any) -> Agreement:
    """The agreement, or 404 when the user's organisations have nothing to do with it."""
    try:
        key = uuid.UUID(str(pk))
    except ValueError:
        raise Http404 from None
    agreement = agreement_list(user=user).filter(pk=key).first()
    if agreement is None:
        raise Http404
    return agreement


def activation_parties(agreement: Agreement) -> list[activation.Party]:
    return [
        activation.Party(
            key=p.organisation_id, required=p.required, joined_on=p.joined_on, left_on=p.left_on
        )
        for p in agreement.parties.all().order_by("joined_on", "organisation__name")
    ]


def activation_decisions(agreement: Agreement) -> list[activation.Decision]:
    return [
        activation.Decision(party=org_id, decided_on=day)
        for org_id, day in agreement.decisions.values_list("organisation_id", "decided_on")
    ]


@dataclass(frozen=True)
class AgreementStatus:
    in_force: bool
    missing: tuple[str, ...]  # names of the required parties whose decision is missing
    sentence: str


def agreement_status(agreement: Agreement, on: date | None = None) -> AgreementStatus:
    day = on or timezone.localdate()
    result = activation.status_on(
        day,
        activation_parties(agreement),
        activation_decisions(agreement),
        period_start=agreement.period_start,
        period_end=agreement.period_end,
    )
    names = dict(agreement.parties.values_list("organisation_id", "organisation__name"))
    missing = tuple(names[key] for key in result.missing)  # type: ignore[index]
    if result.in_force:
        sentence = _("In force")
    elif missing:
        sentence = _("Not in force – waiting for the decision of %(parties)s") % {
            "parties": ", ".join(missing)
        }
    elif result.no_parties:
        sentence = _("Not in force – the agreement has no parties")
    else:
        sentence = _("Not in force – outside the agreement's period")
    return AgreementStatus(result.in_force, missing, sentence)


def parties(agreement: Agreement) -> QuerySet[Party]:
    return agreement.parties.select_related("organisation").order_by(
        "joined_on", "organisation__name"
    )


def history(agreement: Agreement) -> QuerySet[AgreementEvent]:
    return agreement.events.select_related("organisation", "actor").order_by("at", "pk")


def received_before_leaving(*, user: Any, agreement: Agreement) -> Sequence[ReceivedRecord]:
    """What the user's organisations had received before they left, at the levels the
    user's roles there read: only the leaving organisation sees its own list."""
    scope = get_scope(user)
    condition = Q(pk__in=[])
    for level in Confidentiality:
        orgs = scope.orgs_reading(level)
        if orgs:
            condition |= Q(confidentiality=level.value, organisation_id__in=orgs)
    return list(
        ReceivedRecord.objects.filter(condition, agreement=agreement).select_related(
            "owner", "organisation"
        )
    )


def can_manage(user: Any, agreement: Agreement) -> bool:
    """Coordinators of a current party or member may change the agreement."""
    orgs = get_scope(user).orgs_with_role(*WRITER_ROLES)
    if not orgs:
        return False
    members = set(agreement.collaboration.members.values_list("pk", flat=True))
    active = set(
        agreement.parties.filter(left_on__isnull=True).values_list("organisation_id", flat=True)
    )
    return bool(orgs & (members | active))
