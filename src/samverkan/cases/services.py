"""Every write to cases: keyword-only, one transaction, audited inside."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.cases.models import Case, CasePerson, CaseStatusChange
from samverkan.cases.workflow import CaseStatus, can_transition
from samverkan.core.identifiers import random_code
from samverkan.core.identity import IdentityNumberError, parse_person_number
from samverkan.core.scoping import get_scope, require_readable_level
from samverkan.core.sharing import share_targets
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import CREATOR_ROLES, Action, Confidentiality


def _new_reference() -> str:
    return f"SA-{timezone.now():%Y}-{random_code(6)}"


@transaction.atomic
def create_case(
    *,
    actor: Any,
    owner: Organisation,
    title: str,
    description: str = "",
    confidentiality: Confidentiality = Confidentiality.INTERNAL,
    shared_with: Iterable[Organisation] = (),
) -> Case:
    scope = get_scope(actor)
    if owner.pk not in scope.orgs_with_role(*CREATOR_ROLES):
        raise PermissionDenied(_("You may not create cases for this organisation."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    require_readable_level(actor, owner, confidentiality)
    targets = share_targets(owner, shared_with)
    case = Case(
        owner=owner,
        title=title,
        description=description,
        confidentiality=Confidentiality(confidentiality).value,
        reference=_new_reference(),
        created_by=actor,
    )
    case.full_clean()
    case.save()
    case.shared_with.set(targets)
    CaseStatusChange.objects.create(case=case, to_status=case.status, changed_by=actor)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=case,
        organisation=owner,
        details={
            "confidentiality": case.confidentiality,
            "shared_with": sorted(t.name for t in targets),
        },
    )
    return case


@transaction.atomic
def update_case(
    *,
    actor: Any,
    case: Case,
    title: str,
    description: str,
    confidentiality: Confidentiality,
) -> Case:
    if not Case.objects.allowed(actor, Action.CHANGE, case.pk):
        raise PermissionDenied(_("You may not change this case."))
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    require_readable_level(actor, case.owner, confidentiality)
    changed = []
    for field, value in (
        ("title", title),
        ("description", description),
        ("confidentiality", Confidentiality(confidentiality).value),
    ):
        if getattr(case, field) != value:
            setattr(case, field, value)
            changed.append(field)
    if changed:
        case.full_clean()
        case.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=case,
            organisation=case.owner,
            details={"fields": changed},
        )
    return case


@transaction.atomic
def set_case_status(*, actor: Any, case: Case, status: CaseStatus, comment: str = "") -> Case:
    if not Case.objects.allowed(actor, Action.CHANGE, case.pk):
        raise PermissionDenied(_("You may not change this case."))
    current = CaseStatus(case.status)
    if not can_transition(current, status):
        raise ValidationError(
            {
                "status": _("A case cannot go from “%(a)s” to “%(b)s”.")
                % {
                    "a": case.get_status_display(),
                    "b": dict(Case._meta.get_field("status").flatchoices)[status.value],
                }
            }
        )
    case.status = status.value
    case.closed_at = timezone.now() if status is CaseStatus.CLOSED else None
    case.save(update_fields=["status", "closed_at", "updated_at"])
    CaseStatusChange.objects.create(
        case=case,
        from_status=current.value,
        to_status=status.value,
        changed_by=actor,
        comment=comment[:500],
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=case,
        organisation=case.owner,
        details={"status": [current.value, status.value]},
    )
    return case


@transaction.atomic
def set_case_sharing(*, actor: Any, case: Case, organisations: Iterable[Organisation]) -> Case:
    if not Case.objects.allowed(actor, Action.SHARE, case.pk):
        raise PermissionDenied(_("You may not change who this case is shared with."))
    targets = share_targets(case.owner, organisations)
    before = {o.pk: o.name for o in case.shared_with.all()}
    after = {o.pk: o.name for o in targets}
    added = sorted(name for pk, name in after.items() if pk not in before)
    removed = sorted(name for pk, name in before.items() if pk not in after)
    case.shared_with.set(targets)
    if added:
        audit.record(
            actor=actor,
            action=AuditAction.SHARE,
            obj=case,
            organisation=case.owner,
            details={"organisations": added},
        )
    if removed:
        audit.record(
            actor=actor,
            action=AuditAction.UNSHARE,
            obj=case,
            organisation=case.owner,
            details={"organisations": removed},
        )
    return case


@transaction.atomic
def delete_case(*, actor: Any, case: Case) -> None:
    if not Case.objects.allowed(actor, Action.DELETE, case.pk):
        raise PermissionDenied(_("You may not delete this case."))
    audit.record(actor=actor, action=AuditAction.DELETE, obj=case, organisation=case.owner)
    case.delete()


@transaction.atomic
def add_person(
    *, actor: Any, case: Case, name: str, person_number: str = "", role: str = ""
) -> CasePerson:
    if not Case.objects.allowed(actor, Action.CHANGE, case.pk):
        raise PermissionDenied(_("You may not change this case."))
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Enter a name.")})
    normalised = ""
    if person_number.strip():
        try:
            normalised = parse_person_number(person_number).value
        except IdentityNumberError as exc:
            raise ValidationError({"person_number": str(exc)}) from exc
    person = CasePerson(case=case, name=name, person_number=normalised, role=role.strip())
    person.full_clean()
    person.save()
    audit.record(actor=actor, action=AuditAction.CREATE, obj=person, organisation=case.owner)
    return person


@transaction.atomic
def record_person_view(*, actor: Any, case: Case, purpose: str, channel: str = "web") -> None:
    """Audit a read of the persons of a case, with the purpose the user gave."""
    purpose = (purpose or "").strip()
    if len(purpose) < 5:
        raise ValidationError(
            {"purpose": _("State the purpose of the look-up (at least 5 characters).")}
        )
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=case,
        purpose=purpose[:1000],
        details={"record": "persons", "channel": channel, "count": case.persons.count()},
    )


@transaction.atomic
def record_export(*, actor: Any, what: str, count: int, fmt: str) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.EXPORT,
        object_type=what,
        details={"rows": count, "format": fmt},
    )
