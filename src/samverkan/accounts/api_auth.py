"""API authentication and the base permission: personal API token or session (with the
second factor where required), and membership of at least one organisation."""

from __future__ import annotations

import hmac
from datetime import timedelta
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions
from rest_framework.request import Request

from samverkan.accounts.models import ApiToken
from samverkan.accounts.tokens import MAX_KEY_LENGTH, key_hash
from samverkan.accounts.twofactor import needs_second_factor
from samverkan.core.scoping import get_scope


class VerifiedSessionAuthentication(authentication.SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and needs_second_factor(request._request):
            raise exceptions.PermissionDenied(_("Two-factor sign-in is required for your role."))
        return result


class ApiTokenAuthentication(authentication.TokenAuthentication):
    """``Authorization: Token <key>`` with a personal API token (``accounts.ApiToken``).

    The key is looked up by its SHA-256 hash (a unique index), and the stored hash is
    compared again in constant time; expired and revoked tokens and inactive users get a
    401 that says why."""

    keyword = "Token"
    # How often the time of last use is written (not on every request).
    last_use_resolution = timedelta(minutes=1)

    def authenticate_credentials(self, key: str) -> tuple[Any, ApiToken]:
        invalid = exceptions.AuthenticationFailed(_("The API token is not valid."))
        if not key or len(key) > MAX_KEY_LENGTH:
            raise invalid
        digest = key_hash(key)
        token = ApiToken.objects.select_related("user").filter(key_hash=digest).first()
        if token is None or not hmac.compare_digest(token.key_hash, digest):
            raise invalid
        now = timezone.now()
        if token.revoked_at is not None:
            raise exceptions.AuthenticationFailed(_("The API token has been revoked."))
        if token.expires_at <= now:
            raise exceptions.AuthenticationFailed(
                _("The API token has expired. Create a new one on the API tokens page.")
            )
        if not token.user.is_active:
            raise invalid
        if token.last_used_at is None or now - token.last_used_at >= self.last_use_resolution:
            ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        return token.user, token


class IsMember(permissions.BasePermission):
    message = _("You are not a member of any organisation.")

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and get_scope(user).organisation_ids)
