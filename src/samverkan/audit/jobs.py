"""Background job: verify the audit chain with progress."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from samverkan.audit import services
from samverkan.audit.models import AuditAction
from samverkan.jobs.registry import JobKind, Progress, register


def verify_chain_job(params: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    def report(current: int, total: int) -> None:
        progress(current, total, "")

    problems = services.verify(progress=report)
    with transaction.atomic():
        services.record(
            actor=user,
            action=AuditAction.VERIFY,
            object_type="audit",
            details={"intact": not problems, "problems": len(problems)},
        )
    return {
        "intact": not problems,
        "problems": [{"seq": p.seq, "kind": p.kind, "detail": p.detail} for p in problems[:100]],
    }


def register_jobs() -> None:
    register(JobKind("audit_verify", _("Verify the audit log"), verify_chain_job))
