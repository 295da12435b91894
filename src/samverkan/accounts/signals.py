"""Credentials follow the account: a password change or deactivation revokes the user's
API tokens, whatever path made it (the admin, ``changepassword``, a form, a script).

Django has no "password changed" signal, so the user row is compared with its stored state
before it is saved. A real change of password goes through ``set_password()`` (which
leaves the raw password on the instance until the save) or makes the password unusable;
the re-hash Django does at sign-in when the hasher's parameters change keeps the password
and is not a change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db.models.signals import pre_save

from samverkan.accounts import services


def _revocation_reason(user: Any, update_fields: Any) -> str | None:
    if user.pk is None or user._state.adding:
        return None
    if update_fields is not None and not {"password", "is_active"} & set(update_fields):
        return None  # e.g. last_login at sign-in: no extra query
    stored = type(user)._default_manager.filter(pk=user.pk).values("password", "is_active").first()
    if stored is None:
        return None
    if stored["is_active"] and not user.is_active:
        return "deactivated"
    if stored["password"] != user.password and (
        getattr(user, "_password", None) is not None or not user.has_usable_password()
    ):
        return "password changed"
    return None


def _user_saving(sender: Any, instance: Any, update_fields: Any = None, **kwargs: Any) -> None:
    reason = _revocation_reason(instance, update_fields)
    if reason is not None:
        # In the saving code's transaction where it has one; otherwise the tokens are
        # revoked just before the row is written, so a failing save leaves them revoked.
        services.revoke_all_api_tokens(user=instance, reason=reason)


def connect() -> None:
    pre_save.connect(_user_saving, sender=get_user_model(), dispatch_uid="accounts-revoke")
