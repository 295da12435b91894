"""The ROS module's start-page panels (registered in ``apps.py``)."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from samverkan.core.panels import Panel, PanelData
from samverkan.organisations.roles import Action, Role
from samverkan.ros.models import FollowUpTask, InspectionRecord, OperationStatus
from samverkan.ros.selectors import operation_list

SHOWN = 8
ROLES = frozenset({Role.COORDINATOR, Role.CASE_OFFICER, Role.ANALYST, Role.ADMINISTRATOR})


def upcoming_operations(user: Any) -> PanelData:
    """Planned joint operations the user's organisations see that start today or later."""
    today = timezone.make_aware(datetime.combine(timezone.localdate(), time.min))
    operations = (
        operation_list(user=user)
        .filter(status=OperationStatus.PLANNED, starts_at__gte=today)
        .order_by("starts_at", "title")
    )
    return PanelData(items=list(operations[:SHOWN]), count=operations.count())


def overdue_follow_ups(user: Any) -> PanelData:
    """Follow-up tasks not done after their due day, on inspection records (and
    operations) the user's organisations see."""
    records = InspectionRecord.objects.restrict(user, Action.VIEW).filter(
        operation__in=operation_list(user=user)
    )
    tasks = (
        FollowUpTask.objects.filter(
            inspection__in=records, done=False, due_on__lt=timezone.localdate()
        )
        .select_related("inspection__owner", "inspection__operation")
        .order_by("due_on", "title")
    )
    return PanelData(items=list(tasks[:SHOWN]), count=tasks.count())


PANELS = (
    Panel(
        "ros_follow_ups",
        _("Overdue follow-ups"),
        "ros/panels/follow_ups.html",
        overdue_follow_ups,
        roles=ROLES,
        order=30,
    ),
    Panel(
        "ros_operations",
        _("Upcoming joint operations"),
        "ros/panels/operations.html",
        upcoming_operations,
        roles=ROLES,
        order=31,
    ),
)
