"""The matching service: uploads, runs under the shipped match types, what each
organisation sees, the investigation workflow and the deletion of encodings."""

from __future__ import annotations

import gzip
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone

from matchkit import MONTH, MatchWorld, Record, encoded, person
from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.core.retention import run_purges
from samverkan.matching import selectors
from samverkan.matching import services as match_services
from samverkan.matching.models import DatasetEncodings, EncodedDataset, Match, MatchEvent
from samverkan.matching.workflow import MatchStatus, Outcome
from samverkan.organisations.roles import Action, Role

pytestmark = pytest.mark.django_db

SEPTEMBER = (date(2026, 9, 1), date(2026, 9, 30))


def matches_of(mw: MatchWorld, key: str, role: Role = Role.CASE_OFFICER) -> list[Match]:
    return list(selectors.match_list(user=mw.user(key, role)))


# --------------------------------------------------------------------------- uploads


def test_upload_stores_encodings_and_audits_counts_only(mw: MatchWorld) -> None:
    people = [person(i) for i in range(3)]
    dataset = mw.upload("stangastaden", "hyresgaster", [Record(p) for p in people])
    assert dataset.record_count == 3 and dataset.token_count == 3
    assert DatasetEncodings.objects.filter(dataset=dataset).exists()
    entry = AuditEntry.objects.filter(action=AuditAction.CREATE, object_id=str(dataset.pk)).get()
    assert entry.details["records"] == 3
    assert people[0].token not in str(entry.details)


def test_gzip_packed_files_are_accepted(mw: MatchWorld) -> None:
    content = gzip.compress(encoded([Record(person(1))]))
    dataset = match_services.upload_dataset(
        actor=mw.user("stangastaden"),
        owner=mw.org("stangastaden"),
        content=content,
        dataset_type="hyresgaster",
        period_start=MONTH[0],
        period_end=MONTH[1],
        municipality_code="0580",
    )
    assert dataset.record_count == 1


@pytest.mark.parametrize(
    ("content", "expected"),
    [
        (b"personnummer;namn\n198001011234;Anna\n", "ogiltig JSON"),
        (b'{"format": "annat"}', "Klartextfiler tas aldrig emot"),
        (b"\x1f\x8b\x08trasig", "gzip"),
    ],
)
def test_files_that_are_not_encodings_are_refused(
    mw: MatchWorld, content: bytes, expected: str
) -> None:
    with pytest.raises(ValidationError) as error:
        match_services.upload_dataset(
            actor=mw.user("stangastaden"),
            owner=mw.org("stangastaden"),
            content=content,
            dataset_type="hyresgaster",
            period_start=MONTH[0],
            period_end=MONTH[1],
            municipality_code="0580",
        )
    assert expected in " ".join(error.value.messages)
    assert not EncodedDataset.objects.exists()


def test_a_bad_record_names_the_record_and_nothing_is_stored(mw: MatchWorld) -> None:
    import json

    document = json.loads(encoded([Record(person(1)), Record(person(2)), Record(person(3))]))
    document["records"][1]["clk"] = "AAAA"
    document["records"][2]["from"] = "oktober"
    with pytest.raises(ValidationError) as error:
        match_services.upload_dataset(
            actor=mw.user("stangastaden"),
            owner=mw.org("stangastaden"),
            content=json.dumps(document).encode(),
            dataset_type="hyresgaster",
            period_start=MONTH[0],
            period_end=MONTH[1],
            municipality_code="0580",
        )
    text = " ".join(error.value.messages)
    assert "Post 2: fältet clk" in text and "Post 3: from/to" in text
    assert not EncodedDataset.objects.exists()


def test_only_case_officers_and_coordinators_upload(mw: MatchWorld) -> None:
    with pytest.raises(PermissionDenied):
        match_services.upload_dataset(
            actor=mw.user("stangastaden", Role.ANALYST),
            owner=mw.org("stangastaden"),
            content=encoded([Record(person(1))]),
            dataset_type="hyresgaster",
            period_start=MONTH[0],
            period_end=MONTH[1],
            municipality_code="0580",
        )


# --------------------------------------------------------------------------- runs


