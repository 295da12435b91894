"""The audit log's start-page panel for auditors (registered in ``apps.py``)."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from samverkan.audit.selectors import audit_entries
from samverkan.core.panels import Panel, PanelData
from samverkan.organisations.roles import Role


def recent_entries(user: Any) -> PanelData:
    """The newest entries of the auditor's organisations, redacted as on the audit page."""
    return PanelData(items=list(audit_entries(user=user)[:10]))


PANELS = (
    Panel(
        "audit",
        _("Audit log"),
        "audit/panels/recent.html",
        recent_entries,
        roles=frozenset({Role.AUDITOR}),
        order=900,
    ),
)
