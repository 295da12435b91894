"""Synthetic Swedish person records for testing and measuring record linkage.

Nothing here describes a real person: names, addresses and identity numbers are drawn at
random from common Swedish names and Östergötland street names. Identity numbers are
valid in form (Luhn check digit, a real date) and use serial numbers 900–999 where they
can, like the demo data, to stay clear of most real numbers.

Two steps:

* :func:`make_population` builds the *true* people: households sharing a surname and an
  address (couples, parents with children whose first names may resemble the parent's),
  twins (same birth date, surname and address, different first name and number), people
  with two given names, a share with a samordningsnummer (day + 60) and a share with
  names common among people born abroad.
* :func:`make_extracts` draws two or more *register extracts* from the population: the
  first is written clean, the later ones with realistic errors (see :data:`ERROR_TYPES`
  and :data:`DEFAULT_ERROR_RATES`). A chosen share of each later extract is people who
  are also in the first one; the rest are people who are not, drawn partly from the
  households of people in the first extract (hard negatives). Every row carries its true
  entity id and the errors applied to it; :class:`GroundTruth` gives the true pairs.

:func:`write_csv` writes rows with the columns of :data:`COLUMNS` only, so the entity id
never reaches the files that are encoded. Everything is deterministic given the seed
(and, for the "+" of 10-digit numbers of people aged 100 or more, ``today``).

Pure Python (standard library), no Django. On the 2-core development machine 100,000
people take about 3 s, and 100,000 extract rows 1 to 1.5 s.
"""

from __future__ import annotations

import csv
import random
from bisect import bisect
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from itertools import accumulate
from pathlib import Path

__all__ = [
    "COLUMNS",
    "DEFAULT_ERROR_RATES",
    "ERROR_TYPES",
    "FIRST_BIRTH_YEAR",
    "LAST_BIRTH_YEAR",
    "GroundTruth",
    "Person",
    "Row",
    "luhn_check_digit",
    "make_extracts",
    "make_population",
    "person_number",
    "write_csv",
]

#: CSV columns, in this order (the order of ``schemas/person-v1.json``).
COLUMNS = (
    "personnummer",
    "fornamn",
    "efternamn",
    "fodelsedatum",
    "kon",
    "adress",
    "postnummer",
    "ort",
)

#: Birth dates lie in these years (inclusive); never in the future for any later "today".
FIRST_BIRTH_YEAR = 1921
LAST_BIRTH_YEAR = 2024

#: Error types applied to the rows of the second and later extracts, each independently
#: with its probability per row (see :data:`DEFAULT_ERROR_RATES`):
#:
#: * ``typo``: one insertion, deletion, substitution or transposition of adjacent letters
#:   in the first name, surname or address;
#: * ``name_variant``: another spelling (Karl/Carl, Lindqvist/Lindkvist, Mohammed/Mohamed)
#:   or å, ä, ö, é written without diacritics;
#: * ``given_names``: only one of two given names recorded;
#: * ``surname_change``: a new surname (marriage) or a double-barrelled one (adults only);
#: * ``moved``: another address, usually in the same town;
#: * ``address_format``: "lgh" number left out, "gatan"/"vägen" abbreviated, "12 B" as "12B";
#: * ``date_swap``: day and month of the birth date swapped (only where both are ≤ 12 and
#:   differ; the personnummer keeps the right date);
#: * ``missing_value``: birth date, sex, postcode or the whole address left empty;
#: * ``missing_pnr``: no personnummer;
#: * ``pnr_10_digit``: personnummer written YYMMDD-NNNC ("+" from the year a person turns
#:   100) instead of YYYYMMDDNNNC. Not an error for identity tokens, which normalise it.
ERROR_TYPES = (
    "typo",
    "name_variant",
    "given_names",
    "surname_change",
    "moved",
    "address_format",
    "date_swap",
    "missing_value",
    "missing_pnr",
    "pnr_10_digit",
)

#: Per-row probabilities of each error type in the second and later extracts.
DEFAULT_ERROR_RATES: Mapping[str, float] = {
    "typo": 0.10,
    "name_variant": 0.05,
    "given_names": 0.30,
    "surname_change": 0.04,
    "moved": 0.12,
    "address_format": 0.10,
    "date_swap": 0.02,
    "missing_value": 0.05,
    "missing_pnr": 0.05,
    "pnr_10_digit": 0.50,
}

# --------------------------------------------------------------------------- names
# Rough frequencies (thousands of bearers in Sweden), enough to make common names common.

