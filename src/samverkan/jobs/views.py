from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from samverkan.jobs import registry, selectors


@require_GET
@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    jobs = list(selectors.job_list(user=request.user)[:50])
    for job in jobs:
        job.label = registry.label(job.kind)  # type: ignore[attr-defined]
    return render(request, "jobs/job_list.html", {"jobs": jobs})


@require_GET
@login_required
def job_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    job = selectors.job_get(user=request.user, pk=pk)
    job.label = registry.label(job.kind)  # type: ignore[attr-defined]
    template = "jobs/_progress.html" if request.htmx else "jobs/job_detail.html"  # type: ignore[attr-defined]
    return render(request, template, {"job": job})
