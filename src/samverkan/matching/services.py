"""Every write of the matching module: uploads, runs, the investigation of matches and the
deletion of encodings. Each function is one transaction with its audit entries inside."""

from __future__ import annotations

import hashlib
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.identifiers import random_code
from samverkan.core.scoping import get_scope
from samverkan.matching import engine, matchtypes, uploads
from samverkan.matching.matchtypes import Catalogue, MatchType, Recipient
from samverkan.matching.models import (
    DatasetEncodings,
    DemoRecord,
    EncodedDataset,
    EventKind,
    Match,
    MatchEvent,
    MatchRun,
    MatchTypeCatalogueVersion,
    RunStatus,
)
from samverkan.matching.workflow import MatchStatus, Outcome, can_transition
from samverkan.organisations import collaboration_guard
from samverkan.organisations.models import Collaboration, Organisation
from samverkan.organisations.roles import Action, Confidentiality, Role

UPLOAD_ROLES = (Role.COORDINATOR, Role.CASE_OFFICER)
RUN_ROLES = (Role.COORDINATOR,)
Progress = Callable[[int, int, str], None]


# --------------------------------------------------------------------------- catalogue


def current_catalogue() -> tuple[Catalogue, str]:
    """The newest catalogue version edited by administrators, else the shipped one."""
    latest = MatchTypeCatalogueVersion.objects.first()
    text = latest.document if latest else matchtypes.default_text()
    return matchtypes.parse_catalogue(text), text


# --------------------------------------------------------------------------- datasets


def _require_role(actor: Any, organisation: Organisation, roles: tuple[Role, ...]) -> None:
    if organisation.pk not in get_scope(actor).orgs_with_role(*roles):
        raise PermissionDenied


def upload_dataset(
    *,
    actor: Any,
    owner: Organisation,
    content: bytes,
    dataset_type: str,
    period_start: date,
    period_end: date,
    municipality_code: str,
    description: str = "",
) -> EncodedDataset:
    """Store an encoded dataset after validating all of it; nothing is kept on any error."""
    _require_role(actor, owner, UPLOAD_ROLES)
    errors: dict[str, list[str]] = {}
    if dataset_type not in {t.value for t in matchtypes.DatasetType}:
        errors["dataset_type"] = [_("Unknown dataset type.")]
    if period_end < period_start:
        errors["period_end"] = [_("The period ends before it starts.")]
    if not re.fullmatch(r"\d{4}", municipality_code or ""):
        errors["municipality_code"] = [_("Choose the municipality the dataset concerns.")]
    if errors:
        raise ValidationError(errors)
    try:
        parsed = uploads.parse(
            content,
            period_start=period_start,
            period_end=period_end,
            max_bytes=settings.MATCHING_MAX_UNPACKED_MB * 1024 * 1024,
        )
    except uploads.UploadError as error:
        raise ValidationError({"file": error.errors}) from error
    with transaction.atomic():
        dataset = EncodedDataset.objects.create(
            owner=owner,
            confidentiality=Confidentiality.RESTRICTED.value,
            created_by=actor,
            dataset_type=dataset_type,
            period_start=period_start,
            period_end=period_end,
            municipality_code=municipality_code,
            description=description.strip(),
            schema_fingerprint=parsed.fingerprint,
            clk_bits=parsed.clk_bits,
            record_count=parsed.size,
            token_count=parsed.token_count,
            invalid_rows=parsed.invalid_rows,
            file_sha256=hashlib.sha256(content).hexdigest(),
            encodings_expire_at=timezone.now() + timedelta(days=settings.MATCHING_ENCODING_DAYS),
        )
        DatasetEncodings.objects.create(dataset=dataset, payload=uploads.dump_payload(parsed))
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=dataset,
            details={
                "type": dataset_type,
                "records": parsed.size,
                "with_identity_number": parsed.token_count,
                "period": f"{period_start}–{period_end}",
                "sha256": dataset.file_sha256,
            },
        )
    return dataset


