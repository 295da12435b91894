"""Respondent links: reminders that keep earlier links working, distinct pages for an
unknown, a used and an expired link, answer codes on paper, the buffer, and what
invitees and respondents are told."""

from __future__ import annotations

import csv
import datetime
import logging
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from test_waves import LINK, _invite, _rows, _wave, answer

from samverkan.audit.models import AuditEntry
from samverkan.core.tabular import Row, TableError
from samverkan.organisations.roles import Role
from samverkan.surveys import buffer, selectors, services
from samverkan.surveys.models import (
    BufferedResponse,
    Invitee,
    InviteeToken,
    Response,
    SurveyTexts,
    UsedToken,
    Wave,
)
from samverkan.surveys.tokens import answer_code, normalise_code

pytestmark = pytest.mark.django_db

CODE = __import__("re").compile(r"\b[0-9A-Z]{5}-[0-9A-Z]{5}\b")


@pytest.fixture(autouse=True)
def _mail(settings: Any) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"


def _coordinator(world: Any) -> Any:
    return world.user("linkoping", Role.COORDINATOR)


def _remind(world: Any, wave: Wave) -> dict[str, str]:
    mail.outbox.clear()
    services.send_invitations(
        actor=_coordinator(world), wave=wave, base_url="http://testserver/", reminders=True
    )
    return {m.to[0]: LINK.search(m.body).group(1) for m in mail.outbox}  # type: ignore[union-attr]


def test_a_reminder_leaves_the_link_being_filled_in_working(world: Any, client: Any) -> None:
    wave = _wave(world)
    first = _invite(world, wave, n=2)
    # The respondent opens the form; meanwhile the coordinator sends reminders.
    assert client.get(f"/enkat/svar/{first[0]}/").status_code == 200
    reminded = _remind(world, wave)
    assert len(reminded) == 2 and not set(reminded.values()) & set(first)
    assert InviteeToken.objects.count() == 4
    submitted = client.post(f"/enkat/svar/{first[0]}/", answer())
    assert submitted.status_code == 302 and submitted["Location"].startswith("/enkat/tack/")
    # Every link of that invitee is gone; the other invitee keeps both.
    answered = Invitee.objects.get(responded=True)
    assert not InviteeToken.objects.filter(invitee=answered).exists()
    assert InviteeToken.objects.count() == 2
    later = reminded[answered.email]
    used = client.get(f"/enkat/svar/{later}/")
    assert used.status_code == 410 and 'id="link-used"' in used.content.decode()
    # The other invitee answers with the reminder's link.
    other = next(t for email, t in reminded.items() if email != answered.email)
    assert client.post(f"/enkat/svar/{other}/", answer()).status_code == 302
    assert BufferedResponse.objects.count() == 2


def test_reminder_text_does_not_say_the_earlier_link_stopped_working(world: Any) -> None:
    wave = _wave(world)
    _invite(world, wave, n=1)
    _remind(world, wave)
    body = mail.outbox[0].body
    assert "replaces" not in body and "ersätter" not in body
    assert "works until you answer" in body or "fungerar tills du svarar" in body


