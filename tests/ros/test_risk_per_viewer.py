"""Risk is derived data: each viewing organisation gets a score and explanation built from
exactly the facts it can see (never more: no leak; never fewer: no false sentence), and
only organisations that can see a premises get a row at all."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from itertools import combinations
from typing import Any

import pytest
from django.utils import timezone
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskkit import fired_keys, risk_seen_by
from samverkan.core.scoping import forget_scope
from samverkan.core.tabular import Row
from samverkan.organisations import services as org_services
from samverkan.organisations.models import Membership
from samverkan.organisations.roles import Confidentiality, Role, readable_levels
from samverkan.ros import operations, riskfacts, selectors, services
from samverkan.ros.models import Permit, Premises, PremisesRisk, Signal

pytestmark = pytest.mark.django_db

ORG_KEYS = ["linkoping", "norrkoping", "polis", "stangastaden"]
POLICE_SIGNAL = "Uppgift om vapen i lokalen."


def _import(world: Any, org: str, *rows: dict[str, str]) -> None:
    services.import_register(
        actor=world.user(org, Role.CASE_OFFICER),
        owner=world.orgs[org],
        rows=[
            Row(i, {"municipality": world.orgs[org].name, "kind": "restaurant", **row})
            for i, row in enumerate(rows, start=2)
        ],
        commit=True,
    )


def _premises(world: Any, org: str, address: str, **extra: str) -> Premises:
    _import(world, org, {"address": address, **extra})
    return Premises.objects.get(owner=world.orgs[org], address=address)


def _police_signals(
    world: Any,
    premises: Premises,
    shared: tuple[str, ...],
    n: int = 3,
    level: Confidentiality = Confidentiality.INTERNAL,
) -> None:
    for _ in range(n):
        services.record_signal(
            actor=world.user("polis", Role.CASE_OFFICER),
            owner=world.orgs["polis"],
            premises=premises,
            description=POLICE_SIGNAL,
            observed_on=date.today() - timedelta(days=10),
            reliability="B",
            credibility="2",
            shared_with=[world.orgs[s] for s in shared],
            confidentiality=level,
        )


def _share(world: Any, record: Any, *orgs: str) -> None:
    owner_key = next(k for k, o in world.orgs.items() if o.pk == record.owner_id)
    services.set_sharing(
        actor=world.user(owner_key, Role.COORDINATOR),
        record=record,
        organisations=[world.orgs[o] for o in orgs],
    )


def _pdf_text(content: bytes) -> str:
    from pypdf import PdfReader

    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)
    return " ".join(text.split())


# --- Finding 3: the owner's score is true ------------------------------------------------


def test_the_owner_sees_its_own_permits_and_the_signals_shared_with_it(
    world: Any, kinds: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    valid = {"permit_status": "gällande", "valid_to": "2099-12-31"}
    _import(
        world,
        "linkoping",
        {"address": "Storgatan 1", "name": "Krogen", "permit_type": "serveringstillstånd", **valid},
        {"address": "Storgatan 1", "permit_type": "livsmedel", **valid, "reference": "L-2"},
    )
    premises = Premises.objects.get(address="Storgatan 1")
    _share(world, premises, "stangastaden")
    _police_signals(world, premises, ("linkoping",))
    # The owner: both permits are valid, and the police's signals shared with it count.
    own = fired_keys(premises)
    assert "permit_missing" not in own
    assert "signals_recent" in own
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    page = client.get(f"/ros/lokaler/{premises.pk}/").content.decode()
    assert "saknas" not in page
    assert "3 signaler" in page
    # Stångåstaden sees the premises, neither the permits nor the signals.
    theirs = fired_keys(premises, world.orgs["stangastaden"], clearance=0)
    assert "signals_recent" not in theirs
    client.logout()
    login(world.user("stangastaden", Role.CASE_OFFICER))
    page = client.get(f"/ros/lokaler/{premises.pk}/").content.decode()
    assert "3 signaler" not in page and POLICE_SIGNAL not in page


# --- Finding 1: the briefing pack ------------------------------------------------------------


def test_briefing_pack_shows_each_participant_only_its_own_view_of_the_risk(
    world: Any, kinds: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    premises = _premises(world, "linkoping", "Storgatan 1", name="Krogen")
    _police_signals(world, premises, ("linkoping",), n=5)
    operation = operations.create_operation(
        actor=world.user("linkoping", Role.COORDINATOR),
        owner=world.orgs["linkoping"],
        title="Kontroll centrum",
        starts_at=timezone.make_aware(datetime(2026, 12, 4, 18, 0)),
        ends_at=None,
        areas="Centrum",
        description="",
        participants=[
            (world.orgs["linkoping"], "environment_health"),
            (world.orgs["norrkoping"], "alcohol_licensing"),
        ],
    )
    operations.add_targets(
        actor=world.user("linkoping", Role.COORDINATOR), operation=operation, premises=[premises]
    )
    url = f"/ros/insatser/{operation.pk}/underlag.pdf"
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    planner = _pdf_text(client.get(url).content)
    assert "5 signaler" in planner
    client.logout()
    login(world.user("norrkoping", Role.CASE_OFFICER))
    assert client.get(f"/ros/lokaler/{premises.pk}/").status_code == 404
    response = client.get(url)
    assert response.status_code == 200
    participant = _pdf_text(response.content)
    assert "Storgatan 1" in participant, "the target's address is part of the operation"
    assert "5 signaler" not in participant and "saknas" not in participant
    assert "inte är delad med din organisation" in participant
    detail = client.get(f"/ros/insatser/{operation.pk}/").content.decode()
    assert "5 signaler" not in detail


# --- Finding 2: linked findings --------------------------------------------------------------


def _inspection_at(world: Any, org: str, premises: Premises) -> Any:
    """An operation of ``org`` alone with one inspection at ``premises`` with a finding."""
    operation = operations.create_operation(
        actor=world.user(org, Role.COORDINATOR),
        owner=world.orgs[org],
        title="Egen tillsyn",
        starts_at=timezone.make_aware(datetime(2026, 10, 1, 18, 0)),
        ends_at=None,
        areas="",
        description="",
        participants=[(world.orgs[org], "environment_health")],
    )
    operations.add_targets(
        actor=world.user(org, Role.COORDINATOR), operation=operation, premises=[premises]
    )
    toolbox = operations.operation_toolbox(operation)
    findings = [f.key for f in toolbox.authority("environment_health").findings[:2]]
    return operations.record_inspection(
        actor=world.user(org, Role.CASE_OFFICER),
        operation=operation,
        target=operation.targets.get(),
        participation=operation.participations.get(),
        inspected_on=date(2026, 10, 1),
        findings=findings,
        sanctions=[],
        shared_with=[],
    )


def test_linked_findings_need_every_link_to_be_visible(world: Any, kinds: Any) -> None:
    person = {"person_name": "Testa Testsson", "person_role": "ägare"}
    # Norrköping's own register: the person at a premises with earlier findings.
    elsewhere = _premises(
        world, "norrkoping", "Drottninggatan 5", **person, person_number="19811218-9876"
    )
    inspection = _inspection_at(world, "norrkoping", elsewhere)
    # Linköping's register has a person with the same identity number.
    here = _premises(world, "linkoping", "Storgatan 1", **person, person_number="811218-9876")
    _share(world, here, "stangastaden")
    for org in ("linkoping", "stangastaden"):
        assert "linked_findings" not in fired_keys(here, world.orgs[org], clearance=0), org
    # Norrköping itself cannot see Linköping's premises: it has no row there at all.
    assert risk_seen_by(here, world.orgs["norrkoping"]) is None
    # Sharing the inspection alone links nothing: the person and the premises are unseen.
    _share(world, inspection, "linkoping")
    assert "linked_findings" not in fired_keys(here)
    from samverkan.ros.models import PersonRole

    _share(world, PersonRole.objects.get(owner=world.orgs["norrkoping"]), "linkoping")
    assert "linked_findings" not in fired_keys(here)
    # With the premises shared too, every link is visible to Linköping, and only to it.
    _share(world, elsewhere, "linkoping")
    row = risk_seen_by(here)
    assert row is not None
    linked = next(f for f in row.fired if f["key"] == "linked_findings")
    assert "2 anmärkningar" in linked["explanation"]["sv"]
    assert "linked_findings" not in fired_keys(here, world.orgs["stangastaden"], clearance=0)


# --- Rows exist exactly for viewers -------------------------------------------------------


def test_rows_follow_sharing_and_the_list_map_and_export_use_them(
    world: Any, kinds: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    premises = _premises(
        world, "linkoping", "Storgatan 1", name="Krogen", latitude="58.41", longitude="15.62"
    )
    _police_signals(world, premises, ("linkoping",))
    owner_rows = {(r.organisation_id, r.clearance) for r in premises.risks.all()}
    assert owner_rows == {(world.orgs["linkoping"].pk, c) for c in (0, 1, 2)}
    _share(world, premises, "stangastaden")
    assert risk_seen_by(premises, world.orgs["stangastaden"], 0) is not None
    client = login(world.user("stangastaden", Role.CASE_OFFICER))
    assert "Krogen" in client.get("/ros/").content.decode()
    assert "3 signaler" not in client.get("/ros/").content.decode()
    assert "Storgatan 1" in client.get("/ros/export.csv").content.decode("utf-8-sig")
    geo = client.get("/ros/karta/data.geojson", {"bbox": "15,58,16,59"}).json()
    assert len(geo["features"]) == 1
    # The owner's score counts the signals; Stångåstaden's does not.
    owner_score = risk_seen_by(premises)
    partner_score = risk_seen_by(premises, world.orgs["stangastaden"], 0)
    assert owner_score is not None and partner_score is not None
    assert geo["features"][0]["properties"]["risk_score"] == partner_score.score
    assert partner_score.score < owner_score.score
    # Withdrawn: the partner's rows go in the same transaction, and with them every trace.
    _share(world, premises)
    assert not PremisesRisk.objects.filter(organisation=world.orgs["stangastaden"]).exists()
    assert "Krogen" not in client.get("/ros/").content.decode()
    assert "Storgatan 1" not in client.get("/ros/export.csv").content.decode("utf-8-sig")
    assert client.get("/ros/karta/data.geojson", {"bbox": "15,58,16,59"}).json()["features"] == []


def test_missing_rows_are_computed_after_migrating(world: Any, kinds: Any) -> None:
    premises = _premises(world, "linkoping", "Storgatan 1")
    PremisesRisk.objects.all().delete()
    assert riskfacts.compute_missing() == 1
    assert risk_seen_by(premises) is not None
    assert riskfacts.compute_missing() == 0


# --- Property: rows and facts per viewer, against the policy ------------------------------


@pytest.fixture
def register(world: Any, kinds: Any) -> tuple[Any, list[Premises]]:
    """Premises of both municipalities shared in every way with up to two partners; at
    each, police signals of every level shared in every way, and one permit."""
    all_premises = []
    for owner in ("linkoping", "norrkoping"):
        others = [k for k in ORG_KEYS if k != owner]
        for size in (0, 1, 2):
            for shared in combinations(others, size):
                address = f"{owner}-{'+'.join(shared) or 'egen'} 1"
                premises = _premises(
                    world,
                    owner,
                    address,
                    permit_type="serveringstillstånd",
                    permit_status="gällande",
                )
                _share(world, premises, *shared)
                all_premises.append(premises)
    for premises, level in zip(all_premises, [*Confidentiality] * 5, strict=False):
        for size in (0, 1, 2):
            for shared in combinations([k for k in ORG_KEYS if k != "polis"], size):
                _police_signals(world, premises, shared, n=1, level=level)
    probe = org_services.create_user(actor=None, username="probe", password=None)
    return probe, all_premises


@settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    memberships=st.sets(
        st.tuples(st.sampled_from(ORG_KEYS), st.sampled_from(list(Role))), min_size=1, max_size=3
    )
)
def test_each_row_is_exactly_what_its_viewer_sees(
    world: Any, register: tuple[Any, list[Premises]], memberships: set[tuple[str, Role]]
) -> None:
    probe, all_premises = register
    Membership.objects.filter(user=probe).delete()
    for org, role in memberships:
        org_services.add_membership(actor=None, user=probe, organisation=world.orgs[org], role=role)
    forget_scope(probe)
    rows = {row.premises_id: row for row in selectors.risk_rows(probe)}
    # A user gets one row for every premises it can see, and none for any other.
    assert set(rows) == set(Premises.objects.restrict(probe).values_list("pk", flat=True))
    facts = riskfacts.facts_for(all_premises, date.today())
    for premises_id, row in rows.items():
        # The row's viewer is one of the user's organisations at the user's clearance there.
        roles = {role for org, role in memberships if world.orgs[org].pk == row.organisation_id}
        assert roles
        clearance = max(
            riskfacts.LEVEL_RANK[level] for role in roles for level in readable_levels(role)
        )
        assert row.clearance == clearance
        seen = facts[premises_id][riskfacts.Viewer(row.organisation_id, row.clearance)]
        expected_signals = {
            s.pk
            for s in Signal.objects.filter(premises_id=premises_id)
            if riskfacts.LEVEL_RANK[Confidentiality(s.confidentiality)] <= clearance
            and (
                s.owner_id == row.organisation_id
                or s.shared_with.filter(pk=row.organisation_id).exists()
            )
        }
        assert len(seen.signals) == len(expected_signals)
        # Never more than the user itself may read.
        readable = Signal.objects.restrict(probe).filter(premises_id=premises_id).count()
        assert len(seen.signals) <= readable
        expected_permits = Permit.objects.filter(
            premises_id=premises_id, owner_id=row.organisation_id
        ).count() + sum(
            1
            for p in Permit.objects.filter(premises_id=premises_id)
            if p.owner_id != row.organisation_id
            and p.shared_with.filter(pk=row.organisation_id).exists()
        )
        assert len(seen.permits) == expected_permits
