from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from samverkan.jobs.models import Job


def job_list(*, user: Any) -> QuerySet[Job]:
    if not user.is_authenticated:
        return Job.objects.none()
    return Job.objects.filter(created_by_id=user.pk)


def job_get(*, user: Any, pk: Any) -> Job:
    return get_object_or_404(job_list(user=user), pk=pk)