_FEMALE_SV = {
    "Anna": 100, "Eva": 80, "Maria": 75, "Karin": 70, "Kristina": 60, "Lena": 55,
    "Sara": 50, "Kerstin": 45, "Emma": 45, "Ingrid": 40, "Marie": 40, "Malin": 38,
    "Jenny": 35, "Birgitta": 35, "Hanna": 35, "Linda": 35, "Annika": 33, "Inger": 33,
    "Susanne": 30, "Elin": 30, "Ulla": 30, "Monica": 28, "Johanna": 28, "Carina": 25,
    "Elisabeth": 25, "Sofia": 25, "Julia": 24, "Ida": 23, "Helena": 22, "Camilla": 22,
    "Margareta": 22, "Ann": 20, "Emelie": 20, "Linnea": 20, "Åsa": 18, "Ebba": 18,
    "Matilda": 18, "Alice": 18, "Maja": 18, "Gunilla": 18, "Elsa": 16, "Wilma": 15,
    "Astrid": 15, "Klara": 15, "Ella": 15, "Lisa": 15, "Katarina": 15, "Britt": 12,
    "Agnes": 12, "Frida": 12, "Moa": 10, "Louise": 10, "Therese": 10, "Ylva": 8,
    "Märta": 6, "Signe": 6, "Stina": 5, "Kristin": 5, "Annelie": 5, "Siv": 6,
}  # fmt: skip
_MALE_SV = {
    "Lars": 90, "Mikael": 85, "Anders": 85, "Johan": 80, "Erik": 75, "Per": 70,
    "Karl": 65, "Peter": 60, "Thomas": 55, "Jan": 55, "Daniel": 50, "Fredrik": 45,
    "Hans": 45, "Andreas": 45, "Stefan": 45, "Mats": 40, "Magnus": 40, "Bengt": 35,
    "Marcus": 35, "Mattias": 35, "Jonas": 35, "Alexander": 35, "Martin": 35, "Oskar": 30,
    "Niklas": 30, "Björn": 30, "Henrik": 30, "Nils": 28, "Leif": 28, "Gustav": 25,
    "Emil": 25, "Ulf": 25, "Göran": 25, "Håkan": 25, "Viktor": 22, "Sven": 22, "Olof": 20,
    "Axel": 20, "Carl": 20, "Kjell": 20, "Sebastian": 20, "Åke": 18, "Filip": 18,
    "Simon": 18, "Anton": 18, "William": 18, "Christer": 18, "Rolf": 15, "Bo": 15,
    "Lucas": 15, "Liam": 15, "Hugo": 15, "Elias": 15, "Oliver": 15, "Jörgen": 12,
    "Tobias": 12, "Joakim": 12, "Rasmus": 10, "Isak": 10, "Ludvig": 10, "Kent": 10,
    "Roger": 10, "Tommy": 10, "André": 5,
}  # fmt: skip
_FEMALE_OTHER = {
    "Fatima": 12, "Amina": 8, "Maryam": 8, "Aisha": 6, "Zeynep": 5, "Leila": 5, "Noor": 5,
    "Hiba": 4, "Yasmin": 5, "Hodan": 4, "Nasra": 3, "Ayan": 3, "Elif": 4, "Rana": 3,
    "Nadia": 5, "Sara": 8, "Lina": 5, "Mariam": 6, "Sabrina": 3, "Zahra": 5, "Selma": 4,
    "Dragana": 3, "Jelena": 3, "Ewa": 3, "Joanna": 3, "Thi Lan": 2,
}  # fmt: skip
_MALE_OTHER = {
    "Mohammed": 14, "Mohamed": 10, "Ali": 12, "Ahmed": 10, "Hassan": 8, "Omar": 8,
    "Yusuf": 5, "Ibrahim": 7, "Mustafa": 6, "Abdi": 5, "Hussein": 6, "Mehmet": 5,
    "Ahmad": 6, "Khalid": 4, "Karim": 4, "Adam": 6, "Amir": 5, "Milan": 3, "Nikola": 3,
    "Tomasz": 3, "Piotr": 3, "Reza": 4, "Daniel": 5, "Van Minh": 2, "Yonas": 3,
}  # fmt: skip
_SURNAME_SV = {
    "Andersson": 222, "Johansson": 221, "Karlsson": 202, "Nilsson": 150, "Eriksson": 135,
    "Larsson": 110, "Olsson": 101, "Persson": 95, "Svensson": 91, "Gustafsson": 84,
    "Pettersson": 83, "Jonsson": 64, "Jansson": 44, "Hansson": 40, "Bengtsson": 32,
    "Jönsson": 30, "Carlsson": 28, "Petersson": 27, "Lindberg": 26, "Magnusson": 24,
    "Olofsson": 24, "Lindström": 23, "Gustavsson": 23, "Lindqvist": 22, "Lindgren": 22,
    "Axelsson": 21, "Berg": 20, "Jakobsson": 20, "Bergström": 20, "Lundberg": 20,
    "Lind": 19, "Lundgren": 19, "Lundqvist": 18, "Mattsson": 18, "Berglund": 18,
    "Fredriksson": 17, "Sandberg": 17, "Henriksson": 17, "Forsberg": 16, "Sjöberg": 16,
    "Wallin": 15, "Engström": 15, "Eklund": 14, "Danielsson": 14, "Lundin": 14,
    "Håkansson": 14, "Björk": 13, "Bergman": 13, "Gunnarsson": 13, "Holm": 13,
    "Wikström": 13, "Samuelsson": 12, "Isaksson": 12, "Fransson": 12, "Bergqvist": 12,
    "Nyström": 12, "Holmberg": 12, "Arvidsson": 12, "Löfgren": 12, "Söderberg": 11,
    "Nyberg": 11, "Blomqvist": 11, "Claesson": 11, "Nordström": 11, "Mårtensson": 11,
    "Lundström": 11, "Viklund": 10, "Björklund": 10, "Eliasson": 10, "Pålsson": 10,
    "Berggren": 10, "Sandström": 10, "Lund": 10, "Nordin": 10, "Ström": 10, "Åberg": 10,
    "Falk": 9, "Ekström": 9, "Hermansson": 9, "Holmgren": 9, "Hellström": 9,
    "Dahlberg": 9, "Hedlund": 9, "Sundberg": 9, "Sjögren": 9, "Ek": 9, "Blom": 8,
    "Abrahamsson": 8, "Martinsson": 8, "Öberg": 8, "Andreasson": 8, "Strömberg": 8,
    "Månsson": 8, "Åkesson": 8, "Dahl": 8, "Lindholm": 8, "Norberg": 8, "Holmqvist": 8,
}  # fmt: skip
_SURNAME_OTHER = {
    "Ali": 16, "Mohamed": 15, "Ahmed": 11, "Hassan": 10, "Hussein": 6, "Ibrahim": 6,
    "Abdullahi": 4, "Yilmaz": 4, "Nguyen": 4, "Kaya": 3, "Khan": 4, "Omar": 5, "Abdi": 5,
    "Mahmoud": 4, "Osman": 4, "Demir": 3, "Rahimi": 3, "Hosseini": 4, "Jafari": 2,
    "Said": 3, "Nowak": 3, "Kowalski": 2, "Petrović": 2, "Jovanović": 2, "Tesfaye": 2,
}  # fmt: skip

