"""API tokens: hashed at rest, shown once, with an expiry, listable and revocable by their
owner, revoked on sign-out everywhere, password change and deactivation, never readable
in the admin."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from rest_framework.test import APIClient

from samverkan.accounts import services
from samverkan.accounts.models import ApiToken
from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"
KEY_RE = re.compile(r'<code id="api-token">([^<]+)</code>')


def _api(key: str) -> APIClient:
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    return api


def _every_stored_value() -> str:
    """Every row of every table, as text: a secret must not be anywhere in the database."""
    parts = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            parts.extend(repr(row) for row in cursor.fetchall())
    return "\n".join(parts)


def test_token_is_shown_once_and_stored_only_as_a_hash(
    world: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.CASE_OFFICER)
    client = login(user)
    created = client.post("/konto/api-token/", {"name": "Ärendesystemet"})
    assert created.status_code == 201
    key = KEY_RE.search(created.content.decode()).group(1)  # type: ignore[union-attr]
    assert len(key) >= 40
    assert created["Cache-Control"].startswith("max-age=0")

    token = ApiToken.objects.get(user=user)
    assert token.name == "Ärendesystemet"
    assert key.startswith(token.prefix) and len(token.prefix) < len(key) // 2
    assert key not in _every_stored_value()
    assert key[len(token.prefix) :] not in _every_stored_value()

    # Never shown again: the list shows the name and the prefix only.
    page = client.get("/konto/api-token/").content.decode()
    assert "Ärendesystemet" in page and token.prefix in page
    assert key not in page
    # The audit entry names the token, not its secret.
    entry = AuditEntry.objects.filter(object_type="accounts.apitoken").latest("seq")
    assert entry.action == AuditAction.CREATE and key not in str(entry.chain_fields())

    assert _api(key).get("/api/v1/cases/").status_code == 200


def test_old_clear_text_tokens_are_gone(settings: Any) -> None:
    assert "rest_framework.authtoken" not in settings.INSTALLED_APPS
    assert "authtoken_token" not in connection.introspection.table_names()
    classes = settings.REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"]
    assert "rest_framework.authentication.TokenAuthentication" not in classes


def test_a_user_can_have_several_tokens_and_revoke_each(
    world: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.CASE_OFFICER)
    first, first_key = services.create_api_token(user=user, name="Första")
    second, second_key = services.create_api_token(user=user, name="Andra")
    client = login(user)
    page = client.get("/konto/api-token/").content.decode()
    assert "Första" in page and "Andra" in page
    assert first.prefix in page and second.prefix in page

    # Someone else cannot revoke it.
    other = Client()
    other.force_login(world.user("norrkoping", Role.CASE_OFFICER))
    other.post("/konto/api-token/aterkalla/", {"token": first.pk})
    assert _api(first_key).get("/api/v1/cases/").status_code == 200

    response = client.post("/konto/api-token/aterkalla/", {"token": first.pk})
    assert response.status_code == 302
    refused = _api(first_key).get("/api/v1/cases/")
    assert refused.status_code == 401
    assert "återkall" in refused.json()["detail"]
    assert _api(second_key).get("/api/v1/cases/").status_code == 200
    first.refresh_from_db()
    assert first.revoked_at is not None
    assert AuditEntry.objects.filter(
        object_type="accounts.apitoken", object_id=str(first.pk), action=AuditAction.UPDATE
    ).exists()


def test_tokens_expire_after_the_configured_days(world: Any, settings: Any) -> None:
    settings.API_TOKEN_DAYS = 7
    user = world.user("linkoping", Role.CASE_OFFICER)
    token, key = services.create_api_token(user=user, name="Kort")
    assert abs(token.expires_at - (timezone.now() + timedelta(days=7))) < timedelta(minutes=1)
    assert _api(key).get("/api/v1/cases/").status_code == 200
    ApiToken.objects.filter(pk=token.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    expired = _api(key).get("/api/v1/cases/", HTTP_ACCEPT_LANGUAGE="sv")
    assert expired.status_code == 401
    assert "gått ut" in expired.json()["detail"]
    assert expired["WWW-Authenticate"].startswith("Token")


def test_default_expiry_is_ninety_days(world: Any) -> None:
    token, _key = services.create_api_token(user=world.user("linkoping"), name="Standard")
    assert (token.expires_at - token.created_at).days == 90


def test_last_use_is_recorded_at_most_once_a_minute(world: Any) -> None:
    token, key = services.create_api_token(user=world.user("linkoping"), name="Används")
    assert token.last_used_at is None
    _api(key).get("/api/v1/cases/")
    token.refresh_from_db()
    first_use = token.last_used_at
    assert first_use is not None
    _api(key).get("/api/v1/cases/")
    token.refresh_from_db()
    assert token.last_used_at == first_use
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=first_use - timedelta(minutes=2))
    _api(key).get("/api/v1/cases/")
    token.refresh_from_db()
    assert token.last_used_at is not None and token.last_used_at > first_use


def test_inactive_users_tokens_do_not_work(world: Any) -> None:
    user = world.user("linkoping", Role.CASE_OFFICER)
    _token, key = services.create_api_token(user=user, name="Gammal")
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert _api(key).get("/api/v1/cases/").status_code == 401


def test_sign_out_everywhere_ends_other_sessions_and_revokes_tokens(
    world: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.CASE_OFFICER)
    _token, key = services.create_api_token(user=user, name="Skript")
    here, elsewhere, someone_else = Client(), Client(), Client()
    for client, who in ((here, user), (elsewhere, user), (someone_else, world.user("polis"))):
        client.post("/konto/logga-in/", {"username": who.username, "password": PASSWORD})
        assert client.get("/arenden/").status_code == 200
    response = here.post("/konto/logga-ut-overallt/")
    assert response.status_code == 302
    assert here.get("/arenden/").status_code == 200, "the session that asked stays signed in"
    gone = elsewhere.get("/arenden/")
    assert gone.status_code == 302 and gone["Location"].startswith("/konto/logga-in/")
    assert someone_else.get("/arenden/").status_code == 200
    assert _api(key).get("/api/v1/cases/").status_code == 401
    entry = AuditEntry.objects.filter(action=AuditAction.LOGOUT).latest("seq")
    assert entry.actor_username == user.username
    assert entry.details == {"everywhere": True, "sessions": 1, "tokens": 1}


def test_password_change_revokes_tokens(world: Any) -> None:
    user = world.user("linkoping", Role.CASE_OFFICER)
    _token, key = services.create_api_token(user=user, name="Skript")
    user.set_password("ett-helt-nytt-lösenord")
    user.save()
    assert _api(key).get("/api/v1/cases/").status_code == 401
    entry = AuditEntry.objects.filter(object_type="accounts.apitoken").latest("seq")
    assert entry.details["reason"] == "password changed"
    assert entry.subject_organisation_id == world.orgs["linkoping"].pk


def test_rehashing_the_password_at_sign_in_keeps_tokens(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.CASE_OFFICER)
    _token, key = services.create_api_token(user=user, name="Skript")
    # A stronger preferred hasher: signing in upgrades the stored hash, not the password.
    settings.PASSWORD_HASHERS = [
        "django.contrib.auth.hashers.PBKDF2PasswordHasher",
        "django.contrib.auth.hashers.MD5PasswordHasher",
    ]
    client.post("/konto/logga-in/", {"username": user.username, "password": PASSWORD})
    user.refresh_from_db()
    assert user.password.startswith("pbkdf2")
    assert _api(key).get("/api/v1/cases/").status_code == 200


def test_deactivation_revokes_tokens(world: Any) -> None:
    user = world.user("linkoping", Role.CASE_OFFICER)
    token, _key = services.create_api_token(user=user, name="Skript")
    user.is_active = False
    user.save()
    token.refresh_from_db()
    assert token.revoked_at is not None
    user.is_active = True
    user.save()
    token.refresh_from_db()
    assert token.revoked_at is not None, "reactivation does not bring tokens back"


def test_changepassword_command_revokes_tokens(world: Any, monkeypatch: Any) -> None:
    from django.core.management import call_command

    user = world.user("linkoping", Role.CASE_OFFICER)
    _token, key = services.create_api_token(user=user, name="Skript")
    monkeypatch.setattr("getpass.getpass", lambda prompt="": "ett-helt-nytt-lösenord-2")
    call_command("changepassword", user.username, stdout=None)
    assert _api(key).get("/api/v1/cases/").status_code == 401


def _superuser_client() -> tuple[Client, Any]:
    from django.contrib.auth import get_user_model

    root = get_user_model().objects.create_superuser("root", "root@example.invalid", PASSWORD)
    client = Client()
    client.force_login(root)
    return client, root


def test_admin_password_change_revokes_tokens_and_is_seen_by_the_users_auditor(
    world: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.CASE_OFFICER)
    _token, key = services.create_api_token(user=user, name="Skript")
    admin, _root = _superuser_client()
    response = admin.post(
        f"/admin/auth/user/{user.pk}/password/",
        {"password1": "ett-helt-nytt-lösenord", "password2": "ett-helt-nytt-lösenord"},
    )
    assert response.status_code == 302, response.content[:3000]
    assert _api(key).get("/api/v1/cases/").status_code == 401
    auditor = Client()
    auditor.force_login(world.user("linkoping", Role.AUDITOR))
    seen = auditor.get("/api/v1/audit/").json()["results"]
    assert any(
        e["object_type"] == "auth.user" and e["details"].get("via") == "admin" for e in seen
    ), "the admin's change of the password is visible to the user's organisation"
    assert any(e["object_type"] == "accounts.apitoken" for e in seen)
    other = Client()
    other.force_login(world.user("norrkoping", Role.AUDITOR))
    assert not [
        e
        for e in other.get("/api/v1/audit/").json()["results"]
        if e["object_type"] in ("auth.user", "accounts.apitoken")
    ]


def test_admin_never_shows_tokens_or_second_factor_secrets(
    world: Any, client: Any, settings: Any
) -> None:
    import base64

    from django_otp.plugins.otp_static.models import StaticDevice
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.COORDINATOR)
    token, key = services.create_api_token(user=user, name="Skript")
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    static = StaticDevice.objects.create(user=user, name="Reservkoder", confirmed=True)
    static.token_set.create(token="reserv1234")
    secrets = [
        key,
        token.key_hash,
        device.key,
        base64.b32encode(device.bin_key).decode(),
        "reserv1234",
    ]
    admin, _root = _superuser_client()
    pages = [
        "/admin/",
        "/admin/otp_totp/totpdevice/",
        f"/admin/otp_totp/totpdevice/{device.pk}/change/",
        "/admin/otp_static/staticdevice/",
        f"/admin/otp_static/staticdevice/{static.pk}/change/",
        f"/admin/auth/user/{user.pk}/change/",
    ]
    for url in pages:
        response = admin.get(url)
        assert response.status_code == 200, url
        body = response.content.decode()
        for secret in secrets:
            assert secret not in body, f"{url} shows a secret"
    for url in (
        "/admin/authtoken/tokenproxy/",
        "/admin/authtoken/token/",
        "/admin/accounts/apitoken/",
        f"/admin/otp_totp/totpdevice/{device.pk}/config/",
        f"/admin/otp_totp/totpdevice/{device.pk}/qrcode/",
    ):
        assert admin.get(url).status_code in (302, 404), url
    # No second factor can be made for someone else in the admin.
    assert admin.get("/admin/otp_totp/totpdevice/add/").status_code == 403
    assert admin.get("/admin/otp_static/staticdevice/add/").status_code == 403
    assert (
        admin.post(
            f"/admin/otp_totp/totpdevice/{device.pk}/change/",
            {"user": user.pk, "name": "x", "confirmed": "on", "key": "00" * 20},
        ).status_code
        == 403
    )


def test_admin_can_reset_a_lost_second_factor_and_it_is_audited(world: Any, settings: Any) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.COORDINATOR)
    device = TOTPDevice.objects.create(user=user, name="Telefon", confirmed=True)
    admin, _root = _superuser_client()
    response = admin.post(f"/admin/otp_totp/totpdevice/{device.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(pk=device.pk).exists()
    entry = AuditEntry.objects.filter(
        action=AuditAction.DELETE, object_type="otp_totp.totpdevice"
    ).latest("seq")
    assert entry.actor_username == "root"
    assert entry.subject_organisation_id == world.orgs["linkoping"].pk
    assert entry.details["user"] == user.username
    assert device.key not in str(entry.chain_fields())


_KEY_CHARS = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=0x2FF, exclude_characters=","),
    min_size=0,
    max_size=80,
)


@hsettings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(candidate=_KEY_CHARS, cut=st.integers(min_value=0, max_value=80))
def test_only_an_issued_live_token_authenticates(world: Any, candidate: str, cut: int) -> None:
    """Any string that is not an issued, live token is refused: random strings, near misses
    of a live key (cut, extended, one character changed), and revoked or expired keys."""
    from rest_framework.exceptions import AuthenticationFailed

    from samverkan.accounts.api_auth import ApiTokenAuthentication

    auth = ApiTokenAuthentication()
    user = world.user("linkoping", Role.CASE_OFFICER)
    _live, key = services.create_api_token(user=user, name="Levande")
    revoked, revoked_key = services.create_api_token(user=user, name="Återkallad")
    services.revoke_api_token(actor=user, token_id=revoked.pk)
    expired, expired_key = services.create_api_token(user=user, name="Utgången")
    ApiToken.objects.filter(pk=expired.pk).update(expires_at=timezone.now())

    assert auth.authenticate_credentials(key)[0] == user
    position = cut % len(key)
    changed = key[:position] + ("A" if key[position] != "A" else "B") + key[position + 1 :]
    for wrong in (
        candidate,
        key[:cut],
        key + candidate[:1] + "x",
        changed,
        revoked_key,
        expired_key,
        key.upper() if key.upper() != key else key.lower(),
    ):
        if wrong == key:
            continue
        with pytest.raises(AuthenticationFailed):
            auth.authenticate_credentials(wrong)
    ApiToken.objects.all().delete()
