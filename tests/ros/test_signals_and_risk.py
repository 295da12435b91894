"""Signals are shared explicitly; each viewer's risk score counts exactly what that viewer
can see; every score explains itself."""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from riskkit import fired_keys, risk_seen_by
from samverkan.core.sharing import share_targets
from samverkan.core.tabular import Row
from samverkan.organisations import services as org_services
from samverkan.organisations.models import OrganisationType
from samverkan.organisations.roles import Confidentiality, Role
from samverkan.ros import riskfacts, services
from samverkan.ros.models import Premises, Signal

pytestmark = pytest.mark.django_db


@pytest.fixture
def police_world(world: Any, kinds: Any) -> Any:
    """The world with its police district and the kinds of activity."""
    police = world.orgs["polis"]
    assert police.type == OrganisationType.POLICE
    return world


def _premises(world: Any, org: str = "linkoping", **extra: str) -> Premises:
    row = {
        "address": extra.get("address", "Storgatan 1"),
        "municipality": world.orgs[org].name,
        "kind": "restaurant",
        "name": "Krogen",
        "latitude": "58.41",
        "longitude": "15.62",
    }
    services.import_register(
        actor=world.user(org, Role.CASE_OFFICER),
        owner=world.orgs[org],
        rows=[Row(2, row)],
        commit=True,
    )
    return Premises.objects.get(owner=world.orgs[org], address=row["address"])


def _signal(world: Any, premises: Premises, shared: tuple[str, ...], **kwargs: Any) -> Signal:
    return services.record_signal(
        actor=world.user("polis", Role.CASE_OFFICER),
        owner=world.orgs["polis"],
        premises=premises,
        description=kwargs.get("description", "Kontanthantering utan kassaregister."),
        observed_on=kwargs.get("observed_on", date.today() - timedelta(days=10)),
        reliability="B",
        credibility="2",
        shared_with=[world.orgs[s] for s in shared],
        confidentiality=kwargs.get("confidentiality", Confidentiality.INTERNAL),
    )


def test_police_signal_shared_with_one_municipality_is_invisible_to_others(
    police_world: Any, client: Any, login: Any, settings: Any
) -> None:
    world = police_world
    settings.REQUIRE_2FA = False
    premises = _premises(world)
    services.set_sharing(
        actor=world.user("linkoping", Role.COORDINATOR),
        record=premises,
        organisations=[world.orgs["polis"], world.orgs["stangastaden"], world.orgs["norrkoping"]],
    )
    _signal(world, premises, ("linkoping",), description="HEMLIG-SIGNAL")
    assert Signal.objects.restrict(world.user("linkoping", Role.CASE_OFFICER), "view").count() == 1
    for outsider in ("stangastaden", "norrkoping"):
        user = world.user(outsider, Role.COORDINATOR)
        assert Signal.objects.restrict(user, "view").count() == 0
        client.logout()
        login(user)
        page = client.get(f"/ros/lokaler/{premises.pk}/").content.decode()
        assert "HEMLIG-SIGNAL" not in page


def test_each_viewer_scores_what_it_can_see(police_world: Any) -> None:
    world = police_world
    premises = _premises(world)
    services.set_sharing(
        actor=world.user("linkoping", Role.COORDINATOR),
        record=premises,
        organisations=[world.orgs["polis"], world.orgs["stangastaden"]],
    )
    for _ in range(3):
        _signal(world, premises, ("linkoping",))
    # The police shared its signals with Linköping only: they count for the police and for
    # Linköping, never for Stångåstaden, which sees the premises but not the signals.
    assert "signals_recent" in fired_keys(premises)
    assert "signals_recent" in fired_keys(premises, world.orgs["polis"])
    assert "signals_recent" not in fired_keys(premises, world.orgs["stangastaden"])
    # Once the signals are shared with Stångåstaden too, they count for it.
    for signal in Signal.objects.all():
        services.set_sharing(
            actor=world.user("polis", Role.COORDINATOR),
            record=signal,
            organisations=[world.orgs["linkoping"], world.orgs["stangastaden"]],
        )
    row = risk_seen_by(premises, world.orgs["stangastaden"])
    assert row is not None
    fired = {f["key"]: f for f in row.fired}
    assert "signals_recent" in fired
    assert "3 signaler" in fired["signals_recent"]["explanation"]["sv"]
    # A restricted signal counts only for viewers who read restricted records.
    _signal(
        world, premises, ("linkoping", "stangastaden"), confidentiality=Confidentiality.RESTRICTED
    )
    facts = riskfacts.facts_for([premises], date.today())[premises.pk]
    stangastaden = world.orgs["stangastaden"].pk
    assert len(facts[riskfacts.Viewer(stangastaden, 0)].signals) == 3
    assert len(facts[riskfacts.Viewer(stangastaden, 1)].signals) == 4


def test_every_score_is_explained_and_weights_are_configuration(police_world: Any) -> None:
    from samverkan.ros.models import RiskIndicatorSetting

    world = police_world
    premises = _premises(world)
    riskfacts.recompute(premises_ids=[premises.pk])
    row = risk_seen_by(premises)
    assert row is not None
    fired = {f["key"]: f for f in row.fired}
    assert {"permit_missing", "cash_intensive"} <= set(fired)
    assert row.score == pytest.approx(sum(f["contribution"] for f in fired.values()))
    assert "saknas" in fired["permit_missing"]["explanation"]["sv"]
    RiskIndicatorSetting.objects.create(key="cash_intensive", weight=0, enabled=False, params={})
    riskfacts.recompute(premises_ids=[premises.pk])
    assert "cash_intensive" not in fired_keys(premises)


