"""Health check, API schema and docs, retention, the command line, demo data."""

from __future__ import annotations

import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone

from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.cases import services as case_services
from samverkan.cases.models import Case, CasePerson
from samverkan.cases.workflow import CaseStatus
from samverkan.core.models import RetentionPolicy
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db


def test_healthz_reports_the_database(client: Any) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}


def test_openapi_schema_and_docs_are_served_locally(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    schema = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert schema.status_code == 200
    paths = schema.json()["paths"]
    assert "/api/v1/cases/" in paths and "/api/v1/cases/{id}/persons/" in paths
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    body = docs.content.decode()
    assert "cdn" not in body.lower() and "/static/" in body


def test_api_requires_authentication(client: Any) -> None:
    assert client.get("/api/v1/cases/").status_code in (401, 403)


def test_api_errors_are_json_even_where_no_route_matches(world: Any, client: Any) -> None:
    from worldkit import api_token

    headers = {"HTTP_AUTHORIZATION": f"Token {api_token(world.user('linkoping'))}"}
    for url in ("/api/v1/organisations/1.5e-67/", "/api/v1/no-such-route/"):
        response = client.get(url, **headers)
        assert response.status_code == 404
        assert response["Content-Type"] == "application/json"
        assert response.json()["detail"]
    # Outside the API, a person gets the page.
    assert "text/html" in client.get("/no-such-page/")["Content-Type"]


def test_api_creates_and_shares_within_scope(world: Any) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.user("linkoping", Role.CASE_OFFICER))
    created = api.post(
        "/api/v1/cases/", {"owner": world.orgs["linkoping"].pk, "title": "Via API"}, format="json"
    )
    assert created.status_code == 201, created.content
    pk = created.json()["id"]
    shared = api.post(
        f"/api/v1/cases/{pk}/share/", {"shared_with": [world.orgs["norrkoping"].pk]}, format="json"
    )
    assert shared.status_code == 200 and shared.json()["shared_with"] == ["Norrköpings kommun"]
    foreign = api.post(
        "/api/v1/cases/", {"owner": world.orgs["norrkoping"].pk, "title": "x"}, format="json"
    )
    assert foreign.status_code == 403
    reader = APIClient()
    reader.force_authenticate(world.user("norrkoping", Role.ANALYST))
    assert reader.get(f"/api/v1/cases/{pk}/").status_code == 200
    assert (
        reader.patch(f"/api/v1/cases/{pk}/", {"title": "ändrat"}, format="json").status_code == 403
    )


def test_retention_deletes_expired_records_and_audits_counts_only(world: Any) -> None:
    RetentionPolicy.objects.create(record_type="cases.case", months=12)
    user = world.user("linkoping", Role.COORDINATOR)
    old = world.case("linkoping", title="Gammalt stängt ärende")
    case_services.add_person(actor=user, case=old, name="Gammal Person")
    case_services.set_case_status(actor=user, case=old, status=CaseStatus.CLOSED)
    Case.objects.filter(pk=old.pk).update(closed_at=timezone.now() - timedelta(days=400))
    recent = world.case("linkoping", title="Nyss stängt")
    case_services.set_case_status(actor=user, case=recent, status=CaseStatus.CLOSED)
    still_open = world.case("linkoping", title="Öppet sedan länge")
    Case.objects.filter(pk=still_open.pk).update(created_at=timezone.now() - timedelta(days=2000))

    call_command("retention", "run", "--dry-run")
    assert Case.objects.filter(pk=old.pk).exists()
    call_command("retention", "run")
    assert not Case.objects.filter(pk=old.pk).exists()
    assert not CasePerson.objects.filter(name="Gammal Person").exists()
    assert Case.objects.filter(pk__in=[recent.pk, still_open.pk]).count() == 2
    entry = AuditEntry.objects.filter(action=AuditAction.RETENTION).get()
    assert entry.details == {"cases.case": {"months": 12, "deleted": 1}}
    assert "Gammalt" not in str(entry.chain_fields())


def test_error_pages_are_friendly(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    settings.DEBUG = False
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    missing = client.get("/finns-inte/")
    assert missing.status_code == 404 and "<main" in missing.content.decode()
    forbidden = client.get("/granskning/")
    assert forbidden.status_code == 403 and "<main" in forbidden.content.decode()


def test_organisations_are_data_not_code() -> None:
    source = Path(__file__).resolve().parents[1] / "src" / "samverkan"
    offenders = [
        str(path.relative_to(source))
        for path in source.rglob("*.py")
        if "demo" not in path.parts
        and ("linköping" in path.read_text().lower() or "norrköping" in path.read_text().lower())
    ]
    assert offenders == []


def test_samverkan_command_sets_up_the_demo(tmp_path: Path) -> None:
    """The console script end to end, in its own process and its own ./var."""
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    env["SAMVERKAN_VAR_DIR"] = str(tmp_path / "var")
    script = Path(sys.executable).with_name("samverkan")
    result = subprocess.run(  # noqa: S603
        [str(script), "demo", "--no-serve"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-2000:]
    assert "linkoping.samordnare" in result.stdout and "demo-Samverkan-2026" in result.stdout
    assert (tmp_path / "var" / "samverkan.sqlite3").exists()
    verify = subprocess.run(  # noqa: S603
        [str(script), "audit", "verify"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert verify.returncode == 0, verify.stderr
