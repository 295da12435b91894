"""Save and resume: drafts sealed with the link's token, found by an HMAC of it, bounded,
never audited, and gone after the submission and when the wave closes."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import date
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from samverkan.audit.models import AuditEntry
from samverkan.core.tabular import Row
from samverkan.organisations.roles import Role
from samverkan.surveys import buffer, drafts, services
from samverkan.surveys.models import InviteeToken, Response, ResponseDraft, Wave
from samverkan.surveys.tokens import token_hash

pytestmark = pytest.mark.django_db

LINK = re.compile(r"https?://\S+/enkat/svar/(\S+)/")
PARTIAL = {
    "role": "elected",
    "municipality": "linkopings_kommun",
    "chair": "neither",
    "party": "Ett parti",
    "exposure_threat": "once",
    "perpetrator": ["resident", "unknown"],
    "consequences__hesitated": "yes",
}


def _open_wave(world: Any, settings: Any, invitees: int = 3) -> tuple[Wave, list[str]]:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    owner = world.user("linkoping", Role.COORDINATOR)
    wave = services.create_wave(
        actor=owner,
        owner=world.orgs["linkoping"],
        name="Enkät",
        slug="utkast",
        questionnaire=services.ensure_default_questionnaire(
            actor=owner, organisation=world.orgs["linkoping"]
        ),
        partners=[],
        period_start=date(2025, 1, 1),
        period_end=date(2025, 12, 31),
    )
    rows = [
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
        for i in range(invitees)
    ]
    services.import_invitees(actor=owner, wave=wave, rows=rows)
    services.open_wave(actor=owner, wave=wave)
    mail.outbox.clear()
    services.send_invitations(actor=owner, wave=wave, base_url="http://testserver/")
    return wave, [LINK.search(m.body).group(1) for m in mail.outbox]  # type: ignore[union-attr]


def complete(**overrides: Any) -> dict[str, Any]:
    raw: dict[str, Any] = {
        "role": "employee",
        "municipality": "linkopings_kommun",
        "unit_type": "administration",
        "gender": "woman",
        "age_band": "30_49",
        "worry": "slightly",
        **{
            f"exposure_{form}": "never"
            for form in (
                "threat",
                "harassment",
                "violence",
                "property",
                "bribe",
                "relatives",
                "online",
            )
        },
    }
    raw.update(overrides)
    return raw


def test_a_draft_round_trips_on_its_own_link_only(world: Any, settings: Any) -> None:
    _wave, (token, other, _third) = _open_wave(world, settings)
    audit_before = AuditEntry.objects.count()
    drafts.save_draft(token=token, raw_answers=PARTIAL)
    assert drafts.load_draft(token=token) == PARTIAL
    assert drafts.load_draft(token=other) is None
    # Saving again replaces the draft; no audit entry is written for drafts.
    drafts.save_draft(token=token, raw_answers={**PARTIAL, "role": "both"})
    assert drafts.load_draft(token=token) == {**PARTIAL, "role": "both"}
    assert ResponseDraft.objects.count() == 1
    assert AuditEntry.objects.count() == audit_before


def test_the_server_cannot_read_a_draft_or_tell_whose_it_is(world: Any, settings: Any) -> None:
    wave, (token, *_rest) = _open_wave(world, settings)
    drafts.save_draft(token=token, raw_answers=PARTIAL)
    row = ResponseDraft.objects.get()
    stored = bytes(row.sealed)
    for value in ("elected", "Ett parti", "resident", "linkopings_kommun"):
        assert value.encode() not in stored
    assert token not in row.lookup and token.encode() not in stored
    # The lookup is not the token's hash that the invitee row keeps (nor any plain hash).
    hashes = set(InviteeToken.objects.values_list("token_hash", flat=True))
    assert row.lookup not in hashes
    assert row.lookup != hashlib.sha256(token.encode()).hexdigest()
    assert {f.name for f in ResponseDraft._meta.get_fields()} == {"lookup", "wave", "sealed"}
    # Without the token the sealed bytes do not open: another token, or a tampered draft.
    ResponseDraft.objects.filter(pk=row.pk).update(sealed=stored[:-1] + bytes([stored[-1] ^ 1]))
    assert drafts.load_draft(token=token) is None
    moved_lookup = drafts.draft_lookup("someone-else")
    ResponseDraft.objects.create(lookup=moved_lookup, wave=wave, sealed=stored)
    assert drafts.load_draft(token="someone-else") is None


def test_only_the_questionnaires_answers_are_kept_and_bounded(world: Any, settings: Any) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    drafts.save_draft(
        token=token,
        raw_answers={
            "role": "elected",
            "email": "someone@example.invalid",
            "not_an_item": "x",
            "consequences__nope": "yes",
            "party": "p" * 5000,
            "perpetrator": ["x" * 500] * 100,
            "worry": "",
        },
    )
    kept = drafts.load_draft(token=token)
    assert kept is not None
    assert set(kept) == {"role", "party", "perpetrator"}
    assert len(kept["party"]) == 2000
    assert len(kept["perpetrator"]) <= 10 and all(len(v) <= 100 for v in kept["perpetrator"])
    assert len(bytes(ResponseDraft.objects.get().sealed)) < drafts.MAX_DRAFT_BYTES
    # Saving nothing removes the draft.
    drafts.save_draft(token=token, raw_answers={"worry": ""})
    assert drafts.load_draft(token=token) is None
    assert not ResponseDraft.objects.exists()


def test_a_draft_larger_than_the_bound_is_refused(
    world: Any, settings: Any, monkeypatch: Any
) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    monkeypatch.setattr(drafts, "MAX_DRAFT_BYTES", 100)
    with pytest.raises(ValidationError):
        drafts.save_draft(token=token, raw_answers={"party": "p" * 200})
    assert not ResponseDraft.objects.exists()


def test_used_unknown_and_closed_links_save_nothing(world: Any, settings: Any) -> None:
    wave, (token, other, _third) = _open_wave(world, settings)
    with pytest.raises(services.TokenInvalid):
        drafts.save_draft(token="not-a-token", raw_answers=PARTIAL)
    services.submit_response(token=other, raw_answers=complete())
    with pytest.raises(services.TokenUsed):
        drafts.save_draft(token=other, raw_answers=PARTIAL)
    services.close_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=wave)
    with pytest.raises(services.SurveyClosed):
        drafts.save_draft(token=token, raw_answers=PARTIAL)
    assert not ResponseDraft.objects.exists()


def test_drafts_are_discarded_on_submission_and_when_the_wave_closes(
    world: Any, settings: Any, client: Any
) -> None:
    wave, (first, second, third) = _open_wave(world, settings)
    for token in (first, second, third):
        drafts.save_draft(token=token, raw_answers=PARTIAL)
    assert ResponseDraft.objects.filter(wave=wave).count() == 3
    sent = client.post(f"/enkat/svar/{first}/", {**complete(), "action": "submit"})
    assert sent.status_code == 302 and sent["Location"] == "/enkat/tack/"
    assert drafts.load_draft(token=first) is None
    assert ResponseDraft.objects.filter(wave=wave).count() == 2
    services.close_wave(actor=world.user("linkoping", Role.COORDINATOR), wave=wave)
    assert not ResponseDraft.objects.filter(wave=wave).exists()
    assert drafts.load_draft(token=second) is None


def test_save_and_resume_through_the_form(world: Any, settings: Any, client: Any) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    url = f"/enkat/svar/{token}/"
    saved = client.post(
        url, {"role": "elected", "exposure_threat": "once", "action": "save", "part": "2"}
    )
    assert saved.status_code == 302 and saved["Location"] == f"{url}?sparat=1&del=2"
    page = client.get(saved["Location"]).content.decode()
    assert 'id="draft-saved"' in page
    assert re.search(r'id="role-elected" value="elected"[^>]* checked', page)
    assert re.search(r'id="exposure_threat-once" value="once"[^>]* checked', page)
    assert 'data-part="2"' in page
    again = client.get(url).content.decode()
    assert 'id="draft-restored"' in again
    # The autosave of survey.js answers without a page.
    autosaved = client.post(url, {"role": "employee", "action": "autosave"})
    assert autosaved.status_code == 204
    assert drafts.load_draft(token=token) == {"role": "employee"}
    assert Response.objects.count() == 0


def test_the_stored_response_keeps_nothing_of_the_draft(
    world: Any, settings: Any, client: Any
) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    client.post(f"/enkat/svar/{token}/", {"role": "elected", "party": "X", "action": "save"})
    client.post(f"/enkat/svar/{token}/", {**complete(), "action": "submit"})
    buffer.flush(wave=_wave)  # answers wait in the encrypted buffer until a batch is full
    stored = Response.objects.get()
    assert "party" not in stored.answers and "chair" not in stored.answers
    assert json.dumps(stored.answers).count("employee") == 1


def _form_tag(page: str) -> str:
    form = re.search(r'<form [^>]*id="survey-form"[^>]*>', page)
    assert form, page[:2000]
    return form.group(0)


def test_a_resumed_draft_opens_at_the_part_the_respondent_was_on(
    world: Any, settings: Any, client: Any
) -> None:
    _wave, (token, *_rest) = _open_wave(world, settings)
    url = f"/enkat/svar/{token}/"
    # survey.js saves when the respondent moves on to part 4 (here after the answers of
    # parts 1-3; an elected official sees part 3).
    raw = {**PARTIAL, "worry": "slightly", "exposure_threat": "never"}
    assert client.post(url, {**raw, "action": "autosave", "part": "4"}).status_code == 204
    draft = drafts.open_draft(token=token)
    assert draft is not None and draft.part == 4 and draft.answers["role"] == "elected"
    # The link opened again, in a new browser: the form is at part 4, with a way there
    # that works without JavaScript.
    client.cookies.clear()
    page = client.get(url).content.decode()
    assert 'id="draft-restored"' in page
    assert 'data-part="4"' in _form_tag(page) and "data-resume" in _form_tag(page)
    assert '<input type="hidden" name="part" value="4">' in page
    assert re.search(r'<a href="#part-4-heading" id="resume-link">Fortsätt där du slutade: ', page)
    # "Save and continue later" without JavaScript keeps the part the form was at.
    saved = client.post(url, {**raw, "action": "save", "part": "2"})
    assert saved["Location"] == f"{url}?sparat=1&del=2"
    assert 'data-part="2"' in _form_tag(client.get(url).content.decode())
    # A part beyond the questionnaire is kept within it; a hidden part moves on to the next
    # part shown (an employee does not see part 3, the elected officials' questions).
    drafts.save_draft(token=token, raw_answers=raw, part=99)
    assert drafts.open_draft(token=token).part == 4  # type: ignore[union-attr]
    drafts.save_draft(token=token, raw_answers={"role": "employee"}, part=3)
    assert 'data-part="4"' in _form_tag(client.get(url).content.decode())
    # Part 1 needs no way back to it.
    drafts.save_draft(token=token, raw_answers=raw, part=1)
    page = client.get(url).content.decode()
    assert 'id="draft-restored"' in page and 'id="resume-link"' not in page
    assert "data-resume" not in page


def test_a_draft_saved_before_parts_were_kept_still_opens(world: Any, settings: Any) -> None:
    """Drafts sealed before the part was stored hold the answers alone."""
    _wave, (token, *_rest) = _open_wave(world, settings)
    drafts.save_draft(token=token, raw_answers=PARTIAL, part=3)
    lookup = drafts.draft_lookup(token)
    payload = json.dumps(PARTIAL).encode("utf-8")
    nonce = b"\0" * drafts.NONCE_BYTES
    sealed = nonce + drafts._cipher(token).encrypt(nonce, payload, lookup.encode("ascii"))
    ResponseDraft.objects.filter(lookup=lookup).update(sealed=sealed)
    assert drafts.open_draft(token=token) == drafts.Draft(answers=PARTIAL, part=1)
    assert drafts.load_draft(token=token) == PARTIAL


def test_a_draft_on_an_earlier_link_goes_with_the_link_and_the_close(
    world: Any, settings: Any, client: Any
) -> None:
    """A reminder adds a link. Answering through it retires the earlier link, so the draft
    saved there can no longer be opened (its sealed row cannot be told from others without
    that link, and is deleted when the wave closes)."""
    wave, (first, *_rest) = _open_wave(world, settings)
    client.post(f"/enkat/svar/{first}/", {**PARTIAL, "action": "save", "part": "3"})
    mail.outbox.clear()
    owner = world.user("linkoping", Role.COORDINATOR)
    services.send_invitations(actor=owner, wave=wave, base_url="http://testserver/", reminders=True)
    invitee = InviteeToken.objects.get(token_hash=token_hash(first)).invitee
    reminder = next(m for m in mail.outbox if m.to == [invitee.email])
    assert (
        "continue there" in reminder.body or "tidigare meddelande kan du fortsätta" in reminder.body
    )
    later = LINK.search(reminder.body).group(1)  # type: ignore[union-attr]
    # The new link knows nothing of the draft; answering through it works.
    assert 'id="draft-restored"' not in client.get(f"/enkat/svar/{later}/").content.decode()
    assert (
        client.post(f"/enkat/svar/{later}/", {**complete(), "action": "submit"}).status_code == 302
    )
    # The earlier link is used up: no form, no saved answers, nothing to save to.
    used = client.get(f"/enkat/svar/{first}/")
    assert used.status_code == 410 and "Ett parti" not in used.content.decode()
    assert client.post(f"/enkat/svar/{first}/", {**PARTIAL, "action": "save"}).status_code == 410
    with pytest.raises(services.TokenUsed):
        drafts.save_draft(token=first, raw_answers=PARTIAL)
    services.close_wave(actor=owner, wave=wave)
    assert not ResponseDraft.objects.filter(wave=wave).exists()
