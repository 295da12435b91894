"""Bad input on every form: empty, oversized and wrongly typed values give a clear
message, never a server error. The forms are found from the URL configuration and
their field names read from the rendered pages, so new forms are covered too."""

from __future__ import annotations

import re
from typing import Any

import pytest

from endpoints import ALL
from samverkan.cases import services as case_services
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.django_db

NOT_FORMS = ("konto/logga-ut/", "i18n/", "api/")
FIELD_RE = re.compile(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"')


# Fields of the forms in the page header (language, organisation), present everywhere.
SHELL_FIELDS = {"csrfmiddlewaretoken", "next", "language", "organisation"}


def _payloads(fields: list[str]) -> list[dict[str, Any]]:
    return [
        {},
        {f: "" for f in fields},
        {f: "x" * 100_000 for f in fields},
        {f: ["a", "b", "ö"] for f in fields},
        {f: "not-a-number-\x00" for f in fields},
        {f: "00000000-0000-0000-0000-000000000000" for f in fields},
    ]


def test_every_form_rejects_bad_input_clearly(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.COORDINATOR)
    case = world.case("linkoping", title="Formulärtest")
    case_services.add_person(actor=user, case=case, name="Någon")
    client = login(user)
    checked = 0
    for endpoint in ALL:
        if endpoint.route.startswith(NOT_FORMS) or endpoint.route.startswith(("admin/", "healthz")):
            continue
        url = endpoint.url(case.pk) if endpoint.has_params else endpoint.url()
        page = client.get(url)
        found = (
            FIELD_RE.findall(page.content.decode(errors="replace"))
            if page.status_code == 200
            else []
        )
        fields = [f for f in found if f not in SHELL_FIELDS]
        for payload in _payloads(fields):
            query = client.get(url, {k: v for k, v in payload.items() if not isinstance(v, list)})
            assert query.status_code < 500, f"GET {endpoint.route}"
            response = client.post(url, payload)
            assert response.status_code < 500, f"{endpoint.route} {payload and list(payload)}"
            if response.status_code == 200 and fields:
                body = response.content.decode()
                assert "errorlist" in body, f"{endpoint.route}: no field error shown"
            checked += 1
    assert checked > 20


def test_create_case_errors_name_the_field(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    settings.LANGUAGE_CODE = "sv"
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    response = client.post("/arenden/nytt/", {"owner": world.orgs["linkoping"].pk, "title": ""})
    form = response.context["form"]
    assert "title" in form.errors
    too_long = client.post(
        "/arenden/nytt/", {"owner": world.orgs["linkoping"].pk, "title": "x" * 201}
    )
    assert "title" in too_long.context["form"].errors
    foreign = client.post("/arenden/nytt/", {"owner": world.orgs["norrkoping"].pk, "title": "ok"})
    assert "owner" in foreign.context["form"].errors


def test_invalid_identity_number_is_rejected_with_its_field(
    world: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    case = world.case("linkoping")
    client = login(world.user("linkoping", Role.CASE_OFFICER))
    response = client.post(
        f"/arenden/{case.pk}/personer/ny/", {"name": "A", "person_number": "19811218-9875"}
    )
    assert "person_number" in response.context["form"].errors
    assert not case.persons.exists()


def test_api_bad_input_gets_field_errors(world: Any) -> None:
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(world.user("linkoping", Role.CASE_OFFICER))
    for body in (
        {},
        {"title": ""},
        {"title": "x" * 500, "owner": "abc"},
        {"title": "ok", "owner": 999999},
    ):
        response = api.post("/api/v1/cases/", body, format="json")
        assert response.status_code == 400
        assert isinstance(response.json(), dict) and response.json()
    no_purpose = api.get(f"/api/v1/cases/{world.case('linkoping').pk}/persons/")
    assert no_purpose.status_code == 400 and "purpose" in no_purpose.json()