def keep_demo_rows(*, dataset: EncodedDataset, rows: dict[str, dict[str, str]]) -> None:
    """Demo only: keep the synthetic clear-text row behind each reference so that
    re-identification can be shown on the server. Deleted with the encodings."""
    with transaction.atomic():
        DemoRecord.objects.bulk_create(
            [DemoRecord(dataset=dataset, ref=ref, data=data) for ref, data in rows.items()],
            batch_size=1000,
        )


def _erase_encodings(datasets: Any) -> list[str]:
    ids = [str(pk) for pk in datasets.values_list("pk", flat=True)]
    DatasetEncodings.objects.filter(dataset_id__in=ids).delete()
    DemoRecord.objects.filter(dataset_id__in=ids).delete()
    datasets.update(encodings_deleted_at=timezone.now())
    return ids


def delete_encodings(*, actor: Any, dataset: EncodedDataset) -> None:
    """The owner deletes a dataset's encodings before their time; the row and the matches
    found stay."""
    if not EncodedDataset.objects.allowed(actor, Action.DELETE, dataset.pk):
        raise PermissionDenied
    with transaction.atomic():
        _erase_encodings(EncodedDataset.objects.filter(pk=dataset.pk))
        audit.record(
            actor=actor, action=AuditAction.DELETE, obj=dataset, details={"encodings": True}
        )


def delete_expired_encodings(*, actor: Any | None = None, dry_run: bool = False) -> int:
    """Delete every encoding past its time (``SAMVERKAN_MATCH_ENCODING_DAYS``); with
    ``dry_run`` only count them.

    The deletion is the system's, whoever's action set it off (a run starts with it): one
    entry per dataset, without an actor, for the dataset's owner. One entry in the name of
    the starter would show the starter's auditors how many datasets other organisations
    had."""
    with transaction.atomic():
        expired = EncodedDataset.objects.filter(
            encodings_deleted_at__isnull=True, encodings_expire_at__lte=timezone.now()
        )
        if dry_run:
            return expired.count()
        datasets = list(expired.select_related("owner"))
        ids = _erase_encodings(expired)
        for dataset in datasets:
            audit.record(
                actor=None,
                action=AuditAction.RETENTION,
                obj=dataset,
                organisation=dataset.owner,
                details={"encodings": True, "expired": True},
            )
    return len(ids)


# --------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class RunPlan:
    datasets: list[EncodedDataset]
    pairs: dict[str, int]


def _run_datasets(
    collaboration: Collaboration, period_start: date, period_end: date, types: set[str]
) -> list[EncodedDataset]:
    """The datasets of the collaboration's members that a run for the period uses: the
    newest upload for each organisation, type and period."""
    candidates = EncodedDataset.objects.filter(
        owner__in=collaboration.members.filter(is_active=True),
        dataset_type__in=types,
        encodings_deleted_at__isnull=True,
        period_start__lte=period_end,
        period_end__gte=period_start,
    ).order_by("-created_at")
    chosen: dict[tuple[int, str, date, date], EncodedDataset] = {}
    for dataset in candidates.select_related("owner"):
        key = (dataset.owner_id, dataset.dataset_type, dataset.period_start, dataset.period_end)
        chosen.setdefault(key, dataset)
    return sorted(chosen.values(), key=lambda d: (d.owner.name, d.dataset_type, d.period_start))


def _info(dataset: EncodedDataset) -> engine.DatasetInfo:
    return engine.DatasetInfo(
        key=str(dataset.pk),
        organisation=dataset.owner_id,
        municipality=dataset.municipality_code,
        dataset_type=dataset.dataset_type,
        start=uploads.day_number(dataset.period_start),
        end=uploads.day_number(dataset.period_end),
        size=dataset.record_count,
    )


