"""Background jobs of the matching module."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from samverkan.jobs.registry import JobKind, Progress, register


def run_job(params: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    """Execute a run for the coordinator who started it. What the job shows that user
    (progress and result) counts nothing of other organisations: progress is in percent
    (the number of comparisons would tell the sizes of their datasets) and the result
    gives the matches the starter can see, not the run's total."""
    from samverkan.matching import services
    from samverkan.matching.models import Match, MatchRun
    from samverkan.organisations.roles import Action

    def percent(current: int, total: int, message: str) -> None:
        progress(current * 100 // total if total else 100, 100, message)

    # The comparing side is the system: the run row is read unscoped, and only each
    # organisation's own matches come out of it.
    run = MatchRun.objects.get(pk=params["run"])
    services.execute_run(run=run, progress=percent)
    own = Match.objects.restrict(user, Action.VIEW).filter(run=run).count()
    return {"run": str(run.pk), "own_matches": own}


def register_jobs() -> None:
    register(JobKind("matching_run", _("Matching run"), run_job))
