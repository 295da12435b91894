"""Survey links and answer codes.

A link's token is random (256 bits), e-mailed and stored only as a SHA-256 hash. Its
answer code ("svarskod") is a short, typeable form of the same token for paper forms:
ten characters of Crockford's base-32 alphabet derived from the token, stored only as a
keyed hash (HMAC with a key derived from SECRET_KEY), since fifty bits would be quick to
try against a plain hash.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
CODE_LENGTH = 10
_CODE_CONFUSABLE = str.maketrans({"O": "0", "I": "1", "L": "1", "U": "V"})


def derive_key(purpose: str, secret: str | None = None) -> bytes:
    """A 256-bit key for one purpose, derived from SECRET_KEY by HKDF-SHA256."""
    material = (secret if secret is not None else settings.SECRET_KEY).encode("utf-8")
    return HKDF(
        algorithm=hashes.SHA256(), length=32, salt=None, info=purpose.encode("utf-8")
    ).derive(material)


@lru_cache(maxsize=4)
def _code_key(secret: str) -> bytes:
    return derive_key("samverkan surveys answer code v1", secret)


def new_token() -> tuple[str, str]:
    """A fresh token and the hash to store."""
    token = secrets.token_urlsafe(32)
    return token, token_hash(token)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def answer_code(token: str) -> str:
    """The token's answer code, grouped for reading in two groups of five (``7KQ2M-XR4PD``)."""
    digest = hashlib.sha256(b"samverkan answer code\x00" + token.encode("utf-8")).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(CODE_LENGTH):
        number, index = divmod(number, 32)
        chars.append(CODE_ALPHABET[index])
    code = "".join(chars)
    return f"{code[:5]}-{code[5:]}"


def normalise_code(code: str) -> str:
    """The code as typed (any case, spaces, dashes, O for 0, I or L for 1) in canonical
    form; empty when it cannot be a code."""
    cleaned = "".join(code.split()).replace("-", "").upper().translate(_CODE_CONFUSABLE)
    if len(cleaned) != CODE_LENGTH or any(c not in CODE_ALPHABET for c in cleaned):
        return ""
    return cleaned


def code_hash(code: str) -> str:
    """The keyed hash stored for an answer code (as typed or as issued)."""
    normal = normalise_code(code)
    return hmac.new(
        _code_key(settings.SECRET_KEY), normal.encode("ascii"), hashlib.sha256
    ).hexdigest()


def token_hashes(token: str) -> tuple[str, str]:
    """The link hash and the code hash of a token."""
    return token_hash(token), code_hash(answer_code(token))
