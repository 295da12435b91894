"""Sign-in: Argon2, lock-out, mandatory TOTP for administrators and coordinators,
session expiry and security headers."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.hashers import get_hasher
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def _code(device: TOTPDevice, offset: int = 0) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = totp.time + offset * device.step
    return f"{totp.token():06d}"


@pytest.mark.real_hashing
def test_passwords_are_hashed_with_argon2(world: Any) -> None:
    from samverkan.organisations.services import create_user

    user = create_user(actor=None, username="ny", password="ett-långt-lösenord-1")
    assert user.password.startswith("argon2")
    assert get_hasher().algorithm == "argon2"


def test_lock_out_after_repeated_failures(world: Any, client: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post("/konto/logga-in/", {"username": "linkoping.analytiker", "password": "fel"})
    locked = client.post(
        "/konto/logga-in/", {"username": "linkoping.analytiker", "password": PASSWORD}
    )
    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    assert (
        AuditEntry.objects.filter(action=AuditAction.LOGIN_FAILED).count()
        >= settings.AXES_FAILURE_LIMIT
    )
    # Another account from the same address is not locked.
    ok = client.post(
        "/konto/logga-in/", {"username": "linkoping.handlaggare", "password": PASSWORD}
    )
    assert ok.status_code == 302


def test_wrong_password_gives_a_clear_message(world: Any, client: Any, settings: Any) -> None:
    settings.LANGUAGE_CODE = "sv"
    response = client.post(
        "/konto/logga-in/", {"username": "linkoping.analytiker", "password": "fel"}
    )
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_coordinator_must_enrol_and_use_totp(world: Any, client: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = True
    response = client.post(
        "/konto/logga-in/", {"username": "linkoping.samordnare", "password": PASSWORD}
    )
    assert response.status_code == 302
    # Nothing but the two-factor page until the code is given.
    for path in ("/", "/arenden/"):
        redirect = client.get(path)
        assert redirect.status_code == 302 and redirect["Location"].startswith("/konto/tvafaktor/")
    assert client.get("/api/v1/cases/").status_code == 403
    page = client.get("/konto/tvafaktor/")
    assert 'id="totp-secret"' in page.content.decode()
    device = TOTPDevice.objects.get(user=world.user("linkoping", Role.COORDINATOR))
    wrong = client.post(
        "/konto/tvafaktor/", {"otp_token": "000000" if _code(device) != "000000" else "111111"}
    )
    assert wrong.status_code == 200 and "errorlist" in wrong.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.save()
    done = client.post("/konto/tvafaktor/", {"otp_token": _code(device), "next": "/arenden/"})
    assert done.status_code == 302 and done["Location"] == "/arenden/"
    assert client.get("/arenden/").status_code == 200
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEntry.objects.filter(action=AuditAction.TWO_FACTOR, details__result="ok").exists()


def test_case_officer_needs_no_second_factor(world: Any, client: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = True
    client.post("/konto/logga-in/", {"username": "linkoping.handlaggare", "password": PASSWORD})
    assert client.get("/arenden/").status_code == 200


def test_relaxed_two_factor_shows_a_warning_banner(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", Role.COORDINATOR))
    page = client.get("/").content.decode()
    assert "banner-warning" in page


def test_non_numeric_code_gets_a_field_error(world: Any, client: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = True
    client.post("/konto/logga-in/", {"username": "linkoping.administrator", "password": PASSWORD})
    for bad in ("", "abcdef", "1" * 500):
        response = client.post("/konto/tvafaktor/", {"otp_token": bad})
        assert response.status_code == 200
        assert "errorlist" in response.content.decode()


def test_sessions_expire_when_idle(settings: Any) -> None:
    assert settings.SESSION_SAVE_EVERY_REQUEST is True
    assert 0 < settings.SESSION_COOKIE_AGE <= 8 * 3600


def test_security_headers(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    response = client.get("/")
    csp = response["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "<script>" not in response.content.decode()


def test_hsts_when_served_over_tls(world: Any, client: Any, settings: Any) -> None:
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_SSL_REDIRECT = False
    response = client.get("/healthz", secure=True)
    assert "max-age=31536000" in response["Strict-Transport-Security"]


def test_every_form_posts_with_csrf(world: Any, settings: Any) -> None:
    from django.test import Client

    settings.REQUIRE_2FA = False
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.user("linkoping", Role.CASE_OFFICER))
    response = strict.post("/arenden/nytt/", {"title": "utan token"})
    assert response.status_code == 403
    assert (
        "csrf" not in response.content.decode().lower()
        or "form" in response.content.decode().lower()
    )


def test_oidc_backend_matches_existing_users_by_email(world: Any) -> None:
    from samverkan.accounts.oidc import SamverkanOIDCBackend

    backend = SamverkanOIDCBackend.__new__(SamverkanOIDCBackend)
    backend.UserModel = type(world.user("linkoping"))
    found = backend.filter_users_by_claims({"email": "LINKOPING.handlaggare@example.invalid"})
    assert list(found) == [world.user("linkoping", Role.CASE_OFFICER)]
    assert not backend.filter_users_by_claims({"email": ""}).exists()
    assert not backend.filter_users_by_claims({"email": "okand@example.invalid"}).exists()


def test_api_token_page_needs_the_second_factor(world: Any, client: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = True
    client.post("/konto/logga-in/", {"username": "linkoping.samordnare", "password": PASSWORD})
    response = client.post("/konto/api-token/", {"name": "Skript"})
    assert response.status_code == 302 and response["Location"].startswith("/konto/tvafaktor/")
    from samverkan.accounts.models import ApiToken

    assert not ApiToken.objects.exists()


def test_platform_superuser_must_use_two_factor_for_the_admin(
    world: Any, client: Any, settings: Any
) -> None:
    from django.contrib.auth import get_user_model

    settings.REQUIRE_2FA = True
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", PASSWORD)
    client.force_login(root)
    response = client.get("/admin/")
    assert response.status_code == 302 and response["Location"].startswith("/konto/tvafaktor/")


def test_admin_changes_are_audited(world: Any, client: Any, settings: Any) -> None:
    from django.contrib.auth import get_user_model

    settings.REQUIRE_2FA = False
    root = get_user_model().objects.create_superuser("root", "root@example.invalid", PASSWORD)
    client.force_login(root)
    org = world.orgs["polis"]
    response = client.post(
        f"/admin/organisations/organisation/{org.pk}/change/",
        {
            "name": "Polisen LPO Linköping City",
            "short_name": "",
            "type": "polis",
            "organisation_number": "",
            "municipality_code": "",
            "is_active": "on",
            "units-TOTAL_FORMS": "0",
            "units-INITIAL_FORMS": "0",
            "units-MIN_NUM_FORMS": "0",
            "units-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 302, response.content[:2000]
    entry = AuditEntry.objects.filter(
        action=AuditAction.UPDATE, object_type="organisations.organisation"
    ).latest("seq")
    assert entry.actor_username == "root" and entry.details["via"] == "admin"
    assert "name" in entry.details["change"].lower() or "namn" in entry.details["change"].lower()
