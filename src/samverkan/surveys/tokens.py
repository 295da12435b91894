"""One-time survey tokens: random, sent by e-mail, stored only as a SHA-256 hash."""

from __future__ import annotations

import hashlib
import secrets


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def unusable_hash() -> str:
    """A placeholder for invitees not yet invited: no token hashes to it."""
    return "x" + secrets.token_hex(31) + "0"