def test_signal_validation_names_fields(police_world: Any) -> None:
    world = police_world
    premises = _premises(world)
    with pytest.raises(ValidationError) as error:
        services.record_signal(
            actor=world.user("polis", Role.CASE_OFFICER),
            owner=world.orgs["polis"],
            premises=premises,
            description=" ",
            observed_on=date.today() + timedelta(days=1),
            reliability="Z",
            credibility="9",
        )
    assert set(error.value.message_dict) == {
        "description",
        "observed_on",
        "reliability",
        "credibility",
    }


def test_pages_exports_and_map_data(police_world: Any, login: Any, settings: Any) -> None:
    world = police_world
    settings.REQUIRE_2FA = False
    premises = _premises(world)
    riskfacts.recompute(premises_ids=[premises.pk])
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    assert "Krogen" in client.get("/ros/").content.decode()
    assert "Krogen" in client.get("/ros/", {"q": "storgatan 1"}).content.decode()
    detail = client.get(f"/ros/lokaler/{premises.pk}/").content.decode()
    assert 'id="risk-explanation"' in detail and "saknas" in detail
    geo = json.loads(client.get("/ros/karta/data.geojson", {"bbox": "15,58,16,59"}).content)
    assert [f["properties"]["address"] for f in geo["features"]] == ["Storgatan 1"]
    assert geo["features"][0]["geometry"]["coordinates"] == [15.62, 58.41]
    assert client.get("/ros/karta/data.geojson", {"bbox": "x"}).status_code == 400
    assert client.get("/ros/karta/").status_code == 200
    csv_body = client.get("/ros/export.csv").content.decode("utf-8-sig")
    assert "Storgatan 1" in csv_body
    xlsx = client.get("/ros/export.xlsx")
    assert xlsx.content[:2] == b"PK"
    geojson = json.loads(client.get("/ros/export.geojson").content)
    assert geojson["type"] == "FeatureCollection"
    assert client.get("/ros/risk/").status_code == 200


def test_import_through_the_pages_with_preview(
    police_world: Any, login: Any, settings: Any, tmp_path: Any
) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    world = police_world
    settings.REQUIRE_2FA = False
    settings.VAR_DIR = tmp_path
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    data = "adress;kommun;verksamhetstyp\nÅgatan 2;Linköpings kommun;restaurang\n".encode()
    preview = client.post(
        "/ros/import/",
        {"owner": world.orgs["linkoping"].pk, "file": SimpleUploadedFile("reg.csv", data)},
    )
    assert 'id="import-preview"' in preview.content.decode()
    assert Premises.objects.count() == 0
    done = client.post("/ros/import/", {"confirm": "1"})
    assert done.status_code == 302
    assert Premises.objects.get().address == "Ågatan 2"
    assert list(tmp_path.joinpath("imports").iterdir()) == [], "the uploaded file is removed"
    bad = client.post(
        "/ros/import/",
        {
            "owner": world.orgs["linkoping"].pk,
            "file": SimpleUploadedFile("reg.csv", b"adress;kommun\n;Atlantis\n"),
        },
    )
    assert 'id="import-problems"' in bad.content.decode() and "Rad 2" in bad.content.decode()


def test_org_factory_unused_guard(world: Any) -> None:
    # Organisations outside the collaboration cannot be given a share.
    outsider = org_services.create_organisation(actor=None, name="Främmande kommun", type="kommun")
    premises_owner = world.orgs["linkoping"]
    with pytest.raises(ValidationError):
        share_targets(premises_owner, [outsider])


def test_every_view_of_a_signal_is_audited_for_its_owner(
    police_world: Any, login: Any, settings: Any
) -> None:
    from samverkan.audit.models import AuditEntry
    from samverkan.audit.selectors import audit_entries

    world = police_world
    settings.REQUIRE_2FA = False
    premises = _premises(world)
    signal = _signal(world, premises, ("linkoping",))
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    client.get(f"/ros/lokaler/{premises.pk}/")
    entry = AuditEntry.objects.get(action="view", object_id=str(signal.pk))
    assert entry.actor_username == "linkoping.handlaggare"
    police_auditor = world.user("polis", Role.AUDITOR)
    assert audit_entries(user=police_auditor).filter(pk=entry.pk).exists()


def test_signal_about_a_business_or_a_person_from_their_pages(
    police_world: Any, login: Any, settings: Any
) -> None:
    world = police_world
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
                    "person_role": "ägare",
                },
            ),
        ],
    )
    premises = Premises.objects.get()
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    page = client.get(f"/ros/lokaler/{premises.pk}/signal/").content.decode()
    assert "Krogen AB" in page and "Testa Testsson" not in page, "persons only after a purpose"
    from samverkan.ros.models import Business, PersonRole

    business = Business.objects.get()
    form = {
        "owner": owner.pk,
        "kind": "tip",
        "observed_on": "2026-11-01",
        "description": "Svarta pengar.",
        "reliability": "B",
        "credibility": "2",
        "confidentiality": "intern",
    }
    client.post(f"/ros/lokaler/{premises.pk}/signal/", {**form, "about": f"business:{business.pk}"})
    assert Signal.objects.get().business == business
    person = PersonRole.objects.get()
    # A person is named on the form only after the purpose stated on the persons page.
    client.post(f"/ros/lokaler/{premises.pk}/personer/", {"purpose": "Tillsyn av ägaren"})
    client.post(
        f"/ros/lokaler/{premises.pk}/signal/",
        {**form, "about": f"person:{person.pk}", "person": str(person.pk)},
    )
    assert Signal.objects.filter(person=person).count() == 1
    client.logout()
    login(world.user("stangastaden", Role.CASE_OFFICER))
    assert client.get(f"/ros/lokaler/{premises.pk}/signal/?person={person.pk}").status_code == 404
