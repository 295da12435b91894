"""The collaboration agreement in a real browser, on a phone-sized screen: Linköping's
coordinator records its decision and sees the agreement waiting for Norrköping's;
Norrköping's coordinator records its own and the agreement comes into force; the history
shows both decisions and the coming into force. Every page fits 390 px and passes
axe-core without serious or critical problems."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from journey import sign_in
from playwright.sync_api import expect

from samverkan.collaboration import services
from samverkan.organisations.models import Collaboration
from samverkan.organisations.roles import Role

pytestmark = pytest.mark.browser

CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")
PHONE = {"width": 390, "height": 844}


def _record_decision(page: Any, day: str, paragraph: str) -> None:
    form = page.locator("form[action$='/beslut/']")
    form.get_by_label("Beslutsdatum").fill(day)
    form.get_by_label("Beslutande organ").fill("Kommunstyrelsen")
    form.get_by_label("Paragraf").fill(paragraph)
    form.get_by_label("Villkor").fill(
        "under förutsättning att den andra kommunen fattar motsvarande beslut"
    )
    with page.expect_navigation():
        form.get_by_role("button", name="Registrera beslutet").click()


def _fits(page: Any) -> None:
    """No sideways scroll at 390 px and no serious or critical axe-core problem."""
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"the page is {width} px wide at {PHONE['width']} px"
    problems = [
        f"{page.url}: {v['id']} ({v['impact']}): {v['help']}"
        for v in Axe().run(page).response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not problems, problems


def test_agreement_comes_into_force_when_both_have_decided(
    transactional_db: Any,
    world: Any,
    settings: Any,
    tmp_path: Any,
    page: Any,
    console_messages: list[str],
) -> None:
    settings.REQUIRE_2FA = False
    settings.MEDIA_ROOT = tmp_path / "media"
    agreement = services.create_agreement(
        actor=world.user("linkoping", Role.COORDINATOR),
        collaboration=Collaboration.objects.get(),
        title="Samverkansavtal mot brott",
        parties=[(world.orgs["linkoping"], True), (world.orgs["norrkoping"], True)],
        joined_on=date(2022, 5, 1),
        work_areas=["Otillåten påverkan", "Välfärdsbrottslighet"],
    )
    page.set_viewport_size(PHONE)
    sign_in(page, "linkoping.samordnare")
    page.goto("/samverkan/")
    _fits(page)
    page.get_by_role("link", name="Samverkansavtal mot brott").click()
    status = page.locator("#agreement-status")
    expect(status).to_contain_text("Inte i kraft")
    _record_decision(page, "2022-05-17", "§ 123")
    expect(status).to_have_text("Inte i kraft – väntar på beslut från Norrköpings kommun")
    _fits(page)

    page.context.clear_cookies()
    sign_in(page, "norrkoping.samordnare")
    page.goto(f"/samverkan/{agreement.pk}/")
    _record_decision(page, "2022-06-07", "§ 77")
    expect(page.locator("#agreement-status")).to_have_text("I kraft")
    _fits(page)

    page.get_by_role("link", name="Historik").click()
    history = page.locator("main")
    expect(history).to_contain_text("Trädde i kraft")
    expect(history).to_contain_text("§ 77")
    _fits(page)
    violations = [m for m in console_messages if any(k in m for k in CSP_MARKERS)]
    assert not violations, violations