def test_unknown_used_and_expired_links_get_distinct_pages(world: Any, client: Any) -> None:
    wave = _wave(world)
    tokens = _invite(world, wave, n=3)
    services.submit_response(token=tokens[0], raw_answers=answer())
    pages = {
        "invalid": client.get("/enkat/svar/aldrig-skickad-lank-aaaaaaaaaaaaaaaaaaaaa/"),
        "used": client.get(f"/enkat/svar/{tokens[0]}/"),
    }
    with pytest.raises(services.TokenInvalid):
        services.submit_response(token="nope", raw_answers=answer())
    with pytest.raises(services.TokenUsed):
        services.submit_response(token=tokens[0], raw_answers=answer())
    # Past the last day: expired, though the wave is still open.
    Wave.objects.filter(pk=wave.pk).update(
        deadline=timezone.localdate() - datetime.timedelta(days=1)
    )
    pages["expired"] = client.get(f"/enkat/svar/{tokens[1]}/")
    with pytest.raises(services.SurveyClosed):
        services.submit_response(token=tokens[1], raw_answers=answer())
    assert {k: p.status_code for k, p in pages.items()} == {
        "invalid": 404,
        "used": 410,
        "expired": 410,
    }
    headings = set()
    for reason, page in pages.items():
        text = page.content.decode()
        assert f'id="link-{reason}"' in text
        headings.add(text.split("<h1>")[1].split("</h1>")[0])
    assert len(headings) == 3
    # After closing, unused links are expired too, and no token maps to an invitee.
    Wave.objects.filter(pk=wave.pk).update(deadline=None)
    services.close_wave(actor=_coordinator(world), wave=wave)
    assert not InviteeToken.objects.exists()
    assert UsedToken.objects.filter(wave=wave).count() == 6  # link and code of three
    closed = client.get(f"/enkat/svar/{tokens[2]}/")
    assert closed.status_code == 410 and 'id="link-expired"' in closed.content.decode()
    closed_used = client.get(f"/enkat/svar/{tokens[0]}/")
    assert 'id="link-expired"' in closed_used.content.decode()


def test_deadline_is_set_by_the_owner_and_never_in_the_past(world: Any) -> None:
    wave = _wave(world)
    coordinator = _coordinator(world)
    tomorrow = timezone.localdate() + datetime.timedelta(days=1)
    services.set_wave_deadline(actor=coordinator, wave=wave, deadline=tomorrow)
    assert Wave.objects.get(pk=wave.pk).deadline == tomorrow
    with pytest.raises(ValidationError):
        services.set_wave_deadline(
            actor=coordinator, wave=wave, deadline=timezone.localdate() - datetime.timedelta(1)
        )
    with pytest.raises(PermissionDenied):
        services.set_wave_deadline(
            actor=world.user("norrkoping", Role.COORDINATOR), wave=wave, deadline=None
        )


def test_buffer_writes_batches_in_random_order_and_close_flushes(world: Any, settings: Any) -> None:
    settings.SURVEY_RESPONSE_BATCH = 2  # never below the wave's smallest group (5)
    wave = _wave(world)
    assert buffer.batch_size(wave) == 5
    tokens = _invite(world, wave, n=12)
    for token in tokens[:4]:
        services.submit_response(token=token, raw_answers=answer(threat="once"))
    assert Response.objects.count() == 0 and BufferedResponse.objects.count() == 4
    payloads = b"".join(bytes(b.payload) for b in BufferedResponse.objects.all())
    assert b"once" not in payloads and b"exposure" not in payloads, "encrypted at rest"
    services.submit_response(token=tokens[4], raw_answers=answer())
    assert Response.objects.count() == 5 and BufferedResponse.objects.count() == 0
    for token in tokens[5:7]:
        services.submit_response(token=token, raw_answers=answer())
    assert Response.objects.count() == 5 and BufferedResponse.objects.count() == 2
    before = set(Response.objects.values_list("pk", flat=True))
    services.close_wave(actor=_coordinator(world), wave=wave)
    assert Response.objects.count() == 7 and BufferedResponse.objects.count() == 0
    assert not before & set(Response.objects.values_list("pk", flat=True)), "fresh ids"
    assert Response.objects.filter(answers__exposure_threat="once").count() == 4


def test_buffer_payload_is_bound_to_its_wave(world: Any) -> None:
    wave = _wave(world)
    other = _wave(world, slug="annan")
    sealed = buffer._encrypt(wave, {"a": "b"}, "web")
    assert buffer._decrypt(wave, sealed) == ({"a": "b"}, "web")
    from cryptography.exceptions import InvalidTag

    with pytest.raises(InvalidTag):
        buffer._decrypt(other, sealed)


def _paper_rows(codes: list[str], **extra: Any) -> list[Row]:
    return [Row(i + 2, {**answer(threat="once"), "code": c, **extra}) for i, c in enumerate(codes)]


