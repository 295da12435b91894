"""Every write of the ROS module: keyword-only, one transaction, audited inside."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.imports import check_lengths, max_lengths
from samverkan.core.scoping import ScopedRecord, get_scope, level_error
from samverkan.core.sharing import share_targets
from samverkan.core.tabular import Problem, Row, TableError
from samverkan.organisations.models import Organisation, OrganisationType
from samverkan.organisations.roles import CREATOR_ROLES, Action, Confidentiality
from samverkan.ros import grading, riskfacts
from samverkan.ros.importing import ParsedRow, parse_rows
from samverkan.ros.models import ActivityKind, Business, Permit, PersonRole, Premises, Signal


def _require_creator(actor: Any, owner: Organisation) -> None:
    if owner.pk not in get_scope(actor).orgs_with_role(*CREATOR_ROLES):
        raise PermissionDenied(_("You may not add records for this organisation."))


@transaction.atomic
def set_sharing(*, actor: Any, record: ScopedRecord, organisations: Iterable[Organisation]) -> None:
    """Share any ROS record with exactly these organisations (the owner decides)."""
    model: Any = type(record)
    if not model.objects.allowed(actor, Action.SHARE, record.pk):
        raise PermissionDenied(_("You may not change who this is shared with."))
    targets = share_targets(record.owner, organisations)
    before = {o.name for o in record.shared_with.all()}
    record.shared_with.set(targets)
    after = {o.name for o in targets}
    if after != before:
        audit.record(
            actor=actor,
            action=AuditAction.SHARE if after - before else AuditAction.UNSHARE,
            obj=record,
            details={"added": sorted(after - before), "removed": sorted(before - after)},
        )
        # Who sees the record changed, so every viewer's risk built on it may change; in
        # this transaction, so that a risk row never outlives its viewer's access.
        riskfacts.recompute(premises_ids=affected_premises(record))


# --- Register import --------------------------------------------------------------


@dataclass
class ImportSummary:
    rows: int = 0
    premises_new: int = 0
    premises_matched: int = 0
    businesses_new: int = 0
    businesses_matched: int = 0
    permits_new: int = 0
    permits_matched: int = 0
    persons_new: int = 0
    problems: list[Problem] = field(default_factory=list)
    # Premises whose risk may have changed: those in the file and the others of their businesses.
    touched: set[Any] = field(default_factory=set)


def _lookups() -> tuple[dict[str, str], dict[str, str]]:
    municipalities: dict[str, str] = {}
    for org in Organisation.objects.filter(type=OrganisationType.MUNICIPALITY, is_active=True):
        base = org.name.removesuffix(" kommun")
        # "<Name>s kommun" is also written "<Name>"; the SCB code works too.
        names = (org.name, org.short_name, base, base.removesuffix("s"), org.municipality_code)
        for name in names:
            if name:
                municipalities[name.lower()] = str(org.pk)
    kinds: dict[str, str] = {}
    for kind in ActivityKind.objects.all():
        kinds[kind.key.lower()] = kind.key
        kinds[kind.name.lower()] = kind.key
    return municipalities, kinds


# The model field each text column of a register extract is stored in: values longer than
# the field are refused with the row and column (SQLite would store them whole). Identity
# numbers, municipalities, kinds, permit types and dates are checked by their own parsers.
REGISTER_FIELDS: dict[str, tuple[type[Any], str]] = {
    "address": (Premises, "address"),
    "postal_code": (Premises, "postal_code"),
    "property_designation": (Premises, "property_designation"),
    "name": (Premises, "name"),
    "business_name": (Business, "name"),
    "legal_form": (Business, "legal_form"),
    "line_of_business": (Business, "line_of_business"),
    "issuer": (Permit, "issuer"),
    "reference": (Permit, "reference"),
    "person_name": (PersonRole, "name"),
}


def _long_address_keys(rows: Sequence[Row], parsed: Sequence[ParsedRow]) -> list[Problem]:
    """The comparison key writes abbreviations out ("Kungsg." → "kungsgatan"), so an
    address within its own limit can still make a key longer than its field."""
    limit = max_lengths({"key": (Premises, "normalised_address")})["key"]
    labels = {row.number: row.label("address") for row in rows}
    return [
        Problem(
            row.number,
            labels.get(row.number, "address"),
            _("the address is too long once abbreviations are written out (%(limit)d).")
            % {"limit": limit},
        )
        for row in parsed
        if len(row.address_key) > limit
    ]


def import_register(
    *, actor: Any, owner: Organisation, rows: Sequence[Row], commit: bool
) -> ImportSummary:
    """Check (``commit=False``: the preview) or apply a register extract. De-duplicates
    premises on the normalised address and businesses on the organisation number within
    the owner's register. All rows or none."""
    _require_creator(actor, owner)
    municipalities, kinds = _lookups()
    parsed, problems = parse_rows(rows, municipalities=municipalities, kinds=kinds)
    problems = check_lengths(rows, max_lengths(REGISTER_FIELDS)) + problems
    problems += _long_address_keys(rows, parsed)
    summary = ImportSummary(rows=len(rows), problems=problems)
    if not rows:
        summary.problems.append(Problem(None, None, _("The file has no rows.")))
    if summary.problems:
        if commit:
            raise TableError(summary.problems)
        return summary
    with transaction.atomic():
        _apply(actor=actor, owner=owner, parsed=parsed, summary=summary, commit=commit)
        if commit:
            riskfacts.recompute(premises_ids=riskfacts.neighbourhood(summary.touched))
            audit.record(
                actor=actor,
                action=AuditAction.CREATE,
                object_type="ros.import",
                organisation=owner,
                details={
                    "rows": summary.rows,
                    "premises_new": summary.premises_new,
                    "businesses_new": summary.businesses_new,
                    "permits_new": summary.permits_new,
                },
            )
    return summary


