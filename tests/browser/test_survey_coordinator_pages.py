"""The survey coordinator's pages in a real browser, scanned with axe-core on a desktop
screen and on a 390 px phone: the texts for invitees, the printable letters, the paper
answer and invitee imports (also after a bad upload), the wave itself, the results while
the wave is open and once it is closed, and the purpose asked before free-text answers.
No page may have a serious or critical accessibility problem or scroll sideways.

The data is built once and the pages are visited in one signed-in browser context, so
the module costs one sign-in and one set of waves."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from journey import current_path, sign_in
from playwright.sync_api import expect

from samverkan.core.tabular import Row
from samverkan.organisations.roles import Role
from samverkan.surveys import services
from samverkan.surveys.models import Invitee, Wave

pytestmark = pytest.mark.browser

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")


def _answers(index: int) -> dict[str, Any]:
    exposed = index % 2 == 1
    raw: dict[str, Any] = {
        "role": "elected",
        "municipality": "linkopings_kommun",
        "unit_type": "council",
        "gender": "woman" if index % 3 else "man",
        "age_band": "30_49",
        "chair": "neither",
        "exposure_threat": "once" if exposed else "never",
        "exposure_harassment": "never",
        "exposure_violence": "never",
        "exposure_property": "never",
        "exposure_bribe": "never",
        "exposure_relatives": "never",
        "exposure_online": "never",
        "worry": "slightly",
    }
    if exposed:
        raw |= {
            "perpetrator": ["resident"],
            "channel": ["email"],
            "reported_to": ["police"],
            **{
                f"consequences__{row}": "no"
                for row in (
                    "hesitated",
                    "decided_differently",
                    "avoided_issue",
                    "considered_leaving",
                    "changed_routines",
                )
            },
        }
    if index == 3:
        raw["comment"] = "En fritext som inte visas utan ett syfte"
    return raw


def _wave(world: Any, slug: str, *, invitees: int, answered: int = 0, close: bool = False) -> Wave:
    """A wave run by Linköping with Norrköping taking part: imported invitees, opened
    and ``answered`` of them answered when ``invitees`` > 0, closed when ``close``."""
    coordinator = world.user("linkoping", Role.COORDINATOR)
    wave = services.create_wave(
        actor=coordinator,
        owner=world.orgs["linkoping"],
        name=f"Enkät {slug}",
        slug=slug,
        questionnaire=services.ensure_default_questionnaire(
            actor=coordinator, organisation=world.orgs["linkoping"]
        ),
        partners=[world.orgs["norrkoping"]],
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    if not invitees:
        return wave
    services.import_invitees(
        actor=coordinator,
        wave=wave,
        rows=[
            Row(
                i + 2,
                {
                    "email": f"{slug}{i}@example.invalid",
                    "municipality": "Linköpings kommun",
                    "role": "elected",
                    "gender": "woman" if i % 3 else "man",
                    "age_band": "30_49",
                },
            )
            for i in range(invitees)
        ],
    )
    services.open_wave(actor=coordinator, wave=wave)
    for index, invitee in enumerate(Invitee.objects.filter(wave=wave).order_by("email")):
        if index >= answered:
            break
        token = services.issue_link(invitee=invitee).token
        services.submit_response(token=token, raw_answers=_answers(index))
    if close:
        services.close_wave(actor=coordinator, wave=wave)
    return wave


def _problems(page: Any, where: str) -> list[str]:
    """The serious or critical axe-core violations of the page as it is shown, and a
    sideways scroll, each as one line naming the page."""
    found = []
    results = Axe().run(page)
    for violation in results.response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = "; ".join(
                str(node["target"][0]) if node["target"] else "" for node in violation["nodes"][:5]
            )
            found.append(
                f"{where}: {violation['id']} ({violation['impact']}): {violation['help']} – "
                + targets
            )
    width = page.evaluate("document.documentElement.scrollWidth")
    if width > page.viewport_size["width"]:
        found.append(f"{where}: the page scrolls sideways ({width}px)")
    return found


def _upload(page: Any, file: Path) -> None:
    page.locator("main input[type=file][name=file]").set_input_files(str(file))
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()


def test_coordinator_pages_have_no_serious_accessibility_problems_on_desktop_and_phone(
    transactional_db: Any,
    world: Any,
    settings: Any,
    page: Any,
    console_messages: list[str],
    tmp_path: Path,
) -> None:
    settings.REQUIRE_2FA = False
    draft = _wave(world, "utkast", invitees=0)
    running = _wave(world, "pagaende", invitees=8, answered=2)
    closed = _wave(world, "stangd", invitees=12, answered=12, close=True)
    bad_invitees = tmp_path / "inbjudna-fel.csv"
    bad_invitees.write_text(
        "e-post;kommun;roll;kön;åldersgrupp\ninte-en-adress;Ingen kommun;elected;woman;30_49\n",
        "utf-8",
    )
    bad_answers = tmp_path / "pappersenkater-fel.csv"
    bad_answers.write_text("svarskod;role\nFINNSINTE;elected\n", "utf-8")

    sign_in(page, world.user("linkoping", Role.COORDINATOR).username)
    problems: list[str] = []
    for name, viewport in (("desktop", DESKTOP), ("390 px", PHONE)):
        page.set_viewport_size(viewport)

        def scan(url: str, what: str, viewport_name: str = name) -> None:
            page.goto(url)
            assert current_path(page) == url, (what, page.url)
            problems.extend(_problems(page, f"{what} ({viewport_name})"))

        scan(f"/enkater/{draft.pk}/", "draft wave")
        scan(f"/enkater/{running.pk}/", "open wave")
        scan(f"/enkater/{closed.pk}/", "closed wave")
        scan(f"/enkater/{running.pk}/texter/", "texts for invitees")
        page.locator("#id_deadline-deadline").fill("2020-01-01")
        with page.expect_navigation():
            page.locator("#save-deadline").click()
        expect(page.locator("#id_deadline-deadline[aria-invalid=true]")).to_be_visible()
        problems.extend(_problems(page, f"texts for invitees, date in the past ({name})"))
        scan(f"/enkater/{running.pk}/brev/", "letters")
        with page.expect_navigation():
            page.locator("#make-letters").click()
        expect(page.locator("article.letter").first).to_be_visible()
        problems.extend(_problems(page, f"printed letters ({name})"))

        scan(f"/enkater/{draft.pk}/inbjudna/", "invitee import")
        _upload(page, bad_invitees)
        expect(page.locator("#import-problems")).to_be_visible()
        problems.extend(_problems(page, f"invitee import, bad file ({name})"))

        scan(f"/enkater/{running.pk}/pappersenkater/", "paper answer import")
        _upload(page, bad_answers)
        expect(page.locator("#import-problems")).to_be_visible()
        problems.extend(_problems(page, f"paper answer import, bad file ({name})"))

        scan(f"/enkater/{running.pk}/resultat/", "results pending")
        expect(page.locator("#results-pending")).to_be_visible()
        scan(f"/enkater/{closed.pk}/resultat/", "results")
        expect(page.locator("#rr-heading")).to_be_visible()
        # Charts stay readable on a phone: their text is not shrunk below 10 px.
        heights = page.evaluate(
            "Array.from(document.querySelectorAll('figure.chart svg text'))"
            ".map(t => t.getBoundingClientRect().height)"
        )
        assert heights, "the results page shows charts"
        if min(heights) < 10:
            problems.append(f"results ({name}): chart text {min(heights):.1f} px high")
        scan(f"/enkater/{closed.pk}/fritext/", "free-text purpose")
        expect(page.locator("#free-text-warning")).to_be_visible()
        with page.expect_navigation():
            page.locator("main form[method=post] button[type=submit]").click()
        expect(page.locator("textarea[name=purpose][aria-invalid=true]")).to_be_visible()
        problems.extend(_problems(page, f"free-text purpose, empty ({name})"))

    assert not problems, "\n".join(problems)
    csp = [m for m in console_messages if any(k in m for k in CSP_MARKERS) or "pageerror" in m]
    assert not csp, "\n".join(csp)
