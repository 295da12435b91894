"""Background job: verify the audit chain with progress."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from samverkan.audit import services
from samverkan.audit.models import AuditAction
from samverkan.jobs.registry import JobKind, Progress, register


def verify_chain_job(params: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    """Verify the whole chain for an auditor. The chain holds every organisation's
    entries, so neither the progress nor the result tells how many there are or where a
    problem lies (entry numbers count them too): progress is in percent and the result
    says whether the chain is intact and how many problems were found. Technical staff
    locate the problems with ``samverkan audit verify``."""

    def report(current: int, total: int) -> None:
        progress(current * 100 // total if total else 100, 100, "")

    problems = services.verify(progress=report)
    with transaction.atomic():
        services.record(
            actor=user,
            action=AuditAction.VERIFY,
            object_type="audit",
            details={"intact": not problems, "problems": len(problems)},
        )
    return {"intact": not problems, "problems": len(problems)}


def register_jobs() -> None:
    register(JobKind("audit_verify", _("Verify the audit log"), verify_chain_job))
