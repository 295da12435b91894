"""The matching module's start-page panel (registered in ``apps.py``).

It shows counts only, no match numbers or references: the work list, which shows
references, records that it was looked at; these counts come from the same scoped
rows (the user's organisations' own sides of each pair)."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.db.models import Count, Q
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from samverkan.core.panels import Panel, PanelData
from samverkan.core.scoping import get_scope
from samverkan.matching.models import STATUS_CHOICES, Match
from samverkan.matching.selectors import VIEW_ROLES
from samverkan.matching.workflow import MatchStatus
from samverkan.organisations.roles import Action

OPEN = (MatchStatus.NEW, MatchStatus.INVESTIGATING, MatchStatus.WAITING)


def open_matches(user: Any) -> PanelData | None:
    """How many of the user's organisations' matches are new, under investigation or
    waiting, and how many of those are assigned to the user."""
    if not get_scope(user).has_role(*VIEW_ROLES):
        return None
    counts = Match.objects.restrict(user, Action.VIEW).aggregate(
        mine=Count(
            "pk",
            filter=Q(assignee_id=getattr(user, "pk", None)) & ~Q(status=MatchStatus.CLOSED.value),
        ),
        **{status.name: Count("pk", filter=Q(status=status.value)) for status in OPEN},
    )
    labels = dict(STATUS_CHOICES)
    base = reverse("matching:match_list")
    items = [
        {
            "status": status.value,
            "label": labels[status.value],
            "count": counts[status.name],
            "url": f"{base}?{urlencode({'status': status.value})}",
        }
        for status in OPEN
    ]
    return PanelData(
        items=items,
        count=sum(counts[status.name] for status in OPEN),
        extra={"mine": counts["mine"], "mine_url": f"{base}?{urlencode({'mine': 'on'})}"},
    )


PANELS = (
    Panel(
        "matching_open",
        _("Matches to investigate"),
        "matching/panels/open.html",
        open_matches,
        roles=frozenset(VIEW_ROLES),
        order=40,
    ),
)
