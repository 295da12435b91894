"""The registry that modules ask before new joint work: the core and the modules do not
import the collaboration app, and a check is registered once."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from samverkan.collaboration.guard import agreement_check
from samverkan.organisations import collaboration_guard

SOURCE = Path(__file__).resolve().parents[2] / "src" / "samverkan"


def test_core_organisations_and_modules_do_not_import_the_collaboration_app() -> None:
    offenders = [
        str(path.relative_to(SOURCE))
        for app in ("core", "organisations", "surveys", "ros", "matching", "cases", "audit")
        for path in (SOURCE / app).rglob("*.py")
        if "samverkan.collaboration" in path.read_text(encoding="utf-8")
    ]
    assert offenders == []


def test_the_agreement_check_is_registered_once() -> None:
    collaboration_guard.register("agreement", agreement_check)  # the same check: no error
    with pytest.raises(ImproperlyConfigured):
        collaboration_guard.register("agreement", lambda collaboration, day: None)


@pytest.mark.django_db
def test_without_an_agreement_a_collaboration_counts_as_in_force() -> None:
    from samverkan.organisations.models import Collaboration

    collaboration = Collaboration.objects.create(name="Äldre samverkan")
    assert collaboration_guard.why_not_in_force(collaboration, date(2026, 1, 1)) is None
    collaboration_guard.require_in_force(collaboration)