def _apply(
    *,
    actor: Any,
    owner: Organisation,
    parsed: list[ParsedRow],
    summary: ImportSummary,
    commit: bool,
) -> None:
    existing_premises = {
        p.normalised_address: p
        for p in Premises.objects.filter(owner=owner).only("id", "normalised_address")
    }
    existing_businesses = {
        b.organisation_number: b
        for b in Business.objects.filter(owner=owner).only("id", "organisation_number")
    }
    kinds = {k.key: k for k in ActivityKind.objects.all()}
    seen_permits: set[tuple[str, str, str, str]] = set()
    if existing_premises:
        seen_permits = {
            (str(p.premises_id), p.type, p.reference, str(p.valid_from or ""))
            for p in Permit.objects.filter(owner=owner)
        }
    existing_persons = {
        (p.name, p.person_number, p.role, str(p.business_id or ""), str(p.premises_id or ""))
        for p in PersonRole.objects.filter(owner=owner)
    }
    persons: list[PersonRole] = []
    new_premises: dict[str, Premises] = {}
    new_businesses: dict[str, Business] = {}
    links: set[tuple[str, str]] = set()
    permits: list[Permit] = []
    for row in parsed:
        key = row.address_key
        premises = existing_premises.get(key) or new_premises.get(key)
        if premises is None:
            premises = Premises(
                owner=owner,
                created_by=actor,
                name=row.name,
                address=row.address,
                postal_code=row.postal_code,
                municipality_id=int(row.municipality),
                latitude=row.latitude,
                longitude=row.longitude,
                property_designation=row.property_designation,
                kind=kinds.get(row.kind),
                normalised_address=key,
                confidentiality=Confidentiality.INTERNAL.value,
            )
            new_premises[key] = premises
            summary.premises_new += 1
        elif key in existing_premises:
            summary.premises_matched += 1
        business = None
        if row.organisation_number:
            number = row.organisation_number
            business = existing_businesses.get(number) or new_businesses.get(number)
            if business is None:
                business = Business(
                    owner=owner,
                    created_by=actor,
                    organisation_number=number,
                    name=row.business_name or number,
                    legal_form=row.legal_form,
                    line_of_business=row.line_of_business,
                )
                new_businesses[number] = business
                summary.businesses_new += 1
            elif number in existing_businesses:
                summary.businesses_matched += 1
            links.add((key, number))
        if row.person_name:
            person_key = (
                row.person_name,
                row.person_number,
                row.person_role,
                str(business.pk) if business else "",
                "" if business else str(premises.pk),
            )
            if person_key not in existing_persons:
                existing_persons.add(person_key)
                persons.append(
                    PersonRole(
                        owner=owner,
                        created_by=actor,
                        name=row.person_name,
                        person_number=row.person_number,
                        role=row.person_role,
                        business=business,
                        premises=None if business else premises,
                        # Register data like the rest of the row; reading it still needs a
                        # stated purpose and is audited.
                        confidentiality=Confidentiality.INTERNAL.value,
                    )
                )
                summary.persons_new += 1
        if row.permit_type:
            identity = (str(premises.pk), row.permit_type, row.reference, str(row.valid_from or ""))
            if identity in seen_permits:
                summary.permits_matched += 1
            else:
                seen_permits.add(identity)
                permits.append(
                    Permit(
                        owner=owner,
                        created_by=actor,
                        premises=premises,
                        business=business,
                        type=row.permit_type,
                        status=row.permit_status,
                        valid_from=row.valid_from,
                        valid_to=row.valid_to,
                        issuer=row.issuer,
                        reference=row.reference,
                    )
                )
                summary.permits_new += 1
    if not commit:
        return
    Premises.objects.bulk_create(new_premises.values(), batch_size=2000)
    Business.objects.bulk_create(new_businesses.values(), batch_size=2000)
    Permit.objects.bulk_create(permits, batch_size=2000)
    PersonRole.objects.bulk_create(persons, batch_size=2000)
    premises_by_key = {**existing_premises, **new_premises}
    businesses_by_number = {**existing_businesses, **new_businesses}
    through: Any = Business.premises.through
    touched_rows = {premises_by_key[row.address_key].pk for row in parsed}
    touched_businesses = [businesses_by_number[n].pk for _k, n in links]
    summary.touched = touched_rows | set(
        through.objects.filter(business_id__in=touched_businesses).values_list(
            "premises_id", flat=True
        )
    )
    current = set(
        through.objects.filter(business__owner=owner).values_list("business_id", "premises_id")
    )
    through.objects.bulk_create(
        [
            through(business_id=businesses_by_number[n].pk, premises_id=premises_by_key[k].pk)
            for k, n in links
            if (businesses_by_number[n].pk, premises_by_key[k].pk) not in current
        ],
        batch_size=2000,
    )


