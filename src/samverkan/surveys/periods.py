"""A wave's reference period: two dates, written out in Swedish and English.

The questionnaire's texts speak of the period through a placeholder (``{period}``) that is
filled with the wave's period, so the questions and the wave cannot disagree. The module
imports no Django: the migration that turned the old free-text periods into dates uses
:func:`parse_period` too.
"""

from __future__ import annotations

import re
from calendar import monthrange
from datetime import date, timedelta

__all__ = [
    "add_months",
    "format_period",
    "parse_period",
    "period_days",
    "period_months",
    "period_texts",
]

MONTHS: dict[str, tuple[str, ...]] = {
    "sv": (
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
LANGUAGES: tuple[str, ...] = ("sv", "en")
DASH = "\u2013"  # en dash, without spaces, between two dates
DAYS_PER_MONTH = 365.2425 / 12


def format_date(day: date, language: str) -> str:
    """``1 december 2025`` (sv) or ``1 December 2025`` (en)."""
    months = MONTHS.get(language, MONTHS["sv"])
    return f"{day.day} {months[day.month - 1]} {day.year}"


def format_period(start: date, end: date, language: str) -> str:
    """``1 december 2025–30 november 2026``; unknown languages get Swedish."""
    return f"{format_date(start, language)}{DASH}{format_date(end, language)}"


def period_texts(start: date, end: date) -> dict[str, str]:
    """The period in every language the questionnaires are written in."""
    return {language: format_period(start, end, language) for language in LANGUAGES}


def period_days(start: date, end: date) -> int:
    """The number of days in the period, both ends included."""
    return (end - start).days + 1


def period_months(start: date, end: date) -> int:
    """The period's length in whole months, rounded to the nearest (1 December 2025 to
    30 November 2026 is 12; 15 January to 14 April is 3). Waves are comparable in a trend
    only when this agrees."""
    return max(0, round(period_days(start, end) / DAYS_PER_MONTH))


def add_months(day: date, months: int) -> date:
    """The same day ``months`` later (or earlier), kept within the target month."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, monthrange(year, month + 1)[1]))


# --- Reading old free-text periods ----------------------------------------------------

_NUMBERS = {
    "en": 1,
    "ett": 1,
    "one": 1,
    "två": 2,
    "two": 2,
    "tre": 3,
    "three": 3,
    "fyra": 4,
    "four": 4,
    "fem": 5,
    "five": 5,
    "sex": 6,
    "six": 6,
    "sju": 7,
    "seven": 7,
    "åtta": 8,
    "eight": 8,
    "nio": 9,
    "nine": 9,
    "tio": 10,
    "ten": 10,
    "elva": 11,
    "eleven": 11,
    "tolv": 12,
    "twelve": 12,
    "arton": 18,
    "eighteen": 18,
    "tjugofyra": 24,
}
_MONTH_NUMBERS = {
    name.lower(): number for names in MONTHS.values() for number, name in enumerate(names, start=1)
}
_ISO = r"(\d{4})-(\d{1,2})-(\d{1,2})"
_WRITTEN = r"(\d{1,2})\s+([a-zåäö]+)\.?\s+(\d{4})"
_RANGE_SEPARATOR = r"\s*(?:[-\u2013\u2014]|--|till|to|until)\s*"
_LAST_MONTHS = re.compile(
    r"^(?:under\s+|during\s+)?(?:de|den|the)?\s*(?:senaste|sista|past|last)\s+"
    r"(\w+)\s+(?:månaderna|månader|månad|månaden|months|month)$"
)
_LAST_YEAR = re.compile(
    r"^(?:under\s+|during\s+)?(?:det\s+|the\s+)?(?:senaste|sista|past|last)\s+(?:året|year)$"
)


def _written_date(day: str, month: str, year: str) -> date | None:
    number = _MONTH_NUMBERS.get(month.lower())
    if number is None:
        return None
    try:
        return date(int(year), number, int(day))
    except ValueError:
        return None


def _iso_date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def parse_period(text: str, *, today: date) -> tuple[date, date] | None:
    """Best-effort reading of a period written as free text, as waves stored it before
    they stored dates: ``2025``, ``2025-12-01–2026-11-30``, ``1 december 2025–30 november
    2026``, or a period counted back from ``today`` such as ``de senaste tolv månaderna``
    (the months up to the day before ``today``). ``None`` when the text is not understood."""
    cleaned = " ".join(text.strip().lower().split()).rstrip(".")
    if not cleaned:
        return None
    year = re.fullmatch(r"(?:år\s+|year\s+)?(\d{4})", cleaned)
    if year:
        value = int(year.group(1))
        return date(value, 1, 1), date(value, 12, 31)
    iso = re.fullmatch(_ISO + _RANGE_SEPARATOR + _ISO, cleaned)
    if iso:
        start, end = _iso_date(*iso.groups()[:3]), _iso_date(*iso.groups()[3:])
        return (start, end) if start and end and start <= end else None
    written = re.fullmatch(_WRITTEN + _RANGE_SEPARATOR + _WRITTEN, cleaned)
    if written:
        start = _written_date(*written.groups()[:3])
        end = _written_date(*written.groups()[3:])
        return (start, end) if start and end and start <= end else None
    months: int | None = None
    last = _LAST_MONTHS.fullmatch(cleaned)
    if last:
        word = last.group(1)
        months = int(word) if word.isdigit() else _NUMBERS.get(word)
    elif _LAST_YEAR.fullmatch(cleaned):
        months = 12
    if months:
        end = today - timedelta(days=1)
        return add_months(today, -months), end
    return None
