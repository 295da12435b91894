"""Swedish identity numbers: personnummer, samordningsnummer, organisationsnummer.

Pure functions, no Django. Numbers are validated with the Luhn check digit and
normalised; :func:`mask` is what the UI and logs may show.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

_PERSON_RE = re.compile(r"^(\d{2})?(\d{2})(\d{2})(\d{2})([-+]?)(\d{3})(\d)$")
_ORG_RE = re.compile(r"^(16)?(\d{6})-?(\d{4})$")


class IdentityNumberError(ValueError):
    """Raised with a message that never repeats the number itself."""


def luhn_checksum_ok(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


@dataclass(frozen=True)
class PersonNumber:
    """A validated personnummer or samordningsnummer, normalised to 12 digits."""

    value: str  # YYYYMMDDNNNC (samordningsnummer: day + 60)

    @property
    def is_coordination_number(self) -> bool:
        return int(self.value[6:8]) > 60

    @property
    def birth_date(self) -> date:
        day = int(self.value[6:8])
        if day > 60:
            day -= 60
        return date(int(self.value[0:4]), int(self.value[4:6]), day)

    def masked(self) -> str:
        return f"{self.value[:8]}-****"

    def __str__(self) -> str:
        return f"{self.value[:8]}-{self.value[8:]}"

    def __repr__(self) -> str:  # never show the whole number in tracebacks
        return f"PersonNumber({self.masked()})"


def parse_person_number(raw: str, *, today: date | None = None) -> PersonNumber:
    """Parse 10- or 12-digit forms with or without separator ("+" marks age 100 or more)."""
    text = re.sub(r"\s", "", raw or "")
    match = _PERSON_RE.match(text)
    if not match:
        raise IdentityNumberError("Ogiltigt format: ange ÅÅÅÅMMDD-NNNN eller ÅÅMMDD-NNNN.")
    century, yy, mm, dd, sep, serial, check = match.groups()
    if not luhn_checksum_ok(f"{yy}{mm}{dd}{serial}{check}"):
        raise IdentityNumberError("Kontrollsiffran stämmer inte.")
    today = today or date.today()
    day = int(dd)
    if day > 60:
        day -= 60
    if century is None:
        # The most recent year with these two digits that is not in the future;
        # "+" (used from the year a person turns 100) moves it back a century.
        century_year = today.year - today.year % 100 + int(yy)
        try:
            if date(century_year, int(mm), day) > today:
                century_year -= 100
        except ValueError as exc:
            raise IdentityNumberError("Datumdelen är inte ett giltigt datum.") from exc
        if sep == "+":
            century_year -= 100
    else:
        century_year = int(century + yy)
    try:
        born = date(century_year, int(mm), day)
    except ValueError as exc:
        raise IdentityNumberError("Datumdelen är inte ett giltigt datum.") from exc
    if born > today:
        raise IdentityNumberError("Födelsedatumet ligger i framtiden.")
    return PersonNumber(f"{century_year:04d}{mm}{dd}{serial}{check}")


def is_valid_person_number(raw: str) -> bool:
    try:
        parse_person_number(raw)
    except IdentityNumberError:
        return False
    return True


def parse_organisation_number(raw: str) -> str:
    """Validate an organisationsnummer; returns NNNNNN-NNNN."""
    text = re.sub(r"\s", "", raw or "")
    match = _ORG_RE.match(text)
    if not match:
        raise IdentityNumberError("Ogiltigt format: ange NNNNNN-NNNN.")
    _, first, last = match.groups()
    digits = first + last
    if int(digits[2]) < 2:
        # The third digit of an organisation number is at least 2 (personal
        # numbers, used by sole traders, are validated with parse_person_number).
        raise IdentityNumberError("Tredje siffran i ett organisationsnummer är minst 2.")
    if not luhn_checksum_ok(digits):
        raise IdentityNumberError("Kontrollsiffran stämmer inte.")
    return f"{first}-{last}"


# Candidate identity numbers inside free text, for redaction in logs.
_CANDIDATE_RE = re.compile(r"(?<!\d)(?:\d{2})?\d{6}[-+ ]?\d{4}(?!\d)")


def redact(text: str) -> str:
    """Replace anything shaped like a personnummer or samordningsnummer."""
    return _CANDIDATE_RE.sub("[personnummer]", text)