# Related first names, per sex: children are sometimes named after a parent, and
# registers spell some names differently.
_RELATED_NAMES = (
    ("Karl", "Carl", "Kalle"),
    ("Erik", "Eric", "Erich"),
    ("Johan", "Johannes", "Jonathan"),
    ("Jon", "Jonas", "John"),
    ("Mats", "Mattias", "Matteus"),
    ("Lars", "Lasse", "Laurens"),
    ("Anders", "Andreas", "André"),
    ("Nils", "Niklas", "Nicklas"),
    ("Per", "Peter", "Petter"),
    ("Mikael", "Michael", "Mikail"),
    ("Olof", "Olle", "Ola"),
    ("Gustav", "Gustaf", "Gösta"),
    ("Kristian", "Christian", "Christer"),
    ("Alexander", "Alex", "Aleksander"),
    ("Mohammed", "Mohamed", "Muhammad"),
    ("Ahmed", "Ahmad", "Ahmet"),
    ("Hussein", "Hussain", "Husein"),
    ("Anna", "Annika", "Ann", "Annelie"),
    ("Maria", "Marie", "Mari"),
    ("Kristina", "Christina", "Kristin", "Stina"),
    ("Karin", "Katarina", "Catharina", "Karolina"),
    ("Elin", "Eline", "Elina"),
    ("Eva", "Evelina", "Ewa"),
    ("Lena", "Helena", "Elena"),
    ("Sara", "Sarah", "Sanna"),
    ("Emma", "Emmy", "Emelie"),
    ("Linnea", "Linn", "Linda"),
    ("Johanna", "Hanna", "Hannah"),
    ("Ingrid", "Inger", "Inga"),
    ("Sofia", "Sofie", "Sophia"),
    ("Fatima", "Fatma", "Fatimah"),
    ("Maryam", "Mariam", "Miriam"),
)
# Other spellings of the same name, as registers write them (first names and surnames).
_SPELLINGS = (
    ("Karl", "Carl"),
    ("Erik", "Eric"),
    ("Kristina", "Christina"),
    ("Kristian", "Christian"),
    ("Katarina", "Catharina", "Katharina"),
    ("Mikael", "Michael"),
    ("Mohammed", "Mohamed", "Muhammad", "Mohammad"),
    ("Ahmed", "Ahmad"),
    ("Hussein", "Hussain"),
    ("Yusuf", "Yousef", "Jusuf"),
    ("Sara", "Sarah"),
    ("Hanna", "Hannah"),
    ("Sofia", "Sophia"),
    ("Elisabeth", "Elisabet", "Elizabeth"),
    ("Monica", "Monika"),
    ("Carina", "Karina"),
    ("Camilla", "Kamilla"),
    ("Marcus", "Markus"),
    ("Oskar", "Oscar"),
    ("Gustav", "Gustaf"),
    ("Fredrik", "Fredric"),
    ("Mattias", "Matthias"),
    ("Tobias", "Tobbias"),
    ("Lindqvist", "Lindkvist"),
    ("Lundqvist", "Lundkvist"),
    ("Bergqvist", "Bergkvist"),
    ("Blomqvist", "Blomkvist"),
    ("Holmqvist", "Holmkvist"),
    ("Gustafsson", "Gustavsson"),
    ("Karlsson", "Carlsson"),
    ("Pettersson", "Petersson"),
    ("Jakobsson", "Jacobsson"),
    ("Claesson", "Klasson", "Classon"),
    ("Mattsson", "Matsson"),
    ("Olofsson", "Olovsson"),
    ("Jonsson", "Jonson"),
    ("Andersson", "Anderson"),
    ("Mohamed", "Mohammed", "Muhamed"),
    ("Hassan", "Hasan"),
    ("Abdullahi", "Abdulahi"),
    ("Petrović", "Petrovic"),
    ("Jovanović", "Jovanovic"),
)
_ASCII_FOLD = str.maketrans("åäöéÅÄÖÉüÜćĆ", "aaoeAAOEuUcC")

# --------------------------------------------------------------------------- places
# Towns of Östergötland: (town, weight ~ inhabitants in thousands, first and last postcode
# in the ranges used here, street names specific to the town).

