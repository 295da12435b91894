"""Shared fixtures: a small world of organisations in one collaboration, with one user
per role and organisation, built through the same services the application uses."""

from __future__ import annotations

import os
from typing import Any

import pytest
from django.db import connection
from hypothesis import settings as hypothesis_settings

from worldkit import PASSWORD, World, build_world

__all__ = ["PASSWORD", "World", "build_world"]

# Tests never fail on timing: a loaded CI machine must not turn a slow example into a
# failure. Speed is measured by the scripts in benchmarks/.
hypothesis_settings.register_profile("samverkan", deadline=None)
hypothesis_settings.load_profile("samverkan")


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


@pytest.fixture
def world(db: Any) -> World:
    return build_world()


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
