"""Whether new joint work may start in a collaboration.

Modules (surveys, ROS, matching) ask here before they start new joint work; the app that
keeps collaboration agreements registers the one check from its ``AppConfig.ready()``, so
that neither the core nor the modules import it. With no check registered, or for a
collaboration without a recorded agreement, every collaboration counts as in force.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date

from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils import timezone

from samverkan.organisations.models import Collaboration, Organisation

# A check returns None when new joint work may start in the collaboration on the day,
# or a sentence (in the request's language) that says why not.
Check = Callable[[Collaboration, date], str | None]

_CHECKS: dict[str, Check] = {}


def register(key: str, check: Check) -> None:
    """Register a check once; a second, different check under the same key is an error."""
    if key in _CHECKS and _CHECKS[key] is not check:
        raise ImproperlyConfigured(f"A collaboration check {key!r} is already registered.")
    _CHECKS[key] = check


def why_not_in_force(collaboration: Collaboration, on: date | None = None) -> str | None:
    day = on or timezone.localdate()
    for key in sorted(_CHECKS):
        reason = _CHECKS[key](collaboration, day)
        if reason:
            return reason
    return None


def require_in_force(
    collaboration: Collaboration, *, field: str = "__all__", on: date | None = None
) -> None:
    """A ValidationError on ``field`` when the collaboration may not start new joint work."""
    reason = why_not_in_force(collaboration, on)
    if reason:
        raise ValidationError({field: [reason]})


def require_joint_work(
    owner: Organisation,
    partners: Iterable[Organisation],
    *,
    field: str = "__all__",
    on: date | None = None,
) -> None:
    """New joint work of ``owner`` with ``partners``: each partner must share with the owner
    a collaboration that is in force. Work of the owner alone is not joint work."""
    reasons: list[str] = []
    for partner in partners:
        if partner.pk == owner.pk:
            continue
        common = Collaboration.objects.filter(members=owner).filter(members=partner).distinct()
        found = [why_not_in_force(c, on) for c in common]
        if found and all(found):
            reasons.extend(r for r in found if r and r not in reasons)
    if reasons:
        raise ValidationError({field: reasons})