def plan_run(
    *,
    collaboration: Collaboration,
    period_start: date,
    period_end: date,
    match_types: list[MatchType],
) -> RunPlan:
    """Check that a run can be made and say what it will compare. Raises ValidationError
    in Swedish when schemas differ or a match type has nothing to compare."""
    types = {t.first.value for t in match_types} | {t.second.value for t in match_types}
    datasets = _run_datasets(collaboration, period_start, period_end, types)
    fingerprints: dict[str, list[EncodedDataset]] = {}
    for dataset in datasets:
        fingerprints.setdefault(dataset.schema_fingerprint, []).append(dataset)
    if len(fingerprints) > 1:
        groups = sorted(fingerprints.values(), key=len, reverse=True)
        odd = [f"{d.owner.name} ({d.get_dataset_type_display()})" for g in groups[1:] for d in g]
        raise ValidationError(
            _(
                "The datasets are encoded with different linkage schemas and cannot be "
                "compared. Differing from the others: %(list)s. Encode again with the "
                "collaboration's schema."
            )
            % {"list": ", ".join(odd)}
        )
    infos = [_info(d) for d in datasets]
    pairs = {t.key: len(engine.plan(t, infos)) for t in match_types}
    if not any(pairs.values()):
        raise ValidationError(
            _(
                "There is nothing to compare for the period: no two datasets of the kinds "
                "the chosen match types need (with encodings still kept) fulfil their "
                "conditions."
            )
        )
    return RunPlan(datasets, pairs)


def start_run(
    *,
    actor: Any,
    collaboration: Collaboration,
    period_start: date,
    period_end: date,
    match_type_keys: list[str],
) -> MatchRun:
    from samverkan.jobs.services import start_job
    from samverkan.organisations.selectors import primary_organisation

    scope = get_scope(actor)
    members = set(collaboration.members.values_list("pk", flat=True))
    allowed = scope.orgs_with_role(*RUN_ROLES) & members
    if not allowed:
        raise PermissionDenied
    organisation = primary_organisation(actor)
    if organisation is None or organisation.pk not in allowed:
        organisation = Organisation.objects.get(pk=min(allowed))
    if period_end < period_start:
        raise ValidationError({"period_end": [_("The period ends before it starts.")]})
    collaboration_guard.require_in_force(collaboration)
    catalogue, text = current_catalogue()
    chosen = [catalogue.match_type(key) for key in match_type_keys]
    if not match_type_keys or None in chosen:
        raise ValidationError({"match_types": [_("Choose at least one known match type.")]})
    types = [t for t in chosen if t is not None]
    delete_expired_encodings(actor=actor)
    plan = plan_run(
        collaboration=collaboration,
        period_start=period_start,
        period_end=period_end,
        match_types=types,
    )
    with transaction.atomic():
        run = MatchRun.objects.create(
            collaboration=collaboration,
            organisation=organisation,
            started_by=actor,
            period_start=period_start,
            period_end=period_end,
            match_types=[t.key for t in types],
            catalogue=text,
        )
        run.datasets.set(plan.datasets)
        # The starter's entry names only its own organisation's datasets (the starter's
        # auditors read it); each other organisation's auditors learn from an entry of
        # their own that its datasets were compared, and in whose run.
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            obj=run,
            details={
                "match_types": run.match_types,
                "datasets": [str(d.pk) for d in plan.datasets if d.owner_id == organisation.pk],
                "period": f"{period_start}–{period_end}",
            },
        )
        for dataset in plan.datasets:
            if dataset.owner_id != organisation.pk:
                audit.record(
                    actor=None,
                    action=AuditAction.JOB,
                    obj=dataset,
                    organisation=dataset.owner,
                    details={
                        "compared_in_run": str(run.pk),
                        "run_started_by": organisation.name,
                        "match_types": run.match_types,
                    },
                )
        job = start_job(actor=actor, kind="matching_run", params={"run": str(run.pk)})
        run.job = job
        run.save(update_fields=["job"])
    return run


def _random_code() -> str:
    return random_code(8, group=4)


def _new_numbers(year: int, count: int) -> list[str]:
    """``count`` match numbers not in use, ``M-2026-K7QX-4M9D``: random, so that a number
    tells nothing about how many matches there are (32⁸ ≈ 10¹² codes a year). Both sides
    of a pair get the same number."""
    prefix = f"M-{year}-"
    numbers: list[str] = []
    while len(numbers) < count:
        batch = {prefix + _random_code() for _ in range(count - len(numbers))} - set(numbers)
        ordered = sorted(batch)
        for start in range(0, len(ordered), 500):
            chunk = ordered[start : start + 500]
            batch -= set(Match.objects.filter(number__in=chunk).values_list("number", flat=True))
        numbers.extend(sorted(batch))
    return numbers


