"""Identity tokens: keyed, stable across written forms, never revealing the number."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from samverkan.core.identity import IdentityNumberError, luhn_checksum_ok
from samverkan.matching.tokens import (
    MIN_SECRET_BYTES,
    TOKEN_INFO,
    hkdf_sha256,
    identity_token,
)

TODAY = date(2026, 11, 27)
SECRET = b"samverkan-test-secret-0001"

births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
serials = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")
secrets = st.binary(min_size=MIN_SECRET_BYTES, max_size=64)


def twelve_digits(born: date, serial: str, coordination: bool) -> str:
    """A valid normalised number (YYYYMMDDNNNC) for this birth date and serial."""
    day = born.day + (60 if coordination else 0)
    body = f"{born:%y%m}{day:02d}{serial}"
    check = next(d for d in "0123456789" if luhn_checksum_ok(body + d))
    return f"{born.year}{body[2:]}{check}"


def ten_digit_separator(born: date) -> str:
    """'-' or '+': the separator that makes the 10-digit form mean this birth date today."""
    year = TODAY.year - TODAY.year % 100 + born.year % 100
    if date(year, born.month, born.day) > TODAY:
        year -= 100
    return "-" if year == born.year else "+"


def written_forms(twelve: str, born: date) -> list[str]:
    ten = twelve[2:]
    sep = ten_digit_separator(born)
    forms = [
        twelve,
        f"{twelve[:8]}-{twelve[8:]}",
        f"{twelve[:8]} {twelve[8:]}",
        f"  {twelve[:8]}-{twelve[8:]}\n",
        f"{ten[:6]}{sep}{ten[6:]}",
    ]
    if sep == "-":
        forms.append(ten)  # no separator means "under 100"
    return forms


numbers = st.builds(
    lambda born, serial, coordination: (born, twelve_digits(born, serial, coordination)),
    births,
    serials,
    st.booleans(),
)


@given(number=numbers)
def test_all_written_forms_give_the_same_token(number: tuple[date, str]) -> None:
    born, twelve = number
    tokens = {identity_token(form, SECRET, today=TODAY) for form in written_forms(twelve, born)}
    assert len(tokens) == 1


@given(number=numbers, secret=secrets)
def test_token_is_hmac_sha256_of_the_normalised_number_in_hex(
    number: tuple[date, str], secret: bytes
) -> None:
    _, twelve = number
    token = identity_token(twelve, secret, today=TODAY)
    key = hkdf_sha256(secret, info=TOKEN_INFO)
    assert token == hmac.new(key, twelve.encode(), hashlib.sha256).hexdigest()
    assert len(token) == 64
    assert set(token) <= set("0123456789abcdef")


@given(number=numbers, first=secrets, second=secrets)
def test_different_secrets_give_different_tokens(
    number: tuple[date, str], first: bytes, second: bytes
) -> None:
    assume(first != second)
    _, twelve = number
    assert identity_token(twelve, first, today=TODAY) != identity_token(twelve, second, today=TODAY)


@given(first=numbers, second=numbers)
def test_different_numbers_give_different_tokens(
    first: tuple[date, str], second: tuple[date, str]
) -> None:
    assume(first[1] != second[1])
    assert identity_token(first[1], SECRET, today=TODAY) != identity_token(
        second[1], SECRET, today=TODAY
    )


@given(number=numbers, secret=secrets)
def test_token_never_contains_the_number(number: tuple[date, str], secret: bytes) -> None:
    born, twelve = number
    for form in written_forms(twelve, born):
        token = identity_token(form, secret, today=TODAY)
        # 8 digits or more: the birth date (or coordination date), the 10- and 12-digit forms.
        for fragment in (twelve, twelve[2:], twelve[:8], twelve[2:8] + twelve[8:]):
            assert fragment not in token


@given(number=numbers, wrong=st.integers(min_value=1, max_value=9))
def test_invalid_check_digit_always_raises_without_repeating_the_number(
    number: tuple[date, str], wrong: int
) -> None:
    born, twelve = number
    bad_check = str((int(twelve[-1]) + wrong) % 10)
    bad = twelve[:-1] + bad_check
    for form in written_forms(bad, born):
        with pytest.raises(IdentityNumberError) as caught:
            identity_token(form, SECRET, today=TODAY)
        message = str(caught.value)
        assert bad[2:8] not in message
        assert bad[8:] not in message


@pytest.mark.parametrize(
    "raw",
    ["", "abc", "19121212-121", "20991212-1212", "19121332-1212", "1912121212123"],
)
def test_malformed_numbers_raise(raw: str) -> None:
    with pytest.raises(IdentityNumberError):
        identity_token(raw, SECRET, today=TODAY)


def test_short_secret_is_refused() -> None:
    with pytest.raises(ValueError, match="minst"):
        identity_token("19121212-1212", b"x" * (MIN_SECRET_BYTES - 1))
    with pytest.raises(TypeError):
        identity_token("19121212-1212", "a string secret" * 2)  # type: ignore[arg-type]


def test_known_token_is_stable() -> None:
    """Tokens from different versions must match: any change here breaks linkage."""
    token = identity_token("19121212-1212", SECRET)
    assert token == "bd7019832d31decd2f830a7f623e0726b0d8f5e6aeb1252906598ff7a162249d"
    assert identity_token("121212+1212", SECRET, today=TODAY) == token


def test_hkdf_matches_rfc_5869() -> None:
    ikm = bytes([0x0B]) * 22
    case_1 = hkdf_sha256(ikm, salt=bytes(range(13)), info=bytes(range(0xF0, 0xFA)), length=42)
    assert case_1.hex() == (
        "3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865"
    )
    case_3 = hkdf_sha256(ikm, info=b"", length=42)
    assert case_3.hex() == (
        "8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8"
    )
    with pytest.raises(ValueError):
        hkdf_sha256(ikm, info=b"", length=255 * 32 + 1)
