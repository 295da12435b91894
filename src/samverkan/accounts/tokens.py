"""API token keys: random, shown once to their owner, stored only as a SHA-256 hash.

A key reads ``svk_<8 hex>_<43 url-safe characters>``. The first part (the prefix) is not
secret: it is stored in clear so that owners can tell their tokens apart and leaked keys
can be recognised; the rest carries 256 random bits, so a plain SHA-256 suffices (nothing
to brute-force, no salt or slow hash needed) and a stolen database yields no usable key.
"""

from __future__ import annotations

import hashlib
import secrets

KEY_MARK = "svk_"
# Longer input is no key; refusing it early keeps hashing cheap.
MAX_KEY_LENGTH = 100


def new_key() -> tuple[str, str, str]:
    """A fresh key, its prefix and the hash to store."""
    prefix = KEY_MARK + secrets.token_hex(4)
    key = f"{prefix}_{secrets.token_urlsafe(32)}"
    return key, prefix, key_hash(key)


def key_hash(key: str) -> str:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
