"""The one task the worker runs: execute a Job by its kind's handler."""

from __future__ import annotations

import logging

from django.db import transaction
from django.utils import timezone
from django_tasks import task

from samverkan.jobs import registry
from samverkan.jobs.models import Job, JobStatus

logger = logging.getLogger(__name__)


@task()
def run_job(job_id: str) -> None:
    job = Job.objects.select_related("created_by").get(pk=job_id)
    Job.objects.filter(pk=job.pk).update(status=JobStatus.RUNNING)

    def progress(current: int, total: int, message: str = "") -> None:
        Job.objects.filter(pk=job.pk).update(
            progress_current=current, progress_total=total, message=message[:500]
        )

    try:
        kind = registry.get(job.kind)
        result = kind.handler(job.params, job.created_by, progress)
    except Exception as exc:
        logger.exception("Background job %s (%s) failed", job.pk, job.kind)
        with transaction.atomic():
            Job.objects.filter(pk=job.pk).update(
                status=JobStatus.FAILED,
                message=str(getattr(exc, "message", "")) or exc.__class__.__name__,
                finished_at=timezone.now(),
            )
        return
    Job.objects.filter(pk=job.pk).update(
        status=JobStatus.SUCCEEDED, result=result, finished_at=timezone.now()
    )
