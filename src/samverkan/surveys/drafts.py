"""Answers saved on a respondent's link to finish later ("save and resume").

A draft is sealed (AES-256-GCM) with a key derived from the link's token by HKDF, and is
stored under an HMAC of the token with another purpose. The server keeps only a hash of
the token for the invitee, so it can neither read a draft nor tell whose it is without the
link itself; the lookup cannot be joined to the invitee's token hash either.

Like submissions, drafts are not audited (a time would tie the answers to the invitee),
carry no time, and never outlive the submission or the wave: they are discarded when the
answers are sent and when the wave closes. Only answers to the questionnaire's items are
kept, each bounded in length, and the whole draft is bounded in size. The part of the form
the respondent was on is sealed with the answers, so that the form opens there again.

A draft belongs to one link. When the invitee answers through another of their links (a
reminder adds links and keeps the earlier ones working), the drafts of the other links
cannot be found: the server knows those links only by their SHA-256 hashes, and whatever
would let a submission through one link find the draft of another would let the server,
which issues every link itself, tie each draft to its invitee. Such a draft cannot be
opened through the app any more (its link is used) and goes when the wave closes.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from samverkan.surveys import questionnaire as qn
from samverkan.surveys import services
from samverkan.surveys.models import ResponseDraft, Wave
from samverkan.surveys.strata import load_questionnaire

__all__ = [
    "MAX_DRAFT_BYTES",
    "Draft",
    "discard_draft",
    "discard_wave_drafts",
    "draft_lookup",
    "load_draft",
    "open_draft",
    "save_draft",
]

LOOKUP_PURPOSE = b"samverkan surveys: response draft lookup v1"
KEY_PURPOSE = b"samverkan surveys: response draft encryption key v1"
NONCE_BYTES = 12
# The shipped questionnaire's longest possible draft (every free text full) is far below.
MAX_DRAFT_BYTES = 64 * 1024
MAX_CHOICE_LENGTH = 100
# The sealed payload: {"v": 2, "answers": {...}, "part": n}. Version 1 (the answers alone)
# is still read, as part 1; no item's answer is a number, so "v" tells them apart.
FORMAT_VERSION = 2


@dataclass(frozen=True)
class Draft:
    """What a draft holds: the answers and the part of the form (1-based) the respondent
    was on when it was saved."""

    answers: dict[str, Any]
    part: int = 1


def draft_lookup(token: str) -> str:
    """The key a draft is stored under: HMAC-SHA256 of the token, for this purpose only."""
    return hmac.new(token.encode("utf-8"), LOOKUP_PURPOSE, hashlib.sha256).hexdigest()


def _cipher(token: str) -> AESGCM:
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=KEY_PURPOSE).derive(
        token.encode("utf-8")
    )
    return AESGCM(key)


def _answer_keys(questionnaire: qn.Questionnaire) -> dict[str, qn.Item]:
    keys: dict[str, qn.Item] = {}
    for item in questionnaire.items:
        if item.type is qn.ItemType.MATRIX:
            keys.update({item.matrix_key(row): item for row in item.row_ids})
        else:
            keys[item.id] = item
    return keys


def _bounded(questionnaire: qn.Questionnaire, raw: dict[str, Any]) -> dict[str, Any]:
    """The answers to the questionnaire's items only: choices as short strings (lists
    no longer than the item's options), free text cut at the questionnaire's limit."""
    kept: dict[str, Any] = {}
    for key, item in _answer_keys(questionnaire).items():
        value = raw.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            value = str(value)
        limit = qn.TEXT_MAX_LENGTH if item.type is qn.ItemType.TEXT else MAX_CHOICE_LENGTH
        if isinstance(value, str):
            if value.strip():
                kept[key] = value[:limit]
        elif isinstance(value, list | tuple):
            most = max(len(item.options), 1)
            values = [v[:limit] for v in value if isinstance(v, str) and v.strip()][:most]
            if values:
                kept[key] = values
    return kept


def save_draft(*, token: str, raw_answers: dict[str, Any], part: int = 1) -> None:
    """Seal and store the answers given so far on this link and the part of the form the
    respondent is on, replacing an earlier draft.

    Raises ``services.TokenUsed`` or ``services.SurveyClosed`` like a submission would,
    and ``ValidationError`` if the draft is too large. Saving no answers removes the draft.
    """
    wave = services.wave_for_token(token)
    questionnaire = load_questionnaire(wave.questionnaire.document)
    answers = _bounded(questionnaire, raw_answers)
    lookup = draft_lookup(token)
    if not answers:
        discard_draft(token=token)
        return
    count = max(len(questionnaire.sections), 1)
    content = {"v": FORMAT_VERSION, "answers": answers, "part": min(max(int(part), 1), count)}
    payload = json.dumps(content, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    if len(payload) > MAX_DRAFT_BYTES:
        raise ValidationError(_("The answers are too long to be saved."))
    nonce = os.urandom(NONCE_BYTES)
    sealed = nonce + _cipher(token).encrypt(nonce, payload, lookup.encode("ascii"))
    with transaction.atomic():
        ResponseDraft.objects.update_or_create(
            lookup=lookup, defaults={"wave": wave, "sealed": sealed}
        )


def load_draft(*, token: str) -> dict[str, Any] | None:
    """The answers saved on this link, or ``None`` (no draft, or one that does not open
    with this token)."""
    draft = open_draft(token=token)
    return draft.answers if draft is not None else None


def open_draft(*, token: str) -> Draft | None:
    """The draft saved on this link, or ``None`` (no draft, or one that does not open
    with this token)."""
    lookup = draft_lookup(token)
    sealed = ResponseDraft.objects.filter(lookup=lookup).values_list("sealed", flat=True).first()
    if sealed is None:
        return None
    sealed = bytes(sealed)
    try:
        payload = _cipher(token).decrypt(
            sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], lookup.encode("ascii")
        )
        content = json.loads(payload.decode("utf-8"))
    except (InvalidTag, ValueError):
        return None
    if not isinstance(content, dict):
        return None
    if not isinstance(content.get("v"), int):
        return Draft(answers=content)  # version 1: the answers alone
    answers, part = content.get("answers"), content.get("part")
    if not isinstance(answers, dict):
        return None
    return Draft(answers=answers, part=part if type(part) is int and part >= 1 else 1)


@transaction.atomic
def discard_draft(*, token: str) -> None:
    """Delete the draft saved on this link, if any (after the answers have been sent)."""
    ResponseDraft.objects.filter(lookup=draft_lookup(token)).delete()


@transaction.atomic
def discard_wave_drafts(*, wave: Wave) -> int:
    """Delete every draft of the wave (when it closes); returns how many there were."""
    deleted, _by_model = ResponseDraft.objects.filter(wave=wave).delete()
    return deleted
