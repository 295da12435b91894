"""API authentication and the base permission: session (with the second factor where
required) or token, and membership of at least one organisation."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from samverkan.accounts.twofactor import needs_second_factor
from samverkan.core.scoping import get_scope


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and needs_second_factor(request._request):
            raise exceptions.PermissionDenied(_("Two-factor sign-in is required for your role."))
        return result


class AuditedTokenAuthentication(authentication.TokenAuthentication):
    keyword = "Token"


class IsMember(permissions.BasePermission):
    message = _("You are not a member of any organisation.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and get_scope(user).organisation_ids)
