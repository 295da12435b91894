"""The isolation matrix, generated from the URL configuration and the API router.

Every endpoint is found automatically. An endpoint whose URL takes an object id must
declare which scoped model it shows (``@scoped(Model)`` on views, ``queryset`` on API
viewsets) or be listed below with the reason it holds no organisation's data;
otherwise this test fails, so new endpoints cannot escape the matrix.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import pytest

from endpoints import ALL, NOT_RECORD_DETAIL, PARAM, PLAIN, Endpoint
from samverkan.cases import services as case_services
from samverkan.cases.models import Case
from samverkan.matching.models import EncodedDataset, Match
from samverkan.organisations.roles import Role
from samverkan.ros.models import InspectionRecord, Operation, Premises, Signal
from samverkan.surveys import services as survey_services
from samverkan.surveys.models import Wave

pytestmark = pytest.mark.django_db


def test_matrix_covers_the_application() -> None:
    routes = {e.route for e in ALL}
    assert "arenden/" in routes
    assert "arenden/<uuid:pk>/personer/" in routes
    assert "api/v1/cases/<pk>/" in routes
    assert "api/v1/cases/<pk>/persons/" in routes


@pytest.mark.parametrize("endpoint", PARAM, ids=lambda e: e.route)
def test_every_parametrised_endpoint_is_declared(endpoint: Endpoint) -> None:
    assert endpoint.scoped_model is not None or endpoint.route in NOT_RECORD_DETAIL, (
        f"{endpoint.route} takes an object id but declares no scoped model: add @scoped(Model)"
        " or a queryset, or list it in NOT_RECORD_DETAIL with a reason"
    )


@dataclass(frozen=True)
class Record:
    """A record of one scoped model, with how its owner shares it and the ids of its
    parts that some URLs take besides the record's own id."""

    obj: Any
    share: Callable[[list[Any]], None]
    parts: dict[str, Any] = field(default_factory=dict)


def _case(world: Any, marker: str) -> Record:
    owner = world.user("linkoping", Role.COORDINATOR)
    case = world.case("linkoping", title=marker)
    case_services.add_person(actor=owner, case=case, name="Person Personsson")
    return Record(
        case,
        lambda orgs: case_services.set_case_sharing(actor=owner, case=case, organisations=orgs),
    )


def _wave(world: Any, marker: str) -> Record:
    owner = world.user("linkoping", Role.COORDINATOR)
    questionnaire = survey_services.ensure_default_questionnaire(
        actor=owner, organisation=world.orgs["linkoping"]
    )
    wave = survey_services.create_wave(
        actor=owner,
        owner=world.orgs["linkoping"],
        name=marker,
        slug=marker.lower(),
        questionnaire=questionnaire,
        partners=[world.orgs["norrkoping"]],
        reference_period="2026",
    )
    return Record(
        wave,
        lambda orgs: survey_services.set_wave_partners(
            actor=owner, wave=wave, partners=[world.orgs["norrkoping"], *orgs]
        ),
    )


def _premises(world: Any, marker: str) -> Record:
    from samverkan.core.tabular import Row
    from samverkan.ros import services as ros_services
    from samverkan.ros.models import Premises

    owner = world.user("linkoping", Role.COORDINATOR)
    row = {
        "address": f"{marker} 1",
        "municipality": world.orgs["linkoping"].name,
        "name": marker,
        "latitude": "58.4",
        "longitude": "15.6",
    }
    ros_services.import_register(
        actor=owner, owner=world.orgs["linkoping"], rows=[Row(2, row)], commit=True
    )
    premises = Premises.objects.get(name=marker)
    return Record(
        premises,
        lambda orgs: ros_services.set_sharing(actor=owner, record=premises, organisations=orgs),
    )


