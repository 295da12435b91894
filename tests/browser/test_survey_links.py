"""A reminder while a respondent is answering: the respondent opens the link and starts
answering, the coordinator sends reminders from the wave page, and the respondent's
submission through the first link still goes through, ending on the thank-you page with
the respondent's organisation's support text."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core import mail
from django.core.management import call_command
from journey import current_path, sign_in
from playwright.sync_api import expect

from samverkan.core.tabular import Row
from samverkan.jobs.models import Job, JobStatus
from samverkan.organisations.roles import Role
from samverkan.surveys import services
from samverkan.surveys.models import BufferedResponse, Invitee, InviteeToken

pytestmark = pytest.mark.browser

LINK_PATTERN = re.compile(r"http\S+/enkat/svar/\S+/")
SUPPORT = "Stödlinjen för förtroendevalda i Linköping: 013-12 34 56"
EMAILS = ("dora.dahl@example.invalid", "erik.ek@example.invalid")


def test_reminder_while_answering_keeps_the_link(
    transactional_db: Any,
    world: Any,
    settings: Any,
    browser: Any,
    live_server: Any,
    page: Any,
    console_messages: list[str],
) -> None:
    settings.REQUIRE_2FA = False
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    coordinator = world.user("linkoping", Role.COORDINATOR)
    linkoping = world.orgs["linkoping"]
    questionnaire = services.ensure_default_questionnaire(actor=coordinator, organisation=linkoping)
    wave = services.create_wave(
        actor=coordinator,
        owner=linkoping,
        name="Påminnelseprov",
        slug="paminnelseprov",
        questionnaire=questionnaire,
        partners=[],
        reference_period="de senaste tolv månaderna",
    )
    services.import_invitees(
        actor=coordinator,
        wave=wave,
        rows=[
            Row(
                i + 2,
                {
                    "email": e,
                    "municipality": linkoping.name,
                    "role": "elected",
                    "gender": "woman",
                    "age_band": "30_49",
                },
            )
            for i, e in enumerate(EMAILS)
        ],
    )
    services.update_survey_texts(
        actor=coordinator, organisation=linkoping, contact="", support=SUPPORT, data_protection=""
    )
    services.open_wave(actor=coordinator, wave=wave)
    mail.outbox.clear()
    services.send_invitations(actor=coordinator, wave=wave, base_url=live_server.url + "/")
    first = next(m for m in mail.outbox if m.to == [EMAILS[0]])
    link = LINK_PATTERN.search(first.body).group(0)  # type: ignore[union-attr]

    respondent_context = browser.new_context(locale="sv-SE")
    respondent_context.set_default_timeout(15_000)
    try:
        respondent = respondent_context.new_page()
        respondent.on("pageerror", lambda e: console_messages.append(f"pageerror: {e}"))
        # 1. The respondent opens the link and starts answering.
        response = respondent.goto(link)
        assert response is not None and response.status == 200
        survey = respondent.locator("form.survey-form")
        expect(survey).to_be_visible()

        def choose(item: str, value: str) -> None:
            survey.locator(f"[id='{item}-{value}']").check()

        choose("role", "elected")
        choose("municipality", "linkopings_kommun")
        choose("unit_type", "council")
        choose("gender", "woman")

        # 2. Meanwhile the coordinator sends reminders from the wave page.
        sign_in(page, coordinator.username)
        page.goto(f"/enkater/{wave.pk}/")
        with page.expect_navigation():
            page.locator("#send-reminders").click()
        page.goto(f"/enkater/{wave.pk}/")
        mail.outbox.clear()
        call_command("db_worker", batch=True, no_startup_delay=True, verbosity=0)
        job = Job.objects.get()
        assert job.status == JobStatus.SUCCEEDED, job.message
        assert job.result == {"sent": 2, "reminders": True}
        reminder = next(m for m in mail.outbox if m.to == [EMAILS[0]])
        assert LINK_PATTERN.search(reminder.body).group(0) != link  # type: ignore[union-attr]
        invitee = Invitee.objects.get(email=EMAILS[0])
        assert InviteeToken.objects.filter(invitee=invitee).count() == 2

        # 3. The respondent finishes in the same page and submits through the first link.
        choose("age_band", "30_49")
        choose("chair", "neither")
        for item in (
            "exposure_threat",
            "exposure_harassment",
            "exposure_violence",
            "exposure_property",
            "exposure_bribe",
            "exposure_relatives",
            "exposure_online",
        ):
            choose(item, "never")
        choose("worry", "slightly")
        with respondent.expect_navigation():
            respondent.locator("#submit-survey").click()
        assert current_path(respondent) == "/enkat/tack/", respondent.locator("main").inner_text()
        expect(respondent.locator("#thanks-heading")).to_be_visible()
        expect(respondent.locator("#support-text")).to_have_text(SUPPORT)
        assert "svar" not in respondent.url

        # Both links of the respondent now say "already used"; nothing maps them back.
        reminder_link = LINK_PATTERN.search(reminder.body).group(0)  # type: ignore[union-attr]
        used = respondent.goto(reminder_link)
        assert used is not None and used.status == 410
        expect(respondent.locator("#link-used")).to_be_visible()
    finally:
        respondent_context.close()
    invitee.refresh_from_db()
    assert invitee.responded
    assert not InviteeToken.objects.filter(invitee=invitee).exists()
    assert BufferedResponse.objects.count() == 1
    assert not [m for m in console_messages if "pageerror" in m], console_messages