def test_dual_tenancy_each_side_sees_only_its_own_record(mw: MatchWorld) -> None:
    shared, only_a, only_b = person(1), person(2), person(3)
    a = mw.upload("stangastaden", "hyresgaster", [Record(shared), Record(only_a)])
    b = mw.upload("hyresbostader", "hyresgaster", [Record(only_b), Record(shared)])
    run = mw.run(["dubbla_hyreskontrakt"])
    assert run.status == "done"

    mine = matches_of(mw, "stangastaden")
    theirs = matches_of(mw, "hyresbostader")
    assert len(mine) == 1 and len(theirs) == 1
    assert mine[0].number == theirs[0].number and mine[0].pair == theirs[0].pair
    assert mine[0].dataset_id == a.pk and theirs[0].dataset_id == b.pk
    assert mine[0].ref != theirs[0].ref
    assert mine[0].counterpart == mw.org("hyresbostader")
    assert mine[0].band == "exakt" and mine[0].via_token
    # Nobody else sees either side.
    for key in ("linkoping", "norrkoping", "polis"):
        for role in Role:
            assert not Match.objects.restrict(mw.user(key, role), Action.VIEW).exists()
    # Analysts, reporters and auditors of the owner do not see matches (sekretess).
    for role in (Role.ANALYST, Role.REPORTER, Role.AUDITOR, Role.ADMINISTRATOR):
        assert not Match.objects.restrict(mw.user("stangastaden", role), Action.VIEW).exists()
    with pytest.raises(Http404):
        selectors.match_get(user=mw.user("hyresbostader"), pk=mine[0].pk)


def test_benefits_in_two_municipalities_need_the_same_month(mw: MatchWorld) -> None:
    same_month, other_month = person(1), person(2)
    mw.upload(
        "linkoping",
        "ekonomiskt_bistand",
        [Record(same_month), Record(other_month, start="2026-09", end="2026-09")],
        period=(date(2026, 9, 1), date(2026, 10, 31)),
    )
    mw.upload("norrkoping", "ekonomiskt_bistand", [Record(same_month), Record(other_month)])
    mw.run(["bistand_tva_kommuner"])
    assert [m.match_type for m in matches_of(mw, "linkoping")] == ["bistand_tva_kommuner"]
    assert len(matches_of(mw, "norrkoping")) == 1


def test_benefits_and_tenancy_must_be_in_different_municipalities(mw: MatchWorld) -> None:
    who = person(1)
    mw.upload("linkoping", "ekonomiskt_bistand", [Record(who)])
    mw.upload("stangastaden", "hyresgaster", [Record(who)])  # Linköping
    mw.upload("hyresbostader", "hyresgaster", [Record(who)])  # Norrköping
    mw.run(["bistand_och_hyresgast_annan_kommun"])
    mine = matches_of(mw, "linkoping")
    assert [m.counterpart.name for m in mine] == ["Hyresbostäder"]
    assert not matches_of(mw, "stangastaden")
    assert len(matches_of(mw, "hyresbostader")) == 1


def test_deceased_tenant_goes_to_the_housing_company_only(mw: MatchWorld) -> None:
    dead, alive = person(1), person(2)
    mw.upload("stangastaden", "hyresgaster", [Record(dead), Record(alive)])
    mw.upload(
        "linkoping",
        "avlidna",
        [Record(dead, start="2026-03-02")],
        period=(date(2026, 1, 1), date(2026, 10, 31)),
    )
    mw.run(["hyresgast_avliden"])
    assert [m.match_type for m in matches_of(mw, "stangastaden")] == ["hyresgast_avliden"]
    assert not matches_of(mw, "linkoping")


def test_similar_encodings_match_without_identity_number_but_twins_do_not(
    mw: MatchWorld,
) -> None:
    who, twin_a = person(1), person(2)
    twin_b = twin_a.noisy(10, seed=3)
    twin_b = type(twin_b)(twin_b.clk, "f" * 64)  # another identity number
    mw.upload("stangastaden", "hyresgaster", [Record(who, token=False), Record(twin_a)])
    mw.upload("hyresbostader", "hyresgaster", [Record(who.noisy(20, seed=1)), Record(twin_b)])
    mw.run(["dubbla_hyreskontrakt"])
    mine = matches_of(mw, "stangastaden")
    assert len(mine) == 1
    assert not mine[0].via_token and mine[0].band in {"hog", "medel"}


def test_different_schemas_cannot_be_run_together(mw: MatchWorld) -> None:
    mw.upload("stangastaden", "hyresgaster", [Record(person(1))])
    mw.upload("hyresbostader", "hyresgaster", [Record(person(1))], fingerprint="cd" * 32)
    with pytest.raises(ValidationError) as error:
        mw.run(["dubbla_hyreskontrakt"])
    assert "olika" in " ".join(error.value.messages) or "different" in " ".join(
        error.value.messages
    )


def test_a_run_with_nothing_to_compare_is_refused(mw: MatchWorld) -> None:
    mw.upload("stangastaden", "hyresgaster", [Record(person(1))])
    with pytest.raises(ValidationError):
        mw.run(["dubbla_hyreskontrakt"])


