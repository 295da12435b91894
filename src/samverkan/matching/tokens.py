"""Keyed identity tokens for privacy-preserving record linkage.

Each data owner turns the personnummer or samordningsnummer in its own records into a
token before anything leaves the organisation. The token is

    HMAC-SHA256(key, "YYYYMMDDNNNC")   with   key = HKDF-SHA256(secret, info=TOKEN_INFO)

written as 64 lowercase hexadecimal characters. The number is first validated and
normalised with :func:`samverkan.core.identity.parse_person_number`, so every written form
of the same number (10 or 12 digits, with or without separator, "+" for people aged 100
or more) gives the same token. Two data owners get equal tokens only if they share the
secret; the party that compares tokens must never hold it (see ``docs/matching/linking.md``).

Pure functions, standard library only, no Django.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
from datetime import date

from samverkan.core.identity import IdentityNumberError, parse_person_number
from samverkan.matching.clk import _hkdf

__all__ = [
    "MIN_SECRET_BYTES",
    "TOKEN_INFO",
    "IdentityNumberError",
    "derive_token_key",
    "hkdf_sha256",
    "identity_token",
]

#: HKDF ``info`` for identity tokens; a new token format gets a new version here.
TOKEN_INFO = b"samverkan identity token v1"

#: Shorter shared secrets are refused: a short key could be found by trying keys against a
#: known number's token.
MIN_SECRET_BYTES = 16

_HASH_LEN = hashlib.sha256().digest_size


@functools.lru_cache(maxsize=16)
def hkdf_sha256(ikm: bytes, *, info: bytes, salt: bytes = b"", length: int = _HASH_LEN) -> bytes:
    """HKDF with SHA-256 (RFC 5869): extract with ``salt`` (default: 32 zero bytes), expand.
    The same construction as the encoder's key derivation (``clk._hkdf``). Cached: a file
    is encoded with one secret, so the keys are derived once, not once per row."""
    if not 0 < length <= 255 * _HASH_LEN:
        raise ValueError("HKDF kan inte ge så många byte.")
    return _hkdf(ikm, length, "SHA256", salt or None, info)


def derive_token_key(secret: bytes) -> bytes:
    """The HMAC key used for identity tokens, derived from the shared secret."""
    if not isinstance(secret, bytes | bytearray):
        raise TypeError("Nyckeln måste vara bytes.")
    if len(secret) < MIN_SECRET_BYTES:
        raise ValueError(f"Nyckeln måste vara minst {MIN_SECRET_BYTES} byte lång.")
    return hkdf_sha256(bytes(secret), info=TOKEN_INFO)


def identity_token(raw: str, secret: bytes, *, today: date | None = None) -> str:
    """Token (64 hex characters) for a personnummer or samordningsnummer.

    Raises :class:`IdentityNumberError` (whose message never contains the number) for an
    invalid number, and :class:`ValueError` for a secret shorter than ``MIN_SECRET_BYTES``.
    ``today`` only matters for 10-digit forms, whose century depends on the date.
    """
    number = parse_person_number(raw, today=today)
    key = derive_token_key(secret)
    return hmac.new(key, number.value.encode("ascii"), hashlib.sha256).hexdigest()
