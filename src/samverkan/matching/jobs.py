"""Background jobs of the matching module."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from samverkan.jobs.registry import JobKind, Progress, register


def run_job(params: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    from samverkan.matching import services
    from samverkan.matching.models import MatchRun

    # The comparing side is the system: the run row is read unscoped, and only each
    # organisation's own matches come out of it.
    run = MatchRun.objects.get(pk=params["run"])
    summary = services.execute_run(run=run, progress=progress)
    return {"matches": summary.get("matches", 0), "run": str(run.pk)}


def register_jobs() -> None:
    register(JobKind("matching_run", _("Matching run"), run_job))