def test_only_coordinators_start_runs(mw: MatchWorld) -> None:
    from samverkan.organisations.models import Collaboration

    with pytest.raises(PermissionDenied):
        match_services.start_run(
            actor=mw.user("linkoping", Role.CASE_OFFICER),
            collaboration=Collaboration.objects.get(),
            period_start=MONTH[0],
            period_end=MONTH[1],
            match_type_keys=["dubbla_hyreskontrakt"],
        )


def test_the_job_runs_in_the_worker_with_progress(
    transactional_db: Any, mw: MatchWorld, django_capture_on_commit_callbacks: Any
) -> None:
    from django.core.management import call_command

    from samverkan.jobs.models import Job, JobStatus
    from samverkan.organisations.models import Collaboration

    shared = person(1)
    mw.upload("stangastaden", "hyresgaster", [Record(shared)])
    mw.upload("hyresbostader", "hyresgaster", [Record(shared)])
    run = match_services.start_run(
        actor=mw.user("linkoping"),
        collaboration=Collaboration.objects.get(),
        period_start=MONTH[0],
        period_end=MONTH[1],
        match_type_keys=["dubbla_hyreskontrakt"],
    )
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    job = Job.objects.get(pk=run.job_id)
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.progress_total and job.progress_current == job.progress_total
    run.refresh_from_db()
    assert run.status == "done" and run.summary["matches"] == 2


# --------------------------------------------------------------------------- investigation


@pytest.fixture
def a_match(mw: MatchWorld) -> Match:
    shared = person(1)
    mw.upload("linkoping", "ekonomiskt_bistand", [Record(shared)])
    mw.upload("norrkoping", "ekonomiskt_bistand", [Record(shared)])
    mw.run(["bistand_tva_kommuner"])
    return matches_of(mw, "linkoping")[0]


def test_closing_needs_an_outcome_and_keeps_amounts(mw: MatchWorld, a_match: Match) -> None:
    officer = mw.user("linkoping", Role.CASE_OFFICER)
    match_services.change_status(actor=officer, match=a_match, status="utreds")
    with pytest.raises(ValidationError) as error:
        match_services.change_status(actor=officer, match=a_match, status="avslutad")
    assert "outcome" in error.value.message_dict
    match_services.change_status(
        actor=officer,
        match=a_match,
        status="avslutad",
        outcome=Outcome.INCORRECT_PAYMENT.value,
        amount_recovered=Decimal(48200),
        amount_stopped=Decimal(12000),
    )
    a_match.refresh_from_db()
    assert a_match.status == MatchStatus.CLOSED and a_match.amount_recovered == 48200
    kinds = list(MatchEvent.objects.filter(match=a_match).values_list("kind", flat=True))
    assert kinds == ["status", "outcome"]
    with pytest.raises(ValidationError):
        match_services.change_status(actor=officer, match=a_match, status="vantar")


def test_an_exchange_needs_a_legal_basis(mw: MatchWorld, a_match: Match) -> None:
    officer = mw.user("linkoping", Role.CASE_OFFICER)
    with pytest.raises(ValidationError) as error:
        match_services.record_exchange(
            actor=officer, match=a_match, legal_basis="", direction="sent", text="Begärde besked"
        )
    assert "legal_basis" in error.value.message_dict
    match_services.record_exchange(
        actor=officer,
        match=a_match,
        legal_basis="osl_10_15a",
        direction="sent",
        text="Frågade Norrköping om utbetalningsdatum",
    )
    event = MatchEvent.objects.get(match=a_match, kind="exchange")
    assert event.legal_basis == "osl_10_15a" and "OSL 10 kap. 15 a §" in event.legal_basis_label
    entry = AuditEntry.objects.filter(action=AuditAction.SHARE, object_id=str(a_match.pk)).get()
    assert entry.details["legal_basis"] == "osl_10_15a"


def test_the_counterpart_cannot_change_the_other_side(mw: MatchWorld, a_match: Match) -> None:
    with pytest.raises(PermissionDenied):
        match_services.add_note(actor=mw.user("norrkoping"), match=a_match, text="hej")
    with pytest.raises(PermissionDenied):
        match_services.change_status(
            actor=mw.user("linkoping", Role.ANALYST), match=a_match, status="utreds"
        )


