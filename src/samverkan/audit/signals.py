"""Sign-in events are audited from Django's authentication signals."""

from __future__ import annotations

from typing import Any

from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models.signals import post_save
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


_ADMIN_ACTIONS = {
    ADDITION: AuditAction.CREATE,
    CHANGE: AuditAction.UPDATE,
    DELETION: AuditAction.DELETE,
}
# Objects whose string form is a secret and must not reach the audit log.
_SECRET_REPR = {"authtoken.token", "authtoken.tokenproxy", "otp_totp.totpdevice"}


@receiver(post_save, sender=LogEntry)
def _admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """Every add, change and delete made in the admin, in the admin's own transaction."""
    if not created:
        return
    content_type: Any = instance.content_type
    object_type = f"{content_type.app_label}.{content_type.model}" if content_type else ""
    services.record(
        actor=instance.user,
        action=_ADMIN_ACTIONS.get(instance.action_flag, AuditAction.UPDATE),
        object_type=object_type,
        object_id=str(instance.object_id or "")[:64],
        object_repr="" if object_type in _SECRET_REPR else instance.object_repr,
        details={"via": "admin", "change": instance.get_change_message()[:500]},
        # The object (still there when a deletion is logged) gives the entry its owner
        # and level, so that the level rule applies to admin changes too.
        subject=_edited_object(instance),
    )


def _edited_object(instance: LogEntry) -> Any:
    try:
        return instance.get_edited_object()
    except (ObjectDoesNotExist, AttributeError, ValueError, ValidationError):
        return None