_TOWNS: tuple[tuple[str, int, int, int, tuple[str, ...]], ...] = (
    ("Linköping", 165, 58220, 58937, (
        "Ågatan", "Hamngatan", "Klostergatan", "Repslagaregatan", "Ryds allé",
        "Vallavägen", "Gillbergsgatan", "Ekholmsvägen", "Lasarettsgatan", "Djurgårdsgatan",
        "Apotekaregatan", "Tanneforsgatan", "Nygårdsgatan", "Bergsvägen", "Västanågatan",
        "Hejdegatan", "Slöjdaregatan", "Kaserngatan", "Östgötagatan", "Barnhemsgatan",
    )),
    ("Norrköping", 145, 60210, 60759, (
        "Hagebygatan", "Navestadsgatan", "Skarphagsgatan", "Vasagatan", "Gamla Rådstugugatan",
        "Hospitalsgatan", "Kristinagatan", "Kvarngatan", "Sandgatan", "Slottsgatan",
        "Spelmansgatan", "Hörngatan", "Kungsgårdsgatan", "Ljuragatan", "Åbylundsgatan",
        "Gamla Övägen", "Lindövägen", "Vikboplan", "Mässingsgatan", "Saltängsgatan",
    )),
    ("Motala", 44, 59130, 59195, ("Vätterstigen", "Duvedalsvägen", "Hamnvägen", "Borensvägen")),
    ("Mjölby", 28, 59530, 59596, ("Burensköldsvägen", "Hulebäcksvägen", "Sveavägen")),
    ("Finspång", 22, 61230, 61293, ("Bruksgatan", "Höjdgatan", "Vallonvägen")),
    ("Söderköping", 15, 61430, 61493, ("Stinsgatan", "Slussvägen", "Tullgatan")),
    ("Åtvidaberg", 12, 59730, 59795, ("Grantorpsvägen", "Adelswärdsgatan")),
    ("Kisa", 10, 59040, 59049, ("Stångåvägen", "Mellangatan")),
    ("Vadstena", 8, 59230, 59294, ("Klosterbacken", "Rödgavelsgatan")),
    ("Valdemarsvik", 8, 61530, 61594, ("Gränsövägen", "Strandvägen")),
    ("Boxholm", 6, 59010, 59019, ("Bruksvägen", "Svartåvägen")),
    ("Ödeshög", 6, 59930, 59994, ("Västra vägen", "Omberg vägen")),
    ("Österbymo", 4, 57060, 57069, ("Sommenvägen", "Ydrevägen")),
)  # fmt: skip
_COMMON_STREETS = (
    "Storgatan", "Kungsgatan", "Drottninggatan", "Nygatan", "Skolgatan", "Kyrkogatan",
    "Järnvägsgatan", "Stationsgatan", "Parkgatan", "Trädgårdsgatan", "Ringvägen",
    "Björkvägen", "Ekvägen", "Tallvägen", "Granvägen", "Lindvägen", "Aspvägen", "Lönnvägen",
    "Hagvägen", "Sjövägen", "Skogsvägen", "Ängsvägen", "Vallgatan", "Östra vägen",
    "Södra vägen", "Norra vägen", "Solvägen", "Idrottsvägen", "Mejerigatan",
    "Industrigatan", "Hantverkaregatan", "Bergsgatan", "Fabriksgatan", "Torggatan",
    "Prästgatan", "Rosenvägen", "Syrénvägen", "Kastanjevägen", "Lärkvägen", "Smedjegatan",
)  # fmt: skip


@dataclass(frozen=True, slots=True)
class _Street:
    name: str
    postnummer: str
    ort: str


def _postcode(code: int) -> str:
    text = f"{code:05d}"
    return f"{text[:3]} {text[3:]}"


def _build_streets() -> tuple[list[list[_Street]], list[int]]:
    """Streets per town (each street with one postcode) and the towns' cumulative weights."""
    towns: list[list[_Street]] = []
    for town_index, (town, _weight, first, last, own) in enumerate(_TOWNS):
        names = list(own) + list(_COMMON_STREETS[: 12 + len(own)])
        span = last - first + 1
        streets = [
            _Street(name, _postcode(first + (i * 37 + town_index * 11) % span), town)
            for i, name in enumerate(names)
        ]
        towns.append(streets)
    return towns, list(accumulate(weight for _, weight, *_ in _TOWNS))


_STREETS, _TOWN_WEIGHTS = _build_streets()


# --------------------------------------------------------------------------- model


@dataclass(frozen=True, slots=True)
class Person:
    """A true entity. ``personnummer`` is the normalised 12-digit ``YYYYMMDDNNNC`` (a
    samordningsnummer has day + 60); ``fornamn`` holds all given names."""

    entity_id: int
    household_id: int
    personnummer: str
    fornamn: str
    efternamn: str
    fodelsedatum: date
    kon: str  # "K" or "M"
    adress: str
    postnummer: str
    ort: str

    @property
    def is_coordination_number(self) -> bool:
        return int(self.personnummer[6:8]) > 60

    def values(self) -> list[str]:
        """The person as a clean register row, in :data:`COLUMNS` order."""
        return [
            self.personnummer,
            self.fornamn,
            self.efternamn,
            self.fodelsedatum.isoformat(),
            self.kon,
            self.adress,
            self.postnummer,
            self.ort,
        ]


