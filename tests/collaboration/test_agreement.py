"""The collaboration agreement: in force or not, joining, leaving (sharing withdrawn),
history and audit, refusal of new joint work, the API and isolation."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.collaboration import selectors, services
from samverkan.collaboration.models import AgreementEvent, EventKind, ReceivedRecord
from samverkan.matching import services as match_services
from samverkan.organisations import services as org_services
from samverkan.organisations.models import Collaboration, OrganisationType
from samverkan.organisations.roles import Role
from samverkan.ros import operations
from samverkan.surveys import services as survey_services
from worldkit import PASSWORD, World, api_token

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()


@pytest.fixture(autouse=True)
def _settings(settings: Any, tmp_path: Any) -> None:
    settings.MEDIA_ROOT = tmp_path / "media"
    # Coordinators sign in here without a second factor (as in tests/test_audit.py).
    settings.REQUIRE_2FA = False


@pytest.fixture
def agreement(world: World) -> Any:
    """Linköping and Norrköping are required parties; police and housing are not."""
    collaboration = Collaboration.objects.get()
    return services.create_agreement(
        actor=world.user("linkoping"),
        collaboration=collaboration,
        title="Samverkansavtal mot brott",
        parties=[
            (world.orgs["linkoping"], True),
            (world.orgs["norrkoping"], True),
            (world.orgs["polis"], False),
            (world.orgs["stangastaden"], False),
        ],
        joined_on=date(2022, 5, 1),
        work_areas=[
            "Otillåten påverkan",
            "LOS → ROS",
            "Välfärdsbrottslighet",
            "Utbildnings- och kommunikationsinsatser",
        ],
    )


def _decide(world: World, agreement: Any, org: str, day: date = date(2022, 5, 17)) -> Any:
    return services.record_decision(
        actor=world.user(org),
        agreement=agreement,
        organisation=world.orgs[org],
        decided_on=day,
        body="Kommunstyrelsen",
        paragraph="§ 123",
        conditions="under förutsättning att Norrköpings kommun fattar motsvarande beslut",
    )


def _in_force(world: World, agreement: Any) -> Any:
    _decide(world, agreement, "linkoping")
    _decide(world, agreement, "norrkoping", date(2022, 6, 7))
    return agreement


def _third(world: World) -> Any:
    org = org_services.create_organisation(
        actor=None, name="Mjölby kommun", type=OrganisationType.MUNICIPALITY.value
    )
    user = org_services.create_user(actor=None, username="mjolby.samordnare", password=PASSWORD)
    org_services.add_membership(actor=None, user=user, organisation=org, role=Role.COORDINATOR)
    world.orgs["mjolby"] = org
    world.users[("mjolby", Role.COORDINATOR)] = user
    return org


def test_not_in_force_until_every_required_party_has_decided(world: World, agreement: Any) -> None:
    status = selectors.agreement_status(agreement)
    assert not status.in_force
    assert status.missing == ("Linköpings kommun", "Norrköpings kommun")
    _decide(world, agreement, "linkoping")
    status = selectors.agreement_status(agreement)
    assert not status.in_force
    assert status.missing == ("Norrköpings kommun",)
    assert status.sentence == "Inte i kraft – väntar på beslut från Norrköpings kommun"
    _decide(world, agreement, "norrkoping", date(2022, 6, 7))
    status = selectors.agreement_status(agreement)
    assert status.in_force and status.missing == ()
    assert not selectors.agreement_status(agreement, date(2022, 6, 6)).in_force
    kinds = list(AgreementEvent.objects.values_list("kind", flat=True))
    assert kinds == [
        EventKind.CREATED,
        EventKind.DECISION,
        EventKind.DECISION,
        EventKind.IN_FORCE,
    ]
    assert AuditEntry.objects.filter(object_type__endswith="decision").count() == 2


def test_a_party_records_only_its_own_decision(world: World, agreement: Any) -> None:
    with pytest.raises(PermissionDenied):
        services.record_decision(
            actor=world.user("linkoping"),
            agreement=agreement,
            organisation=world.orgs["norrkoping"],
            decided_on=date(2022, 6, 7),
            body="Kommunstyrelsen",
        )
    with pytest.raises(PermissionDenied):
        services.record_decision(
            actor=world.user("norrkoping", Role.CASE_OFFICER),
            agreement=agreement,
            organisation=world.orgs["norrkoping"],
            decided_on=date(2022, 6, 7),
            body="Kommunstyrelsen",
        )
    with pytest.raises(ValidationError) as error:
        services.record_decision(
            actor=world.user("norrkoping"),
            agreement=agreement,
            organisation=world.orgs["norrkoping"],
            decided_on=timezone.localdate() + timedelta(days=1),
            body="",
            conditions="Gäller 19121212-1212",
        )
    assert set(error.value.message_dict) == {"decided_on", "body", "conditions"}


def test_the_decision_document_is_stored_and_read_only_by_the_collaboration(
    world: World, agreement: Any, login: Any, client: Any
) -> None:
    decision = services.record_decision(
        actor=world.user("linkoping"),
        agreement=agreement,
        organisation=world.orgs["linkoping"],
        decided_on=date(2022, 5, 17),
        body="Kommunstyrelsen",
        paragraph="§ 123",
        document=SimpleUploadedFile("beslut.pdf", b"%PDF-1.4 beslut", "application/pdf"),
    )
    assert decision.document.name.startswith("collaboration/decisions/")
    assert "beslut" not in decision.document.name.rsplit("/", 1)[-1]
    login(world.user("norrkoping", Role.ANALYST))
    response = client.get(f"/samverkan/beslut/{decision.pk}/dokument/")
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 beslut"
    with pytest.raises(ValidationError):
        services.record_decision(
            actor=world.user("norrkoping"),
            agreement=agreement,
            organisation=world.orgs["norrkoping"],
            decided_on=date(2022, 6, 7),
            body="Kommunstyrelsen",
            document=SimpleUploadedFile("beslut.exe", b"MZ", "application/octet-stream"),
        )


def test_a_joining_party_holds_the_agreement_back_until_it_decides(
    world: World, agreement: Any
) -> None:
    _in_force(world, agreement)
    mjolby = _third(world)
    services.join_party(
        actor=world.user("linkoping"), agreement=agreement, organisation=mjolby, joined_on=TODAY
    )
    assert mjolby in Collaboration.objects.get().members.all()
    status = selectors.agreement_status(agreement, TODAY)
    assert not status.in_force and status.missing == ("Mjölby kommun",)
    services.set_party_required(
        actor=world.user("linkoping"), agreement=agreement, organisation=mjolby, required=False
    )
    assert selectors.agreement_status(agreement, TODAY).in_force
    services.set_party_required(
        actor=world.user("linkoping"), agreement=agreement, organisation=mjolby, required=True
    )
    _decide(world, agreement, "mjolby", TODAY)
    assert selectors.agreement_status(agreement, TODAY).in_force
    kinds = list(AgreementEvent.objects.values_list("kind", flat=True))
    assert kinds[4:] == [
        EventKind.JOINED,
        EventKind.NOT_IN_FORCE,
        EventKind.REQUIREMENT,
        EventKind.IN_FORCE,
        EventKind.REQUIREMENT,
        EventKind.NOT_IN_FORCE,
        EventKind.DECISION,
        EventKind.IN_FORCE,
    ]


def test_leaving_withdraws_sharing_and_lists_what_was_received(
    world: World, agreement: Any, login: Any, client: Any
) -> None:
    _in_force(world, agreement)
    to_norrkoping = world.case(
        "linkoping", title="Delat med Norrköping", shared_with=("norrkoping",)
    )
    from_norrkoping = world.case("norrkoping", title="Norrköpings eget", shared_with=("linkoping",))
    to_police = world.case("linkoping", title="Delat med polisen", shared_with=("polis",))
    departure = services.leave_party(
        actor=world.user("norrkoping"),
        agreement=agreement,
        organisation=world.orgs["norrkoping"],
        left_on=TODAY,
    )
    assert departure.withdrawn == 2
    assert not to_norrkoping.shared_with.exists()
    assert not from_norrkoping.shared_with.exists()
    assert list(to_police.shared_with.all()) == [world.orgs["polis"]]
    assert world.orgs["norrkoping"] not in Collaboration.objects.get().members.all()
    received = [(r.label, r.record_id) for r in departure.received]
    assert received == [("Delat med Norrköping", str(to_norrkoping.pk))]
    unshare = AuditEntry.objects.filter(action=AuditAction.UNSHARE)
    assert {e.object_id for e in unshare} == {str(to_norrkoping.pk), str(from_norrkoping.pk)}
    assert AgreementEvent.objects.filter(kind=EventKind.LEFT).count() == 1
    # Linköping and the police remain; Norrköping no longer holds the agreement back.
    assert selectors.agreement_status(agreement, TODAY).in_force
    # Norrköping still sees the agreement and its list; Linköping does not see the list.
    login(world.user("norrkoping", Role.CASE_OFFICER))
    page = client.get(f"/samverkan/{agreement.pk}/").content.decode()
    assert "Delat med Norrköping" in page and str(to_norrkoping.pk) in page
    client.logout()
    login(world.user("linkoping"))
    page = client.get(f"/samverkan/{agreement.pk}/").content.decode()
    assert str(to_norrkoping.pk) not in page
    assert ReceivedRecord.objects.count() == 1
    response = client.get(f"/samverkan/{agreement.pk}/historik/")
    assert response.status_code == 200, response
    history = response.content.decode()
    assert "Part lämnade" in history


def test_leaving_keeps_shares_with_organisations_still_in_another_collaboration(
    world: World, agreement: Any
) -> None:
    org_services.create_collaboration(
        actor=None,
        name="Annan samverkan",
        members=[world.orgs["norrkoping"], world.orgs["polis"]],
    )
    to_police = world.case("norrkoping", title="Till polisen", shared_with=("polis",))
    to_linkoping = world.case("norrkoping", title="Till Linköping", shared_with=("linkoping",))
    services.leave_party(
        actor=world.user("linkoping"),
        agreement=agreement,
        organisation=world.orgs["norrkoping"],
        left_on=TODAY,
    )
    assert list(to_police.shared_with.all()) == [world.orgs["polis"]]
    assert not to_linkoping.shared_with.exists()


def test_history_is_append_only(world: World, agreement: Any) -> None:
    event = AgreementEvent.objects.first()
    assert event is not None
    with pytest.raises(TypeError):
        event.save()
    with pytest.raises(TypeError):
        event.delete()
    with pytest.raises(TypeError):
        AgreementEvent.objects.all().delete()
    with pytest.raises(TypeError):
        AgreementEvent.objects.update(kind="x")


def test_functions_take_names_but_never_identity_numbers(world: World, agreement: Any) -> None:
    services.assign_function(
        actor=world.user("linkoping"),
        agreement=agreement,
        function="Säkerhetschef",
        organisation=world.orgs["linkoping"],
        person_name="Anna Andersson",
    )
    with pytest.raises(ValidationError) as error:
        services.assign_function(
            actor=world.user("linkoping"),
            agreement=agreement,
            function="Kommundirektör",
            organisation=world.orgs["linkoping"],
            person_name="Bo 19121212-1212",
        )
    assert "person_name" in error.value.message_dict
    with pytest.raises(PermissionDenied):
        services.assign_function(
            actor=world.user("linkoping", Role.ANALYST),
            agreement=agreement,
            function="Säkerhetschef",
            organisation=world.orgs["linkoping"],
        )


# --- Refusal of new joint work -----------------------------------------------------------


def _questionnaire(world: World) -> Any:
    return survey_services.ensure_default_questionnaire(
        actor=world.user("linkoping"), organisation=world.orgs["linkoping"]
    )


def _wave(world: World, slug: str) -> Any:
    return survey_services.create_wave(
        actor=world.user("linkoping"),
        owner=world.orgs["linkoping"],
        name="Enkät",
        slug=slug,
        questionnaire=_questionnaire(world),
        partners=[world.orgs["norrkoping"]],
        reference_period="2025",
    )


def _operation(world: World) -> Any:
    return operations.create_operation(
        actor=world.user("linkoping"),
        owner=world.orgs["linkoping"],
        title="Gemensam insats",
        starts_at=timezone.make_aware(datetime(2026, 12, 10, 18, 0)),
        ends_at=None,
        areas="Centrum",
        description="",
        participants=[
            (world.orgs["linkoping"], "environment_health"),
            (world.orgs["norrkoping"], "alcohol_licensing"),
        ],
    )


def test_no_new_joint_work_while_not_in_force(world: World, agreement: Any) -> None:
    _decide(world, agreement, "linkoping")
    with pytest.raises(ValidationError) as error:
        _wave(world, "vag-1")
    message = " ".join(error.value.message_dict["partners"])
    assert "Norrköpings kommun" in message and "Inte i kraft" in message
    with pytest.raises(ValidationError) as error:
        _operation(world)
    assert "Norrköpings kommun" in " ".join(error.value.message_dict["participants"])
    with pytest.raises(ValidationError) as error:
        match_services.start_run(
            actor=world.user("linkoping"),
            collaboration=Collaboration.objects.get(),
            period_start=date(2026, 1, 1),
            period_end=date(2026, 1, 31),
            match_type_keys=["dubbla_hyreskontrakt"],
        )
    assert "Norrköpings kommun" in " ".join(error.value.messages)
    # Work of one organisation alone is not joint work.
    survey_services.create_wave(
        actor=world.user("linkoping"),
        owner=world.orgs["linkoping"],
        name="Egen enkät",
        slug="egen",
        questionnaire=_questionnaire(world),
        partners=[],
        reference_period="2025",
    )
    _decide(world, agreement, "norrkoping", date(2022, 6, 7))
    assert _wave(world, "vag-2").pk
    assert _operation(world).pk


def test_a_draft_wave_is_not_opened_after_a_new_party_joins(world: World, agreement: Any) -> None:
    _in_force(world, agreement)
    wave = _wave(world, "vag-3")
    services.join_party(
        actor=world.user("linkoping"),
        agreement=agreement,
        organisation=_third(world),
        joined_on=TODAY,
    )
    with pytest.raises(ValidationError) as error:
        survey_services.open_wave(actor=world.user("linkoping"), wave=wave)
    assert "Mjölby kommun" in " ".join(error.value.messages)


def test_a_collaboration_without_agreement_counts_as_in_force(world: World) -> None:
    assert _wave(world, "vag-4").pk


# --- API, pages and isolation -------------------------------------------------------------


def test_api_says_which_decisions_are_missing(world: World, agreement: Any, client: Any) -> None:
    _decide(world, agreement, "linkoping")
    token = api_token(world.user("linkoping", Role.ANALYST))
    response = client.get(
        f"/api/v1/collaboration/agreements/{agreement.pk}/",
        HTTP_AUTHORIZATION=f"Token {token}",
        HTTP_ACCEPT_LANGUAGE="sv",
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["in_force"] is False
    assert body["missing_decisions"] == ["Norrköpings kommun"]
    assert [d["paragraph"] for d in body["decisions"]] == ["§ 123"]
    assert len(body["work_areas"]) == 4
    listing = client.get(
        "/api/v1/collaboration/agreements/", HTTP_AUTHORIZATION=f"Token {token}"
    ).json()
    assert [a["id"] for a in listing["results"]] == [str(agreement.pk)]
    norrkoping = api_token(world.user("norrkoping"))
    response = client.post(
        f"/api/v1/collaboration/agreements/{agreement.pk}/decisions/",
        {
            "organisation": world.orgs["norrkoping"].pk,
            "decided_on": "2022-06-07",
            "body": "Kommunstyrelsen",
            "paragraph": "§ 77",
        },
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Token {norrkoping}",
    )
    assert response.status_code == 201, response.content
    assert response.json()["in_force"] is True


def test_pages_show_the_status(world: World, agreement: Any, login: Any, client: Any) -> None:
    _decide(world, agreement, "linkoping")
    login(world.user("norrkoping", Role.REPORTER))
    page = client.get("/samverkan/", HTTP_ACCEPT_LANGUAGE="sv").content.decode()
    assert "väntar på beslut från Norrköpings kommun" in page
    detail = client.get(f"/samverkan/{agreement.pk}/").content.decode()
    assert "§ 123" in detail and "Välfärdsbrottslighet" in detail
    assert 'action="/samverkan/' not in detail  # no forms for a reporter
    assert client.post(f"/samverkan/{agreement.pk}/ny-part/", {}).status_code == 403


def test_coordinator_records_a_decision_through_the_page(
    world: World, agreement: Any, login: Any, client: Any
) -> None:
    login(world.user("norrkoping"))
    response = client.post(
        f"/samverkan/{agreement.pk}/beslut/",
        {
            "organisation": world.orgs["norrkoping"].pk,
            "decided_on": "2022-06-07",
            "body": "Kommunstyrelsen",
            "paragraph": "§ 5",
            "conditions": "",
        },
    )
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert agreement.decisions.get().paragraph == "§ 5", page[page.find("message") :][:800]
    response = client.post(
        f"/samverkan/{agreement.pk}/krav/", {"organisation": world.orgs["linkoping"].pk}
    )
    assert response.status_code == 302
    assert not agreement.parties.get(organisation=world.orgs["linkoping"]).required
    assert selectors.agreement_status(agreement).in_force
    page = client.get(f"/samverkan/{agreement.pk}/historik/").content.decode()
    assert "Trädde i kraft" in page and "Krav på beslut ändrades" in page


def test_an_organisation_outside_the_collaboration_sees_no_agreement(
    world: World, agreement: Any, client: Any, login: Any
) -> None:
    outsider = _third(world)
    user = world.user("mjolby")
    assert not selectors.agreement_list(user=user).exists()
    decision = _decide(world, agreement, "linkoping")
    token = api_token(user)
    auth = {"HTTP_AUTHORIZATION": f"Token {token}"}
    assert client.get("/api/v1/collaboration/agreements/", **auth).json()["results"] == []
    assert (
        client.get(f"/api/v1/collaboration/agreements/{agreement.pk}/", **auth).status_code == 404
    )
    login(user)
    for url in (
        f"/samverkan/{agreement.pk}/",
        f"/samverkan/{agreement.pk}/historik/",
        f"/samverkan/beslut/{decision.pk}/dokument/",
    ):
        assert client.get(url).status_code == 404, url
    for url in ("beslut", "ny-part", "uttrade", "funktion", "krav"):
        assert client.post(f"/samverkan/{agreement.pk}/{url}/", {}).status_code == 404, url
    assert "Samverkansavtal mot brott" not in client.get("/samverkan/").content.decode()
    assert outsider.pk


def test_the_demo_agreement_is_in_force_with_both_decisions(world: World) -> None:
    from samverkan.demo import collaboration as demo_collaboration

    demo_collaboration.load(
        coordinators={key: world.user(key) for key in ("linkoping", "norrkoping")},
        orgs=world.orgs,
    )
    agreement = selectors.agreement_list(user=world.user("norrkoping", Role.REPORTER)).get()
    assert selectors.agreement_status(agreement).in_force
    assert agreement.decisions.count() == 2
    assert agreement.work_areas.count() == 4


def test_leaving_rewrites_the_ros_risk_rows_of_the_leaving_party(
    world: World, agreement: Any
) -> None:
    from riskkit import risk_seen_by
    from samverkan.core.tabular import Row
    from samverkan.ros import services as ros_services
    from samverkan.ros.models import ActivityKind, Premises

    ActivityKind.objects.create(key="restaurant", name="Restaurang")
    ros_services.import_register(
        actor=world.user("linkoping", Role.CASE_OFFICER),
        owner=world.orgs["linkoping"],
        rows=[
            Row(
                2,
                {
                    "address": "Storgatan 1",
                    "municipality": world.orgs["linkoping"].name,
                    "kind": "restaurant",
                },
            )
        ],
        commit=True,
    )
    premises = Premises.objects.get(address="Storgatan 1")
    ros_services.set_sharing(
        actor=world.user("linkoping"), record=premises, organisations=[world.orgs["norrkoping"]]
    )
    assert risk_seen_by(premises, world.orgs["norrkoping"]) is not None
    services.leave_party(
        actor=world.user("linkoping"),
        agreement=agreement,
        organisation=world.orgs["norrkoping"],
        left_on=TODAY,
    )
    assert risk_seen_by(premises, world.orgs["norrkoping"]) is None
    assert risk_seen_by(premises) is not None
    received = ReceivedRecord.objects.get()
    assert (received.record_type, received.label) == ("ros.premises", premises.name)


def test_agreement_recorded_through_the_page_with_chosen_parties(
    world: World, login: Any, client: Any
) -> None:
    login(world.user("linkoping"))
    assert "Registrera ett avtal" in client.get("/samverkan/").content.decode()
    response = client.post(
        "/samverkan/ny/",
        {
            "collaboration": Collaboration.objects.get().pk,
            "title": "Avtal",
            "parties": [world.orgs["linkoping"].pk, world.orgs["norrkoping"].pk],
            "other_parties": [world.orgs["polis"].pk],
            "joined_on": "2022-05-01",
            "work_areas": "Otillåten påverkan\nVälfärdsbrottslighet\n",
        },
    )
    assert response.status_code == 302, response.content.decode()[-3000:]
    agreement = selectors.agreement_list(user=world.user("linkoping")).get()
    parties = {p.organisation.name: p.required for p in agreement.parties.all()}
    assert parties == {
        "Linköpings kommun": True,
        "Norrköpings kommun": True,
        "Polisen LPO Linköping": False,
    }
    page = client.get(response["Location"]).content.decode()
    assert "väntar på beslut från Linköpings kommun, Norrköpings kommun" in page
