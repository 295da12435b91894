"""The linkage attack on storage: submit a few hundred responses in a known order, close
the wave, and try to recover the order from what is stored (row order, primary keys,
PostgreSQL's transaction ids and physical positions, the used-link table) and from the
log records written while answering. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import logging
import random
from typing import Any

from django.core import mail
from django.db import connection
from scipy.stats import spearmanr
from test_waves import LINK, _rows, _wave, answer

from samverkan.organisations.roles import Role
from samverkan.surveys import buffer, services
from samverkan.surveys.models import BufferedResponse, InviteeToken, Response, UsedToken
from samverkan.surveys.tokens import token_hash

N = 240
SEED = 20261203
EXPOSURE = (
    "exposure_threat",
    "exposure_harassment",
    "exposure_violence",
    "exposure_property",
    "exposure_bribe",
    "exposure_relatives",
    "exposure_online",
)
LEVELS = ("never", "once", "few_times", "often")


def encode(index: int) -> dict[str, Any]:
    """Answers that carry the submission index in the exposure items (base 4)."""
    raw = answer(threat="once")
    for item in EXPOSURE:
        index, digit = divmod(index, 4)
        raw[item] = LEVELS[digit]
    return raw


def decode(answers: dict[str, Any]) -> int:
    index = 0
    for item in reversed(EXPOSURE):
        index = index * 4 + LEVELS.index(answers[item])
    return index


def _not_ordered(positions: list[int], label: str) -> None:
    """``positions`` lists submission indexes in storage order: no rank correlation."""
    assert sorted(positions) == list(range(len(positions))), label
    rho, p_value = spearmanr(range(len(positions)), positions)
    assert p_value > 0.01 and abs(rho) < 0.2, f"{label}: rho {rho:.3f}, p {p_value:.4f}"


def _ordered_by(sql: str, params: list[Any]) -> list[Any]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [row[0] for row in cursor.fetchall()]


def test_submission_order_is_not_recoverable_after_close(
    transactional_db: Any, world: Any, settings: Any, client: Any, monkeypatch: Any
) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.SURVEY_RESPONSE_BATCH = 25
    monkeypatch.setattr(buffer, "RNG", random.Random(SEED))
    cleaned: list[bool] = []
    original_cleanup = buffer.remove_old_versions

    def cleanup() -> None:
        cleaned.append(connection.in_atomic_block)
        original_cleanup()

    monkeypatch.setattr(buffer, "remove_old_versions", cleanup)
    coordinator = world.user("linkoping", Role.COORDINATOR)
    wave = _wave(world)
    services.import_invitees(actor=coordinator, wave=wave, rows=_rows("Linköpings kommun", N))
    services.open_wave(actor=coordinator, wave=wave)
    mail.outbox.clear()
    services.send_invitations(actor=coordinator, wave=wave, base_url="http://testserver/")
    tokens = [LINK.search(m.body).group(1) for m in mail.outbox]  # type: ignore[union-attr]
    random.Random(SEED + 1).shuffle(tokens)
    submitted_hash = {token_hash(t): i for i, t in enumerate(tokens)}

    captured: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            captured.append(record.getMessage())

    handler = Capture(level=logging.DEBUG)
    watched = [logging.getLogger(), logging.getLogger("django.server")]
    for logger in watched:
        logger.addHandler(handler)
    try:
        for index, token in enumerate(tokens):
            response = client.post(f"/enkat/svar/{token}/", encode(index))
            assert response.status_code == 302, index
        assert client.post(f"/enkat/svar/{tokens[0]}/", encode(0)).status_code == 410
    finally:
        for logger in watched:
            logger.removeHandler(handler)
    for message in captured:
        assert "/enkat/" not in message and not any(t in message for t in tokens), message

    # Batches were written while the wave was open.
    assert Response.objects.filter(wave=wave).count() == N - N % 25
    services.close_wave(actor=coordinator, wave=wave)
    assert cleaned == [False], "old row versions are removed after commit"
    assert not BufferedResponse.objects.exists() and not InviteeToken.objects.exists()

    key = wave.pk.hex if connection.vendor == "sqlite" else str(wave.pk)
    answers_by_pk = _ordered_by(
        "SELECT answers FROM surveys_response WHERE wave_id = %s ORDER BY id", [key]
    )
    _not_ordered([decode(_json(a)) for a in answers_by_pk], "primary-key order")
    if connection.vendor == "sqlite":
        physical = "rowid"
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete")
            assert cursor.fetchone()[0] == 1
    else:
        physical = "ctid"
        for table in ("surveys_response", "surveys_usedtoken"):
            xmins = _ordered_by(
                f"SELECT DISTINCT xmin::text FROM {table} WHERE wave_id = %s",  # noqa: S608
                [key],
            )
            assert len(xmins) == 1, table
    stored = _ordered_by(
        f"SELECT answers FROM surveys_response WHERE wave_id = %s ORDER BY {physical}",  # noqa: S608
        [key],
    )
    _not_ordered([decode(_json(a)) for a in stored], f"{physical} order")
    # The used-link hashes (with the wave only) do not keep the order of use either.
    for order in ("hash", physical):
        hashes = _ordered_by(
            f"SELECT hash FROM surveys_usedtoken WHERE wave_id = %s ORDER BY {order}",  # noqa: S608
            [key],
        )
        _not_ordered([submitted_hash[h] for h in hashes if h in submitted_hash], order)
    assert UsedToken.objects.filter(wave=wave).count() == 2 * N


def _json(value: Any) -> dict[str, Any]:
    import json

    return value if isinstance(value, dict) else json.loads(value)
