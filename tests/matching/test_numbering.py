"""Numbering without counts: nothing a run shows an organisation (match numbers, the job's
progress and result, the audit entry) tells how many matches or records other
organisations have."""

from __future__ import annotations

import re
from typing import Any

import pytest

from matchkit import MONTH, MatchWorld, Record, person
from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.matching import services as match_services
from samverkan.matching.models import Match
from samverkan.organisations.models import Collaboration
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db

NUMBER = re.compile(r"^M-2026-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$")


def test_match_numbers_are_random_and_shared_by_the_two_sides(mw: MatchWorld) -> None:
    people = [person(i) for i in range(1, 7)]
    mw.upload("stangastaden", "hyresgaster", [Record(p) for p in people])
    mw.upload("hyresbostader", "hyresgaster", [Record(p) for p in reversed(people)])
    mw.run(["dubbla_hyreskontrakt"])
    rows = list(Match.objects.all())
    assert len(rows) == 12
    by_pair: dict[Any, set[str]] = {}
    for match in rows:
        assert NUMBER.match(match.number), match.number
        by_pair.setdefault(match.pair, set()).add(match.number)
    assert all(len(numbers) == 1 for numbers in by_pair.values()), "both sides share it"
    numbers = sorted(n for numbers in by_pair.values() for n in numbers)
    assert len(set(numbers)) == 6, "each pair has its own number"
    assert not any(n.endswith(("0001", "0002")) for n in numbers), "not a counter"


def test_a_number_already_taken_is_never_given_again(
    mw: MatchWorld, monkeypatch: pytest.MonkeyPatch
) -> None:
    shared = person(1)
    mw.upload("stangastaden", "hyresgaster", [Record(shared)])
    mw.upload("hyresbostader", "hyresgaster", [Record(shared)])
    mw.run(["dubbla_hyreskontrakt"])
    taken = Match.objects.values_list("number", flat=True).first()
    assert taken is not None
    codes = iter([taken[7:], taken[7:], "ABCD-EFGH"])
    monkeypatch.setattr(match_services, "_random_code", lambda: next(codes))
    assert match_services._new_numbers(2026, 1) == ["M-2026-ABCD-EFGH"]


def test_the_run_job_tells_the_starter_only_its_own_counts(mw: MatchWorld) -> None:
    """Linköping starts a run whose matches all go to the two housing companies."""
    from samverkan.matching.jobs import run_job

    people = [person(i) for i in range(1, 4)]
    mw.upload("stangastaden", "hyresgaster", [Record(p) for p in people])
    mw.upload("hyresbostader", "hyresgaster", [Record(p) for p in people])
    starter = mw.user("linkoping")
    run = match_services.start_run(
        actor=starter,
        collaboration=Collaboration.objects.get(),
        period_start=MONTH[0],
        period_end=MONTH[1],
        match_type_keys=["dubbla_hyreskontrakt"],
    )
    totals: list[int] = []
    result = run_job({"run": str(run.pk)}, starter, lambda c, t, m: totals.append(t))
    assert Match.objects.count() == 6
    assert result == {"run": str(run.pk), "own_matches": 0}
    assert totals and set(totals) == {100}, "progress in percent, not comparisons"
    finished = AuditEntry.objects.get(
        action=AuditAction.JOB, object_type="matching.matchrun", details__finished=True
    )
    # The entry is read by the starter's auditors: no counts of (secret) matches.
    assert set(finished.details) <= {"finished", "own_datasets"}
    # Each other organisation's auditors learn that its datasets were compared, and the
    # starter's auditors learn nothing of them.
    from samverkan.audit.selectors import audit_entries

    used = AuditEntry.objects.filter(details__has_key="compared_in_run")
    assert {e.subject_organisation_id for e in used} == {
        mw.org("stangastaden").pk,
        mw.org("hyresbostader").pk,
    }
    starters_auditor = mw.user("linkoping", Role.AUDITOR)
    seen = [e for e in audit_entries(user=starters_auditor) if e.object_type == "matching.matchrun"]
    for entry in seen:
        assert not set(entry.details.get("datasets", [])) - {
            str(d.pk) for d in run.datasets.filter(owner=mw.org("linkoping"))
        }
    assert all(e.hash not in {u.hash for u in used} for e in audit_entries(user=starters_auditor))


def test_the_assign_form_names_users_without_counting_ids(
    mw: MatchWorld, client: Any, login: Any, settings: Any
) -> None:
    """User ids count every organisation's accounts; the form refers to user names."""
    settings.REQUIRE_2FA = False
    shared = person(1)
    mw.upload("linkoping", "ekonomiskt_bistand", [Record(shared)])
    mw.upload("norrkoping", "ekonomiskt_bistand", [Record(shared)])
    mw.run(["bistand_tva_kommuner"])
    match = Match.objects.get(owner=mw.org("linkoping"))
    officer = mw.user("linkoping", Role.CASE_OFFICER)
    login(officer)
    page = client.get(f"/matchning/traffar/{match.pk}/").content.decode()
    select = re.search(r'<select name="assignee".*?</select>', page, re.S)
    assert select is not None
    values = re.findall(r'value="([^"]*)"', select.group(0))
    assert officer.username in values and not any(v.isdigit() for v in values)
    response = client.post(
        f"/matchning/traffar/{match.pk}/tilldela/", {"assignee": officer.username}
    )
    assert response.status_code == 302
    match.refresh_from_db()
    assert match.assignee == officer


def test_expired_encodings_are_audited_for_their_owners_not_for_whoever_started_a_run(
    mw: MatchWorld,
) -> None:
    """A run first deletes expired encodings of every organisation; the starter's auditors
    must not learn from that entry how many datasets the others had."""
    from datetime import timedelta

    from django.utils import timezone

    from samverkan.audit.selectors import audit_entries
    from samverkan.matching.models import EncodedDataset

    old = mw.upload("hyresbostader", "hyresgaster", [Record(person(9))])
    EncodedDataset.objects.filter(pk=old.pk).update(
        encodings_expire_at=timezone.now() - timedelta(minutes=1)
    )
    shared = person(1)
    mw.upload("stangastaden", "hyresgaster", [Record(shared)])
    mw.upload("hyresbostader", "hyresgaster", [Record(shared)])
    mw.run(["dubbla_hyreskontrakt"])  # started by Linköping
    entry = AuditEntry.objects.get(action=AuditAction.RETENTION)
    assert entry.object_id == str(old.pk)
    assert entry.subject_organisation_id == mw.org("hyresbostader").pk
    starter_auditor = mw.user("linkoping", Role.AUDITOR)
    assert not audit_entries(user=starter_auditor).filter(action=AuditAction.RETENTION).exists()
    owner_auditor = mw.user("hyresbostader", Role.AUDITOR)
    assert audit_entries(user=owner_auditor).filter(action=AuditAction.RETENTION).exists()
