"""Joint operations: planning with mandates, targets in two municipalities, each
authority's own inspection record, follow-up, outcome figures and the briefing pack."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from riskkit import fired_keys
from samverkan.core.tabular import Row
from samverkan.organisations.roles import Role
from samverkan.ros import operations, selectors, services
from samverkan.ros.models import InspectionRecord, Premises
from samverkan.ros.workflow import Stage

pytestmark = pytest.mark.django_db


def _premises(world: Any, org: str, address: str) -> Premises:
    services.import_register(
        actor=world.user(org, Role.CASE_OFFICER),
        owner=world.orgs[org],
        rows=[
            Row(2, {"address": address, "municipality": world.orgs[org].name, "kind": "restaurant"})
        ],
        commit=True,
    )
    return Premises.objects.get(owner=world.orgs[org], address=address)


@pytest.fixture
def planned(world: Any, kinds: Any) -> Any:
    linkoping = _premises(world, "linkoping", "Storgatan 1")
    norrkoping = _premises(world, "norrkoping", "Drottninggatan 5")
    # Norrköping shares its premises with Linköping, which plans the joint operation.
    services.set_sharing(
        actor=world.user("norrkoping", Role.COORDINATOR),
        record=norrkoping,
        organisations=[world.orgs["linkoping"]],
    )
    operation = operations.create_operation(
        actor=world.user("linkoping", Role.COORDINATOR),
        owner=world.orgs["linkoping"],
        title="Gemensam insats centrum",
        starts_at=timezone.make_aware(datetime(2026, 12, 4, 18, 0)),
        ends_at=None,
        areas="Centrum",
        description="Kontroll av restauranger.",
        participants=[
            (world.orgs["linkoping"], "environment_health"),
            (world.orgs["polis"], "police"),
            (world.orgs["norrkoping"], "alcohol_licensing"),
        ],
    )
    added = operations.add_targets(
        actor=world.user("linkoping", Role.COORDINATOR),
        operation=operation,
        premises=[linkoping, norrkoping],
    )
    assert added == 2
    return world, operation


def test_planning_shares_the_operation_with_participants(planned: Any) -> None:
    world, operation = planned
    assert set(operation.shared_with.values_list("name", flat=True)) == {
        "Polisen LPO Linköping",
        "Norrköpings kommun",
    }
    assert operation.toolbox["authorities"], "the toolbox is kept with the operation"
    assert not selectors.operation_list(user=world.user("stangastaden", Role.COORDINATOR)).exists()
    with pytest.raises(ValidationError):
        operations.create_operation(
            actor=world.user("linkoping", Role.COORDINATOR),
            owner=world.orgs["linkoping"],
            title="x",
            starts_at=timezone.now(),
            ends_at=timezone.now() - timedelta(hours=1),
            areas="",
            description="",
            participants=[(world.orgs["polis"], "wizards")],
        )


def test_targets_must_be_visible_to_the_planner(planned: Any) -> None:
    world, operation = planned
    hidden = _premises(world, "norrkoping", "Hemliga gatan 9")
    with pytest.raises(PermissionDenied):
        operations.add_targets(
            actor=world.user("linkoping", Role.COORDINATOR), operation=operation, premises=[hidden]
        )


def test_each_authority_records_its_own_inspection(planned: Any) -> None:
    world, operation = planned
    targets = list(operation.targets.order_by("premises__address"))
    police = operation.participations.get(authority="police")
    health = operation.participations.get(authority="environment_health")
    record = operations.record_inspection(
        actor=world.user("polis", Role.CASE_OFFICER),
        operation=operation,
        target=targets[1],
        participation=police,
        inspected_on=date(2026, 12, 4),
        findings=[],
        sanctions=["police_report"],
        notes="Narkotikabrott misstänks.",
        money_identified=Decimal(25000),
    )
    assert record.owner == world.orgs["polis"]
    with pytest.raises(PermissionDenied):
        operations.record_inspection(
            actor=world.user("polis", Role.CASE_OFFICER),
            operation=operation,
            target=targets[0],
            participation=health,
            inspected_on=date(2026, 12, 4),
            findings=[],
            sanctions=[],
        )
    with pytest.raises(ValidationError) as error:
        operations.record_inspection(
            actor=world.user("linkoping", Role.CASE_OFFICER),
            operation=operation,
            target=targets[0],
            participation=health,
            inspected_on=date(2026, 12, 4),
            findings=["no_such_finding"],
            sanctions=["seizure"],
        )
    assert {"findings", "sanctions"} <= set(error.value.message_dict)
    toolbox = operations.operation_toolbox(operation)
    finding = toolbox.authority("environment_health").findings[0].key
    health_record = operations.record_inspection(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        operation=operation,
        target=targets[0],
        participation=health,
        inspected_on=date(2026, 12, 4),
        findings=[finding],
        sanctions=["closure"],
        shared_with=[],
    )
    # The police record is shared with the planner (Linköping) only: Norrköping does not see it.
    norrkoping = world.user("norrkoping", Role.COORDINATOR)
    assert not InspectionRecord.objects.restrict(norrkoping, "view").filter(pk=record.pk).exists()
    assert (
        InspectionRecord.objects.restrict(world.user("linkoping", Role.COORDINATOR), "view").count()
        == 2
    )
    task = operations.add_follow_up(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        inspection=health_record,
        title="Återbesök",
        owner=None,
        due_on=date(2027, 1, 15),
    )
    operations.set_follow_up_done(
        actor=world.user("linkoping", Role.CASE_OFFICER), task=task, done=True
    )
    task.refresh_from_db()
    assert task.done
    figures = selectors.outcome_figures(user=world.user("linkoping", Role.COORDINATOR))
    joint = figures[""].as_dict()
    assert joint["operations"] == 1 and joint["premises_visited"] == 2
    assert joint["closures"] == 1 and joint["money_identified"] == 25000
    assert figures["Linköpings kommun"].as_dict()["sanctions"] == {"police_report": 1}
    assert figures["Norrköpings kommun"].as_dict()["sanctions"] == {"closure": 1}
    norrkoping_figures = selectors.outcome_figures(user=norrkoping)[""].as_dict()
    assert norrkoping_figures["inspections"] == 0, "figures count only records the reader sees"
    operations.set_stage(
        actor=world.user("linkoping", Role.COORDINATOR),
        operation=operation,
        stage=Stage.CARRIED_OUT,
    )
    with pytest.raises(ValidationError):
        operations.set_stage(
            actor=world.user("linkoping", Role.COORDINATOR),
            operation=operation,
            stage=Stage.CARRIED_OUT,
        )


def test_pages_pdf_and_csv(planned: Any, login: Any, settings: Any) -> None:
    world, operation = planned
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", Role.COORDINATOR))
    page = client.get(f"/ros/insatser/{operation.pk}/").content.decode()
    assert "Storgatan 1" in page and "Drottninggatan 5" in page
    pdf = client.get(f"/ros/insatser/{operation.pk}/underlag.pdf")
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF")
    assert client.get("/ros/resultat/").status_code == 200
    assert client.get("/ros/resultat.csv").content.decode("utf-8-sig").count("\n") >= 1
    assert client.get("/ros/resultat.pdf").content.startswith(b"%PDF")
    police = operation.participations.get(authority="police")
    assert client.get(f"/ros/insatser/{operation.pk}/protokoll/{police.uid}/").status_code == 403


def test_earlier_findings_count_at_premises_linked_by_business_or_person(planned: Any) -> None:
    from samverkan.ros import riskfacts

    world, operation = planned
    linkoping_target = operation.targets.get(premises__address="Storgatan 1")
    health = operation.participations.get(authority="environment_health")
    toolbox = operations.operation_toolbox(operation)
    finding = toolbox.authority("environment_health").findings[0].key
    operations.record_inspection(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        operation=operation,
        target=linkoping_target,
        participation=health,
        inspected_on=date(2026, 12, 4),
        findings=[finding],
        sanctions=[],
    )
    officer = world.user("linkoping", Role.CASE_OFFICER)
    owner = world.orgs["linkoping"]
    header = {"municipality": owner.name}
    # The same person runs a business at a new address, and a business with premises at both.
    services.import_register(
        actor=officer,
        owner=owner,
        commit=True,
        rows=[
            Row(
                2,
                {
                    **header,
                    "address": "Storgatan 1",
                    "organisation_number": "556036-0793",
                    "business_name": "Krogen AB",
                    "person_name": "Testa Testsson",
                    "person_number": "19811218-9876",
                    "person_role": "styrelseledamot",
                },
            ),
            Row(
                3,
                {
                    **header,
                    "address": "Nygatan 7",
                    "organisation_number": "556036-0793",
                    "business_name": "Krogen AB",
                },
            ),
            Row(
                4,
                {
                    **header,
                    "address": "Torget 2",
                    "organisation_number": "556677-8899",
                    "business_name": "Annat AB",
                    "person_name": "Testa Testsson",
                    "person_number": "811218-9876",
                    "person_role": "ägare",
                },
            ),
        ],
    )
    riskfacts.recompute()
    for address in ("Nygatan 7", "Torget 2"):
        assert "linked_findings" in fired_keys(Premises.objects.get(address=address)), address
    assert "linked_findings" not in fired_keys(Premises.objects.get(address="Storgatan 1")), (
        "a premises' own findings are earlier sanctions/findings there, not linked ones"
    )


def test_persons_need_a_purpose_and_every_view_is_audited(
    planned: Any, login: Any, settings: Any
) -> None:
    from samverkan.audit.models import AuditEntry

    world, _operation = planned
    settings.REQUIRE_2FA = False
    owner = world.orgs["linkoping"]
    services.import_register(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        owner=owner,
        commit=True,
        rows=[
            Row(
                2,
                {
                    "municipality": owner.name,
                    "address": "Storgatan 1",
                    "organisation_number": "556036-0793",
                    "business_name": "Krogen AB",
                    "person_name": "Testa Testsson",
                    "person_number": "19811218-9876",
                    "person_role": "företrädare",
                },
            ),
        ],
    )
    premises = Premises.objects.get(address="Storgatan 1")
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    first = client.get(f"/ros/lokaler/{premises.pk}/personer/").content.decode()
    assert "Testa Testsson" not in first and 'name="purpose"' in first
    assert (
        "errorlist"
        in client.post(f"/ros/lokaler/{premises.pk}/personer/", {"purpose": "x"}).content.decode()
    )
    client.post(f"/ros/lokaler/{premises.pk}/personer/", {"purpose": "Inför gemensam insats"})
    shown = client.get(f"/ros/lokaler/{premises.pk}/personer/").content.decode()
    assert "Testa Testsson" in shown and "19811218-9876" in shown
    assert AuditEntry.objects.filter(action="view", purpose="Inför gemensam insats").count() == 1
    client.logout()
    login(world.user("stangastaden", Role.COORDINATOR))
    assert client.get(f"/ros/lokaler/{premises.pk}/personer/").status_code == 404


def test_map_marks_operation_targets_for_those_who_see_the_operation(
    planned: Any, login: Any, settings: Any
) -> None:
    import json

    world, _operation = planned
    settings.REQUIRE_2FA = False
    client = login(world.user("linkoping", Role.COORDINATOR))
    # The fixture's premises have no coordinates; give them some (past the services, so
    # their risk rows, which the map reads, are rewritten as a service would).
    from samverkan.ros import riskfacts

    Premises.objects.update(latitude=58.41, longitude=15.62)
    riskfacts.recompute()
    data = json.loads(client.get("/ros/karta/data.geojson", {"targets": "1"}).content)
    assert {f["properties"]["address"] for f in data["features"]} == {
        "Storgatan 1",
        "Drottninggatan 5",
    }
    assert all(f["properties"]["target"] for f in data["features"])
    client.logout()
    login(world.user("norrkoping", Role.CASE_OFFICER))
    data = json.loads(client.get("/ros/karta/data.geojson").content)
    assert [f["properties"]["target"] for f in data["features"]] == [True]


def test_administrators_edit_the_toolbox_and_operations_keep_theirs(
    planned: Any, client: Any, settings: Any
) -> None:
    from django.contrib.auth import get_user_model

    from samverkan.ros import toolbox as tb
    from samverkan.ros.models import LegalToolboxVersion

    _world, operation = planned
    settings.REQUIRE_2FA = False
    root = get_user_model().objects.create_superuser(
        "root", "root@example.invalid", "pw-root-123456"
    )
    client.force_login(root)
    broken = client.post(
        "/admin/ros/legaltoolboxversion/add/", {"document": "authorities: []", "note": "fel"}
    )
    assert broken.status_code == 200 and LegalToolboxVersion.objects.count() == 0
    changed = tb.to_yaml(tb.load_default()).replace("Polisen", "Polismyndigheten", 1)
    saved = client.post(
        "/admin/ros/legaltoolboxversion/add/", {"document": changed, "note": "Nytt namn"}
    )
    assert saved.status_code == 302 and LegalToolboxVersion.objects.count() == 1
    assert operations.current_toolbox().authority("police").label.sv == "Polismyndigheten"
    assert operations.operation_toolbox(operation).authority("police").label.sv == "Polisen"


def test_operation_pages_name_parts_by_ids_that_count_nothing(
    planned: Any, login: Any, settings: Any
) -> None:
    """Participations, targets, follow-up tasks and users have sequential keys that count
    every organisation's rows; pages and forms use random ids and user names instead."""
    import re

    world, operation = planned
    settings.REQUIRE_2FA = False
    health = operation.participations.get(authority="environment_health")
    record = operations.record_inspection(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        operation=operation,
        target=operation.targets.get(premises__address="Storgatan 1"),
        participation=health,
        inspected_on=date(2026, 12, 4),
        findings=[],
        sanctions=[],
    )
    task = operations.add_follow_up(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        inspection=record,
        title="Återbesök",
        owner=None,
        due_on=None,
    )
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    page = client.get(f"/ros/insatser/{operation.pk}/").content.decode()
    assert f"/protokoll/{health.uid}/" in page and f"/atgard/{task.uid}/klar/" in page
    for name in ("participation", "target"):
        select = re.search(rf'<select name="{name}".*?</select>', page, re.S)
        assert select is not None, name
        values = re.findall(r'<option value="([^"]*)"', select.group(0))
        assert values and not [v for v in values if v.isdigit()], values
    form = client.get(f"/ros/protokoll/{record.pk}/atgard/").content.decode()
    select = re.search(r'<select name="owner".*?</select>', form, re.S)
    assert select is not None
    owners = re.findall(r'<option value="([^"]+)"', select.group(0))
    assert "linkoping.samordnare" in owners and not [v for v in owners if v.isdigit()], owners
    assert client.get(f"/ros/insatser/{operation.pk}/protokoll/{health.pk}/").status_code == 404