@dataclass(frozen=True, slots=True)
class Row:
    """One record of a register extract: the :data:`COLUMNS` as text (empty when missing),
    the true ``entity_id`` and the error types applied to it (empty for a clean row)."""

    personnummer: str
    fornamn: str
    efternamn: str
    fodelsedatum: str
    kon: str
    adress: str
    postnummer: str
    ort: str
    entity_id: int
    errors: tuple[str, ...] = ()

    def values(self) -> list[str]:
        """The CSV values, in :data:`COLUMNS` order (no entity id)."""
        return [
            self.personnummer,
            self.fornamn,
            self.efternamn,
            self.fodelsedatum,
            self.kon,
            self.adress,
            self.postnummer,
            self.ort,
        ]


@dataclass(frozen=True)
class GroundTruth:
    """The true entity id of every row, per extract (same order as the rows)."""

    entity_ids: tuple[tuple[int, ...], ...]

    def pairs(self, a: int = 0, b: int = 1) -> set[tuple[int, int]]:
        """Every (row in extract ``a``, row in extract ``b``) about the same person."""
        positions: dict[int, list[int]] = {}
        for index, entity in enumerate(self.entity_ids[b]):
            positions.setdefault(entity, []).append(index)
        return {
            (i, j) for i, entity in enumerate(self.entity_ids[a]) for j in positions.get(entity, ())
        }


# --------------------------------------------------------------------------- numbers


def luhn_check_digit(digits: str) -> int:
    """The check digit that makes ``digits`` + it pass the Luhn test (9 digits for a
    personnummer: YYMMDDNNN)."""
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 0:  # doubled: the digit next to the check digit, every other one
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def person_number(
    born: date,
    serial: int,
    *,
    coordination: bool = False,
    digits: int = 12,
    today: date | None = None,
) -> str:
    """A personnummer (or samordningsnummer) for ``born`` and the 3-digit ``serial``.

    ``digits=12`` gives ``YYYYMMDDNNNC``; ``digits=10`` gives ``YYMMDD-NNNC``, with "+"
    instead of "-" from the year the person turns 100 (relative to ``today``, default:
    today).
    """
    day = born.day + 60 if coordination else born.day
    body = f"{born.year % 100:02d}{born.month:02d}{day:02d}{serial:03d}"
    check = luhn_check_digit(body)
    if digits == 12:
        return f"{born.year // 100:02d}{body}{check}"
    if digits != 10:
        raise ValueError("digits must be 10 or 12")
    separator = "+" if (today or date.today()).year - born.year >= 100 else "-"
    return f"{body[:6]}{separator}{body[6:]}{check}"


# --------------------------------------------------------------------------- helpers


class _Picker:
    """Weighted choice from a dict of counts, with cumulative weights computed once."""

    def __init__(self, counts: Mapping[str, int]) -> None:
        self.items = list(counts)
        self.cumulative = list(accumulate(counts.values()))
        self.total = self.cumulative[-1]

    def pick(self, rng: random.Random) -> str:
        return self.items[bisect(self.cumulative, rng.random() * self.total)]


_FIRST = {
    ("K", False): _Picker(_FEMALE_SV),
    ("M", False): _Picker(_MALE_SV),
    ("K", True): _Picker(_FEMALE_OTHER),
    ("M", True): _Picker(_MALE_OTHER),
}
_SURNAMES = {False: _Picker(_SURNAME_SV), True: _Picker(_SURNAME_OTHER)}
_RELATED = {name: group for group in _RELATED_NAMES for name in group}
_SPELLING = {name: group for group in _SPELLINGS for name in group}


def _birth_year_picker() -> tuple[list[int], list[float]]:
    """Adults: birth years 1921–2004, flat for ages 20–75 in 2024, thinning above."""
    years = list(range(FIRST_BIRTH_YEAR, 2005))
    weights = []
    for year in years:
        age = 2024 - year
        weights.append(1.0 if age <= 75 else max(0.03, 1.0 - (age - 75) / 26))
    return years, list(accumulate(weights))


_ADULT_YEARS, _ADULT_CUMULATIVE = _birth_year_picker()


def _adult_year(rng: random.Random, low: int = FIRST_BIRTH_YEAR, high: int = 2004) -> int:
    while True:
        year = _ADULT_YEARS[bisect(_ADULT_CUMULATIVE, rng.random() * _ADULT_CUMULATIVE[-1])]
        if low <= year <= high:
            return year


def _random_date(rng: random.Random, year: int) -> date:
    start = date(year, 1, 1)
    return start + timedelta(days=rng.randrange((date(year + 1, 1, 1) - start).days))


def _address(rng: random.Random) -> tuple[str, str, str]:
    """(adress, postnummer, ort) of a random home."""
    town = bisect(_TOWN_WEIGHTS, rng.random() * _TOWN_WEIGHTS[-1])
    return _address_in(rng, town)


def _address_in(rng: random.Random, town: int) -> tuple[str, str, str]:
    street = rng.choice(_STREETS[town])
    number = str(rng.randint(1, 5) if rng.random() < 0.3 else rng.randint(1, 120))
    if rng.random() < 0.12:
        number += " " + rng.choice("ABCD")
    if rng.random() < 0.45:  # a flat
        number += f" lgh {rng.randint(10, 16)}{rng.randint(1, 8):02d}"
    return f"{street.name} {number}", street.postnummer, street.ort


