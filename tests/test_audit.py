"""The audit log: append-only, hash-chained, searchable by auditors only."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection, transaction

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction, AuditEntry, AuditHead
from samverkan.cases import services as case_services
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db


def _raw(sql: str, params: list[Any]) -> None:
    """Tamper with the table the way someone with database access could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry DISABLE TRIGGER audit_append_only")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE audit_auditentry ENABLE TRIGGER audit_append_only")


def test_changes_are_chained_and_verify(world: Any) -> None:
    case = world.case("linkoping", title="Kedjat")
    case_services.add_person(actor=world.user("linkoping"), case=case, name="A B")
    assert audit.verify() == []
    head = AuditHead.objects.get()
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None and (head.seq, head.hash) == (last.seq, last.hash)
    created = AuditEntry.objects.get(action=AuditAction.CREATE, object_id=str(case.pk))
    assert created.actor_username == "linkoping.samordnare"
    assert created.organisation_name == "Linköpings kommun"


def test_edited_entry_is_detected(world: Any) -> None:
    world.case("linkoping", title="Original")
    entry = AuditEntry.objects.get(object_repr__contains="Original")
    _raw("UPDATE audit_auditentry SET object_repr = %s WHERE seq = %s", ["Ändrad", entry.seq])
    problems = audit.verify()
    assert [(p.seq, p.kind) for p in problems] == [(entry.seq, "hash")]
    with pytest.raises(CommandError):
        call_command("audit", "verify")


def test_deleted_entry_in_the_middle_is_detected(world: Any) -> None:
    world.case("linkoping", title="Ett")
    world.case("linkoping", title="Två")
    middle = AuditEntry.objects.get(object_repr__contains="Ett")
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [middle.seq])
    kinds = {p.kind for p in audit.verify()}
    assert {"gap", "link"} <= kinds


def test_deleted_last_entries_are_detected(world: Any) -> None:
    world.case("linkoping", title="Sist")
    last = AuditEntry.objects.order_by("-seq").first()
    assert last is not None
    _raw("DELETE FROM audit_auditentry WHERE seq = %s", [last.seq])
    assert [p.kind for p in audit.verify()] == ["head"]


def test_verify_command_reports_an_intact_log(world: Any, capsys: Any) -> None:
    call_command("audit", "verify")
    assert "oförändrad" in capsys.readouterr().out


def test_application_cannot_edit_or_delete_entries(world: Any) -> None:
    entry = AuditEntry.objects.first()
    assert entry is not None
    entry.purpose = "ändrat"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().update(purpose="x")
    with pytest.raises(PermissionError):
        AuditEntry.objects.all().delete()


