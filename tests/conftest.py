"""Shared fixtures: a small world of organisations in one collaboration, with one user
per role and organisation, built through the same services the application uses."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import pytest
from django.db import connection

from samverkan.cases import services as case_services
from samverkan.cases.models import Case
from samverkan.organisations import services as org_services
from samverkan.organisations.models import Organisation, OrganisationType
from samverkan.organisations.roles import Confidentiality, Role

PASSWORD = "correct-horse-battery-staple"


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any, request: pytest.FixtureRequest) -> None:
    """Argon2 is slow on purpose; unit tests use a fast hasher unless marked otherwise."""
    if "real_hashing" not in request.keywords:
        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "real_hashing: use the production password hashers")


@pytest.fixture(scope="session", autouse=True)
def _database_is_the_real_one(django_db_setup: Any, django_db_blocker: Any) -> None:
    """In CI a test run that silently fell back to another database would prove nothing."""
    wanted = os.environ.get("DATABASE_URL", "")
    with django_db_blocker.unblock():
        vendor = connection.vendor
    if wanted.startswith("postgres"):
        assert vendor == "postgresql", "DATABASE_URL asks for PostgreSQL but tests run on " + vendor


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[tuple[str, Role], Any] = field(default_factory=dict)

    def user(self, org: str, role: Role = Role.COORDINATOR) -> Any:
        return self.users[(org, role)]

    def case(
        self,
        org: str,
        *,
        title: str = "Ärende",
        confidentiality: Confidentiality = Confidentiality.INTERNAL,
        shared_with: tuple[str, ...] = (),
        role: Role = Role.COORDINATOR,
    ) -> Case:
        return case_services.create_case(
            actor=self.user(org, role),
            owner=self.orgs[org],
            title=title,
            confidentiality=confidentiality,
            shared_with=[self.orgs[name] for name in shared_with],
        )


ORGS = {
    "linkoping": ("Linköpings kommun", OrganisationType.MUNICIPALITY),
    "norrkoping": ("Norrköpings kommun", OrganisationType.MUNICIPALITY),
    "polis": ("Polisen LPO Linköping", OrganisationType.POLICE),
    "stangastaden": ("Stångåstaden", OrganisationType.HOUSING),
}


@pytest.fixture
def world(db: Any) -> World:
    w = World()
    for key, (name, org_type) in ORGS.items():
        w.orgs[key] = org_services.create_organisation(actor=None, name=name, type=org_type.value)
    org_services.create_collaboration(actor=None, name="Samverkan", members=list(w.orgs.values()))
    for key, org in w.orgs.items():
        for role in Role:
            user = org_services.create_user(
                actor=None,
                username=f"{key}.{role.value}",
                password=PASSWORD,
                first_name=role.value.title(),
                last_name=key.title(),
                email=f"{key}.{role.value}@example.invalid",
            )
            org_services.add_membership(actor=None, user=user, organisation=org, role=role)
            w.users[(key, role)] = user
    return w


@pytest.fixture
def login(client: Any) -> Any:
    """Sign a user in through the real sign-in form (audit, lock-out and all)."""

    def do_login(user: Any, password: str = PASSWORD) -> Any:
        response = client.post(
            "/konto/logga-in/", {"username": user.username, "password": password}
        )
        assert response.status_code == 302, response.content[:500]
        return client

    return do_login
