"""Per-organisation data isolation with explicit sharing.

Every model that holds operational or personal data inherits :class:`ScopedRecord`:
it has an owning organisation, a confidentiality level and an explicit list of
organisations it is shared with. ``Model.objects.restrict(user, action)`` is the one
place that decides what a user may see or do. It returns a queryset filtered by a
single SQL condition (no per-row checks), so list pages, exports, the API and
background jobs all get the same answer (ADR 0002).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Self, TypeVar

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.utils.translation import gettext_lazy as _

from samverkan.organisations.roles import (
    OWNER_ACTIONS,
    Action,
    Confidentiality,
    Role,
    readable_levels,
)

if TYPE_CHECKING:
    from django.contrib.auth.models import AbstractBaseUser, AnonymousUser

    AnyUser = AbstractBaseUser | AnonymousUser

_SCOPE_ATTR = "_samverkan_scope"


@dataclass(frozen=True)
class UserScope:
    """The organisations a user belongs to, by role. Computed with one query."""

    user_id: int | None
    roles_by_org: dict[int, frozenset[Role]] = field(default_factory=dict)

    @property
    def organisation_ids(self) -> frozenset[int]:
        return frozenset(self.roles_by_org)

    @property
    def roles(self) -> frozenset[Role]:
        return frozenset(r for roles in self.roles_by_org.values() for r in roles)

    def orgs_with_role(self, *roles: Role) -> frozenset[int]:
        wanted = set(roles)
        return frozenset(org for org, have in self.roles_by_org.items() if have & wanted)

    def orgs_reading(self, level: Confidentiality) -> frozenset[int]:
        return frozenset(
            org
            for org, roles in self.roles_by_org.items()
            if any(level in readable_levels(r) for r in roles)
        )

    def orgs_acting(self, action: Action, level: Confidentiality) -> frozenset[int]:
        """Organisations in which the user may perform ``action`` as owner at ``level``."""
        if action is Action.VIEW:
            return self.orgs_reading(level)
        allowed = OWNER_ACTIONS[action]
        return frozenset(
            org
            for org, roles in self.roles_by_org.items()
            if any(r in allowed and level in readable_levels(r) for r in roles)
        )

    def has_role(self, *roles: Role) -> bool:
        return bool(self.orgs_with_role(*roles))


def get_scope(user: AnyUser | None) -> UserScope:
    """The user's memberships, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return UserScope(user_id=None)
    cached = getattr(user, _SCOPE_ATTR, None)
    if cached is not None:
        return cached
    from samverkan.organisations.models import Membership

    roles: dict[int, set[Role]] = {}
    rows = Membership.objects.filter(user_id=user.pk, organisation__is_active=True).values_list(
        "organisation_id", "role"
    )
    for org_id, role in rows:
        roles.setdefault(org_id, set()).add(Role(role))
    scope = UserScope(user_id=user.pk, roles_by_org={k: frozenset(v) for k, v in roles.items()})
    setattr(user, _SCOPE_ATTR, scope)
    return scope


def forget_scope(user: Any) -> None:
    if hasattr(user, _SCOPE_ATTR):
        delattr(user, _SCOPE_ATTR)


LEVEL_ABOVE_ROLE = _(
    "Your role may not read this confidentiality level, so you could not open the record. "
    "Choose a lower level."
)


def level_error(actor: Any, owner: Any, level: Confidentiality | str) -> str | None:
    """Why ``actor`` may not give a record of ``owner`` the level ``level`` (a record its
    creator could not open), or None when it may."""
    if owner.pk in get_scope(actor).orgs_reading(Confidentiality(level)):
        return None
    return str(LEVEL_ABOVE_ROLE)


def require_readable_level(actor: Any, owner: Any, level: Confidentiality | str) -> None:
    """Refuse, as a field error, a level the actor's roles in ``owner`` do not read."""
    message = level_error(actor, owner, level)
    if message is not None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"confidentiality": [message]})


class ScopedQuerySet(models.QuerySet[Any]):
    """QuerySet with ``restrict(user, action)``: the isolation mechanism."""

    def restrict(self, user: AnyUser | None, action: Action | str = Action.VIEW) -> Self:
        action = Action(action)
        scope = get_scope(user)
        if not scope.roles_by_org:
            return self.none()
        condition = Q(pk__in=[])
        shared_field = self.model._meta.get_field("shared_with")
        through = shared_field.remote_field.through
        source_fk = shared_field.m2m_field_name()
        for level in Confidentiality:
            orgs = scope.orgs_acting(action, level)
            if not orgs:
                continue
            access = Q(owner_id__in=orgs)
            if action is Action.VIEW:
                shared = through.objects.filter(
                    **{f"{source_fk}_id": OuterRef("pk"), "organisation_id__in": orgs}
                )
                access |= Q(Exists(shared))
            condition |= Q(confidentiality=level) & access
        return self.filter(condition)

    def allowed(self, user: AnyUser | None, action: Action | str, pk: Any) -> bool:
        return self.restrict(user, action).filter(pk=pk).exists()


class ScopedRecord(models.Model):
    """Abstract base for every record holding operational or personal data.

    Primary keys are random UUIDs, so identifiers reveal neither how many records
    other organisations hold nor in which order they were made.
    """

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(
        "organisations.Organisation",
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("owning organisation"),
    )
    confidentiality = models.CharField(
        _("confidentiality"),
        max_length=12,
        choices=[
            (Confidentiality.INTERNAL.value, _("Internal")),
            (Confidentiality.RESTRICTED.value, _("Restricted")),
            (Confidentiality.CONFIDENTIAL.value, _("Confidential")),
        ],
        default=Confidentiality.INTERNAL.value,
    )
    shared_with = models.ManyToManyField(
        "organisations.Organisation",
        blank=True,
        related_name="+",
        verbose_name=_("shared with"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    objects = ScopedQuerySet.as_manager()

    # Date field from which the retention period is counted (see samverkan.core.retention).
    retention_date_field = "updated_at"

    class Meta:
        abstract = True


ScopedModel = TypeVar("ScopedModel", bound=ScopedRecord)
