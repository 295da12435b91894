"""The response buffer: how a submission reaches ``Response`` without its storage order,
id, transaction id or page position following the order of submissions.

- A submission is stored encrypted (AES-GCM with a random nonce; the key is derived from
  SECRET_KEY by HKDF with its own purpose string) in ``BufferedResponse``. AES-GCM rather
  than Fernet, since a Fernet token carries its creation time in clear.
- When a wave's buffer holds a batch (``SURVEY_RESPONSE_BATCH``, never fewer than the
  wave's smallest group shown), the transaction that filled it writes the whole batch to
  ``Response`` in random order with random ids and deletes the buffered rows.
- Closing a wave writes the rest and rewrites all the wave's responses (and its used-link
  hashes) in random order with fresh ids, in the closing transaction. After commit the old
  row versions are removed: ``VACUUM FULL`` of these tables and of the invitee and link tables on
  PostgreSQL; on SQLite the deletes ran with
  ``secure_delete`` on and the write-ahead log is checkpointed and truncated.

Every function here runs inside the caller's transaction, with the wave row locked.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
import uuid
from typing import Any

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.db import connection, transaction

from samverkan.surveys.models import (
    BufferedResponse,
    Invitee,
    InviteeToken,
    Response,
    UsedToken,
    Wave,
)
from samverkan.surveys.tokens import derive_key

logger = logging.getLogger(__name__)

PURPOSE = "samverkan surveys response buffer v1"
# The shuffles use the operating system's randomness; tests may replace it with a seeded
# generator to make an ordering test repeatable.
RNG: random.Random = random.SystemRandom()


def batch_size(wave: Wave) -> int:
    configured = int(settings.SURVEY_RESPONSE_BATCH)
    return max(configured, wave.min_cell_size, 1)


def _cipher() -> AESGCM:
    return AESGCM(derive_key(PURPOSE))


def _encrypt(wave: Wave, answers: dict[str, Any], source: str) -> bytes:
    nonce = os.urandom(12)
    plain = json.dumps({"answers": answers, "source": source}, ensure_ascii=False).encode()
    return nonce + _cipher().encrypt(nonce, plain, str(wave.pk).encode())


def _decrypt(wave: Wave, payload: bytes | memoryview) -> tuple[dict[str, Any], str]:
    data = bytes(payload)
    plain = _cipher().decrypt(data[:12], data[12:], str(wave.pk).encode())
    content = json.loads(plain)
    return content["answers"], content["source"]


def secure_delete() -> None:
    """On SQLite, make deletes overwrite the deleted content (per connection)."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA secure_delete = ON")


def add(*, wave: Wave, answers: dict[str, Any], source: str) -> None:
    """Hold one response; write a batch when the buffer is full."""
    BufferedResponse.objects.create(wave=wave, payload=_encrypt(wave, answers, source))
    if BufferedResponse.objects.filter(wave=wave).count() >= batch_size(wave):
        flush(wave=wave)


def flush(*, wave: Wave) -> int:
    """Write every buffered response of the wave to ``Response`` in random order."""
    buffered = list(BufferedResponse.objects.filter(wave=wave))
    if not buffered:
        return 0
    rows = [_decrypt(wave, b.payload) for b in buffered]
    RNG.shuffle(rows)
    secure_delete()
    BufferedResponse.objects.filter(pk__in=[b.pk for b in buffered]).delete()
    Response.objects.bulk_create(
        [Response(id=_new_id(), wave=wave, answers=a, source=s) for a, s in rows],
        batch_size=1000,
    )
    return len(rows)


def _new_id() -> uuid.UUID:
    return uuid.UUID(int=RNG.getrandbits(128), version=4)


def rewrite(*, wave: Wave) -> int:
    """Write the rest of the buffer, then rewrite the wave's responses and used-link
    hashes in random order with fresh ids; schedule removal of the old row versions."""
    flush(wave=wave)
    rows = list(Response.objects.filter(wave=wave).values_list("answers", "source"))
    RNG.shuffle(rows)
    secure_delete()
    Response.objects.filter(wave=wave).delete()
    Response.objects.bulk_create(
        [Response(id=_new_id(), wave=wave, answers=a, source=s) for a, s in rows],
        batch_size=1000,
    )
    hashes = list(UsedToken.objects.filter(wave=wave).values_list("hash", flat=True))
    RNG.shuffle(hashes)
    UsedToken.objects.filter(wave=wave).delete()
    UsedToken.objects.bulk_create([UsedToken(hash=h, wave=wave) for h in hashes], batch_size=1000)
    transaction.on_commit(remove_old_versions)
    return len(rows)


# The response, buffer and used-link tables, and those whose old row versions carry the
# transaction ids of submissions (invitees marked answered, deleted links).
TABLES = (
    Response._meta.db_table,
    BufferedResponse._meta.db_table,
    UsedToken._meta.db_table,
    InviteeToken._meta.db_table,
    Invitee._meta.db_table,
)


def remove_old_versions() -> None:
    """Outside any transaction: drop the dead row versions that still carry submission
    order (PostgreSQL), or the write-ahead log frames that hold pre-delete pages (SQLite).
    Skipped inside an enclosing transaction (as in tests that run in one)."""
    if connection.in_atomic_block:
        return
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            for table in TABLES:
                cursor.execute(f'VACUUM FULL "{table}"')
        elif connection.vendor == "sqlite":
            # A reader on another connection can hold the checkpoint back (it then
            # reports busy): try again for a while before giving up with a warning.
            for _ in range(100):
                cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)")
                row = cursor.fetchone()
                if row is None or not row[0]:
                    break
                time.sleep(0.05)
            else:
                logger.warning("survey close: the write-ahead log could not be truncated")
