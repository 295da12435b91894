"""Reads of the register that were not audited: the map's data and a person named on the
signal form."""

from __future__ import annotations

import json
from typing import Any

import pytest

from samverkan.audit.models import AuditAction, AuditEntry
from samverkan.core.tabular import Row
from samverkan.organisations.roles import Role
from samverkan.ros import services
from samverkan.ros.models import PersonRole, Premises

pytestmark = pytest.mark.django_db


def _register(world: Any) -> Premises:
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
                    "latitude": "58.41",
                    "longitude": "15.62",
                    "organisation_number": "556036-0793",
                    "business_name": "Krogen AB",
                    "person_name": "Testa Testsson",
                    "person_number": "19811218-9876",
                    "person_role": "ägare",
                },
            ),
            Row(3, {"municipality": owner.name, "address": "Ågatan 2"}),
        ],
    )
    return Premises.objects.get(address="Storgatan 1")


def test_the_map_data_is_audited_like_the_export_once_per_request(
    world: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    _register(world)
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    before = AuditEntry.objects.count()
    body = json.loads(client.get("/ros/karta/data.geojson").content)
    assert [f["properties"]["address"] for f in body["features"]] == ["Storgatan 1"]
    entry = AuditEntry.objects.get(seq__gt=before, object_type="ros.premises")
    assert entry.action == AuditAction.VIEW
    assert entry.actor_username == "linkoping.handlaggare"
    assert entry.details == {"list": "map", "rows": 1, "format": "geojson", "truncated": False}
    assert AuditEntry.objects.filter(seq__gt=before).count() == 1, "one entry, not per row"


def test_a_person_on_the_signal_form_needs_a_purpose_and_is_audited(
    world: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    premises = _register(world)
    person = PersonRole.objects.get()
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    url = f"/ros/lokaler/{premises.pk}/signal/?person={person.pk}"
    before = AuditEntry.objects.count()
    asked = client.get(url)
    assert "Testa Testsson" not in asked.content.decode()
    assert asked.status_code == 302
    assert asked["Location"] == f"/ros/lokaler/{premises.pk}/personer/"
    assert not AuditEntry.objects.filter(seq__gt=before, object_id=str(person.pk)).exists()
    posted = client.post(
        f"/ros/lokaler/{premises.pk}/signal/",
        {"person": str(person.pk), "about": f"person:{person.pk}", "description": ""},
    )
    assert posted.status_code == 302 and "Testa Testsson" not in posted.content.decode()

    client.post(f"/ros/lokaler/{premises.pk}/personer/", {"purpose": "Tillsyn av ägaren"})
    shown = client.get(url).content.decode()
    assert "Testa Testsson" in shown
    entry = AuditEntry.objects.get(
        seq__gt=before, action=AuditAction.VIEW, object_id=str(person.pk)
    )
    assert entry.purpose == "Tillsyn av ägaren"
    assert entry.object_type == "ros.personrole"
    assert "Testa" not in entry.object_repr, "the log names the person by id only"
