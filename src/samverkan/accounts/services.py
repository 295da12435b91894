"""Writes for sign-in: TOTP devices and API tokens."""

from __future__ import annotations

from typing import Any

from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

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


@transaction.atomic
def rotate_api_token(*, user: Any) -> Token:
    Token.objects.filter(user=user).delete()
    token = Token.objects.create(user=user)
    audit.record(
        actor=user,
        action=AuditAction.CREATE,
        object_type="authtoken.token",
        object_repr="API token",
        details={"rotated": True},
    )
    return token
