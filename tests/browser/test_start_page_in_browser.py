"""The start page with every module's panel filled, in a real browser on a desktop screen
and on a 390 px phone: no serious or critical axe-core problem, no sideways scroll, no
Content-Security-Policy violation."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from journey import sign_in
from playwright.sync_api import expect

from samverkan.organisations import services as org_services
from samverkan.organisations.roles import Role
from samverkan.ros import operations
from samverkan.surveys import services as survey_services
from samverkan.surveys.models import Wave, WaveStatus

pytestmark = pytest.mark.browser

VIEWPORTS = (("desktop", {"width": 1280, "height": 800}), ("390 px", {"width": 390, "height": 844}))
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def _problems(page: Any, where: str) -> list[str]:
    found = [
        f"{where}: {v['id']} ({v['impact']}): {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        found.append(f"{where}: the page scrolls sideways ({width}px)")
    return found


def test_start_page_panels_on_desktop_and_phone(
    transactional_db: Any, world: Any, settings: Any, page: Any, console_messages: list[str]
) -> None:
    from django.utils import timezone

    settings.REQUIRE_2FA = False
    user = world.user("linkoping", Role.COORDINATOR)
    for role in (Role.CASE_OFFICER, Role.AUDITOR):
        org_services.add_membership(
            actor=None, user=user, organisation=world.orgs["linkoping"], role=role
        )
    world.case("linkoping", title="Ärende med en ganska lång titel om samverkan i centrum")
    world.case("norrkoping", title="Delat ärende", shared_with=("linkoping",))
    questionnaire = survey_services.ensure_default_questionnaire(
        actor=user, organisation=world.orgs["linkoping"]
    )
    wave = survey_services.create_wave(
        actor=user,
        owner=world.orgs["linkoping"],
        name="Enkät om otillåten påverkan 2026",
        slug="forfallen",
        questionnaire=questionnaire,
        partners=[world.orgs["norrkoping"]],
        reference_period="de senaste tolv månaderna",
    )
    Wave.objects.filter(pk=wave.pk).update(
        status=WaveStatus.OPEN, deadline=timezone.localdate() - timedelta(days=2)
    )
    operations.create_operation(
        actor=user,
        owner=world.orgs["linkoping"],
        title="Gemensam kontroll av restauranger i centrum",
        starts_at=timezone.now() + timedelta(days=5),
        ends_at=None,
        areas="Centrum",
        description="",
        participants=[(world.orgs["linkoping"], "environment_health")],
    )

    sign_in(page, user.username)
    problems: list[str] = []
    for name, viewport in VIEWPORTS:
        page.set_viewport_size(viewport)
        page.goto("/")
        for key in ("surveys_to_close", "ros_operations", "matching_open", "cases", "audit"):
            expect(page.locator(f"#panel-{key}-heading")).to_be_visible()
        expect(page.locator("main")).to_contain_text("Enkät om otillåten påverkan 2026")
        expect(page.locator("main")).to_contain_text("Gemensam kontroll av restauranger")
        problems.extend(_problems(page, f"start page ({name})"))
    assert not problems, "\n".join(problems)
    csp = [m for m in console_messages if any(k in m for k in CSP_MARKERS) or "pageerror" in m]
    assert not csp, "\n".join(csp)