def test_assignee_must_work_for_the_owner(mw: MatchWorld, a_match: Match) -> None:
    with pytest.raises(ValidationError):
        match_services.assign(
            actor=mw.user("linkoping"),
            match=a_match,
            assignee=mw.user("norrkoping", Role.CASE_OFFICER),
        )
    match_services.assign(
        actor=mw.user("linkoping"), match=a_match, assignee=mw.user("linkoping", Role.CASE_OFFICER)
    )
    mine = selectors.match_list(
        user=mw.user("linkoping", Role.CASE_OFFICER), filters=selectors.MatchFilters(mine=True)
    )
    assert list(mine) == [a_match]


def test_outcomes_move_the_priority(mw: MatchWorld, a_match: Match) -> None:
    from samverkan.matching import priority

    officer = mw.user("linkoping", Role.CASE_OFFICER)
    match_services.change_status(
        actor=officer, match=a_match, status="avslutad", outcome=Outcome.NO_ACTION.value
    )
    stats = selectors.type_statistics(user=officer)["bistand_tva_kommuner"]
    assert (stats.matches, stats.closed, stats.findings) == (1, 1, 0)
    assert priority.effective_weight(1, stats.closed, stats.findings) < priority.effective_weight(
        1, 0, 0
    )


# --------------------------------------------------------------------------- encodings' time


def test_expired_encodings_are_deleted_but_matches_stay(mw: MatchWorld, a_match: Match) -> None:
    EncodedDataset.objects.update(encodings_expire_at=timezone.now() - timedelta(minutes=1))
    assert run_purges(dry_run=True)["matching.encodings"] == 2
    assert run_purges()["matching.encodings"] == 2
    assert not DatasetEncodings.objects.exists()
    assert EncodedDataset.objects.filter(encodings_deleted_at__isnull=False).count() == 2
    assert Match.objects.filter(pk=a_match.pk).exists()
    assert (
        AuditEntry.objects.filter(
            action=AuditAction.RETENTION, object_type="matching.encodeddataset"
        ).count()
        == 2
    )
    # A new run cannot use deleted encodings.
    with pytest.raises(ValidationError):
        mw.run(["bistand_tva_kommuner"])


def test_the_owner_deletes_encodings_early(mw: MatchWorld) -> None:
    dataset = mw.upload("stangastaden", "hyresgaster", [Record(person(1))])
    with pytest.raises(PermissionDenied):
        match_services.delete_encodings(actor=mw.user("hyresbostader"), dataset=dataset)
    match_services.delete_encodings(actor=mw.user("stangastaden"), dataset=dataset)
    dataset.refresh_from_db()
    assert not dataset.has_encodings


def test_a_pair_of_two_own_records_gives_one_match_with_both_references(
    mw: MatchWorld,
) -> None:
    from samverkan.matching import matchtypes
    from samverkan.matching.models import MatchTypeCatalogueVersion

    text = matchtypes.default_text().replace(
        "    priority: 2\n    recipients: [second]",
        "    priority: 2\n    recipients: [first, second]",
    )
    assert text != matchtypes.default_text()
    MatchTypeCatalogueVersion.objects.create(document=text, note="Båda sidor")
    who = person(1)
    employees = mw.upload("linkoping", "anstallda", [Record(who)])
    benefits = mw.upload("linkoping", "ekonomiskt_bistand", [Record(who)])
    mw.run(["anstalld_med_bistand"])
    (match,) = matches_of(mw, "linkoping")
    assert match.counterpart == mw.org("linkoping")
    assert match.dataset_id == employees.pk and match.own_counterpart_ref
    assert match.own_counterpart_ref != match.ref
    assert benefits.record_count == 1


def test_queue_applicant_with_a_lease_and_employee_with_benefits(mw: MatchWorld) -> None:
    tenant, employee, bystander = person(1), person(2), person(3)
    mw.upload("stangastaden", "bostadsko", [Record(tenant), Record(bystander)])
    mw.upload("hyresbostader", "hyresgaster", [Record(tenant)])
    mw.upload("linkoping", "anstallda", [Record(employee), Record(bystander, end="2026-09")])
    mw.upload("norrkoping", "ekonomiskt_bistand", [Record(employee), Record(bystander)])
    mw.run(["bostadsko_redan_hyresgast", "anstalld_med_bistand"])
    # The queue's owner gets the queue match; the landlord is not told.
    assert [m.match_type for m in matches_of(mw, "stangastaden")] == ["bostadsko_redan_hyresgast"]
    assert not matches_of(mw, "hyresbostader")
    # The benefits side gets the employee match; the employer is not told, and an
    # employment that ended before the month does not match.
    assert [m.match_type for m in matches_of(mw, "norrkoping")] == ["anstalld_med_bistand"]
    assert not matches_of(mw, "linkoping")
