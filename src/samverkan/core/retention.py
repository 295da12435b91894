"""Retention: delete records older than their record type's retention period.

Every ScopedRecord subclass is a record type; its ``retention_date_field`` names the
date from which the period runs (an empty value means "keep": e.g. an open case).
Periods are data (RetentionPolicy rows), edited by administrators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.apps import apps
from django.db import transaction
from django.utils import timezone

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core.models import RetentionPolicy
from samverkan.core.scoping import ScopedRecord

# Other time limits than RetentionPolicy rows (e.g. matching encodings, kept a number of days
# set in configuration): name -> function(actor, dry_run) returning how many were (or would
# be) deleted. Apps register theirs in AppConfig.ready().
Purge = Callable[[Any, bool], int]
_PURGES: dict[str, Purge] = {}


def register_purge(name: str, purge: Purge) -> None:
    _PURGES[name] = purge


def run_purges(*, actor: Any | None = None, dry_run: bool = False) -> dict[str, int]:
    return {name: purge(actor, dry_run) for name, purge in sorted(_PURGES.items())}


def record_types() -> dict[str, type[ScopedRecord]]:
    return {
        model._meta.label_lower: model
        for model in apps.get_models()
        if issubclass(model, ScopedRecord)
    }


@dataclass(frozen=True)
class RetentionResult:
    record_type: str
    months: int
    deleted: int


def months_ago(months: int) -> Any:
    # A month is counted as 30.44 days; retention is about months, not calendar precision.
    return timezone.now() - timedelta(days=round(months * 30.44))


@transaction.atomic
def run_retention(*, actor: Any | None = None, dry_run: bool = False) -> list[RetentionResult]:
    types = record_types()
    results: list[RetentionResult] = []
    for policy in RetentionPolicy.objects.order_by("record_type"):
        model = types.get(policy.record_type)
        if model is None:
            continue
        field = model.retention_date_field
        if not field:
            continue  # kept until deleted by hand (registers)
        expired: Any = model.objects.filter(
            **{f"{field}__isnull": False, f"{field}__lt": months_ago(policy.months)}
        )
        count = expired.count()
        if count and not dry_run:
            expired.delete()
        results.append(RetentionResult(policy.record_type, policy.months, count))
    if not dry_run:
        # Counts only: nothing about the deleted records themselves.
        audit.record(
            actor=actor,
            action=AuditAction.RETENTION,
            object_type="retention",
            details={r.record_type: {"months": r.months, "deleted": r.deleted} for r in results},
        )
    return results
