"""Sign-in events are audited from Django's authentication signals."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from samverkan.audit import services
from samverkan.audit.models import AuditAction


def client_ip(request: HttpRequest | None) -> str:
    if request is None:
        return ""
    return str(request.META.get("REMOTE_ADDR", ""))[:45]


@receiver(user_logged_in)
def _logged_in(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    backend = getattr(user, "backend", "") or ""
    method = "oidc" if "oidc" in backend.lower() else "password"
    services.record(
        actor=user,
        action=AuditAction.LOGIN,
        details={"method": method},
        ip_address=client_ip(request),
    )


@receiver(user_logged_out)
def _logged_out(sender: Any, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        services.record(actor=user, action=AuditAction.LOGOUT, ip_address=client_ip(request))


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    # The attempted user name is kept (it identifies what was attacked); never the password.
    username = str(credentials.get("username", ""))[:150]
    services.record(
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        object_type="auth.user",
        object_repr=username,
        ip_address=client_ip(request),
    )
