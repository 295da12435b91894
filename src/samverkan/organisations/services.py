"""Writes for organisations, units, collaborations and memberships."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.organisations.models import Collaboration, Membership, Organisation, Unit
from samverkan.organisations.roles import Role


@transaction.atomic
def create_organisation(
    *,
    actor: Any | None,
    name: str,
    type: str,
    short_name: str = "",
    organisation_number: str = "",
    municipality_code: str = "",
) -> Organisation:
    org = Organisation.objects.create(
        name=name,
        type=type,
        short_name=short_name,
        organisation_number=organisation_number,
        municipality_code=municipality_code,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=org, organisation=org)
    return org


@transaction.atomic
def create_unit(*, actor: Any | None, organisation: Organisation, name: str) -> Unit:
    unit = Unit.objects.create(organisation=organisation, name=name)
    audit.record(actor=actor, action=AuditAction.CREATE, obj=unit, organisation=organisation)
    return unit


@transaction.atomic
def create_collaboration(
    *,
    actor: Any | None,
    name: str,
    members: list[Organisation],
    description: str = "",
) -> Collaboration:
    collaboration = Collaboration.objects.create(name=name, description=description)
    collaboration.members.set(members)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=collaboration,
        details={"members": sorted(m.name for m in members)},
    )
    return collaboration


@transaction.atomic
def create_user(
    *,
    actor: Any | None,
    username: str,
    password: str | None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
) -> Any:
    user_model = get_user_model()
    user = user_model.objects.create_user(
        username=username,
        password=password,
        first_name=first_name,
        last_name=last_name,
        email=email,
    )
    audit.record(actor=actor, action=AuditAction.CREATE, obj=user)
    return user


@transaction.atomic
def add_membership(
    *,
    actor: Any | None,
    user: Any,
    organisation: Organisation,
    role: Role,
    unit: Unit | None = None,
) -> Membership:
    membership, created = Membership.objects.get_or_create(
        user=user, organisation=organisation, role=role.value, defaults={"unit": unit}
    )
    if created:
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=membership,
            organisation=organisation,
            details={"user": user.get_username(), "role": role.value},
        )
    return membership


@transaction.atomic
def remove_membership(*, actor: Any | None, membership: Membership) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.DELETE,
        obj=membership,
        organisation=membership.organisation,
        details={"user": membership.user.get_username(), "role": membership.role},
    )
    membership.delete()