# --- Signals -------------------------------------------------------------------------


@transaction.atomic
def record_signal(
    *,
    actor: Any,
    owner: Organisation,
    description: str,
    observed_on: date,
    reliability: str,
    credibility: str,
    kind: str = "observation",
    premises: Premises | None = None,
    business: Business | None = None,
    person: PersonRole | None = None,
    shared_with: Iterable[Organisation] = (),
    confidentiality: Confidentiality = Confidentiality.RESTRICTED,
) -> Signal:
    _require_creator(actor, owner)
    errors: dict[str, str] = {}
    if premises is None and business is None and person is None:
        errors["premises"] = _("Choose the premises, business or person the signal concerns.")
    if not description.strip():
        errors["description"] = _("Describe the signal.")
    if reliability not in {r.value for r in grading.SourceReliability}:
        errors["reliability"] = _("Choose a grade A–F.")
    if credibility not in {c.value for c in grading.InformationCredibility}:
        errors["credibility"] = _("Choose a grade 1–6.")
    if observed_on > date.today():
        errors["observed_on"] = _("The date cannot be in the future.")
    if (level := level_error(actor, owner, confidentiality)) is not None:
        errors["confidentiality"] = level
    if errors:
        raise ValidationError(errors)
    targets = share_targets(owner, shared_with)
    signal = Signal.objects.create(
        owner=owner,
        created_by=actor,
        premises=premises,
        business=business,
        person=person,
        kind=kind,
        description=description.strip(),
        observed_on=observed_on,
        reliability=reliability,
        credibility=credibility,
        confidentiality=Confidentiality(confidentiality).value,
    )
    signal.shared_with.set(targets)
    audit.record(
        actor=actor,
        action=AuditAction.CREATE,
        obj=signal,
        organisation=owner,
        details={
            "shared_with": sorted(o.name for o in targets),
            "grade": reliability + credibility,
        },
    )
    riskfacts.recompute(premises_ids=affected_premises(signal))
    return signal


def affected_premises(record: Any) -> set[Any]:
    """Premises whose risk (for any viewer) may change when ``record`` is added, or
    when who can see it changes."""
    from samverkan.ros.models import InspectionRecord

    if isinstance(record, Signal | Permit):
        return {record.premises_id} if record.premises_id else set()
    if isinstance(record, Premises):
        return riskfacts.neighbourhood([record.pk])
    if isinstance(record, Business):
        return riskfacts.neighbourhood(record.premises.values_list("pk", flat=True))
    if isinstance(record, PersonRole):
        ids = {record.premises_id}
        if record.business is not None:
            ids |= set(record.business.premises.values_list("pk", flat=True))
        return riskfacts.neighbourhood(ids)
    if isinstance(record, InspectionRecord):
        return riskfacts.neighbourhood([record.target.premises_id])
    return set()


@transaction.atomic
def record_person_view(*, actor: Any, premises: Premises, purpose: str, count: int) -> None:
    """Audit a look at the persons connected to a premises, with the stated purpose."""
    purpose = (purpose or "").strip()
    if len(purpose) < 5:
        raise ValidationError(
            {"purpose": _("State the purpose of the look-up (at least 5 characters).")}
        )
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=premises,
        purpose=purpose[:1000],
        details={"record": "persons", "count": count},
    )


@transaction.atomic
def record_person_shown(
    *, actor: Any, premises: Premises, person: PersonRole, purpose: str
) -> None:
    """Audit that a page (the signal form) named one person, with the purpose stated."""
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        obj=person,
        purpose=purpose[:1000],
        details={"record": "person", "premises": str(premises.pk), "page": "signal"},
    )


@transaction.atomic
def record_map_view(*, actor: Any, rows: int, truncated: bool) -> None:
    """Audit one request for the map's data (the premises shown, as in the export)."""
    audit.record(
        actor=actor,
        action=AuditAction.VIEW,
        object_type="ros.premises",
        details={"list": "map", "rows": rows, "format": "geojson", "truncated": truncated},
    )


@transaction.atomic
def record_signal_view(*, actor: Any, premises: Premises, signals: Sequence[Signal]) -> None:
    """Every view of a signal is audited, one entry per signal, so that the auditors of
    the organisation that recorded it see who read it."""
    for signal in signals:
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            obj=signal,
            details={"record": "signal", "premises": str(premises.pk)},
        )