class _Numbers:
    """Unique identity numbers, serials 900–999 where possible (odd ninth digit: man)."""

    def __init__(self) -> None:
        self.used: set[str] = set()

    def new(self, rng: random.Random, born: date, kon: str, coordination: bool) -> str:
        parity = 1 if kon == "M" else 0
        for attempt in range(200):
            base = 900 if attempt < 100 else 0
            span = 10 if attempt < 100 else 100
            serial = base + rng.randrange(span) * 10 + rng.randrange(5) * 2 + parity
            number = person_number(born, serial, coordination=coordination)
            if number not in self.used:
                self.used.add(number)
                return number
        raise RuntimeError("no free identity number left for this birth date")


# --------------------------------------------------------------------------- population


@dataclass
class _Builder:
    rng: random.Random
    coordination_share: float
    foreign_share: float
    two_given_names_share: float
    twin_rate: float
    namesake_rate: float
    people: list[Person] = field(default_factory=list)
    numbers: _Numbers = field(default_factory=_Numbers)

    def given_names(self, kon: str, foreign: bool) -> str:
        rng = self.rng
        picker = _FIRST[(kon, foreign and rng.random() < 0.85)]
        first = picker.pick(rng)
        if rng.random() < self.two_given_names_share:
            second = picker.pick(rng)
            if second != first:
                return f"{first} {second}"
        return first

    def namesake(self, parent: Person, kon: str, foreign: bool) -> str:
        """A first name resembling the parent's: a related name or the parent's first
        given name with another second name."""
        rng = self.rng
        parent_first = parent.fornamn.split(" ")[0]
        related = [name for name in _RELATED.get(parent_first, ()) if name != parent_first]
        if related and rng.random() < 0.7:
            return rng.choice(related)
        while True:
            second = _FIRST[(kon, foreign)].pick(rng)
            if second != parent_first and f"{parent_first} {second}" != parent.fornamn:
                return f"{parent_first} {second}"

    def add(
        self,
        household: int,
        fornamn: str,
        efternamn: str,
        born: date,
        kon: str,
        home: tuple[str, str, str],
    ) -> Person:
        coordination = self.rng.random() < self.coordination_share
        person = Person(
            entity_id=len(self.people),
            household_id=household,
            personnummer=self.numbers.new(self.rng, born, kon, coordination),
            fornamn=fornamn,
            efternamn=efternamn,
            fodelsedatum=born,
            kon=kon,
            adress=home[0],
            postnummer=home[1],
            ort=home[2],
        )
        self.people.append(person)
        return person

    def household(self, household: int) -> None:
        rng = self.rng
        home = _address(rng)
        foreign = rng.random() < self.foreign_share
        surname = _SURNAMES[foreign].pick(rng)
        kind = rng.random()
        if kind < 0.40:  # one adult
            kon = rng.choice("KM")
            born = _random_date(rng, _adult_year(rng))
            self.add(household, self.given_names(kon, foreign), surname, born, kon, home)
            return
        if kind < 0.45:  # two unrelated adults sharing a flat
            for _ in range(2):
                kon = rng.choice("KM")
                born = _random_date(rng, _adult_year(rng, 1960, 2004))
                name = _SURNAMES[foreign].pick(rng)
                self.add(household, self.given_names(kon, foreign), name, born, kon, home)
            return
        with_children = kind >= 0.72
        single_parent = kind >= 0.90
        # Adults: a couple (mostly woman and man) or a single parent.
        low, high = (1965, 2000) if with_children else (FIRST_BIRTH_YEAR, 2004)
        first_year = _adult_year(rng, low, high)
        first_kon = "K" if (single_parent and rng.random() < 0.8) else rng.choice("KM")
        adults = [
            self.add(
                household,
                self.given_names(first_kon, foreign),
                surname,
                _random_date(rng, first_year),
                first_kon,
                home,
            )
        ]
        if not single_parent:
            kon = ("M" if first_kon == "K" else "K") if rng.random() < 0.95 else first_kon
            year = min(LAST_BIRTH_YEAR - 18, max(FIRST_BIRTH_YEAR, first_year + rng.randint(-6, 6)))
            shared = rng.random()
            if shared < 0.6:
                name = surname
            elif shared < 0.9:
                name = _SURNAMES[foreign].pick(rng)
            else:
                name = f"{_SURNAMES[foreign].pick(rng)}-{surname}"
            born = _random_date(rng, year)
            adults.append(
                self.add(household, self.given_names(kon, foreign), name, born, kon, home)
            )
        if not with_children:
            return
        # Children living at home, born 1999–2024 (the first when the older adult was 20 or more).
        parent_year = min(a.fodelsedatum.year for a in adults)
        year = max(parent_year + rng.randint(20, 34), 1999 + rng.randint(0, 5))
        for _ in range(rng.choices((1, 2, 3, 4), (40, 38, 16, 6))[0]):
            if year > LAST_BIRTH_YEAR:
                break
            born = _random_date(rng, year)
            count = 2 if rng.random() < self.twin_rate else 1
            names: set[str] = set()
            for _twin in range(count):
                kon = rng.choice("KM")
                same_sex = [a for a in adults if a.kon == kon]
                if same_sex and rng.random() < self.namesake_rate:
                    name = self.namesake(rng.choice(same_sex), kon, foreign)
                else:
                    name = self.given_names(kon, foreign and rng.random() < 0.7)
                while name in names:  # twins never share a first name
                    name = self.given_names(kon, foreign)
                names.add(name)
                self.add(household, name, surname, born, kon, home)
            year += rng.randint(1, 5)


