"""Every write to collaboration agreements: keyword-only, one transaction, audited inside,
and a row in the agreement's append-only history for every change."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.collaboration.models import (
    Agreement,
    AgreementEvent,
    AssignedFunction,
    Decision,
    EventKind,
    Party,
    ReceivedRecord,
    WorkArea,
)
from samverkan.collaboration.selectors import WRITER_ROLES, agreement_status, can_manage
from samverkan.core import sharing
from samverkan.core.identity import redact
from samverkan.core.scoping import get_scope
from samverkan.organisations.models import Collaboration, Organisation

DOCUMENT_MAX_BYTES = 20 * 1024 * 1024
DOCUMENT_TYPES = {"pdf", "docx", "odt", "txt"}


def _acting_org(actor: Any, candidates: set[int]) -> Organisation:
    orgs = get_scope(actor).orgs_with_role(*WRITER_ROLES) & candidates
    if not orgs:
        raise PermissionDenied(_("Only a coordinator of a party may change the agreement."))
    return Organisation.objects.get(pk=min(orgs))


def _require_manager(actor: Any, agreement: Agreement) -> Organisation:
    if not can_manage(actor, agreement):
        raise PermissionDenied(_("Only a coordinator of a party may change the agreement."))
    members = set(agreement.collaboration.members.values_list("pk", flat=True))
    return _acting_org(actor, members | _active_party_ids(agreement))


def _active_party_ids(agreement: Agreement) -> set[int]:
    return set(
        agreement.parties.filter(left_on__isnull=True).values_list("organisation_id", flat=True)
    )


def _lock(agreement: Agreement) -> Agreement:
    return Agreement.objects.select_for_update().get(pk=agreement.pk)


def _event(
    *,
    agreement: Agreement,
    actor: Any,
    kind: EventKind,
    organisation: Organisation | None = None,
    effective_on: date | None = None,
    details: dict[str, Any] | None = None,
) -> AgreementEvent:
    return AgreementEvent.objects.create(
        agreement=agreement,
        actor=actor if getattr(actor, "is_authenticated", False) else None,
        kind=kind.value,
        organisation=organisation,
        effective_on=effective_on,
        details=details or {},
    )


def _note_force_change(agreement: Agreement, actor: Any, was_in_force: bool) -> None:
    now = agreement_status(agreement)
    if now.in_force != was_in_force:
        _event(
            agreement=agreement,
            actor=actor,
            kind=EventKind.IN_FORCE if now.in_force else EventKind.NOT_IN_FORCE,
            effective_on=timezone.localdate(),
            details={"missing": list(now.missing)},
        )


def _no_identity_numbers(errors: dict[str, str], **fields: str) -> None:
    for name, value in fields.items():
        if value and redact(value) != value:
            errors[name] = _("Do not enter identity numbers here.")


@transaction.atomic
def create_agreement(
    *,
    actor: Any,
    collaboration: Collaboration,
    title: str,
    parties: Sequence[tuple[Organisation, bool]],
    joined_on: date,
    period_start: date | None = None,
    period_end: date | None = None,
    renewal_note: str = "",
    work_areas: Sequence[str] = (),
) -> Agreement:
    """Record the agreement of a collaboration; ``parties`` are (organisation, required)
    pairs among the collaboration's members."""
    members = set(collaboration.members.values_list("pk", flat=True))
    org = _acting_org(actor, members)
    errors: dict[str, str] = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = _("Enter a title.")
    if Agreement.objects.filter(collaboration=collaboration).exists():
        errors["collaboration"] = _("The collaboration already has an agreement.")
    if not parties:
        errors["parties"] = _("Choose at least one party.")
    outside = [o.name for o, _required in parties if o.pk not in members]
    if outside:
        errors["parties"] = _("Not a member of the collaboration: %(names)s") % {
            "names": ", ".join(outside)
        }
    if period_start and period_end and period_end < period_start:
        errors["period_end"] = _("The period ends before it starts.")
    if errors:
        raise ValidationError(errors)
    agreement = Agreement.objects.create(
        collaboration=collaboration,
        title=title,
        period_start=period_start,
        period_end=period_end,
        renewal_note=renewal_note.strip(),
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    for organisation, required in parties:
        Party.objects.create(
            agreement=agreement, organisation=organisation, required=required, joined_on=joined_on
        )
    for position, name in enumerate(n.strip() for n in work_areas):
        if name:
            WorkArea.objects.create(agreement=agreement, name=name, position=position)
    _event(
        agreement=agreement,
        actor=actor,
        kind=EventKind.CREATED,
        organisation=org,
        effective_on=joined_on,
        details={
            "parties": sorted(o.name for o, _r in parties),
            "not_required": sorted(o.name for o, r in parties if not r),
        },
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=agreement,
        organisation=org,
        details={"parties": sorted(o.name for o, _r in parties)},
    )
    _note_force_change(agreement, actor, was_in_force=False)
    return agreement


@transaction.atomic
def update_agreement(
    *,
    actor: Any,
    agreement: Agreement,
    title: str,
    period_start: date | None,
    period_end: date | None,
    renewal_note: str,
) -> Agreement:
    agreement = _lock(agreement)
    org = _require_manager(actor, agreement)
    was = agreement_status(agreement).in_force
    title = (title or "").strip()
    if not title:
        raise ValidationError({"title": _("Enter a title.")})
    if period_start and period_end and period_end < period_start:
        raise ValidationError({"period_end": _("The period ends before it starts.")})
    changed = []
    for field, value in (
        ("title", title),
        ("period_start", period_start),
        ("period_end", period_end),
        ("renewal_note", renewal_note.strip()),
    ):
        if getattr(agreement, field) != value:
            setattr(agreement, field, value)
            changed.append(field)
    if changed:
        agreement.save()
        _event(
            agreement=agreement,
            actor=actor,
            kind=EventKind.CHANGED,
            organisation=org,
            details={"fields": changed},
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=agreement,
            organisation=org,
            details={"fields": changed},
        )
        _note_force_change(agreement, actor, was)
    return agreement


@transaction.atomic
def record_decision(
    *,
    actor: Any,
    agreement: Agreement,
    organisation: Organisation,
    decided_on: date,
    body: str,
    paragraph: str = "",
    conditions: str = "",
    document: UploadedFile | None = None,
) -> Decision:
    """A party's decision, recorded by a coordinator of that party."""
    agreement = _lock(agreement)
    if organisation.pk not in get_scope(actor).orgs_with_role(*WRITER_ROLES):
        raise PermissionDenied(_("Only a coordinator of the party records its decision."))
    party = agreement.parties.filter(organisation=organisation, left_on__isnull=True).first()
    errors: dict[str, str] = {}
    if party is None:
        errors["organisation"] = _("The organisation is not a party to the agreement.")
    if decided_on > timezone.localdate():
        errors["decided_on"] = _("The date cannot be in the future.")
    body = (body or "").strip()
    if not body:
        errors["body"] = _("Enter the body that decided, for instance Kommunstyrelsen.")
    _no_identity_numbers(errors, conditions=conditions, body=body, paragraph=paragraph)
    document_name = (document.name or "") if document is not None else ""
    if document is not None:
        suffix = document_name.rsplit(".", 1)[-1].lower() if "." in document_name else ""
        if suffix not in DOCUMENT_TYPES:
            errors["document"] = _("Attach a PDF, DOCX, ODT or text file.")
        elif document.size is not None and document.size > DOCUMENT_MAX_BYTES:
            errors["document"] = _("The file is too large (at most 20 MB).")
    if errors:
        raise ValidationError(errors)
    was = agreement_status(agreement).in_force
    decision = Decision(
        agreement=agreement,
        organisation=organisation,
        decided_on=decided_on,
        body=body,
        paragraph=paragraph.strip(),
        conditions=conditions.strip(),
        recorded_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    if document is not None:
        decision.document_name = document_name[-200:]
        decision.document.save(document_name, document, save=False)
    decision.save()
    _event(
        agreement=agreement,
        actor=actor,
        kind=EventKind.DECISION,
        organisation=organisation,
        effective_on=decided_on,
        details={"body": decision.body, "paragraph": decision.paragraph},
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=decision,
        organisation=organisation,
        details={"agreement": str(agreement.pk), "decided_on": decided_on.isoformat()},
    )
    _note_force_change(agreement, actor, was)
    return decision


@transaction.atomic
def join_party(
    *,
    actor: Any,
    agreement: Agreement,
    organisation: Organisation,
    joined_on: date,
    required: bool = True,
) -> Party:
    """A new party (a third municipality): it becomes a member of the collaboration, and
    while it is required and has not decided the agreement is not in force."""
    agreement = _lock(agreement)
    org = _require_manager(actor, agreement)
    if agreement.parties.filter(organisation=organisation).exists():
        raise ValidationError(
            {"organisation": _("The organisation is or has been a party to the agreement.")}
        )
    if not organisation.is_active:
        raise ValidationError({"organisation": _("The organisation is not active.")})
    was = agreement_status(agreement).in_force
    party = Party.objects.create(
        agreement=agreement, organisation=organisation, required=required, joined_on=joined_on
    )
    agreement.collaboration.members.add(organisation)
    _event(
        agreement=agreement,
        actor=actor,
        kind=EventKind.JOINED,
        organisation=organisation,
        effective_on=joined_on,
        details={"required": required},
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=agreement,
        organisation=org,
        details={"joined": organisation.name, "required": required, "on": joined_on.isoformat()},
    )
    _note_force_change(agreement, actor, was)
    return party


@transaction.atomic
def set_party_required(
    *, actor: Any, agreement: Agreement, organisation: Organisation, required: bool
) -> Party:
    agreement = _lock(agreement)
    org = _require_manager(actor, agreement)
    party = agreement.parties.filter(organisation=organisation, left_on__isnull=True).first()
    if party is None:
        raise ValidationError(
            {"organisation": _("The organisation is not a party to the agreement.")}
        )
    if party.required == required:
        return party
    was = agreement_status(agreement).in_force
    party.required = required
    party.save(update_fields=["required"])
    _event(
        agreement=agreement,
        actor=actor,
        kind=EventKind.REQUIREMENT,
        organisation=organisation,
        details={"required": required},
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=agreement,
        organisation=org,
        details={"party": organisation.name, "required": required},
    )
    _note_force_change(agreement, actor, was)
    return party


@dataclass(frozen=True)
class Departure:
    party: Party
    withdrawn: int  # records whose sharing was withdrawn (both directions)
    received: list[ReceivedRecord]


@transaction.atomic
def leave_party(
    *, actor: Any, agreement: Agreement, organisation: Organisation, left_on: date
) -> Departure:
    """A party leaves from ``left_on`` (today or earlier). It stops being a member of the
    collaboration, and every share between it and the organisations it no longer has a
    collaboration with is withdrawn; what it had received is kept as a list (kind, id,
    title) for its own follow-up."""
    agreement = _lock(agreement)
    org = _require_manager(actor, agreement)
    party = agreement.parties.filter(organisation=organisation, left_on__isnull=True).first()
    errors: dict[str, str] = {}
    if party is None:
        errors["organisation"] = _("The organisation is not a party to the agreement.")
    elif left_on < party.joined_on:
        errors["left_on"] = _("The date is before the party joined.")
    if left_on > timezone.localdate():
        errors["left_on"] = _(
            "Record the departure on the day it takes effect or later: sharing is withdrawn "
            "when it is recorded."
        )
    if errors:
        raise ValidationError(errors)
    assert party is not None
    was = agreement_status(agreement).in_force
    party.left_on = left_on
    party.save(update_fields=["left_on"])
    collaboration = agreement.collaboration
    former = set(collaboration.members.values_list("pk", flat=True)) - {organisation.pk}
    collaboration.members.remove(organisation)
    still = set(
        Organisation.objects.filter(collaborations__members=organisation).values_list(
            "pk", flat=True
        )
    )
    withdrawn = sharing.withdraw_between(
        actor=actor,
        organisation=organisation,
        others=former - still,
        reason=_("%(organisation)s left %(collaboration)s")
        % {"organisation": organisation.name, "collaboration": collaboration.name},
    )
    received = [
        ReceivedRecord.objects.create(
            agreement=agreement,
            organisation=organisation,
            withdrawn_on=left_on,
            record_type=w.record_type,
            record_id=w.record_id,
            owner_id=w.owner_id,
            confidentiality=w.confidentiality,
            label=w.label,
        )
        for w in withdrawn
        if w.received
    ]
    _event(
        agreement=agreement,
        actor=actor,
        kind=EventKind.LEFT,
        organisation=organisation,
        effective_on=left_on,
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        obj=agreement,
        organisation=org,
        details={"left": organisation.name, "on": left_on.isoformat()},
    )
    _note_force_change(agreement, actor, was)
    return Departure(party=party, withdrawn=len(withdrawn), received=received)


@transaction.atomic
def assign_function(
    *,
    actor: Any,
    agreement: Agreement,
    function: str,
    organisation: Organisation,
    person_name: str = "",
    contact: str = "",
) -> AssignedFunction:
    """A function the agreement assigns work to, with a name and a work contact; never an
    identity number."""
    agreement = _lock(agreement)
    org = _require_manager(actor, agreement)
    errors: dict[str, str] = {}
    function = (function or "").strip()
    if not function:
        errors["function"] = _("Enter the function, for instance Säkerhetschef.")
    if organisation.pk not in _active_party_ids(agreement) | set(
        agreement.collaboration.members.values_list("pk", flat=True)
    ):
        errors["organisation"] = _("Choose a party or member of the collaboration.")
    _no_identity_numbers(errors, person_name=person_name, contact=contact)
    if errors:
        raise ValidationError(errors)
    assigned = AssignedFunction.objects.create(
        agreement=agreement,
        function=function,
        organisation=organisation,
        person_name=person_name.strip(),
        contact=contact.strip(),
    )
    _event(
        agreement=agreement,
        actor=actor,
        kind=EventKind.FUNCTION,
        organisation=organisation,
        details={"function": function},
    )
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=assigned,
        organisation=org,
        details={"function": function},
    )
    return assigned
