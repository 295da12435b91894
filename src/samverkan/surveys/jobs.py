"""Background jobs of the survey module."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from samverkan.jobs.registry import JobKind, Progress, register
from samverkan.organisations.roles import Action


def invitations_job(params: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    from samverkan.surveys import selectors, services

    wave = selectors.wave_get(user=user, pk=params["wave"], action=Action.VIEW)
    sent = services.send_invitations(
        actor=user,
        wave=wave,
        base_url=params["base_url"],
        reminders=bool(params.get("reminders")),
        progress=lambda current, total: progress(current, total, ""),
    )
    return {"sent": sent, "reminders": bool(params.get("reminders"))}


def results_job(params: dict[str, Any], user: Any, progress: Progress) -> dict[str, Any]:
    from samverkan.surveys import selectors, services

    wave = selectors.wave_get(user=user, pk=params["wave"], action=Action.VIEW)
    progress(0, 1, "")
    services.compute_results(actor=user, wave=wave)
    progress(1, 1, "")
    return {"computed": True}


def register_jobs() -> None:
    register(JobKind("survey_invitations", _("Send survey e-mails"), invitations_job))
    register(JobKind("survey_results", _("Compute survey results"), results_job))