def make_population(
    size: int,
    seed: int,
    *,
    coordination_share: float = 0.03,
    foreign_share: float = 0.15,
    two_given_names_share: float = 0.35,
    twin_rate: float = 0.03,
    namesake_rate: float = 0.25,
) -> list[Person]:
    """``size`` true people in households; ``entity_id`` is the position in the list.

    ``coordination_share``: share with a samordningsnummer; ``foreign_share``: share of
    households with names common among people born abroad; ``two_given_names_share``:
    people with two given names; ``twin_rate``: share of births that are twins;
    ``namesake_rate``: chance that a child gets a name resembling a same-sex parent's.
    The last household may be cut short to give exactly ``size`` people.
    """
    if size < 0:
        raise ValueError("size must not be negative")
    builder = _Builder(
        rng=random.Random(f"samverkan-population-{seed}"),
        coordination_share=coordination_share,
        foreign_share=foreign_share,
        two_given_names_share=two_given_names_share,
        twin_rate=twin_rate,
        namesake_rate=namesake_rate,
    )
    household = 0
    while len(builder.people) < size:
        builder.household(household)
        household += 1
    return builder.people[:size]


# --------------------------------------------------------------------------- errors


_LETTERS = "abcdefghijklmnopqrstuvwxyzåäö"


def _typo(rng: random.Random, text: str) -> str:
    """One edit (insert, delete, substitute, transpose) at a letter of ``text``."""
    letters = [i for i, char in enumerate(text) if char.isalpha()]
    if not letters:
        return text
    for _ in range(10):
        i = rng.choice(letters)
        kind = rng.randrange(4)
        if kind == 0:
            new = text[:i] + rng.choice(_LETTERS) + text[i:]
        elif kind == 1 and len(letters) > 2:
            new = text[:i] + text[i + 1 :]
        elif kind == 2:
            char = rng.choice(_LETTERS)
            new = text[:i] + (char.upper() if text[i].isupper() else char) + text[i + 1 :]
        elif i + 1 < len(text) and text[i + 1].isalpha():
            new = text[:i] + text[i + 1] + text[i] + text[i + 2 :]
        else:
            continue
        if new != text:
            return new
    return text


def _respell(rng: random.Random, text: str) -> str:
    """Another spelling of one name in ``text``, or ``text`` without diacritics."""
    words = text.replace("-", " ").split(" ")
    options = [w for w in words if w in _SPELLING]
    if options and rng.random() < 0.7:
        word = rng.choice(options)
        other = rng.choice([w for w in _SPELLING[word] if w != word])
        return text.replace(word, other, 1)
    return text.translate(_ASCII_FOLD)


def _abbreviate(rng: random.Random, address: str) -> str:
    if " lgh " in address and rng.random() < 0.5:
        return address.split(" lgh ")[0]
    for long, short in (("gatan ", "g. "), ("vägen ", "v. ")):
        if long in address and rng.random() < 0.7:
            return address.replace(long, short, 1)
    parts = address.split(" ")
    for i in range(1, len(parts)):
        if len(parts[i]) == 1 and parts[i].isalpha() and parts[i - 1].isdigit():
            return " ".join([*parts[: i - 1], parts[i - 1] + parts[i], *parts[i + 1 :]])
    if " lgh " in address:
        return address.split(" lgh ")[0]
    return address


@dataclass
class _Writer:
    rng: random.Random
    rates: Mapping[str, float]
    today: date

    def clean(self, person: Person) -> dict[str, str]:
        return {
            "personnummer": person.personnummer,
            "fornamn": person.fornamn,
            "efternamn": person.efternamn,
            "fodelsedatum": person.fodelsedatum.isoformat(),
            "kon": person.kon,
            "adress": person.adress,
            "postnummer": person.postnummer,
            "ort": person.ort,
        }

    def noisy(self, person: Person) -> tuple[dict[str, str], tuple[str, ...]]:
        rng = self.rng
        values = self.clean(person)
        applied: list[str] = []

        def happens(kind: str) -> bool:
            return rng.random() < self.rates.get(kind, 0.0)

        # Life events and register practice first, small slips last.
        if happens("moved"):
            town = next(i for i, t in enumerate(_TOWNS) if t[0] == person.ort)
            if rng.random() < 0.3:
                town = bisect(_TOWN_WEIGHTS, rng.random() * _TOWN_WEIGHTS[-1])
            adress, postnummer, ort = _address_in(rng, town)
            if adress != person.adress:
                values.update(adress=adress, postnummer=postnummer, ort=ort)
                applied.append("moved")
        if happens("surname_change") and self.today.year - person.fodelsedatum.year >= 18:
            new = _SURNAMES[rng.random() < 0.15].pick(rng)
            if new != person.efternamn:
                roll = rng.random()
                if roll < 0.55:
                    values["efternamn"] = new
                elif roll < 0.8:
                    values["efternamn"] = f"{person.efternamn} {new}"
                else:
                    values["efternamn"] = f"{new}-{person.efternamn}"
                applied.append("surname_change")
        if happens("given_names") and " " in values["fornamn"]:
            names = values["fornamn"].split(" ")
            values["fornamn"] = names[0] if rng.random() < 0.75 else names[-1]
            applied.append("given_names")
        if happens("name_variant"):
            column = "fornamn" if rng.random() < 0.5 else "efternamn"
            new = _respell(rng, values[column])
            if new == values[column]:
                column = "efternamn" if column == "fornamn" else "fornamn"
                new = _respell(rng, values[column])
            if new != values[column]:
                values[column] = new
                applied.append("name_variant")
        if happens("address_format"):
            new = _abbreviate(rng, values["adress"])
            if new != values["adress"]:
                values["adress"] = new
                applied.append("address_format")
        if happens("typo"):
            roll = rng.random()
            column = "fornamn" if roll < 0.4 else "efternamn" if roll < 0.8 else "adress"
            new = _typo(rng, values[column])
            if new != values[column]:
                values[column] = new
                applied.append("typo")
        if happens("date_swap"):
            born = person.fodelsedatum
            if born.day <= 12 and born.day != born.month:
                values["fodelsedatum"] = f"{born.year:04d}-{born.day:02d}-{born.month:02d}"
                applied.append("date_swap")
        if happens("missing_value"):
            roll = rng.random()
            if roll < 0.35:
                values["fodelsedatum"] = ""
            elif roll < 0.6:
                values["kon"] = ""
            elif roll < 0.75:
                values["postnummer"] = ""
            else:
                values.update(adress="", postnummer="", ort="")
            applied.append("missing_value")
        if happens("missing_pnr"):
            values["personnummer"] = ""
            applied.append("missing_pnr")
        elif happens("pnr_10_digit"):
            number = person.personnummer
            born = person.fodelsedatum
            separator = "+" if self.today.year - born.year >= 100 else "-"
            values["personnummer"] = f"{number[2:8]}{separator}{number[8:]}"
            applied.append("pnr_10_digit")
        return values, tuple(applied)

    def row(self, person: Person, noisy: bool) -> Row:
        if noisy:
            values, applied = self.noisy(person)
        else:
            values, applied = self.clean(person), ()
        return Row(entity_id=person.entity_id, errors=applied, **values)