def execute_run(*, run: MatchRun, progress: Progress | None = None) -> dict[str, Any]:
    """Compare the run's datasets under each of its match types and store one Match per
    receiving side. Called by the background job; the comparing side is the system, so
    datasets of every participant are read here, and only matches leave it."""
    run.refresh_from_db()
    if run.status == RunStatus.DONE:
        return dict(run.summary)  # already executed (e.g. by the demo loader)
    catalogue = matchtypes.parse_catalogue(run.catalogue)
    types = [t for key in run.match_types if (t := catalogue.match_type(key)) is not None]
    datasets = list(run.datasets.select_related("owner").order_by("pk"))
    MatchRun.objects.filter(pk=run.pk).update(status=RunStatus.RUNNING)
    try:
        missing = [d for d in datasets if not d.has_encodings]
        if missing:
            raise ValidationError(
                _("The encodings of %(count)s datasets were deleted before the run started.")
                % {"count": len(missing)}
            )
        infos = [_info(d) for d in datasets]
        work = [(t, i, j) for t in types for i, j in engine.plan(t, infos)]
        total = sum(engine.comparisons(t, infos[i], infos[j]) for t, i, j in work) or 1
        done = 0
        last_percent = [-1]
        loaded: dict[int, uploads.StoredEncodings] = {}

        def stored(position: int) -> uploads.StoredEncodings:
            if position not in loaded:
                payload = DatasetEncodings.objects.get(dataset=datasets[position]).payload
                loaded[position] = uploads.load_payload(bytes(payload))
            return loaded[position]

        results: list[tuple[MatchType, int, int, list[engine.Found]]] = []
        workers = settings.MATCHING_WORKERS or None
        for match_type, i, j in work:
            label = match_type.label.sv
            step = engine.comparisons(match_type, infos[i], infos[j])

            def report(current: int, part: int, base: int = done, name: str = label) -> None:
                # At most one progress write per percent, and always the last of a step.
                if progress is None:
                    return
                reached = min(base + current, total)
                if current >= part or reached * 100 // total > last_percent[0]:
                    last_percent[0] = reached * 100 // total
                    progress(reached, total, name)

            found = engine.compare(
                match_type,
                stored(i).encodings,
                stored(j).encodings,
                workers=workers,
                progress=report,
            )
            done += step
            results.append((match_type, i, j, found))
        summary = _store_matches(run, catalogue, datasets, stored, results)
    except ValidationError as error:
        MatchRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED, error=" ".join(error.messages), finished_at=timezone.now()
        )
        raise
    except Exception:
        MatchRun.objects.filter(pk=run.pk).update(
            status=RunStatus.FAILED,
            error=_("The run stopped on an internal error; nothing was stored."),
            finished_at=timezone.now(),
        )
        raise
    return summary


def _store_matches(
    run: MatchRun,
    catalogue: Catalogue,
    datasets: list[EncodedDataset],
    stored: Callable[[int], uploads.StoredEncodings],
    results: list[tuple[MatchType, int, int, list[engine.Found]]],
) -> dict[str, Any]:
    year = run.period_end.year
    summary: dict[str, Any] = {"match_types": {}, "datasets": len(datasets)}
    with transaction.atomic():
        numbers = iter(_new_numbers(year, sum(len(found) for *_, found in results)))
        rows: list[Match] = []
        for match_type, i, j, found in results:
            entry = summary["match_types"].setdefault(match_type.key, {"pairs": 0})
            entry["pairs"] += len(found)
            sides = []
            if Recipient.FIRST in match_type.recipients:
                sides.append((i, j, True))
            if Recipient.SECOND in match_type.recipients:
                sides.append((j, i, False))
            for pair in found:
                number = next(numbers)
                band = catalogue.band_for(score=pair.score, token=pair.token)
                pair_id = uuid.uuid4()
                owners_done: set[int] = set()
                for own, other, is_first in sides:
                    if datasets[own].owner_id in owners_done:
                        continue  # both records are this organisation's: one row
                    owners_done.add(datasets[own].owner_id)
                    index = pair.first if is_first else pair.second
                    other_index = pair.second if is_first else pair.first
                    same_owner = datasets[other].owner_id == datasets[own].owner_id
                    rows.append(
                        Match(
                            owner_id=datasets[own].owner_id,
                            confidentiality=Confidentiality.CONFIDENTIAL.value,
                            run=run,
                            pair=pair_id,
                            number=number,
                            match_type=match_type.key,
                            match_type_label={"sv": match_type.label.sv, "en": match_type.label.en},
                            priority=match_type.priority,
                            dataset=datasets[own],
                            ref=stored(own).refs[index],
                            counterpart_id=datasets[other].owner_id,
                            own_counterpart_ref=(
                                stored(other).refs[other_index] if same_owner else ""
                            ),
                            counterpart_dataset_type=datasets[other].dataset_type,
                            band=band.key,
                            band_label={"sv": band.label.sv, "en": band.label.en},
                            via_token=pair.token,
                        )
                    )
        Match.objects.bulk_create(rows, batch_size=1000)
        summary["matches"] = len(rows)
        MatchRun.objects.filter(pk=run.pk).update(
            status=RunStatus.DONE, summary=summary, finished_at=timezone.now()
        )
        audit.record(
            actor=run.started_by,
            action=AuditAction.JOB,
            obj=run,
            # Counts stay in the run row: the entry is read by the starter's auditors,
            # and the totals would tell other organisations' numbers of matches.
            details={
                "finished": True,
                "own_datasets": sum(1 for d in datasets if d.owner_id == run.organisation_id),
            },
        )
    return summary


