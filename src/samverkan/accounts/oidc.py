"""Optional OpenID Connect sign-in against a municipal identity provider.

Enabled by setting OIDC_RP_CLIENT_ID and the provider's endpoints. Only existing
users are signed in, matched on e-mail address; memberships and roles are managed in
Samverkan, never taken from the provider.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from mozilla_django_oidc.auth import OIDCAuthenticationBackend

from samverkan.accounts.twofactor import OIDC_SESSION_FLAG


class SamverkanOIDCBackend(OIDCAuthenticationBackend):
    def filter_users_by_claims(self, claims: dict[str, Any]) -> QuerySet[Any]:
        email = (claims.get("email") or "").strip()
        if not email:
            return self.UserModel.objects.none()
        return self.UserModel.objects.filter(email__iexact=email, is_active=True)

    def authenticate(self, request: Any, **kwargs: Any) -> Any:
        user = super().authenticate(request, **kwargs)
        if user is not None and request is not None:
            request.session[OIDC_SESSION_FLAG] = True
        return user
