"""Joint operations: planning with mandates, targets in two municipalities, each
authority's own inspection record, follow-up, outcome figures and the briefing pack."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

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
    assert client.get(f"/ros/insatser/{operation.pk}/protokoll/{police.pk}/").status_code == 403