# --------------------------------------------------------------------------- investigation


def _changeable(actor: Any, match: Match) -> None:
    if not Match.objects.allowed(actor, Action.CHANGE, match.pk):
        raise PermissionDenied


def _event(actor: Any, match: Match, kind: EventKind, **fields: Any) -> MatchEvent:
    return MatchEvent.objects.create(match=match, actor=actor, kind=kind, **fields)


def assign(*, actor: Any, match: Match, assignee: Any | None) -> Match:
    _changeable(actor, match)
    if assignee is not None and match.owner_id not in get_scope(assignee).orgs_with_role(
        Role.COORDINATOR, Role.CASE_OFFICER
    ):
        raise ValidationError(
            {
                "assignee": [
                    _("The assignee must be a case officer or coordinator of your organisation.")
                ]
            }
        )
    with transaction.atomic():
        match.assignee = assignee
        match.save(update_fields=["assignee", "updated_at"])
        _event(actor, match, EventKind.ASSIGN, text=assignee.get_username() if assignee else "")
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=match,
            details={"assignee": assignee.get_username() if assignee else None},
        )
    return match


def add_note(*, actor: Any, match: Match, text: str) -> MatchEvent:
    _changeable(actor, match)
    text = text.strip()
    if not text:
        raise ValidationError({"text": [_("Write the note.")]})
    with transaction.atomic():
        event = _event(actor, match, EventKind.NOTE, text=text)
        match.save(update_fields=["updated_at"])
        audit.record(actor=actor, action=AuditAction.UPDATE, obj=match, details={"note": True})
    return event


DIRECTIONS = ("sent", "received")


def record_exchange(
    *, actor: Any, match: Match, legal_basis: str, direction: str, text: str
) -> MatchEvent:
    """Information about the match was given to or received from the counterpart: the
    legal basis is required and kept with what was exchanged."""
    _changeable(actor, match)
    catalogue, _text = current_catalogue()
    basis = catalogue.legal_basis(legal_basis)
    errors: dict[str, list[str]] = {}
    if basis is None:
        errors["legal_basis"] = [_("Choose the legal basis for the exchange.")]
    if direction not in DIRECTIONS:
        errors["direction"] = [_("Say whether information was given or received.")]
    if not text.strip():
        errors["text"] = [_("Describe what was exchanged.")]
    if errors:
        raise ValidationError(errors)
    assert basis is not None
    with transaction.atomic():
        event = _event(
            actor,
            match,
            EventKind.EXCHANGE,
            text=text.strip(),
            legal_basis=basis.key,
            legal_basis_label=basis.label.sv,
            direction=direction,
        )
        match.save(update_fields=["updated_at"])
        audit.record(
            actor=actor,
            action=AuditAction.SHARE,
            obj=match,
            details={
                "counterpart": match.counterpart.name,
                "direction": direction,
                "legal_basis": basis.key,
            },
        )
    return event


