"""Schemathesis against the application's own OpenAPI schema (``/api/schema/``).

For every operation in the schema, generated requests (valid ones, invalid ones, and
valid ones about records that exist) are sent with the API token of a coordinator who has
records, through the WSGI application in this process, and every answer must be one the
schema documents: no 5xx, a documented status code and content type, and a body that
matches the response schema. Examples are bounded and derandomized, so a run is short
and repeatable; every distinct failure of an operation is reported at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from django.test import Client, override_settings
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from samverkan.organisations.roles import Role
from worldkit import World, api_token, build_world

pytestmark = pytest.mark.django_db

MAX_EXAMPLES = 25
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]
METHODS = {"get", "post", "put", "patch", "delete"}
FAST_HASHING = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def _operations() -> list[tuple[str, str]]:
    """Every operation of the schema, as drf-spectacular generates it (at collection)."""
    from drf_spectacular.generators import SchemaGenerator

    paths = SchemaGenerator().get_schema(request=None, public=True)["paths"]
    return [(m.upper(), path) for path, item in paths.items() for m in item if m in METHODS]


OPERATIONS = _operations()


@dataclass
class Api:
    schema: Any
    headers: dict[str, str]
    # Ids of records the caller can see, per path of the list they come from.
    ids: dict[str, list[str]] = field(default_factory=dict)

    def path_parameters(self, path: str) -> list[dict[str, str]]:
        """Path parameters naming real records, for an operation on one record."""
        found = re.search(r"\{(\w+)\}", path)
        if found is None:
            return []
        listing = path[: found.start()]
        return [{found.group(1): value} for value in self.ids.get(listing, [])[:3]]


def _records(world: World) -> None:
    """Cases with persons, a case shared by a partner, a survey, matches and a job."""
    from matchkit import MONTH, make_match_world, person
    from matchkit import Record as Encoded
    from samverkan.cases import services as case_services
    from samverkan.jobs.services import start_job
    from samverkan.jobs.tasks import run_job
    from samverkan.surveys import services as survey_services

    coordinator = world.user("linkoping")
    for title in ("Fastighet med oklara ägarförhållanden", "Kontanthantering i butik"):
        case = world.case("linkoping", title=title)
        case_services.add_person(
            actor=coordinator, case=case, name="Anna Andersson", person_number="197911234560"
        )
    world.case("norrkoping", title="Delat ärende", shared_with=("linkoping",))
    questionnaire = survey_services.ensure_default_questionnaire(
        actor=coordinator, organisation=world.orgs["linkoping"]
    )
    survey_services.create_wave(
        actor=coordinator,
        owner=world.orgs["linkoping"],
        name="Enkät 2026",
        slug="enkat-2026",
        questionnaire=questionnaire,
        partners=[world.orgs["norrkoping"]],
        reference_period="2026",
    )
    matching = make_match_world(world)
    both = person(1)
    matching.upload("linkoping", "ekonomiskt_bistand", [Encoded(both), Encoded(person(2))])
    matching.upload("norrkoping", "ekonomiskt_bistand", [Encoded(both)])
    matching.run(["bistand_tva_kommuner"], period=MONTH)
    job = start_job(actor=world.user("linkoping", Role.AUDITOR), kind="audit_verify")
    run_job.call(str(job.pk))


@pytest.fixture(scope="module")
def api(django_db_setup: Any, django_db_blocker: Any) -> Iterator[Api]:
    """A coordinator of Linköping (also its auditor, so that the audit log has entries
    to return) with records, the schema as the application serves it, and a token."""
    from samverkan.organisations import services as org_services
    from samverkan.wsgi import application

    with (
        django_db_blocker.unblock(),
        override_settings(PASSWORD_HASHERS=FAST_HASHING),
        transaction.atomic(),
    ):
        world = build_world()
        user = world.user("linkoping")
        org_services.add_membership(
            actor=None, user=user, organisation=world.orgs["linkoping"], role=Role.AUDITOR
        )
        _records(world)
        headers = {"Authorization": f"Token {api_token(user)}"}
        client = Client(headers=headers)
        raw = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        assert raw.status_code == 200, raw.content[:300]
        schema = schemathesis.openapi.from_dict(raw.json())
        schema.app = application
        found = Api(schema, headers)
        for _method, path in OPERATIONS:
            listing = path.split("{")[0]
            if "{" in path and listing not in found.ids:
                body = client.get(listing).json()
                rows = body.get("results", body) if isinstance(body, dict) else body
                key = re.search(r"\{(\w+)\}", path).group(1)  # type: ignore[union-attr]
                field_name = "id" if key == "pk" else key
                found.ids[listing] = [str(r.get(field_name, r.get("id"))) for r in rows]
        yield found
        transaction.set_rollback(True)


@pytest.fixture
def wsgi(api: Api) -> Iterator[Api]:
    """The API through the WSGI handler. The handler closes the database connection after
    each request, which would end the test's transaction: keep it open while the test
    runs, as Django's test client does for its own requests."""
    signals = (request_started, request_finished)
    for signal in signals:
        signal.disconnect(close_old_connections)
    try:
        yield api
    finally:
        for signal in signals:
            signal.connect(close_old_connections)


def test_the_schema_lists_the_api() -> None:
    paths = {path for _method, path in OPERATIONS}
    assert {"/api/v1/cases/", "/api/v1/cases/{id}/persons/", "/api/v1/audit/"} <= paths


@pytest.mark.parametrize(("method", "path"), OPERATIONS, ids=[f"{m} {p}" for m, p in OPERATIONS])
def test_api_answers_as_its_schema_says(method: str, path: str, wsgi: Api) -> None:
    api = wsgi
    operation = api.schema[path][method]
    strategies = [
        operation.as_strategy(GenerationMode.POSITIVE),
        operation.as_strategy(GenerationMode.NEGATIVE),
        *(
            operation.as_strategy(GenerationMode.POSITIVE, path_parameters=real)
            for real in api.path_parameters(path)
        ),
    ]
    failures: dict[str, str] = {}

    @settings(
        max_examples=MAX_EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=st.one_of(strategies))
    def check(case: Any) -> None:
        try:
            case.call_and_validate(headers=api.headers, checks=CHECKS)
        except (AssertionError, BaseExceptionGroup) as error:
            problems = getattr(error, "exceptions", [error])
            for problem in problems:
                title = getattr(problem, "title", type(problem).__name__)
                message = str(getattr(problem, "message", problem)).strip()
                key = f"{title}: {message.splitlines()[0] if message else ''}"
                if key not in failures:
                    failures[key] = f"{message}\n      {case.as_curl_command(api.headers)}"

    check()
    if failures:
        lines = [f"{method} {path}: {len(failures)} distinct failures"]
        for key, detail in failures.items():
            lines += [f"* {key}", f"      {detail}"]
        pytest.fail("\n".join(lines), pytrace=False)
