"""Who must use a second factor, and whether the current session has one."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from samverkan.core.scoping import get_scope
from samverkan.organisations.roles import TWO_FACTOR_ROLES

OIDC_SESSION_FLAG = "samverkan_oidc_login"


def requires_two_factor(user: Any) -> bool:
    if not settings.REQUIRE_2FA or not user.is_authenticated:
        return False
    if user.is_staff or user.is_superuser:
        return True
    return get_scope(user).has_role(*TWO_FACTOR_ROLES)


def session_is_verified(request: Any) -> bool:
    user = request.user
    if getattr(user, "is_verified", lambda: False)():
        return True
    return bool(settings.OIDC_SATISFIES_2FA and request.session.get(OIDC_SESSION_FLAG))


def needs_second_factor(request: Any) -> bool:
    return requires_two_factor(request.user) and not session_is_verified(request)
