"""The survey module in a real browser, end to end: a coordinator creates a wave,
imports invitees (first a bad file, then a good one), opens the wave and sends the
invitations through the background worker; a respondent answers through the link in
the e-mail; the coordinator closes the wave, sees suppressed results and downloads the
PDF report."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.core.management import call_command
from django.utils import translation
from journey import current_path, sign_in
from playwright.sync_api import expect

from samverkan.audit.models import AuditEntry
from samverkan.jobs.models import Job, JobStatus
from samverkan.organisations.roles import Role
from samverkan.surveys.models import Invitee, Response, Wave, WaveStatus
from samverkan.surveys.services import ensure_default_questionnaire

pytestmark = pytest.mark.browser

CSP_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Refused to")
LINK_PATTERN = re.compile(r"http\S+/enkat/svar/\S+/")
UUID_PATH = r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}"
EXPOSURE_ITEMS = (
    "exposure_threat",
    "exposure_harassment",
    "exposure_violence",
    "exposure_property",
    "exposure_bribe",
    "exposure_relatives",
    "exposure_online",
)
CONSEQUENCES = {
    "hesitated": "yes",
    "decided_differently": "no",
    "avoided_issue": "no",
    "considered_leaving": "no",
    "changed_routines": "yes",
}
INVITEE_EMAILS = (
    "anna.andersson@example.invalid",
    "bo.berg@example.invalid",
    "cecilia.carlsson@example.invalid",
)


# --- helpers ---------------------------------------------------------------------


def swedish(text: str) -> str:
    """The text as the Swedish-language pages show it (English where untranslated)."""
    with translation.override("sv"):
        return translation.gettext(text)


def submit_main_form(page: Any) -> None:
    with page.expect_navigation():
        page.locator("main form[method=post] button[type=submit]").first.click()


def assert_accessible(page: Any) -> None:
    """No serious or critical axe-core findings on the page as it is shown."""
    violations = Axe().run(page).response["violations"]
    serious = [v["id"] for v in violations if v["impact"] in ("serious", "critical")]
    assert not serious, (page.url, serious)


def click_and_wait(page: Any, selector: str) -> None:
    with page.expect_navigation():
        page.locator(selector).click()


def assert_no_csp_violations(console_messages: list[str]) -> None:
    violations = [m for m in console_messages if any(k in m for k in CSP_MARKERS)]
    assert not violations, "CSP violations:\n" + "\n".join(violations)


def write_csv(path: Path, rows: list[str]) -> Path:
    path.write_text("e-post;kommun;roll;kön;åldersgrupp\n" + "\n".join(rows) + "\n", "utf-8")
    return path


def upload(page: Any, wave: Wave, file: Path) -> None:
    page.goto(f"/enkater/{wave.pk}/inbjudna/")
    page.locator("main input[type=file][name=file]").set_input_files(str(file))
    submit_main_form(page)


# --- the journey ------------------------------------------------------------------------


def test_survey_from_creation_to_report(
    transactional_db: Any,
    world: Any,
    settings: Any,
    browser: Any,
    live_server: Any,
    page: Any,
    console_messages: list[str],
    tmp_path: Path,
) -> None:
    settings.REQUIRE_2FA = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator = world.user("linkoping", Role.COORDINATOR)
    questionnaire = ensure_default_questionnaire(
        actor=coordinator, organisation=world.orgs["linkoping"]
    )

    # 1. Create the wave in the browser.
    sign_in(page, coordinator.username)
    page.goto("/enkater/ny/")
    form = page.locator("main form[method=post]")
    form.locator("select[name=owner]").select_option(label="Linköpings kommun")
    form.locator("input[name=name]").fill("Valåret test")
    form.locator("input[name=slug]").fill("valaret-test")
    form.locator("select[name=questionnaire]").select_option(value=str(questionnaire.uid))
    form.locator("#id_partners").get_by_label("Norrköpings kommun", exact=True).check()
    form.locator("input[name=period_start]").fill("2025-01-01")
    form.locator("input[name=period_end]").fill("2025-12-31")
    expect(form.locator("input[name=min_cell_size]")).to_have_value("5")
    submit_main_form(page)

    wave = Wave.objects.get(slug="valaret-test")
    page.wait_for_url(re.compile(rf"/enkater/{wave.pk}/$"))
    assert wave.owner == world.orgs["linkoping"]
    assert wave.questionnaire == questionnaire
    assert wave.min_cell_size == 5
    assert list(wave.shared_with.all()) == [world.orgs["norrkoping"]]
    expect(page.locator("#wave-status")).to_have_class(re.compile(r"\bbadge-draft\b"))
    expect(page.locator("main dl.meta")).to_contain_text("Linköpings kommun, Norrköpings kommun")

    # 2. Import invitees: a bad file is refused as a whole, then the good one goes in.
    bad = write_csv(
        tmp_path / "inbjudna-fel.csv",
        ["inte-en-adress;Ingen kommun;elected;woman;30_49"],
    )
    upload(page, wave, bad)
    assert current_path(page) == f"/enkater/{wave.pk}/inbjudna/"
    problems = page.locator("#import-problems")
    expect(problems).to_be_visible()
    expect(problems).to_contain_text("Rad 2")
    problem_texts = problems.locator("li").all_inner_texts()
    assert any("e-post" in t or "email" in t for t in problem_texts), problem_texts
    assert any("municipality" in t or "kommun" in t for t in problem_texts), problem_texts
    assert all(t.startswith("Rad 2") for t in problem_texts), problem_texts
    assert Invitee.objects.count() == 0

    good = write_csv(
        tmp_path / "inbjudna.csv",
        [
            f"{INVITEE_EMAILS[0]};Linköpings kommun;elected;woman;30_49",
            f"{INVITEE_EMAILS[1]};Linköpings kommun;Anställd;Man;50–64 år",
            f"{INVITEE_EMAILS[2]};Linköpings kommun;employee;kvinna;",
        ],
    )
    upload(page, wave, good)
    page.wait_for_url(re.compile(rf"/enkater/{wave.pk}/$"))
    expect(page.locator("#import-problems")).to_have_count(0)
    assert sorted(Invitee.objects.values_list("email", flat=True)) == sorted(INVITEE_EMAILS)
    assert set(Invitee.objects.values_list("organisation", flat=True)) == {
        world.orgs["linkoping"].pk
    }
    assert sorted(Invitee.objects.values_list("role", "gender", "age_band")) == sorted(
        [("elected", "woman", "30_49"), ("employee", "man", "50_64"), ("employee", "woman", "")]
    )

    # 3. Open the wave and send the invitations through the background worker.
    click_and_wait(page, "#open-wave")
    expect(page.locator("#wave-status")).to_have_class(re.compile(r"\bbadge-open\b"))
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.OPEN

    click_and_wait(page, "#send-invitations")
    page.wait_for_url(re.compile(rf"/jobb/{UUID_PATH}/$"))
    job = Job.objects.get()
    assert current_path(page) == f"/jobb/{job.pk}/"
    assert job.kind == "survey_invitations"
    # Leave the job page (it polls while the job runs) while the worker uses the database.
    page.goto(f"/enkater/{wave.pk}/")
    call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
    job.refresh_from_db()
    assert job.status == JobStatus.SUCCEEDED, job.message
    assert job.result == {"sent": 3, "reminders": False}

    page.goto(f"/jobb/{job.pk}/")
    status = page.locator("#job-status")
    expect(status).to_have_class(re.compile(r"\bbadge-succeeded\b"))
    expect(status).to_have_text(swedish("Finished"))
    expect(page.locator("#job-bar")).to_have_attribute("value", "100")
    expect(page.locator("#job-progress")).not_to_have_attribute("hx-get", re.compile(".*"))

    # 4. A respondent answers through the link in the e-mail, without any session.
    assert len(mail.outbox) == 3
    assert sorted(m.to[0] for m in mail.outbox) == sorted(INVITEE_EMAILS)
    message = next(m for m in mail.outbox if m.to == [INVITEE_EMAILS[0]])
    match = LINK_PATTERN.search(message.body)
    assert match, message.body
    link = match.group(0)
    assert link.startswith(live_server.url), link

    respondent_context = browser.new_context(locale="sv-SE")
    respondent_context.set_default_timeout(15_000)
    respondent_context.add_init_script(
        """
        document.addEventListener("securitypolicyviolation", function (event) {
          console.error("Content Security Policy violation: Refused to load "
            + event.blockedURI + " (" + event.violatedDirective + ")");
        });
        """
    )
    try:
        respondent = respondent_context.new_page()
        respondent.on(
            "console", lambda m: console_messages.append(f"respondent {m.type}: {m.text}")
        )
        respondent.on("pageerror", lambda e: console_messages.append(f"respondent pageerror: {e}"))

        response = respondent.goto(link)
        assert response is not None and response.status == 200
        survey = respondent.locator("form.survey-form")
        expect(survey).to_be_visible()
        respondent.wait_for_load_state("load")

        def choose(item: str, value: str) -> None:
            survey.locator(f"[id='{item}-{value}']").check()

        choose("role", "elected")
        choose("municipality", "linkopings_kommun")
        choose("unit_type", "council")
        choose("gender", "woman")
        choose("age_band", "30_49")
        chair = survey.locator("[data-item=chair]")
        expect(chair).to_be_visible()
        choose("chair", "neither")
        for item in EXPOSURE_ITEMS[1:]:
            choose(item, "never")

        perpetrator = survey.locator("[data-item=perpetrator]")
        expect(perpetrator).to_be_hidden()
        expect(perpetrator).to_have_attribute("hidden", "")
        choose("exposure_threat", "once")
        expect(perpetrator).to_be_visible()
        expect(survey.locator("[data-item=channel]")).to_be_visible()
        expect(survey.locator("[data-item=consequences]")).to_be_visible()
        expect(survey.locator("[data-item=reported_to]")).to_be_visible()

        choose("perpetrator", "unknown")
        choose("channel", "phone")
        for row, value in CONSEQUENCES.items():
            survey.locator(f"input[name='consequences__{row}'][value='{value}']").check()
        choose("reported_to", "police")
        expect(survey.locator("[data-item=not_reported_reason]")).to_be_hidden()
        choose("worry", "slightly")

        with respondent.expect_navigation():
            respondent.locator("#submit-survey").click()
        assert current_path(respondent) == "/enkat/tack/", respondent.locator("main").inner_text()
        expect(respondent.locator("#thanks-heading")).to_be_visible()

        # The link works once.
        response = respondent.goto(link)
        assert response is not None and response.status == 410
        expect(respondent.locator("main h1")).to_have_text(
            swedish("This link has already been used")
        )
        expect(respondent.locator("form.survey-form")).to_have_count(0)
    finally:
        respondent_context.close()

    # 5. Back as the coordinator: no results while the wave is open, only the response
    # rate (one answer of a few invited is too few to show); close the wave, look at the
    # results, get the report.
    page.goto(f"/enkater/{wave.pk}/resultat/")
    expect(page.locator("#results-pending")).to_be_visible()
    expect(page.locator("section[aria-labelledby=any-heading]")).to_have_count(0)
    expect(page.locator("main")).to_contain_text(swedish("Too few to show"))
    assert_accessible(page)
    page.goto(f"/enkater/{wave.pk}/")
    click_and_wait(page, "#close-wave")
    expect(page.locator("#wave-status")).to_have_class(re.compile(r"\bbadge-closed\b"))
    assert Wave.objects.get(pk=wave.pk).status == WaveStatus.CLOSED
    # Answers wait in the encrypted buffer until the wave closes (or a batch fills).
    assert Response.objects.count() == 1
    stored = Response.objects.get()
    assert stored.wave_id == wave.pk
    answers = stored.answers
    assert answers["role"] == "elected"
    assert answers["municipality"] == "linkopings_kommun"
    assert answers["exposure_threat"] == "once"
    assert answers["exposure_harassment"] == "never"
    assert answers["worry"] == "slightly"
    assert answers["perpetrator"] == ["unknown"]
    assert answers["channel"] == ["phone"]
    assert answers["reported_to"] == ["police"]
    assert answers["consequences"] == CONSEQUENCES
    assert "not_reported_reason" not in answers
    stored_text = json.dumps(answers, ensure_ascii=False)
    assert "@" not in stored_text, stored_text
    for email in INVITEE_EMAILS:
        assert email not in stored_text
    token = link.rstrip("/").rsplit("/", 1)[-1]
    assert token not in stored_text
    assert Invitee.objects.filter(responded=True).count() == 1
    assert Invitee.objects.get(email=INVITEE_EMAILS[0]).responded

    response = page.goto(f"/enkater/{wave.pk}/resultat/")
    assert response is not None and response.status == 200
    main = page.locator("main")
    suppressed = swedish("Too few respondents to show")
    expect(main.locator("td.muted", has_text=suppressed).first).to_be_visible()
    # Every exposure, consequence and reporting figure is suppressed with one respondent.
    for heading in ("any-heading", "forms-heading", "cons-heading", "rep-heading"):
        section = page.locator(f"section[aria-labelledby={heading}]")
        expect(section).to_have_count(1)
        rows = section.locator("tbody tr").all_inner_texts()
        assert rows, heading
        for row in rows:
            assert suppressed in row, (heading, row)
            assert not re.search(r"\d\s?%", row), (heading, row)
    results_text = main.inner_text()
    assert "100 %" not in results_text, results_text
    # The dashboard on a phone: no sideways scrolling, no serious accessibility problems.
    desktop = page.viewport_size
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 375, f"the results page scrolls sideways: {width}px"
    assert_accessible(page)
    page.set_viewport_size(desktop)

    with page.expect_download() as download_info:
        page.locator("#download-pdf").click()
    download = download_info.value
    assert download.failure() is None
    assert download.suggested_filename == "valaret-test-rapport.pdf"
    assert Path(download.path()).read_bytes().startswith(b"%PDF")

    pdf = page.request.get(f"/enkater/{wave.pk}/rapport.pdf")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.body().startswith(b"%PDF")

    # Free text: a warning, a purpose, then the answers, audited with the purpose.
    page.goto(f"/enkater/{wave.pk}/")
    click_and_wait(page, "#free-text")
    expect(page.locator("#free-text-warning")).to_be_visible()
    page.locator("textarea[name=purpose]").fill("Underlag till handlingsplanen")
    click_and_wait(page, "main form button[type=submit]")
    expect(page.locator("main h1")).to_contain_text(wave.name)
    assert_accessible(page)
    assert AuditEntry.objects.filter(purpose="Underlag till handlingsplanen").exists()

    assert_no_csp_violations(console_messages)