def test_paper_answers_consume_the_invitees_code(world: Any) -> None:
    wave = _wave(world)
    coordinator = _coordinator(world)
    _invite(world, wave, n=6)
    codes = [CODE.search(m.body).group(0) for m in mail.outbox]  # type: ignore[union-attr]
    assert len(codes) == 6
    links = [LINK.search(m.body).group(1) for m in mail.outbox]  # type: ignore[union-attr]
    assert answer_code(links[0]) == codes[0]
    # Unknown, used and repeated codes are row errors; nothing is imported.
    services.submit_response(token=links[5], raw_answers=answer())
    rows = _paper_rows([codes[0], "AAAAA-AAAAA", codes[5], codes[0].lower(), "kort"])
    with pytest.raises(TableError) as error:
        services.import_responses(actor=coordinator, wave=wave, rows=rows)
    problems = {p.row: p.message for p in error.value.problems}
    assert set(problems) == {3, 4, 5, 6}
    assert Invitee.objects.filter(responded=True).count() == 1
    # The good codes (typed in any case, O for 0) are consumed like web links.
    typed = [codes[0].lower(), codes[1].replace("0", "O"), codes[2]]
    assert services.import_responses(actor=coordinator, wave=wave, rows=_paper_rows(typed)) == 3
    assert Invitee.objects.filter(responded=True).count() == 4
    used = services.wave_for_token
    with pytest.raises(services.TokenUsed):
        used(links[0])
    # Response rates count paper answers.
    invited, responded = selectors.strata_counts(wave=wave)
    assert sum(responded.values()) == 4 and sum(invited.values()) == 6
    services.close_wave(actor=coordinator, wave=wave)
    assert Response.objects.filter(source="paper").count() == 3
    assert AuditEntry.objects.filter(details__paper_responses_imported=3).exists()


def test_paper_answers_are_refused_on_draft_and_closed_waves(world: Any) -> None:
    wave = _wave(world)
    coordinator = _coordinator(world)
    services.import_invitees(actor=coordinator, wave=wave, rows=_rows("Linköpings kommun", 2))
    code = answer_code(services.issue_link(invitee=Invitee.objects.first()).token)  # type: ignore[arg-type]
    with pytest.raises(ValidationError):
        services.import_responses(actor=coordinator, wave=wave, rows=_paper_rows([code]))
    services.open_wave(actor=coordinator, wave=wave)
    services.close_wave(actor=coordinator, wave=wave)
    with pytest.raises(ValidationError):
        services.import_responses(actor=coordinator, wave=wave, rows=_paper_rows([code]))
    assert not Invitee.objects.filter(responded=True).exists()


def test_paper_answers_upload_page(world: Any, login: Any, settings: Any, tmp_path: Any) -> None:
    from django.core.files.uploadedfile import SimpleUploadedFile

    settings.REQUIRE_2FA = False
    wave = _wave(world)
    _invite(world, wave, n=2)
    codes = [CODE.search(m.body).group(0) for m in mail.outbox]  # type: ignore[union-attr]
    keys = ["svarskod", *answer(threat="once")]
    path = tmp_path / "papper.csv"
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, delimiter=";")
        writer.writerow(keys)
        for code in codes:
            row = {"svarskod": code} | answer(threat="once")
            writer.writerow(
                [";".join(row[k]) if isinstance(row[k], list) else row[k] for k in keys]
            )
    client = login(_coordinator(world))
    assert client.get(f"/enkater/{wave.pk}/").content.decode().count("pappersenkater") == 1
    page = client.post(
        f"/enkater/{wave.pk}/pappersenkater/",
        {"file": SimpleUploadedFile("papper.csv", path.read_bytes())},
    )
    assert page.status_code == 302, page.content.decode()[:3000]
    assert Invitee.objects.filter(responded=True).count() == 2
    again = client.post(
        f"/enkater/{wave.pk}/pappersenkater/",
        {"file": SimpleUploadedFile("papper.csv", path.read_bytes())},
    )
    assert again.status_code == 200 and "import-problems" in again.content.decode()


