"""Writes for joint operations and inspection records: keyword-only, one transaction,
audited inside. Each participating authority records its own inspections."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.scoping import get_scope
from samverkan.core.sharing import share_targets
from samverkan.organisations import collaboration_guard
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import CREATOR_ROLES, Action, Role
from samverkan.ros import riskfacts
from samverkan.ros import toolbox as tb
from samverkan.ros.models import (
    Assignment,
    FollowUpTask,
    InspectionRecord,
    Operation,
    OperationTarget,
    Participation,
    Premises,
)
from samverkan.ros.workflow import Stage, can_transition


def current_toolbox() -> tb.Toolbox:
    """The newest version saved by the administrators, else the shipped catalogue."""
    from samverkan.ros.models import LegalToolboxVersion

    latest = LegalToolboxVersion.objects.first()
    return tb.parse_toolbox(latest.document) if latest else tb.load_default()


def operation_toolbox(operation: Operation) -> tb.Toolbox:
    """The legal toolbox as it was when the operation was planned."""
    return tb.parse_mapping(operation.toolbox) if operation.toolbox else current_toolbox()


def _require_change(actor: Any, operation: Operation) -> None:
    if not Operation.objects.allowed(actor, Action.CHANGE, operation.pk):
        raise PermissionDenied(_("Only the organisation that plans the operation may change it."))


@transaction.atomic
def create_operation(
    *,
    actor: Any,
    owner: Organisation,
    title: str,
    starts_at: datetime,
    ends_at: datetime | None,
    areas: str,
    description: str,
    participants: Sequence[tuple[Organisation, str]],
) -> Operation:
    """Plan an operation; ``participants`` are (organisation, authority kind) pairs. The
    operation is shared with the participating organisations."""
    if owner.pk not in get_scope(actor).orgs_with_role(Role.COORDINATOR, Role.CASE_OFFICER):
        raise PermissionDenied(_("You may not plan operations for this organisation."))
    toolbox = current_toolbox()
    errors: dict[str, str] = {}
    if not title.strip():
        errors["title"] = _("Enter a title.")
    if ends_at is not None and ends_at < starts_at:
        errors["ends_at"] = _("The end is before the start.")
    unknown = [
        kind for _org, kind in participants if kind not in {a.key for a in toolbox.authorities}
    ]
    if unknown:
        errors["participants"] = _("Unknown authority: %(keys)s") % {"keys": ", ".join(unknown)}
    if not participants:
        errors["participants"] = _("Add at least one participating authority.")
    if errors:
        raise ValidationError(errors)
    partners = share_targets(owner, [org for org, _kind in participants])
    collaboration_guard.require_joint_work(owner, partners, field="participants")
    operation = Operation.objects.create(
        owner=owner,
        created_by=actor,
        title=title.strip(),
        starts_at=starts_at,
        ends_at=ends_at,
        areas=areas.strip(),
        description=description.strip(),
        toolbox=tb.to_mapping(toolbox),
    )
    operation.shared_with.set(partners)
    for org, kind in participants:
        Participation.objects.get_or_create(operation=operation, organisation=org, authority=kind)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=operation,
        organisation=owner,
        details={"participants": sorted(f"{org.name}:{kind}" for org, kind in participants)},
    )
    return operation


@transaction.atomic
def add_targets(*, actor: Any, operation: Operation, premises: Iterable[Premises]) -> int:
    """Add premises the planner can see; their addresses become part of the operation,
    which its participants see."""
    _require_change(actor, operation)
    ids = [p.pk for p in premises]
    visible = set(
        Premises.objects.restrict(actor, Action.VIEW)
        .filter(pk__in=ids)
        .values_list("pk", flat=True)
    )
    if len(visible) != len(set(ids)):
        raise PermissionDenied
    existing = set(operation.targets.values_list("premises_id", flat=True))
    new = [OperationTarget(operation=operation, premises_id=pk) for pk in ids if pk not in existing]
    OperationTarget.objects.bulk_create(new)
    if new:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=operation,
            details={"targets_added": len(new)},
        )
    return len(new)


@transaction.atomic
def add_assignment(
    *,
    actor: Any,
    operation: Operation,
    participation: Participation,
    target: OperationTarget,
    task: str,
) -> Assignment:
    _require_change(actor, operation)
    if participation.operation_id != operation.pk or target.operation_id != operation.pk:
        raise ValidationError({"target": _("Choose a target and a participant of this operation.")})
    if not task.strip():
        raise ValidationError({"task": _("Describe the task.")})
    assignment = Assignment.objects.create(
        participation=participation, target=target, task=task.strip()
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=operation,
        details={
            "assignment": {"target": str(target.uid), "participation": str(participation.uid)}
        },
    )
    return assignment


@transaction.atomic
def set_stage(*, actor: Any, operation: Operation, stage: Stage) -> Operation:
    _require_change(actor, operation)
    current = Stage(operation.status)
    if not can_transition(current, stage):
        raise ValidationError(
            {"status": _("The operation cannot go from this stage to the chosen one.")}
        )
    operation.status = stage.value
    operation.save(update_fields=["status", "updated_at"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=operation,
        details={"status": [current.value, stage.value]},
    )
    return operation


@transaction.atomic
def record_inspection(
    *,
    actor: Any,
    operation: Operation,
    target: OperationTarget,
    participation: Participation,
    inspected_on: date,
    findings: Sequence[str],
    sanctions: Sequence[str],
    notes: str = "",
    money_identified: Decimal = Decimal(0),
    money_stopped: Decimal = Decimal(0),
    shared_with: Iterable[Organisation] = (),
) -> InspectionRecord:
    """An authority's own record of one target, owned by that authority's organisation
    and shared with the organisations it chooses (by default the planner)."""
    org = participation.organisation
    if participation.operation_id != operation.pk or target.operation_id != operation.pk:
        raise ValidationError({"target": _("Choose a target and a participant of this operation.")})
    if org.pk not in get_scope(actor).orgs_with_role(*CREATOR_ROLES):
        raise PermissionDenied(_("Only the authority itself records its inspections."))
    toolbox = operation_toolbox(operation)
    authority = toolbox.authority(participation.authority)
    errors: dict[str, str] = {}
    allowed_findings = {f.key for f in authority.findings}
    wrong = [f for f in findings if f not in allowed_findings]
    if wrong:
        errors["findings"] = _("Not in this authority's catalogue: %(keys)s") % {
            "keys": ", ".join(wrong)
        }
    not_allowed = [s for s in sanctions if not toolbox.may_use(authority.key, s)]
    if not_allowed:
        errors["sanctions"] = _("This authority may not use: %(keys)s") % {
            "keys": ", ".join(not_allowed)
        }
    if money_identified < 0 or money_stopped < 0:
        errors["money_identified"] = _("Amounts cannot be negative.")
    if errors:
        raise ValidationError(errors)
    targets = list(shared_with) or ([operation.owner] if operation.owner_id != org.pk else [])
    record = InspectionRecord.objects.create(
        owner=org,
        created_by=actor,
        operation=operation,
        target=target,
        authority=authority.key,
        inspected_on=inspected_on,
        findings=sorted(set(findings)),
        sanctions=sorted(set(sanctions)),
        notes=notes.strip(),
        money_identified=money_identified,
        money_stopped=money_stopped,
    )
    record.shared_with.set(share_targets(org, targets))
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=record,
        organisation=org,
        details={"findings": len(record.findings), "sanctions": record.sanctions},
    )
    from samverkan.ros.services import affected_premises

    riskfacts.recompute(premises_ids=affected_premises(record))
    return record


@transaction.atomic
def add_follow_up(
    *, actor: Any, inspection: InspectionRecord, title: str, owner: Any | None, due_on: date | None
) -> FollowUpTask:
    if not InspectionRecord.objects.allowed(actor, Action.CHANGE, inspection.pk):
        raise PermissionDenied
    if not title.strip():
        raise ValidationError({"title": _("Describe the task.")})
    task = FollowUpTask.objects.create(
        inspection=inspection, title=title.strip(), owner=owner, due_on=due_on
    )
    audit.record(
        actor=actor, action=AuditAction.UPDATE, obj=inspection, details={"follow_up": str(task.uid)}
    )
    return task


@transaction.atomic
def set_follow_up_done(*, actor: Any, task: FollowUpTask, done: bool) -> FollowUpTask:
    if not InspectionRecord.objects.allowed(actor, Action.CHANGE, task.inspection_id):
        raise PermissionDenied
    task.done = done
    task.save(update_fields=["done"])
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=task.inspection,
        details={"follow_up_done": task.pk},
    )
    return task
