"""Shared read helpers built on the isolation mechanism."""

from __future__ import annotations

from typing import Any, TypeVar

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from samverkan.core.scoping import ScopedRecord
from samverkan.organisations.roles import Action

M = TypeVar("M", bound=ScopedRecord)


def get_scoped(model: type[M], user: Any, pk: Any, action: Action = Action.VIEW) -> M:
    """Fetch one record the user may act on.

    A record outside the user's scope is reported as missing (404), never as
    forbidden, so its existence is not revealed. A record the user can see but not
    change gives 403.
    """
    try:
        pk = model._meta.pk.to_python(pk)
    except ValidationError as exc:
        raise Http404 from exc
    manager: Any = model.objects
    obj = manager.restrict(user, action).filter(pk=pk).first()
    if obj is not None:
        return obj
    if action is not Action.VIEW and manager.restrict(user, Action.VIEW).filter(pk=pk).exists():
        raise PermissionDenied
    raise Http404


def home_context(*, user: Any) -> dict[str, Any]:
    """The start page: the panels every app registered (``core/panels.py``) that the
    user's roles allow, each with data its app read through its own scoped selectors.
    The core imports no feature app to build it."""
    from samverkan.core.panels import panels_for
    from samverkan.core.scoping import get_scope
    from samverkan.organisations.roles import Role

    roles = get_scope(user).roles
    return {
        "roles": sorted(r.value for r in roles),
        "panels": panels_for(user),
        "is_administrator": Role.ADMINISTRATOR in roles,
        "is_reporter_only": roles == {Role.REPORTER},
    }
