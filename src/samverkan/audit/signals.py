"""Sign-in events are audited from Django's authentication signals."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.admin.models import ADDITION, CHANGE, DELETION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.core.exceptions import ObjectDoesNotExist, ValidationError
from django.db.models.signals import post_save
from django.dispatch import receiver
from django.http import HttpRequest

from samverkan.accounts.lockout import LOCK_EXISTED, LOCK_SCOPE
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


def _accounts_named(username: str) -> list[int]:
    """Ids of the accounts a sign-in attempt was aimed at (user names compared without
    regard to case, as people type them)."""
    if not username:
        return []
    user_model = get_user_model()
    lookup = {f"{user_model.USERNAME_FIELD}__iexact": username}
    return list(user_model._default_manager.filter(**lookup).values_list("pk", flat=True)[:5])


def _account_fields(username: str, user_ids: list[int]) -> dict[str, Any]:
    return {
        "object_type": "auth.user",
        "object_id": str(user_ids[0]) if len(user_ids) == 1 else "",
        "object_repr": username,
    }


@receiver(user_login_failed)
def _login_failed(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    """A failed sign-in, for the auditors of the attempted account's organisations.

    The attempted user name is kept (it identifies what was attacked); never the password.
    Attempts refused because the lock-out was already in force say so."""
    username = str(credentials.get("username", ""))[:150]
    user_ids = _accounts_named(username)
    details = {"refused": "locked out"} if getattr(request, LOCK_EXISTED, False) else {}
    services.record_about_accounts(
        user_ids=user_ids,
        actor=None,
        action=AuditAction.LOGIN_FAILED,
        details=details,
        ip_address=client_ip(request),
        **_account_fields(username, user_ids),
    )


@receiver(user_locked_out)
def _locked_out(
    sender: Any, request: HttpRequest | None = None, username: str | None = None, **kwargs: Any
) -> None:
    """django-axes locks out a user name (or a whole address: ``scope``), once, when the
    lock begins; django-axes signals again on every attempt refused while it lasts."""
    if request is None or getattr(request, LOCK_EXISTED, False):
        return
    name = str(username or "")[:150]
    user_ids = _accounts_named(name)
    services.record_about_accounts(
        user_ids=user_ids,
        actor=None,
        action=AuditAction.LOCKED_OUT,
        details={"scope": getattr(request, LOCK_SCOPE, "account")},
        ip_address=client_ip(request),
        **_account_fields(name, user_ids),
    )


_ADMIN_ACTIONS = {
    ADDITION: AuditAction.CREATE,
    CHANGE: AuditAction.UPDATE,
    DELETION: AuditAction.DELETE,
}
# Objects whose string form is a secret and must not reach the audit log.
_SECRET_REPR = {
    "authtoken.token",
    "authtoken.tokenproxy",
    "accounts.apitoken",
    "otp_totp.totpdevice",
    "otp_static.staticdevice",
    "otp_static.statictoken",
}


# Objects that are a user's credentials: changes to them in the admin (a password set,
# an account deactivated, a second factor reset) concern that user's organisations too.
_CREDENTIALS = {"auth.user", "otp_totp.totpdevice", "otp_static.staticdevice"}


def _credential_owner(content_type: Any, object_type: str, object_id: str) -> Any | None:
    if object_type not in _CREDENTIALS:
        return None
    if object_type == "auth.user":
        return get_user_model()._default_manager.filter(pk=object_id).first()
    # The admin logs a deletion before it deletes, so the device is still there.
    device = content_type.model_class()._default_manager.filter(pk=object_id).first()
    return device.user if device is not None else None


@receiver(post_save, sender=LogEntry)
def _admin_change(sender: Any, instance: LogEntry, created: bool, **kwargs: Any) -> None:
    """Every add, change and delete made in the admin, in the admin's own transaction."""
    if not created:
        return
    content_type: Any = instance.content_type
    object_type = f"{content_type.app_label}.{content_type.model}" if content_type else ""
    object_id = str(instance.object_id or "")[:64]
    fields: dict[str, Any] = {
        "actor": instance.user,
        "action": _ADMIN_ACTIONS.get(instance.action_flag, AuditAction.UPDATE),
        "object_type": object_type,
        "object_id": object_id,
        "object_repr": "" if object_type in _SECRET_REPR else instance.object_repr,
        "details": {"via": "admin", "change": instance.get_change_message()[:500]},
    }
    owner = _credential_owner(content_type, object_type, object_id)
    if owner is None:
        # The object (still there when a deletion is logged) gives the entry its owner
        # and level, so that the level rule applies to admin changes too.
        services.record(**fields, subject=_edited_object(instance))
        return
    fields["details"]["user"] = owner.get_username()
    services.record_about_accounts(user_ids=[owner.pk], **fields)


def _edited_object(instance: LogEntry) -> Any:
    try:
        return instance.get_edited_object()
    except (ObjectDoesNotExist, AttributeError, ValueError, ValidationError):
        return None