# --------------------------------------------------------------------------- extracts


def make_extracts(
    population: Sequence[Person],
    *,
    sizes: Sequence[int],
    overlap: float,
    seed: int,
    error_rates: Mapping[str, float] | None = None,
    household_affinity: float = 0.3,
    today: date | None = None,
) -> tuple[list[list[Row]], GroundTruth]:
    """Register extracts drawn from ``population``, and their ground truth.

    ``sizes[0]`` people are drawn for the first extract, which is written clean. Each
    later extract ``k`` holds ``round(overlap × min(sizes[0], sizes[k]))`` people of the
    first extract and ``sizes[k]`` minus that many people who are not in it; of the
    latter, a share ``household_affinity`` (as far as there are such people) lives in a
    household with someone of the first extract: parents, children, partners and twins
    of people in the first extract, the hardest non-matches. Later extracts are written
    with ``error_rates`` (default :data:`DEFAULT_ERROR_RATES`; unknown keys are refused).
    Rows are shuffled; ``today`` (default: today) only decides the "+" of 10-digit
    numbers. Raises ``ValueError`` when the population is too small.
    """
    rates = dict(DEFAULT_ERROR_RATES if error_rates is None else error_rates)
    unknown = set(rates) - set(ERROR_TYPES)
    if unknown:
        raise ValueError(f"unknown error types: {', '.join(sorted(unknown))}")
    if not sizes:
        raise ValueError("at least one extract size is needed")
    if any(size < 0 for size in sizes) or not 0 <= overlap <= 1:
        raise ValueError("sizes must not be negative and overlap must be in [0, 1]")
    rng = random.Random(f"samverkan-extracts-{seed}")
    writer = _Writer(rng=rng, rates=rates, today=today or date.today())
    n = len(population)
    if sizes[0] > n:
        raise ValueError(f"the population ({n}) is smaller than the first extract")
    order = list(range(n))
    rng.shuffle(order)
    first = order[: sizes[0]]
    outside = order[sizes[0] :]
    # People outside the first extract who share a household with someone in it.
    first_households = {population[i].household_id for i in first}
    near = [i for i in outside if population[i].household_id in first_households]
    far = [i for i in outside if population[i].household_id not in first_households]

    chosen: list[list[int]] = [first]
    for size in sizes[1:]:
        shared = round(overlap * min(sizes[0], size))
        others = size - shared
        if others > len(outside):
            raise ValueError(
                f"the population ({n}) is too small for an extract of {size} with "
                f"{shared} people in common with the first"
            )
        from_near = min(len(near), round(household_affinity * others))
        from_far = others - from_near
        if from_far > len(far):
            from_far = len(far)
            from_near = others - from_far
        picked = rng.sample(first, shared) + rng.sample(near, from_near) + rng.sample(far, from_far)
        rng.shuffle(picked)
        chosen.append(picked)

    extracts = [
        [writer.row(population[i], noisy=k > 0) for i in members]
        for k, members in enumerate(chosen)
    ]
    truth = GroundTruth(tuple(tuple(population[i].entity_id for i in c) for c in chosen))
    return extracts, truth


def write_csv(rows: Iterable[Row], path: str | Path) -> int:
    """Write ``rows`` as UTF-8 CSV with the header :data:`COLUMNS` (no entity ids or
    errors); returns the number of rows written."""
    count = 0
    with Path(path).open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(COLUMNS)
        for row in rows:
            out.writerow(row.values())
            count += 1
    return count
