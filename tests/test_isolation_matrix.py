"""The isolation matrix, generated from the URL configuration and the API router.

Every endpoint is found automatically. An endpoint whose URL takes an object id must
declare which scoped model it shows (``@scoped(Model)`` on views, ``queryset`` on API
viewsets) or be listed below with the reason it holds no organisation's data;
otherwise this test fails, so new endpoints cannot escape the matrix.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from endpoints import ALL, NOT_RECORD_DETAIL, PARAM, PLAIN, Endpoint
from samverkan.cases import services as case_services
from samverkan.organisations.roles import Role

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


def _hidden(client: Any, case: Any, marker: str) -> None:
    for endpoint in PLAIN:
        response = client.get(endpoint.url())
        assert response.status_code < 500, endpoint.route
        body = b"".join(response) if response.streaming else response.content
        assert marker.encode() not in body, f"{endpoint.route} reveals the record"
        assert str(case.pk).encode() not in body, f"{endpoint.route} reveals the id"
    for endpoint in PARAM:
        if endpoint.scoped_model is None:
            continue
        url = endpoint.url(case.pk)
        get = client.get(url)
        assert get.status_code in (404, 405), f"GET {endpoint.route}: {get.status_code}"
        post = client.post(url, {"purpose": "Kontroll av åtkomst", "title": "x"})
        assert post.status_code in (404, 405), f"POST {endpoint.route}: {post.status_code}"
        if get.status_code == 405:
            assert post.status_code == 404, f"{endpoint.route} must hide the record"


def _visible(client: Any, case: Any, marker: str) -> None:
    for endpoint in PLAIN:
        if endpoint.scoped_model is None:
            continue
        response = client.get(endpoint.url())
        body = b"".join(response) if response.streaming else response.content
        if endpoint.route.endswith("nytt/") or "create" in endpoint.route:
            continue
        assert marker.encode() in body, f"{endpoint.route} does not list the shared record"
    for endpoint in PARAM:
        if endpoint.scoped_model is None:
            continue
        response = client.get(endpoint.url(case.pk))
        assert response.status_code != 404, f"{endpoint.route} hides the shared record"


def test_isolation_share_unshare(world: Any, client: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    marker = f"HEMLIG-{uuid.uuid4().hex[:8]}"
    case = world.case("linkoping", title=marker)
    owner = world.user("linkoping", Role.COORDINATOR)
    case_services.add_person(actor=owner, case=case, name="Person Personsson")
    for role in Role:
        # Every role of another organisation, the auditor included (the audit log names
        # the record too), sees nothing of it.
        client.logout()
        login(world.user("stangastaden", role))
        _hidden(client, case, marker)
    client.logout()
    login(world.user("stangastaden", Role.COORDINATOR))
    case_services.set_case_sharing(
        actor=owner, case=case, organisations=[world.orgs["stangastaden"]]
    )
    _visible(client, case, marker)
    case_services.set_case_sharing(actor=owner, case=case, organisations=[])
    _hidden(client, case, marker)
    case.refresh_from_db()
    assert case.title == marker, "an outsider's requests must not change the record"


def test_other_municipality_sees_nothing_through_the_api_token(world: Any) -> None:
    from rest_framework.test import APIClient

    from samverkan.accounts.services import rotate_api_token

    marker = "API-HEMLIG"
    case = world.case("norrkoping", title=marker)
    token = rotate_api_token(user=world.user("linkoping", Role.CASE_OFFICER))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    listing = api.get("/api/v1/cases/")
    assert listing.status_code == 200
    assert marker not in listing.content.decode()
    assert listing.json()["count"] == 0
    assert api.get(f"/api/v1/cases/{case.pk}/").status_code == 404
    assert api.get(f"/api/v1/cases/{case.pk}/persons/", {"purpose": "kontroll"}).status_code == 404
    assert api.post(f"/api/v1/cases/{case.pk}/share/", {"shared_with": []}).status_code == 404