def _signal(world: Any, marker: str) -> Record:
    from datetime import date

    from samverkan.ros import services as ros_services

    premises = _premises(world, f"{marker}-lokal").obj
    police = world.user("polis", Role.COORDINATOR)
    signal = ros_services.record_signal(
        actor=police,
        owner=world.orgs["polis"],
        premises=premises,
        description=marker,
        observed_on=date(2026, 1, 1),
        reliability="B",
        credibility="2",
    )
    return Record(
        signal,
        lambda orgs: ros_services.set_sharing(actor=police, record=signal, organisations=orgs),
    )


def _operation(world: Any, marker: str) -> Record:
    from django.utils import timezone

    from samverkan.ros import operations
    from samverkan.ros import services as ros_services

    planner = world.user("linkoping", Role.COORDINATOR)
    operation = operations.create_operation(
        actor=planner,
        owner=world.orgs["linkoping"],
        title=marker,
        starts_at=timezone.now(),
        ends_at=None,
        areas="",
        description="",
        participants=[(world.orgs["polis"], "police")],
    )
    operations.add_targets(
        actor=planner, operation=operation, premises=[_premises(world, f"{marker}-mal").obj]
    )
    return Record(
        operation,
        lambda orgs: ros_services.set_sharing(
            actor=planner, record=operation, organisations=[world.orgs["polis"], *orgs]
        ),
        {"participation": operation.participations.get().uid},
    )


def _inspection(world: Any, marker: str) -> Record:
    from datetime import date

    from samverkan.ros import operations
    from samverkan.ros import services as ros_services

    operation = _operation(world, f"{marker}-insats").obj
    police = world.user("polis", Role.COORDINATOR)
    record = operations.record_inspection(
        actor=police,
        operation=operation,
        target=operation.targets.get(),
        participation=operation.participations.get(),
        inspected_on=date(2026, 12, 1),
        findings=[],
        sanctions=[],
        notes=marker,
    )
    task = operations.add_follow_up(
        actor=police, inspection=record, title=marker, owner=None, due_on=None
    )
    return Record(
        record,
        lambda orgs: ros_services.set_sharing(
            actor=police, record=record, organisations=[world.orgs["linkoping"], *orgs]
        ),
        {"task": task.uid},
    )


def _matching_datasets(world: Any, marker: str) -> tuple[Any, Any]:
    from matchkit import Record as Encoded
    from matchkit import encoded, person
    from samverkan.matching import services as match_services

    shared = person(7)
    datasets = []
    for key, code in (("linkoping", "0580"), ("norrkoping", "0581")):
        datasets.append(
            match_services.upload_dataset(
                actor=world.user(key, Role.COORDINATOR),
                owner=world.orgs[key],
                content=encoded([Encoded(shared), Encoded(person(len(datasets) + 8))]),
                dataset_type="ekonomiskt_bistand",
                period_start=date(2026, 10, 1),
                period_end=date(2026, 10, 31),
                municipality_code=code,
                description=marker,
            )
        )
    return datasets[0], datasets[1]


def _share_directly(obj: Any) -> Callable[[list[Any]], None]:
    """Matching records are never shared by the product; sharing them in the database
    proves that every page reads them through restrict()."""
    return lambda orgs: obj.shared_with.set(orgs)


def _encoded_dataset(world: Any, marker: str) -> Record:
    dataset, _other = _matching_datasets(world, marker)
    return Record(dataset, _share_directly(dataset))


def _match(world: Any, marker: str) -> Record:
    from samverkan.matching import services as match_services
    from samverkan.matching.models import Match
    from samverkan.organisations.models import Collaboration

    _matching_datasets(world, f"{marker}-data")
    run = match_services.start_run(
        actor=world.user("linkoping", Role.COORDINATOR),
        collaboration=Collaboration.objects.get(),
        period_start=date(2026, 10, 1),
        period_end=date(2026, 10, 31),
        match_type_keys=["bistand_tva_kommuner"],
    )
    match_services.execute_run(run=run)
    match = Match.objects.get(owner=world.orgs["linkoping"])
    Match.objects.filter(pk=match.pk).update(match_type_label={"sv": marker, "en": marker})
    match.refresh_from_db()
    return Record(match, _share_directly(match))


