"""The surveys module's start-page panel (registered in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.core.panels import Panel, PanelData
from samverkan.core.scoping import get_scope
from samverkan.organisations.roles import Role
from samverkan.surveys.models import WaveStatus
from samverkan.surveys.selectors import wave_list

SHOWN = 8


def waves_to_close(user: Any) -> PanelData | None:
    """Open waves whose last day to answer has passed, run by an organisation in which
    the user is a coordinator (only they may close them). None for other users."""
    coordinating = get_scope(user).orgs_with_role(Role.COORDINATOR)
    if not coordinating:
        return None
    waves = (
        wave_list(user=user)
        .filter(
            status=WaveStatus.OPEN,
            deadline__lt=timezone.localdate(),
            owner_id__in=coordinating,
        )
        .order_by("deadline", "name")
    )
    return PanelData(items=list(waves[:SHOWN]), count=waves.count())


PANELS = (
    Panel(
        "surveys_to_close",
        _("Surveys to close"),
        "surveys/panels/to_close.html",
        waves_to_close,
        roles=frozenset({Role.COORDINATOR}),
        order=20,
    ),
)
