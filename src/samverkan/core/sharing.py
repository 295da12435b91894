"""The one rule for whom a record may be shared with: organisations that have a
collaboration in common with the record's owner."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.dispatch import Signal
from django.utils.translation import gettext as _

from samverkan.core.scoping import ScopedRecord
from samverkan.organisations.models import Organisation
from samverkan.organisations.selectors import collaboration_partners


def share_targets(
    owner: Organisation, organisations: Iterable[Organisation], *, field: str = "shared_with"
) -> list[Organisation]:
    """The organisations other than the owner, or a ValidationError on ``field`` naming
    those outside every collaboration of the owner."""
    targets = [o for o in organisations if o.pk != owner.pk]
    allowed = set(collaboration_partners(owner).values_list("pk", flat=True))
    outside = [o.name for o in targets if o.pk not in allowed]
    if outside:
        raise ValidationError(
            {
                field: _(
                    "Records can only be shared with organisations in a common "
                    "collaboration: %(names)s"
                )
                % {"names": ", ".join(outside)}
            }
        )
    return targets


# Sent after sharing between organisations was withdrawn outside a module's own service
# (a party leaving a collaboration), once per model with the records concerned, inside the
# transaction, so that a module can rewrite what it derived from who sees a record (ROS:
# the risk rows per viewer).
sharing_withdrawn = Signal()


@dataclass(frozen=True)
class Withdrawn:
    """A record whose sharing was withdrawn: its kind, id, owner, level and label (title or
    name; empty for records about a person)."""

    record_type: str
    record_id: str
    owner_id: int
    confidentiality: str
    label: str
    received: bool  # shared with the leaving organisation (rather than owned by it)


def _label(record: ScopedRecord) -> str:
    names = {f.name for f in record._meta.concrete_fields}
    if "person" in (record._meta.model_name or "") or "person_number" in names:
        return ""
    for field in ("title", "name"):
        if field in names:
            return str(getattr(record, field) or "")[:200]
    return ""


def withdraw_between(
    *,
    actor: Any,
    organisation: Organisation,
    others: Iterable[int],
    reason: str,
) -> list[Withdrawn]:
    """Withdraw every share between ``organisation`` and the organisations ``others`` (ids),
    in both directions, over every kind of scoped record; one audit entry per record.
    Call it inside the caller's transaction."""
    from samverkan.audit import services as audit
    from samverkan.audit.models import AuditAction
    from samverkan.core.retention import record_types

    other_ids = sorted({pk for pk in others if pk != organisation.pk})
    if not other_ids:
        return []
    names = dict(Organisation.objects.filter(pk__in=other_ids).values_list("pk", "name"))
    done: list[Withdrawn] = []
    for label in sorted(record_types()):
        model: Any = record_types()[label]
        received = list(
            model.objects.filter(owner_id__in=other_ids, shared_with=organisation).distinct()
        )
        given = list(model.objects.filter(owner=organisation, shared_with__in=other_ids).distinct())
        touched = []
        for record in received:
            record.shared_with.remove(organisation)
            audit.record(
                actor=actor,
                action=AuditAction.UNSHARE,
                obj=record,
                details={"removed": [organisation.name], "reason": reason},
            )
            done.append(_withdrawn(record, received=True))
            touched.append(record)
        for record in given:
            removed = [pk for pk in record.shared_with.values_list("pk", flat=True)]
            removed = [pk for pk in removed if pk in names]
            record.shared_with.remove(*removed)
            audit.record(
                actor=actor,
                action=AuditAction.UNSHARE,
                obj=record,
                details={"removed": sorted(names[pk] for pk in removed), "reason": reason},
            )
            done.append(_withdrawn(record, received=False))
            touched.append(record)
        if touched:
            sharing_withdrawn.send(sender=model, records=touched)
    return done


def _withdrawn(record: ScopedRecord, *, received: bool) -> Withdrawn:
    return Withdrawn(
        record_type=record._meta.label_lower,
        record_id=str(record.pk),
        owner_id=record.owner_id,
        confidentiality=record.confidentiality,
        label=_label(record),
        received=received,
    )