def change_status(
    *,
    actor: Any,
    match: Match,
    status: str,
    outcome: str = "",
    amount_recovered: Decimal | None = None,
    amount_stopped: Decimal | None = None,
    note: str = "",
) -> Match:
    """Move a match along the transition table. Closing records the outcome and amounts;
    reopening keeps them in the history but clears them on the match."""
    _changeable(actor, match)
    try:
        target = MatchStatus(status)
    except ValueError:
        raise ValidationError({"status": [_("Unknown status.")]}) from None
    current = MatchStatus(match.status)
    if not can_transition(current, target):
        raise ValidationError(
            {"status": [_("A match cannot go from this status to the one chosen.")]}
        )
    errors: dict[str, list[str]] = {}
    if target is MatchStatus.CLOSED:
        if outcome not in {o.value for o in Outcome}:
            errors["outcome"] = [_("Choose the outcome when closing a match.")]
        for field, value in (
            ("amount_recovered", amount_recovered),
            ("amount_stopped", amount_stopped),
        ):
            if value is not None and value < 0:
                errors[field] = [_("Amounts cannot be negative.")]
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        match.status = target.value
        if target is MatchStatus.CLOSED:
            match.outcome = outcome
            match.amount_recovered = amount_recovered or Decimal(0)
            match.amount_stopped = amount_stopped or Decimal(0)
            match.closed_at = timezone.now()
        elif current is MatchStatus.CLOSED:
            match.outcome = ""
            match.amount_recovered = Decimal(0)
            match.amount_stopped = Decimal(0)
            match.closed_at = None
        match.save()
        _event(
            actor,
            match,
            EventKind.OUTCOME if target is MatchStatus.CLOSED else EventKind.STATUS,
            from_status=current.value,
            to_status=target.value,
            text=(
                f"{match.get_outcome_display()}; återkrav {match.amount_recovered} kr, "
                f"stoppade utbetalningar {match.amount_stopped} kr. {note}".strip()
                if target is MatchStatus.CLOSED
                else note.strip()
            ),
        )
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            obj=match,
            details={
                "status": [current.value, target.value],
                "outcome": match.outcome or None,
                "amount_recovered": str(match.amount_recovered),
                "amount_stopped": str(match.amount_stopped),
            },
        )
    return match


def reveal_on_server(*, actor: Any, match: Match, purpose: str) -> dict[str, Any]:
    """Demo only: show the synthetic row behind the owner's own reference. In production
    the owner re-identifies locally with ``samverkan match reveal`` and its own mapping."""
    if not settings.DEMO_MODE:
        raise PermissionDenied
    _changeable(actor, match)
    if not purpose.strip():
        raise ValidationError({"purpose": [_("State why you need to see the record.")]})
    record = DemoRecord.objects.filter(dataset_id=match.dataset_id, ref=match.ref).first()
    if record is None:
        raise ValidationError(
            _("The demo row is no longer kept (the dataset's encodings have been deleted).")
        )
    with transaction.atomic():
        _event(actor, match, EventKind.REVEAL, text=purpose.strip())
        audit.record(
            actor=actor,
            action=AuditAction.REVEAL,
            obj=match,
            purpose=purpose.strip(),
            details={"ref": match.ref, "where": "server (demo)"},
        )
    return dict(record.data)


def record_list_view(*, actor: Any, count: int, what: str) -> None:
    """Audit that a user looked at a list of matches (references only)."""
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.VIEW,
            object_type="matching.match",
            details={"list": what, "rows": count},
            confidentiality=Confidentiality.CONFIDENTIAL.value,
        )


def record_match_view(*, actor: Any, match: Match) -> None:
    with transaction.atomic():
        audit.record(actor=actor, action=AuditAction.VIEW, obj=match)


def record_export(*, actor: Any, what: str, rows: int, fmt: str) -> None:
    with transaction.atomic():
        audit.record(
            actor=actor,
            action=AuditAction.EXPORT,
            object_type=f"matching.{what}",
            details={"rows": rows, "format": fmt},
            confidentiality=Confidentiality.CONFIDENTIAL.value,
        )