def test_database_refuses_edits_on_postgresql(world: Any) -> None:
    if connection.vendor != "postgresql":
        # SQLite has no trigger (see ADR 0003); the application guards above apply.
        assert connection.vendor == "sqlite"
        return
    from django.db.utils import DatabaseError

    entry = AuditEntry.objects.first()
    assert entry is not None
    with (
        pytest.raises(DatabaseError, match="append-only"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("UPDATE audit_auditentry SET purpose = 'x' WHERE seq = %s", [entry.seq])


def test_admin_and_api_offer_no_way_to_edit(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    from django.contrib.auth import get_user_model

    settings.REQUIRE_2FA = False
    root = get_user_model().objects.create_superuser(
        "root", "root@example.invalid", "pw-root-123456"
    )
    client.force_login(root)
    assert client.get("/admin/audit/auditentry/").status_code == 404
    client.logout()
    login(world.user("linkoping", Role.AUDITOR))
    entry = AuditEntry.objects.order_by("seq").first()
    assert entry is not None
    for method in ("post", "put", "patch", "delete"):
        response = getattr(client, method)(
            f"/api/v1/audit/{entry.hash}/", content_type="application/json"
        )
        assert response.status_code in (403, 404, 405)
    assert client.post("/api/v1/audit/", {}).status_code == 405


def test_sign_in_events_are_audited_without_password(
    world: Any, client: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    client.post(
        "/konto/logga-in/", {"username": "linkoping.analytiker", "password": "fel-lösenord"}
    )
    failed = AuditEntry.objects.get(action=AuditAction.LOGIN_FAILED)
    assert failed.object_repr == "linkoping.analytiker"
    assert "fel-lösenord" not in str(failed.chain_fields())
    client.post(
        "/konto/logga-in/",
        {"username": "linkoping.analytiker", "password": "correct-horse-battery-staple"},
    )
    assert AuditEntry.objects.filter(
        action=AuditAction.LOGIN, actor_username="linkoping.analytiker"
    ).exists()
    client.post("/konto/logga-ut/")
    assert AuditEntry.objects.filter(action=AuditAction.LOGOUT).exists()


def test_auditor_sees_own_organisations_entries_and_entries_about_its_records(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    own = world.case("linkoping", title="LKPG-EGET", shared_with=("norrkoping",))
    world.case("norrkoping", title="NKPG-EGET")
    # A Norrköping user reads Linköping's persons: Linköping's auditor must see it.
    case_services.record_person_view(
        actor=world.user("norrkoping", Role.CASE_OFFICER), case=own, purpose="Samordning av insats"
    )
    login(world.user("linkoping", Role.AUDITOR))
    page = client.get("/granskning/").content.decode()
    assert "LKPG-EGET" in page
    assert "Samordning av insats" in page
    assert "NKPG-EGET" not in page
    search = client.get("/granskning/", {"q": "Samordning"}).content.decode()
    assert "Samordning av insats" in search and "LKPG-EGET" in search
    export = client.get("/granskning/export.csv")
    text = b"".join(export.streaming_content).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text), delimiter=";"))
    assert any("Samordning av insats" in row for row in rows)
    assert not any("NKPG-EGET" in cell for row in rows for cell in row)
    assert AuditEntry.objects.filter(
        action=AuditAction.EXPORT, object_type="audit.auditentry"
    ).exists()


def test_only_auditors_reach_the_audit_log(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    login(world.user("linkoping", Role.CASE_OFFICER))
    assert client.get("/granskning/").status_code == 403
    assert client.get("/granskning/export.csv").status_code == 403
    assert client.get("/api/v1/audit/").json()["count"] == 0


def test_bad_audit_search_input_gives_field_errors(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    login(world.user("linkoping", Role.AUDITOR))
    response = client.get("/granskning/", {"date_from": "igår", "date_to": "2026-01-01"})
    assert response.status_code == 200
    assert "errorlist" in response.content.decode()


def test_verify_job_runs_in_the_worker_with_progress(
    transactional_db: Any, world: Any, client: Any, login: Any, settings: Any
) -> None:
    """The real database backend and worker: queued on commit, run by db_worker."""
    from samverkan.jobs.models import Job, JobStatus

    settings.REQUIRE_2FA = False
    login(world.user("linkoping", Role.AUDITOR))
    response = client.post("/granskning/verifiera/")
    job = Job.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/jobb/{job.pk}/"
    assert job.status == JobStatus.QUEUED
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result["intact"] is True
    assert job.progress_total == job.progress_current > 0
    page = client.get(f"/jobb/{job.pk}/").content.decode()
    assert 'id="job-result"' in page
    # Jobs are private to whoever started them.
    client.logout()
    login(world.user("linkoping", Role.CASE_OFFICER))
    assert client.get(f"/jobb/{job.pk}/").status_code == 404
    assert client.get(f"/api/v1/jobs/{job.pk}/").status_code == 404
    assert str(job.pk) not in client.get("/jobb/").content.decode()


def test_admin_deletes_one_object_at_a_time_so_each_deletion_is_audited(
    world: Any, client: Any, settings: Any
) -> None:
    from django.contrib.auth import get_user_model

    settings.REQUIRE_2FA = False
    root = get_user_model().objects.create_superuser(
        "root", "root@example.invalid", "pw-root-123456"
    )
    client.force_login(root)
    page = client.get("/admin/auth/user/").content.decode()
    assert "delete_selected" not in page, "bulk deletion bypasses the audited change log"
    victim = world.user("stangastaden", Role.REPORTER)
    response = client.post(f"/admin/auth/user/{victim.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    entry = AuditEntry.objects.get(action=AuditAction.DELETE, object_type="auth.user")
    assert entry.object_id == str(victim.pk) and entry.actor_username == "root"
