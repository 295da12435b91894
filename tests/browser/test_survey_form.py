"""The respondent's form in a real browser: save and resume on the same link, keyboard-only
completion on a 375 px screen with an axe-core scan of every page, follow-up questions that
appear and disappear as the server decides, and a language switch that keeps the answers."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from journey import current_path
from playwright.sync_api import expect

from samverkan.organisations.roles import Role
from samverkan.surveys import services
from samverkan.surveys.models import BufferedResponse, Invitee, Response, ResponseDraft, Wave

pytestmark = pytest.mark.browser


def _stored_answers() -> dict[str, Any]:
    """The one response sent, written from the encrypted buffer as the close would."""
    from samverkan.surveys import buffer

    for wave in Wave.objects.all():
        buffer.flush(wave=wave)
    return dict(Response.objects.get().answers)


PHONE = {"width": 375, "height": 740}
CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")
EXPOSURE_ITEMS = (
    "exposure_threat",
    "exposure_harassment",
    "exposure_violence",
    "exposure_property",
    "exposure_bribe",
    "exposure_relatives",
    "exposure_online",
)


@pytest.fixture
def links(transactional_db: Any, world: Any) -> Iterator[list[str]]:
    """Three respondent links of an open wave run by Linköping alone."""
    coordinator = world.user("linkoping", Role.COORDINATOR)
    wave = services.create_wave(
        actor=coordinator,
        owner=world.orgs["linkoping"],
        name="Formulärtest",
        slug="formular",
        questionnaire=services.ensure_default_questionnaire(
            actor=coordinator, organisation=world.orgs["linkoping"]
        ),
        partners=[],
        period_start=date(2025, 12, 1),
        period_end=date(2026, 11, 30),
    )
    from samverkan.core.tabular import Row

    services.import_invitees(
        actor=coordinator,
        wave=wave,
        rows=[
            Row(
                i + 2,
                {
                    "email": f"p{i}@example.invalid",
                    "municipality": "Linköpings kommun",
                    "role": "elected",
                    "gender": "woman",
                    "age_band": "30_49",
                },
            )
            for i in range(3)
        ],
    )
    services.open_wave(actor=coordinator, wave=wave)
    tokens = []
    for invitee in Invitee.objects.filter(wave=wave).order_by("email"):
        token = services.issue_link(invitee=invitee).token
        tokens.append(f"/enkat/svar/{token}/")
    yield tokens


def new_page(browser: Any, live_server: Any, messages: list[str], **options: Any) -> Any:
    context = browser.new_context(locale="sv-SE", base_url=live_server.url, **options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    page.on("console", lambda m: messages.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: messages.append(f"pageerror: {e}"))
    return page


def no_csp_violations(messages: list[str]) -> None:
    violations = [m for m in messages if any(k in m for k in CSP_MARKERS) or "pageerror" in m]
    assert not violations, "\n".join(violations)


def choose(page: Any, item: str, value: str) -> None:
    page.locator(f"[id='{item}-{value}']").check()


def checked(page: Any, item: str, value: str) -> Any:
    return expect(page.locator(f"[id='{item}-{value}']"))


def axe_clean(page: Any, where: str) -> None:
    """No serious or critical axe-core violation on the page as it is now."""
    results = Axe().run(page)
    bad = [
        f"{v['id']} ({v['impact']}): {v['help']} – "
        + "; ".join(n["target"][0] if n["target"] else "" for n in v["nodes"][:5])
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]
    assert not bad, f"{where}:\n" + "\n".join(bad)


def fits(page: Any) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], f"the page scrolls sideways: {width}px"


# --- save and resume ------------------------------------------------------------------------


def test_save_and_resume_on_the_same_link(
    links: list[str], browser: Any, live_server: Any, console_messages: list[str]
) -> None:
    link = links[0]
    page = new_page(browser, live_server, console_messages)
    page.goto(link)
    choose(page, "role", "elected")
    choose(page, "municipality", "linkopings_kommun")
    choose(page, "chair", "vice_chair")
    page.locator("#party").fill("Ett parti")
    choose(page, "exposure_threat", "once")
    # Moving on to the next part saved a draft already (one page on a wide screen).
    for _ in range(50):
        if ResponseDraft.objects.exists():
            break
        page.wait_for_timeout(100)
    assert ResponseDraft.objects.count() == 1
    choose(page, "perpetrator", "resident")
    with page.expect_navigation():
        page.locator("#save-survey").click()
    expect(page.locator("#draft-saved")).to_be_visible()
    assert ResponseDraft.objects.count() == 1
    assert Response.objects.count() == 0 and BufferedResponse.objects.count() == 0
    page.context.close()

    # Later, in another browser: the same link brings the answers back.
    again = new_page(browser, live_server, console_messages)
    again.goto(link)
    expect(again.locator("#draft-restored")).to_be_visible()
    checked(again, "role", "elected").to_be_checked()
    checked(again, "chair", "vice_chair").to_be_checked()
    expect(again.locator("#party")).to_have_value("Ett parti")
    checked(again, "exposure_threat", "once").to_be_checked()
    checked(again, "perpetrator", "resident").to_be_checked()
    expect(again.locator("[data-item=perpetrator]")).to_be_visible()
    for item, value in (
        ("unit_type", "council"),
        ("gender", "woman"),
        ("age_band", "50_64"),
        *((item, "never") for item in EXPOSURE_ITEMS[1:]),
        ("channel", "phone"),
        ("reported_to", "police"),
        ("worry", "slightly"),
    ):
        choose(again, item, value)
    for row in (
        "hesitated",
        "decided_differently",
        "avoided_issue",
        "considered_leaving",
        "changed_routines",
    ):
        choose(again, f"consequences__{row}", "no")
    with again.expect_navigation():
        again.locator("#submit-survey").click()
    assert current_path(again) == "/enkat/tack/", again.locator("main").inner_text()
    answers = _stored_answers()
    assert answers["chair"] == "vice_chair" and answers["perpetrator"] == ["resident"]
    assert answers["party"] == "Ett parti"
    assert not ResponseDraft.objects.exists(), "the draft is gone once the answers are sent"
    again.context.close()
    no_csp_violations(console_messages)


# --- keyboard only, on a phone, with an accessibility scan ------------------------------------

_FOCUS = """() => {
  const e = document.activeElement;
  const group = e && e.name ? document.querySelectorAll(`input[name="${e.name}"]:checked`) : [];
  return {tag: e ? e.tagName : "", type: e ? (e.type || "") : "", name: e ? (e.name || "") : "",
          id: e ? e.id : "", go: e && e.dataset ? (e.dataset.go || "") : "",
          answered: group.length > 0};
}"""


def keyboard_through_part(page: Any, skip: set[str]) -> str:
    """Tab through the current part, answering each unanswered choice question with
    Space (the first option, where Tab lands), until Next or Send has focus; press Enter
    on it. Returns "next" or "submit"."""
    for _ in range(300):
        focus = page.evaluate(_FOCUS)
        if focus["type"] in ("radio", "checkbox") and not focus["answered"]:
            if focus["name"] not in skip:
                page.keyboard.press("Space")
        elif focus["go"] == "next":
            page.keyboard.press("Enter")
            return "next"
        elif focus["id"] == "submit-survey":
            with page.expect_navigation():
                page.keyboard.press("Enter")
            return "submit"
        page.keyboard.press("Tab")
    raise AssertionError("Tab never reached Next or Send")


def test_keyboard_only_on_a_phone_with_no_serious_accessibility_problems(
    links: list[str], browser: Any, live_server: Any, console_messages: list[str]
) -> None:
    page = new_page(browser, live_server, console_messages, viewport=PHONE, has_touch=True)
    page.goto(links[1])
    form = page.locator("form.survey-form")
    expect(form).to_have_class(re.compile(r"\bis-paged\b"))
    parts_seen = []
    for _ in range(6):
        current = page.locator(".survey-section:not([hidden]):not(.is-inactive)")
        expect(current).to_have_count(1)
        heading = current.locator("h2")
        parts_seen.append(heading.inner_text())
        expect(current.locator(".part-count")).to_have_text(re.compile(r"^Del \d av \d$"))
        fits(page)
        axe_clean(page, f"part {len(parts_seen)}")
        # Leave the worry question unanswered the first time, to see the error state.
        if keyboard_through_part(page, skip={"worry"}) == "submit":
            break
        expect(page.locator(".survey-section:not(.is-inactive) h2:focus")).to_have_count(1)
    # Background, exposure, worry and support: the follow-up part is skipped (not exposed).
    assert len(parts_seen) == 3, parts_seen
    assert parts_seen[0].startswith("Del 1 av 3"), parts_seen
    assert parts_seen[2].startswith("Del 3 av 3"), parts_seen
    # Drafts were saved while moving between the parts.
    assert ResponseDraft.objects.count() == 1

    # The error state: the summary has focus and leads to the question.
    summary = page.locator("#error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    assert page.title().startswith("Fel:")
    fits(page)
    axe_clean(page, "error state")
    expect(page.locator("fieldset[aria-invalid=true][aria-describedby~=err-worry]")).to_have_count(
        1
    )
    page.keyboard.press("Tab")
    expect(summary.locator("a").first).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("[id='worry-not_at_all']")).to_be_focused()
    # Answers given before the error are kept.
    checked(page, "role", "elected").to_be_checked()
    assert keyboard_through_part(page, skip=set()) == "submit"
    assert current_path(page) == "/enkat/tack/", page.locator("main").inner_text()
    fits(page)
    axe_clean(page, "thank-you page")
    answers = _stored_answers()
    assert answers["role"] == "elected" and answers["chair"] == "chair"
    assert answers["worry"] == "not_at_all"
    assert not ResponseDraft.objects.exists()
    page.context.close()
    no_csp_violations(console_messages)


# --- conditional follow-ups -------------------------------------------------------------------


def test_follow_ups_follow_the_answers_they_depend_on(
    links: list[str], browser: Any, live_server: Any, console_messages: list[str]
) -> None:
    page = new_page(browser, live_server, console_messages)
    page.goto(links[2])
    chair = page.locator("[data-item=chair]")
    party = page.locator("[data-item=party]")
    # Before a role is chosen, the questions for elected officials are not shown.
    expect(chair).to_be_hidden()
    expect(party).to_be_hidden()
    expect(page.locator("fieldset[role=radiogroup][aria-required=true]").first).to_be_visible()
    choose(page, "role", "both")
    expect(chair).to_be_visible()
    expect(party).to_be_visible()
    choose(page, "chair", "chair")
    choose(page, "role", "employee")
    expect(chair).to_be_hidden()
    expect(page.locator("[id='chair-chair']")).to_be_disabled()

    # A chain: exposure -> reported to nobody -> why not. Undoing the exposure hides all.
    reason = page.locator("[data-item=not_reported_reason]")
    choose(page, "exposure_online", "often")
    choose(page, "reported_to", "nobody")
    expect(reason).to_be_visible()
    choose(page, "not_reported_reason", "fear")
    # "Nobody" cannot be combined with a recipient, as the server requires.
    choose(page, "reported_to", "police")
    checked(page, "reported_to", "nobody").not_to_be_checked()
    expect(reason).to_be_hidden()
    choose(page, "reported_to", "nobody")
    checked(page, "reported_to", "police").not_to_be_checked()
    expect(reason).to_be_visible()
    choose(page, "exposure_online", "never")
    expect(page.locator("[data-item=reported_to]")).to_be_hidden()
    expect(reason).to_be_hidden()
    expect(page.locator("section#part-3")).to_be_hidden()  # the whole follow-up part

    # Sent as it stands, the hidden questions' answers are dropped, and nothing is missing.
    for item, value in (
        ("municipality", "linkopings_kommun"),
        ("unit_type", "administration"),
        ("gender", "man"),
        ("age_band", "65_plus"),
        *((item, "never") for item in EXPOSURE_ITEMS[:-1]),
        ("worry", "very"),
    ):
        choose(page, item, value)
    with page.expect_navigation():
        page.locator("#submit-survey").click()
    assert current_path(page) == "/enkat/tack/", page.locator("main").inner_text()
    answers = _stored_answers()
    assert answers["role"] == "employee"
    for hidden in ("chair", "reported_to", "not_reported_reason", "perpetrator"):
        assert hidden not in answers
    page.context.close()
    no_csp_violations(console_messages)


# --- language ---------------------------------------------------------------------------------


def test_switching_language_keeps_the_answers(
    links: list[str], browser: Any, live_server: Any, console_messages: list[str]
) -> None:
    page = new_page(browser, live_server, console_messages)
    page.goto(links[0])
    expect(page.locator("#survey-period")).to_contain_text("1 december 2025–30 november 2026")
    expect(page.locator("[data-item=exposure_threat] legend")).to_contain_text(
        "under 1 december 2025–30 november 2026"
    )
    choose(page, "role", "elected")
    choose(page, "chair", "neither")
    page.locator("#party").fill("Mitt parti")
    choose(page, "exposure_bribe", "few_times")

    # The language switch in the page header: its buttons belong to the form.
    expect(page.locator("#language-select")).to_have_count(0)
    with page.expect_navigation():
        page.locator("#header-language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#survey-title")).to_have_text("Survey on undue influence")
    expect(page.locator("#survey-period")).to_contain_text("1 December 2025–30 November 2026")
    checked(page, "role", "elected").to_be_checked()
    checked(page, "chair", "neither").to_be_checked()
    expect(page.locator("#party")).to_have_value("Mitt parti")
    checked(page, "exposure_bribe", "few_times").to_be_checked()
    expect(page.locator("[data-item=perpetrator]")).to_be_visible()

    # The switch inside the form (also without JavaScript), back to Swedish.
    with page.expect_navigation():
        page.locator("#switch-language-sv").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#survey-title")).to_have_text("Enkät om otillåten påverkan")
    checked(page, "exposure_bribe", "few_times").to_be_checked()
    expect(page.locator("#party")).to_have_value("Mitt parti")
    # The language sticks for the next visit; nothing was sent or stored on the way.
    page.goto(links[0])
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    assert Response.objects.count() == 0 and BufferedResponse.objects.count() == 0
    assert Wave.objects.get().status == "open"
    page.context.close()
    no_csp_violations(console_messages)


def test_the_header_language_switch_keeps_the_answers_without_javascript(
    links: list[str], browser: Any, live_server: Any, console_messages: list[str]
) -> None:
    page = new_page(browser, live_server, console_messages, java_script_enabled=False)
    page.goto(links[1])
    choose(page, "role", "elected")
    page.locator("#party").fill("Mitt parti")
    choose(page, "exposure_bribe", "few_times")
    with page.expect_navigation():
        page.locator("#header-language-en").click()
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#survey-title")).to_have_text("Survey on undue influence")
    checked(page, "role", "elected").to_be_checked()
    expect(page.locator("#party")).to_have_value("Mitt parti")
    checked(page, "exposure_bribe", "few_times").to_be_checked()
    # Errors come in the form's language too.
    with page.expect_navigation():
        page.locator("#submit-survey").click()
    expect(page.locator("#error-summary")).to_contain_text("Choose one of the options.")
    expect(page.locator("#error-summary")).not_to_contain_text("Välj ett av alternativen")
    with page.expect_navigation():
        page.locator("#header-language-sv").click()
    expect(page.locator("html")).to_have_attribute("lang", "sv")
    expect(page.locator("#party")).to_have_value("Mitt parti")
    assert Response.objects.count() == 0 and BufferedResponse.objects.count() == 0
    page.context.close()
    no_csp_violations(console_messages)


def test_a_resumed_form_opens_at_the_part_the_respondent_was_on(
    links: list[str], browser: Any, live_server: Any, console_messages: list[str]
) -> None:
    page = new_page(browser, live_server, console_messages, viewport=PHONE)
    page.goto(links[2])
    choose(page, "role", "employee")
    choose(page, "municipality", "linkopings_kommun")
    page.locator("#part-1 [data-go=next]").click()
    expect(page.locator("#part-2-heading")).to_be_focused()
    for _ in range(50):
        if ResponseDraft.objects.exists():
            break
        page.wait_for_timeout(100)
    assert ResponseDraft.objects.count() == 1
    page.context.close()

    again = new_page(browser, live_server, console_messages, viewport=PHONE)
    again.goto(links[2])
    expect(again.locator("#draft-restored")).to_be_visible()
    expect(again.locator("#part-2-heading")).to_be_visible()
    expect(again.locator("#part-2-heading")).to_be_focused()
    expect(again.locator("#part-1-heading")).not_to_be_visible()
    checked(again, "role", "employee").to_be_checked()
    axe_clean(again, "resumed at part 2")
    fits(again)
    again.context.close()

    # Without JavaScript the whole form is one page; a link leads to the part.
    plain = new_page(browser, live_server, console_messages, java_script_enabled=False)
    plain.goto(links[2])
    expect(plain.locator("#resume-link")).to_have_attribute("href", "#part-2-heading")
    plain.locator("#resume-link").click()
    expect(plain.locator("#part-2-heading")).to_be_focused()
    plain.context.close()
    no_csp_violations(console_messages)
