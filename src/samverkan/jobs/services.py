from __future__ import annotations

from typing import Any

from django.db import transaction

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.jobs import registry
from samverkan.jobs.models import Job
from samverkan.organisations.selectors import primary_organisation


def start_job(*, actor: Any, kind: str, params: dict[str, Any] | None = None) -> Job:
    """Create a job and queue it for the worker once the transaction has committed."""
    from samverkan.jobs.tasks import run_job

    registry.get(kind)  # unknown kinds fail here, not in the worker
    with transaction.atomic():
        job = Job.objects.create(
            kind=kind,
            params=params or {},
            created_by=actor,
            organisation=primary_organisation(actor),
        )
        audit.record(actor=actor, action=AuditAction.JOB, obj=job, details={"kind": kind})

        def enqueue() -> None:
            result = run_job.enqueue(str(job.pk))
            Job.objects.filter(pk=job.pk).update(task_id=str(result.id))

        transaction.on_commit(enqueue)
    return job
