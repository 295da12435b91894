"""The collaboration check that modules ask before new joint work (registered into
``organisations.collaboration_guard`` from this app's ``ready()``)."""

from __future__ import annotations

from datetime import date

from django.utils.translation import gettext as _

from samverkan.organisations.models import Collaboration


def agreement_check(collaboration: Collaboration, day: date) -> str | None:
    from samverkan.collaboration.models import Agreement
    from samverkan.collaboration.selectors import agreement_status

    agreement = Agreement.objects.filter(collaboration=collaboration).first()
    if agreement is None:
        # No agreement recorded: an older collaboration, counted as in force (ADR 0012).
        return None
    status = agreement_status(agreement, day)
    if status.in_force:
        return None
    return _("New joint work cannot start in “%(collaboration)s”. %(status)s.") % {
        "collaboration": collaboration.name,
        "status": status.sentence,
    }
