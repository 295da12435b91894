"""Identity numbers: validation, normalisation and redaction (property-based)."""

from __future__ import annotations

import logging
from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from samverkan.core.identity import (
    IdentityNumberError,
    luhn_checksum_ok,
    parse_organisation_number,
    parse_person_number,
    redact,
)
from samverkan.core.logging import RedactIdentityNumbers

TODAY = date(2026, 11, 27)


def with_check_digit(body9: str) -> str:
    return next(body9 + str(d) for d in range(10) if luhn_checksum_ok(body9 + str(d)))


births = st.dates(min_value=date(1900, 1, 1), max_value=TODAY)
serials = st.integers(min_value=0, max_value=999).map(lambda n: f"{n:03d}")


@given(born=births, serial=serials, coordination=st.booleans())
def test_all_written_forms_normalise_to_the_same_number(
    born: date, serial: str, coordination: bool
) -> None:
    day = born.day + (60 if coordination else 0)
    ten = with_check_digit(f"{born:%y%m}{day:02d}{serial}")
    twelve = f"{born.year}{ten[2:]}"
    expected = parse_person_number(twelve, today=TODAY)
    assert expected.value == twelve
    assert expected.is_coordination_number is coordination
    assert expected.birth_date == born
    assert parse_person_number(f"{twelve[:8]}-{twelve[8:]}", today=TODAY) == expected
    if TODAY.year - born.year < 100 or (
        TODAY.year - born.year == 100 and born > TODAY.replace(year=born.year)
    ):
        assert parse_person_number(f"{ten[:6]}-{ten[6:]}", today=TODAY) == expected
    else:
        assert parse_person_number(f"{ten[:6]}+{ten[6:]}", today=TODAY) == expected


@given(born=births, serial=serials, wrong=st.integers(min_value=1, max_value=9))
def test_a_wrong_check_digit_is_always_rejected(born: date, serial: str, wrong: int) -> None:
    good = with_check_digit(f"{born:%y%m%d}{serial}")
    bad = good[:-1] + str((int(good[-1]) + wrong) % 10)
    with pytest.raises(IdentityNumberError):
        parse_person_number(f"{born.year}{bad[2:]}", today=TODAY)


@given(st.text(max_size=30))
def test_arbitrary_text_never_crashes_and_errors_never_echo_it(text: str) -> None:
    try:
        parse_person_number(text, today=TODAY)
    except IdentityNumberError as error:
        digits = "".join(ch for ch in text if ch.isdigit())
        assert len(digits) < 6 or digits not in str(error)


def test_known_examples() -> None:
    assert str(parse_person_number("811218-9876", today=TODAY)) == "19811218-9876"
    assert parse_person_number("19811218-9876").masked() == "19811218-****"
    with pytest.raises(IdentityNumberError):
        parse_person_number("19811318-9876")  # month 13
    with pytest.raises(IdentityNumberError):
        parse_person_number((TODAY + timedelta(days=400)).strftime("%Y%m%d") + "0000")
    assert parse_organisation_number("556036-0793") == "556036-0793"
    assert parse_organisation_number("165560360793") == "556036-0793"
    with pytest.raises(IdentityNumberError):
        parse_organisation_number("556036-0794")


@given(born=births, serial=serials)
def test_logs_never_contain_identity_numbers(born: date, serial: str) -> None:
    number = f"{born.year}{with_check_digit(f'{born:%y%m%d}{serial}')[2:]}"
    record = logging.LogRecord(
        "x",
        logging.INFO,
        __file__,
        1,
        "Sökte %s och %s",
        (number, number[2:8] + "-" + number[8:]),
        None,
    )
    RedactIdentityNumbers().filter(record)
    message = record.getMessage()
    assert number not in message and number[2:] not in message
    assert "[personnummer]" in redact(f"pnr {number[:8]}-{number[8:]}")
