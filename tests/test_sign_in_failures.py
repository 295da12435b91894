"""Failed sign-ins and lock-outs reach the auditors of the attacked account's organisations,
and password spraying from one address over many user names is locked out too."""

from __future__ import annotations

import re
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client

from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.organisations import services as org_services
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db
PASSWORD = "correct-horse-battery-staple"


def _fail(client: Client, username: str, password: str = "fel-lösenord") -> Any:  # noqa: S107
    return client.post("/konto/logga-in/", {"username": username, "password": password})


def _auditor(world: Any, org: str) -> Client:
    client = Client()
    client.force_login(world.user(org, Role.AUDITOR))
    return client


def _audit_api(client: Client, action: str) -> list[dict[str, Any]]:
    return list(client.get("/api/v1/audit/", {"action": action}).json()["results"])


def test_failed_sign_in_is_visible_to_the_accounts_auditor(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    _fail(client, "linkoping.analytiker")
    linkoping = _auditor(world, "linkoping")
    entries = _audit_api(linkoping, AuditAction.LOGIN_FAILED)
    assert [e["object_repr"] for e in entries] == ["linkoping.analytiker"]
    assert "fel-lösenord" not in str(entries)
    page = linkoping.get("/granskning/", {"action": AuditAction.LOGIN_FAILED})
    assert "linkoping.analytiker" in page.content.decode()
    # Another organisation's auditor does not see it.
    assert _audit_api(_auditor(world, "norrkoping"), AuditAction.LOGIN_FAILED) == []
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.subject_organisation_id == world.orgs["linkoping"].pk
    assert entry.object_id == str(world.user("linkoping", Role.ANALYST).pk)


def test_a_member_of_two_organisations_is_watched_by_both(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.ANALYST)
    org_services.add_membership(
        actor=None, user=user, organisation=world.orgs["polis"], role=Role.ANALYST
    )
    _fail(client, user.username)
    for org in ("linkoping", "polis"):
        entries = _audit_api(_auditor(world, org), AuditAction.LOGIN_FAILED)
        assert [e["object_repr"] for e in entries] == [user.username], org
        # Each organisation's entry names only the account, not the other organisation.
        assert "Linköping" not in str(entries) or org == "linkoping"
    assert _audit_api(_auditor(world, "norrkoping"), AuditAction.LOGIN_FAILED) == []


def test_unknown_user_names_are_kept_for_platform_staff_only(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    _fail(client, "finns.inte")
    entry = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert entry.object_repr == "finns.inte"
    assert entry.organisation_id is None and entry.subject_organisation_id is None
    for org in world.orgs:
        assert _audit_api(_auditor(world, org), AuditAction.LOGIN_FAILED) == []
    out = StringIO()
    call_command("audit", "sign-ins", stdout=out)
    assert "finns.inte" in out.getvalue()
    assert "linkoping" not in out.getvalue()


def test_lock_out_is_audited_once_and_visible_to_the_accounts_auditor(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    for _ in range(settings.AXES_FAILURE_LIMIT + 2):
        _fail(client, "linkoping.analytiker")
    locked = AuditEntry.objects.filter(action=AuditAction.LOCKED_OUT)
    assert locked.count() == 1
    entry = locked.get()
    assert entry.object_repr == "linkoping.analytiker"
    assert entry.details["scope"] == "account"
    seen = _audit_api(_auditor(world, "linkoping"), AuditAction.LOCKED_OUT)
    assert [e["object_repr"] for e in seen] == ["linkoping.analytiker"]
    assert _audit_api(_auditor(world, "norrkoping"), AuditAction.LOCKED_OUT) == []
    # The attempts refused while locked are recorded as such.
    refused = AuditEntry.objects.filter(
        action=AuditAction.LOGIN_FAILED, details__refused="locked out"
    )
    assert refused.count() >= 1


def test_locked_out_page_is_swedish_and_says_when_to_retry(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "sv"
    for _ in range(settings.AXES_FAILURE_LIMIT):
        _fail(client, "linkoping.analytiker")
    response = _fail(client, "linkoping.analytiker", PASSWORD)
    assert response.status_code == 429
    body = response.content.decode()
    assert "Kontot är låst" in body
    assert re.search(r"Försök igen (efter|kl\.) \d\d:\d\d", body), body
    minutes = settings.AXES_COOLOFF_TIME * 60
    assert int(response["Retry-After"]) == pytest.approx(minutes * 60, abs=5)


def test_password_spraying_from_one_address_is_locked_out(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    settings.LOCKOUT_IP_FAILURES = 8
    assert settings.AXES_FAILURE_LIMIT < settings.LOCKOUT_IP_FAILURES
    # One wrong password each for many user names: no account reaches its own limit.
    names = [f"{org}.{role.value}" for org in world.orgs for role in Role][:8]
    for name in names:
        _fail(client, name, "Sommar2024!")
    blocked = _fail(client, "norrkoping.handlaggare", PASSWORD)
    assert blocked.status_code == 429
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action=AuditAction.LOCKED_OUT)
    assert entry.details["scope"] == "address"
    # Another address is not affected.
    other = Client(REMOTE_ADDR="10.1.2.3")
    assert _fail(other, "norrkoping.handlaggare", PASSWORD).status_code == 302


def test_one_persons_typos_do_not_lock_out_the_office(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    assert settings.LOCKOUT_IP_FAILURES >= 20
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        _fail(client, "linkoping.analytiker")
    for name in ("linkoping.handlaggare", "polis.handlaggare", "norrkoping.samordnare"):
        colleague = Client()
        assert _fail(colleague, name, PASSWORD).status_code == 302
    assert _fail(client, "linkoping.analytiker", PASSWORD).status_code == 302


def test_the_address_limit_can_be_switched_off(world: Any, client: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    settings.LOCKOUT_IP_FAILURES = 0
    names = [f"{org}.{role.value}" for org in world.orgs for role in Role]
    for name in names[:25]:
        _fail(client, name)
    assert _fail(client, names[-1], PASSWORD).status_code == 302