def test_codes_are_typeable_and_normalised() -> None:
    code = answer_code("some-token")
    assert len(code) == 11 and code[5] == "-"
    assert normalise_code(code.lower().replace("-", " ")) == code.replace("-", "")
    assert normalise_code("ABC") == ""


def test_invitation_names_organisations_deadline_contact_and_data_protection(
    world: Any,
) -> None:
    wave = _wave(world)
    coordinator = _coordinator(world)
    services.update_survey_texts(
        actor=coordinator,
        organisation=world.orgs["linkoping"],
        contact="Säkerhetssamordnaren, 013-20 00 00",
        support="Stödlinjen för förtroendevalda, 020-00 00 00",
        data_protection="Linköpings kommun är personuppgiftsansvarig.",
    )
    services.set_wave_deadline(
        actor=coordinator, wave=wave, deadline=timezone.localdate() + datetime.timedelta(10)
    )
    _invite(world, wave, n=1)
    body = mail.outbox[0].body
    for expected in (
        "Linköpings kommun",
        "Norrköpings kommun",
        (timezone.localdate() + datetime.timedelta(10)).isoformat(),
        "013-20 00 00",
        "personuppgiftsansvarig",
    ):
        assert expected in body, expected
    assert CODE.search(body)
    assert "anonym" in body.lower()


def test_texts_are_edited_by_their_organisation_and_shown_after_answering(
    world: Any, client: Any, login: Any, settings: Any
) -> None:
    settings.REQUIRE_2FA = False
    wave = _wave(world)
    # A coordinator of a participant edits its own texts on the page linked from the wave.
    partner = login(world.user("norrkoping", Role.COORDINATOR))
    detail = partner.get(f"/enkater/{wave.pk}/").content.decode()
    assert f"/enkater/{wave.pk}/texter/" in detail
    org = world.orgs["norrkoping"]
    saved = partner.post(
        f"/enkater/{wave.pk}/texter/",
        {
            "form": f"texts-{org.pk}",
            f"texts-{org.pk}-contact": "Kontakt Norrköping",
            f"texts-{org.pk}-support": "Ring stödlinjen Norrköping",
            f"texts-{org.pk}-data_protection": "",
        },
    )
    assert saved.status_code == 302
    texts = SurveyTexts.objects.get(organisation=org)
    assert texts.support == "Ring stödlinjen Norrköping"
    assert any(
        "support" in (entry.details or {}).get("survey_texts", [])
        for entry in AuditEntry.objects.all()
    )
    # Only the owner sets the deadline.
    refused = partner.post(
        f"/enkater/{wave.pk}/texter/", {"form": "deadline", "deadline-deadline": "2099-01-01"}
    )
    assert refused.status_code == 200 and Wave.objects.get(pk=wave.pk).deadline is None
    with pytest.raises(PermissionDenied):
        services.update_survey_texts(
            actor=world.user("norrkoping", Role.COORDINATOR),
            organisation=world.orgs["linkoping"],
            contact="x",
            support="x",
            data_protection="x",
        )
    # A Norrköping invitee answers and sees Norrköping's support text.
    services.import_invitees(
        actor=world.user("norrkoping", Role.COORDINATOR),
        wave=wave,
        rows=_rows("Norrköpings kommun", 1),
    )
    services.open_wave(actor=_coordinator(world), wave=wave)
    mail.outbox.clear()
    services.send_invitations(
        actor=world.user("norrkoping", Role.COORDINATOR), wave=wave, base_url="http://t/"
    )
    token = LINK.search(mail.outbox[0].body).group(1)  # type: ignore[union-attr]
    done = client.post(f"/enkat/svar/{token}/", answer("norrkopings_kommun"))
    assert done.status_code == 302
    assert done["Location"] == f"/enkat/tack/?t={texts.uid}"
    assert token not in done["Location"]
    thanks = client.get(done["Location"]).content.decode()
    assert "Ring stödlinjen Norrköping" in thanks and "Kontakt Norrköping" in thanks
    assert client.get("/enkat/tack/?t=inte-ett-id").status_code == 200


