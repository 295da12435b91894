"""Writes for sign-in: TOTP devices, API tokens and sign-out everywhere."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts.models import ApiToken
from samverkan.accounts.tokens import new_key
from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction


@transaction.atomic
def start_totp_enrolment(*, user: Any) -> TOTPDevice:
    """An unconfirmed device for the user (reused until confirmed)."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name="Samverkan", confirmed=False)
    return device


@transaction.atomic
def confirm_totp(*, user: Any, device: TOTPDevice, token: str, ip_address: str = "") -> bool:
    if not device.verify_token(token):
        audit.record(
            actor=user,
            action=AuditAction.TWO_FACTOR,
            details={"result": "wrong code"},
            ip_address=ip_address,
        )
        return False
    if not device.confirmed:
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        audit.record(
            actor=user,
            action=AuditAction.CREATE,
            obj=device,
            details={"device": "totp"},
            ip_address=ip_address,
        )
    audit.record(
        actor=user, action=AuditAction.TWO_FACTOR, details={"result": "ok"}, ip_address=ip_address
    )
    return True


def _token_audit(
    *, token: ApiToken, actor: Any | None, details: dict[str, Any], ip_address: str = ""
) -> None:
    audit.record(
        actor=actor,
        action=AuditAction.CREATE if details.get("created") else AuditAction.UPDATE,
        obj=token,
        details=details,
        ip_address=ip_address,
    )


@transaction.atomic
def create_api_token(*, user: Any, name: str, ip_address: str = "") -> tuple[ApiToken, str]:
    """A new token for the user; the key is returned once and never stored."""
    name = (name or "").strip()
    if not name:
        raise ValidationError({"name": _("Give the token a name.")})
    if len(name) > 100:
        raise ValidationError(
            {"name": _("At most %(limit_value)d characters.") % {"limit_value": 100}}
        )
    key, prefix, digest = new_key()
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=prefix,
        key_hash=digest,
        created_at=now,
        expires_at=now + timedelta(days=settings.API_TOKEN_DAYS),
    )
    _token_audit(
        token=token,
        actor=user,
        details={"created": True, "expires": token.expires_at.isoformat()},
        ip_address=ip_address,
    )
    return token, key


@transaction.atomic
def revoke_api_token(*, actor: Any, token_id: Any, ip_address: str = "") -> ApiToken:
    """The owner revokes one of their live tokens."""
    try:
        token = ApiToken.objects.select_for_update().get(
            pk=int(token_id), user_id=actor.pk, revoked_at__isnull=True
        )
    except (ApiToken.DoesNotExist, TypeError, ValueError, OverflowError):
        raise ValidationError({"token": _("You have no such active token.")}) from None
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    _token_audit(token=token, actor=actor, details={"revoked": "by owner"}, ip_address=ip_address)
    return token


@transaction.atomic
def revoke_all_api_tokens(
    *, user: Any, reason: str, actor: Any | None = None, ip_address: str = ""
) -> int:
    """Revoke every token of the user that is not yet revoked, and audit it.

    With no actor (a password change or deactivation seen on the user row, whoever made
    it) the entry is written about the account, for the auditors of its organisations."""
    now = timezone.now()
    count = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(revoked_at=now)
    if not count:
        return 0
    fields: dict[str, Any] = {
        "action": AuditAction.UPDATE,
        "object_type": ApiToken._meta.label_lower,
        "object_repr": user.get_username(),
        "details": {"revoked": count, "reason": reason},
        "ip_address": ip_address,
    }
    if actor is not None:
        audit.record(actor=actor, **fields)
    else:
        audit.record_about_accounts(user_ids=[user.pk], actor=None, **fields)
    return count


def _other_session_keys(user: Any, keep: str | None) -> list[str]:
    """Keys of the user's live sessions other than ``keep``. Sessions are stored in the
    database (Django's default engine) and are short-lived, so reading the live ones is
    cheap; no index of sessions per user has to be kept in step."""
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    keys = []
    live = Session.objects.filter(expire_date__gt=timezone.now())
    for session in live.iterator(chunk_size=500):
        if session.session_key == keep:
            continue
        if str(session.get_decoded().get(SESSION_KEY, "")) == str(user.pk):
            keys.append(session.session_key)
    return keys


@transaction.atomic
def sign_out_everywhere(*, user: Any, keep_session: str | None, ip_address: str = "") -> None:
    """End all of the user's other sessions and revoke all their API tokens."""
    from django.contrib.sessions.models import Session

    keys = _other_session_keys(user, keep_session)
    Session.objects.filter(session_key__in=keys).delete()
    tokens = ApiToken.objects.filter(user_id=user.pk, revoked_at__isnull=True).update(
        revoked_at=timezone.now()
    )
    audit.record(
        actor=user,
        action=AuditAction.LOGOUT,
        details={"everywhere": True, "sessions": len(keys), "tokens": tokens},
        ip_address=ip_address,
    )
