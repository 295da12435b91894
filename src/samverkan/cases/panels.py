"""The cases module's start-page panels (registered in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from samverkan.cases.selectors import case_list
from samverkan.core.panels import Panel, PanelData
from samverkan.core.scoping import get_scope

SHOWN = 8


def latest_cases(user: Any) -> PanelData:
    """The newest cases the user sees, and how many of the user's own organisations'
    cases are open."""
    cases = case_list(user=user)
    own = get_scope(user).organisation_ids
    return PanelData(
        items=list(cases[:SHOWN]),
        count=cases.filter(owner_id__in=own, status="open").count(),
    )


def shared_with_us(user: Any) -> PanelData:
    """The newest cases other organisations shared with the user's organisations."""
    own = get_scope(user).organisation_ids
    return PanelData(items=list(case_list(user=user).exclude(owner_id__in=own)[:SHOWN]))


PANELS = (
    Panel("cases", _("Latest cases"), "cases/panels/latest.html", latest_cases, order=10),
    Panel(
        "cases_shared", _("Shared with you"), "cases/panels/shared.html", shared_with_us, order=11
    ),
)
