"""Writes to the audit log. Call inside the caller's transaction so that a change
and its audit entry are committed together or not at all."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import TYPE_CHECKING, Any, cast

from django.db import models, transaction
from django.utils import timezone

from samverkan.audit.chain import GENESIS, entry_hash, verify_chain
from samverkan.audit.models import AuditAction, AuditEntry, AuditHead
from samverkan.core.scoping import ScopedRecord
from samverkan.organisations.roles import Confidentiality

if TYPE_CHECKING:
    from samverkan.audit.chain import ChainProblem
    from samverkan.organisations.models import Organisation


def _object_label(obj: models.Model) -> tuple[str, str, str]:
    meta = obj._meta
    label = getattr(obj, "audit_repr", None)
    text = label() if callable(label) else str(obj)
    return meta.label_lower, str(obj.pk), text[:200]


def _scoped_subject(obj: models.Model | None) -> ScopedRecord | None:
    """The scoped record an entry is about: the object itself, or the record it is part
    of (a case's person, a match's event, an inspection's follow-up task)."""
    if obj is None or isinstance(obj, ScopedRecord):
        return obj
    for field in obj._meta.concrete_fields:
        related = field.related_model
        if field.many_to_one and isinstance(related, type) and issubclass(related, ScopedRecord):
            parent = getattr(obj, field.name)
            if parent is not None:
                return cast(ScopedRecord, parent)
    return None


def _subject_organisation(obj: models.Model | None, subject: ScopedRecord | None) -> int | None:
    """The organisation that owns the object (for scoped records and their parts)."""
    if subject is not None:
        return int(subject.owner_id)
    if obj is not None and obj._meta.label_lower == "organisations.organisation":
        return int(obj.pk)
    return None


def _subject_confidentiality(subject: ScopedRecord | None) -> str:
    return str(subject.confidentiality) if subject is not None else ""


def record(
    *,
    actor: Any | None,
    action: AuditAction | str,
    obj: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    organisation: Organisation | None = None,
    purpose: str = "",
    details: dict[str, Any] | None = None,
    ip_address: str = "",
    subject: models.Model | None = None,
    confidentiality: str = "",
    subject_organisation_id: int | None = None,
) -> AuditEntry:
    """Append one entry. Locks the chain head until the surrounding transaction ends.

    The entry keeps the owning organisation and the confidentiality level of the record
    it is about: ``obj`` itself or the record ``obj`` is part of, or ``subject`` when the
    entry names the object by type and id only (the admin's change log). An entry about
    records of a kind without one object (a list, an export) passes the kind's level as
    ``confidentiality``; an event that concerns no record gives its organisation as
    ``subject_organisation_id`` (see ``record_about_accounts``).
    """
    scoped = _scoped_subject(subject if subject is not None else obj)
    subject_organisation_id = (
        _subject_organisation(subject if subject is not None else obj, scoped)
        or subject_organisation_id
    )
    subject_confidentiality = _subject_confidentiality(scoped) or str(confidentiality)
    if obj is not None:
        object_type, object_id, object_repr = _object_label(obj)
    if organisation is None and actor is not None and getattr(actor, "is_authenticated", False):
        from samverkan.organisations.selectors import primary_organisation

        organisation = primary_organisation(actor)
    with transaction.atomic():
        head = AuditHead.objects.select_for_update().filter(pk=1).first()
        if head is None:
            head = AuditHead.objects.create(pk=1, seq=0, hash=GENESIS)
            head = AuditHead.objects.select_for_update().get(pk=1)
        user = actor if actor is not None and getattr(actor, "is_authenticated", False) else None
        entry = AuditEntry(
            seq=head.seq + 1,
            timestamp=timezone.now(),
            actor_id=user.pk if user is not None else None,
            actor_username=user.get_username() if user is not None else "",
            organisation_id=organisation.pk if organisation else None,
            organisation_name=organisation.name if organisation else "",
            subject_organisation_id=subject_organisation_id,
            subject_confidentiality=subject_confidentiality,
            action=str(action),
            object_type=object_type,
            object_id=object_id,
            object_repr=object_repr[:200],
            purpose=purpose,
            details=details or {},
            ip_address=ip_address,
            prev_hash=head.hash,
        )
        entry.hash = entry_hash(entry.chain_fields(), head.hash)
        entry.save()
        AuditHead.objects.filter(pk=1).update(seq=entry.seq, hash=entry.hash)
    return entry


def record_about_accounts(*, user_ids: Iterable[int], **fields: Any) -> list[AuditEntry]:
    """An event about user accounts rather than a record, such as a failed sign-in, a
    lock-out or revoked credentials: one entry per organisation the accounts are members
    of, with that organisation as subject, so that each organisation's auditors see it
    (and learn nothing about the account's other organisations). With no organisation
    (an unknown user name, an account without memberships) one entry without any: no
    auditor sees it, platform staff read it with ``samverkan audit sign-ins``."""
    from samverkan.organisations.models import Membership

    ids = list(user_ids)
    memberships = Membership.objects.filter(user_id__in=ids) if ids else Membership.objects.none()
    org_ids: Sequence[int | None] = sorted(
        set(memberships.values_list("organisation_id", flat=True))
    )
    fields.setdefault("confidentiality", Confidentiality.INTERNAL.value)
    with transaction.atomic():
        return [record(subject_organisation_id=org_id, **fields) for org_id in org_ids or [None]]


def _chain_rows(batch: int = 2000) -> Iterator[dict[str, Any]]:
    last = 0
    while True:
        rows = list(AuditEntry.objects.filter(seq__gt=last).order_by("seq")[:batch])
        if not rows:
            return
        for row in rows:
            data = row.chain_fields()
            data["prev_hash"] = row.prev_hash
            data["hash"] = row.hash
            yield data
        last = rows[-1].seq


def verify(progress: Callable[[int, int], None] | None = None) -> list[ChainProblem]:
    """Recompute the whole chain and compare it with the stored head."""
    head = AuditHead.objects.filter(pk=1).first()
    head_seq, head_hash = (head.seq, head.hash) if head else (0, GENESIS)
    total = AuditEntry.objects.count()

    def rows() -> Iterator[dict[str, Any]]:
        for index, row in enumerate(_chain_rows(), start=1):
            if progress is not None and (index % 1000 == 0 or index == total):
                progress(index, total)
            yield row

    return verify_chain(rows(), head_seq=head_seq, head_hash=head_hash)