# One factory per scoped model; a scoped model without one fails the test below.
FACTORIES: dict[type, Callable[[Any, str], Record]] = {
    Case: _case,
    Wave: _wave,
    Premises: _premises,
    Signal: _signal,
    Operation: _operation,
    InspectionRecord: _inspection,
    EncodedDataset: _encoded_dataset,
    Match: _match,
}


def test_every_scoped_model_has_a_factory() -> None:
    models = {e.scoped_model for e in ALL if e.scoped_model is not None}
    assert models <= set(FACTORIES), f"add a factory for {models - set(FACTORIES)}"


def _body(response: Any) -> bytes:
    return b"".join(response) if response.streaming else response.content


def _hidden(client: Any, model: type, record: Any, marker: str, parts: dict[str, Any]) -> None:
    for endpoint in PLAIN:
        response = client.get(endpoint.url())
        assert response.status_code < 500, endpoint.route
        body = _body(response)
        assert marker.encode() not in body, f"{endpoint.route} reveals the record"
        assert str(record.pk).encode() not in body, f"{endpoint.route} reveals the id"
    for endpoint in PARAM:
        if endpoint.scoped_model is not model:
            continue
        url = endpoint.url(record.pk, **parts)
        get = client.get(url)
        assert get.status_code in (404, 405), f"GET {endpoint.route}: {get.status_code}"
        post = client.post(url, {"purpose": "Kontroll av åtkomst", "title": "x"})
        assert post.status_code in (404, 405), f"POST {endpoint.route}: {post.status_code}"
        if get.status_code == 405:
            assert post.status_code == 404, f"{endpoint.route} must hide the record"


def _visible(client: Any, model: type, record: Any, marker: str, parts: dict[str, Any]) -> None:
    for endpoint in PLAIN:
        if endpoint.scoped_model is not model:
            continue
        body = _body(client.get(endpoint.url()))
        assert marker.encode() in body, f"{endpoint.route} does not list the shared record"
    for endpoint in PARAM:
        if endpoint.scoped_model is not model:
            continue
        response = client.get(endpoint.url(record.pk, **parts))
        assert response.status_code != 404, f"{endpoint.route} hides the shared record"


@pytest.mark.parametrize("model", list(FACTORIES), ids=lambda m: m.__name__)
def test_isolation_share_unshare(
    model: type, world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    marker = f"HEMLIG-{uuid.uuid4().hex[:8]}"
    record = FACTORIES[model](world, marker)
    for role in Role:
        # Every role of another organisation, the auditor included (the audit log names
        # the record too), sees nothing of it.
        client.logout()
        login(world.user("stangastaden", role))
        _hidden(client, model, record.obj, marker, record.parts)
    client.logout()
    login(world.user("stangastaden", Role.COORDINATOR))
    record.share([world.orgs["stangastaden"]])
    _visible(client, model, record.obj, marker, record.parts)
    record.share([])
    _hidden(client, model, record.obj, marker, record.parts)
    fresh = model.objects.get(pk=record.obj.pk)  # type: ignore[attr-defined]
    assert str(fresh) == str(record.obj), "an outsider's requests must not change the record"


def test_other_municipality_sees_nothing_through_the_api_token(world: Any) -> None:
    from rest_framework.test import APIClient

    from samverkan.accounts.services import create_api_token

    marker = "API-HEMLIG"
    case = world.case("norrkoping", title=marker)
    _token, key = create_api_token(user=world.user("linkoping", Role.CASE_OFFICER), name="Test")
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {key}")
    listing = api.get("/api/v1/cases/")
    assert listing.status_code == 200
    assert marker not in listing.content.decode()
    assert listing.json()["count"] == 0
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.pk}/persons/", {"purpose": "kontroll"}).status_code == 404
    assert api.post(f"/api/v1/cases/{case.pk}/share/", {"shared_with": []}).status_code == 404