def test_log_records_never_name_respondent_links(world: Any, client: Any) -> None:
    wave = _wave(world)
    tokens = _invite(world, wave, n=2)
    captured: list[logging.LogRecord] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record)

    handler = Capture(level=logging.DEBUG)
    loggers = [logging.getLogger(), logging.getLogger("django.server")]
    for logger in loggers:
        logger.addHandler(handler)
    try:
        client.get(f"/enkat/svar/{tokens[0]}/")
        client.post(f"/enkat/svar/{tokens[0]}/", answer())
        client.post(f"/enkat/svar/{tokens[0]}/", answer())  # 410: Django warns "Gone"
        client.get("/enkat/svar/okand-lank-bbbbbbbbbbbbbbbbbbbbbbbbbbbbbb/")  # 404
        # What the development server logs for each request.
        logging.getLogger("django.server").info(
            '"%s" %s %s', f"POST /enkat/svar/{tokens[1]}/ HTTP/1.1", 302, 0
        )
        logging.getLogger("django.request").warning("Not Found: /enkater/okand/")
    finally:
        for logger in loggers:
            logger.removeHandler(handler)
    messages = [r.getMessage() for r in captured]
    assert any("/enkater/okand/" in m for m in messages), "other requests are still logged"
    for message in messages:
        assert "/enkat/" not in message
        assert not any(t in message for t in tokens)


def test_demo_loader_uses_links_and_the_buffer(world: Any) -> None:
    import random

    from samverkan.demo import surveys as demo

    owner, partner = world.orgs["linkoping"], world.orgs["norrkoping"]
    coordinators = {o.name: world.user(key, Role.COORDINATOR) for key, o in world.orgs.items()}
    wave = demo._run_wave(
        coordinators=coordinators,
        owner=owner,
        partner=partner,
        slug="demo-prov",
        name="Demo",
        period=(date(2025, 1, 1), date(2025, 12, 31)),
        invitees_per_org=20,
        level=0.5,
        rng=random.Random(3),
    )
    answered = Invitee.objects.filter(wave=wave, responded=True).count()
    assert answered > 10
    assert Response.objects.filter(wave=wave).count() == answered
    assert not BufferedResponse.objects.exists() and not InviteeToken.objects.exists()


def test_printable_letters_add_links_with_codes(world: Any, login: Any, settings: Any) -> None:
    settings.REQUIRE_2FA = False
    wave = _wave(world)
    first = _invite(world, wave, n=2)
    services.submit_response(token=first[0], raw_answers=answer())
    client = login(_coordinator(world))
    assert "make-letters" in client.get(f"/enkater/{wave.pk}/brev/").content.decode()
    page = client.post(f"/enkater/{wave.pk}/brev/")
    text = page.content.decode()
    assert page.status_code == 200 and "no-store" in page["Cache-Control"]
    assert text.count('class="card letter"') == 1  # only the invitee who has not answered
    code = CODE.search(text).group(0)  # type: ignore[union-attr]
    # The earlier e-mailed link and the letter's code both work; the code is consumed.
    assert services.wave_for_token(first[1]) == wave
    services.import_responses(actor=_coordinator(world), wave=wave, rows=_paper_rows([code]))
    with pytest.raises(services.TokenUsed):
        services.wave_for_token(first[1])
    assert AuditEntry.objects.filter(details__letters=1).exists()


def test_buffer_and_used_links_hold_nothing_about_invitees_or_time() -> None:
    from django.db import models

    for model, allowed in (
        (BufferedResponse, {"id", "wave", "payload"}),
        (UsedToken, {"hash", "wave"}),
    ):
        fields = {f.name: f for f in model._meta.get_fields()}
        assert set(fields) == allowed, model
        assert not any(
            isinstance(f, (models.DateField, models.DateTimeField)) for f in fields.values()
        )
    assert isinstance(BufferedResponse._meta.pk, models.UUIDField)
