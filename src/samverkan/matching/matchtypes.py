"""Match types of the welfare-fraud matching, as configuration.

A match type says which two kinds of dataset are compared, how records match (an exact
identity token, a CLK similarity threshold, or both), which extra conditions must hold
(overlapping periods, different organisations, different or the same municipality), its
priority and which side receives the result. The catalogue also names the score bands
organisations see instead of scores, and the legal bases that may be recorded when
information about a match is exchanged.

The catalogue is a YAML document (format: ``docs/matching/match-types.md``; default:
``match_types.yaml`` next to this module). :func:`parse_catalogue` validates the whole
document and raises :class:`CatalogueError` listing every problem in Swedish, each naming
its place, e.g. ``match_types[2] (dubbla_hyreskontrakt).datasets[1]: okänd datamängdstyp
"hyresgast"``. Positions count from 1.

Pure: no Django imports.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from typing import Any

from samverkan.core import yaml12
from samverkan.core.yaml12 import Label
from samverkan.core.yaml12 import describe_kind as _kind
from samverkan.core.yaml12 import shorten as _short

__all__ = [
    "DEFAULT_RESOURCE",
    "Band",
    "Catalogue",
    "CatalogueError",
    "Conditions",
    "DatasetType",
    "Label",
    "LegalBasis",
    "MatchType",
    "Recipient",
    "load_default",
    "parse_catalogue",
    "parse_mapping",
]

DEFAULT_RESOURCE = "match_types.yaml"
LABEL_MAX = 200
DESCRIPTION_MAX = 2000
_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,49}", re.ASCII)


class DatasetType(StrEnum):
    """The declared kind of an uploaded dataset."""

    TENANTS = "hyresgaster"
    BENEFITS = "ekonomiskt_bistand"
    HOUSING_QUEUE = "bostadsko"
    EMPLOYEES = "anstallda"
    DECEASED = "avlidna"
    OTHER = "ovrigt"


class Recipient(StrEnum):
    FIRST = "first"
    SECOND = "second"


@dataclass(frozen=True)
class Band:
    """A score band. ``token`` bands take pairs matched on the identity token; the others
    take CLK pairs whose score is at least ``min_score`` (the first band that fits)."""

    key: str
    label: Label
    min_score: float
    token: bool = False


@dataclass(frozen=True)
class LegalBasis:
    key: str
    label: Label


@dataclass(frozen=True)
class Conditions:
    overlapping_periods: bool = True
    different_organisations: bool = False
    different_municipalities: bool = False
    same_municipality: bool = False


@dataclass(frozen=True)
class MatchType:
    key: str
    label: Label
    description: Label
    first: DatasetType
    second: DatasetType
    token: bool
    clk_threshold: float | None
    conditions: Conditions
    priority: int
    recipients: frozenset[Recipient]

    @property
    def same_types(self) -> bool:
        return self.first == self.second


@dataclass(frozen=True)
class Catalogue:
    bands: tuple[Band, ...]
    legal_bases: tuple[LegalBasis, ...]
    match_types: tuple[MatchType, ...]

    def match_type(self, key: str) -> MatchType | None:
        return next((m for m in self.match_types if m.key == key), None)

    def legal_basis(self, key: str) -> LegalBasis | None:
        return next((b for b in self.legal_bases if b.key == key), None)

    def band(self, key: str) -> Band | None:
        return next((b for b in self.bands if b.key == key), None)

    def band_for(self, *, score: float, token: bool) -> Band:
        """The band of a pair: the token band for token matches, else the first band whose
        ``min_score`` the score reaches."""
        if token:
            for band in self.bands:
                if band.token:
                    return band
        for band in self.bands:
            if not band.token and score >= band.min_score:
                return band
        return self.bands[-1]


class CatalogueError(ValueError):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


_TOP_KEYS = {"bands", "legal_bases", "match_types"}
_BAND_KEYS = {"key", "label", "min_score", "token"}
_BASIS_KEYS = {"key", "label"}
_TYPE_KEYS = {
    "key",
    "label",
    "description",
    "datasets",
    "method",
    "conditions",
    "priority",
    "recipients",
}
_METHOD_KEYS = {"token", "clk_threshold"}
_CONDITION_KEYS = {
    "overlapping_periods",
    "different_organisations",
    "different_municipalities",
    "same_municipality",
}


class _Parser:
    def __init__(self) -> None:
        self.errors: list[str] = []

    def error(self, path: str, text: str) -> None:
        self.errors.append(f"{path}: {text}" if path else text)

    def mapping(self, path: str, what: str, raw: object, allowed: set[str]) -> bool:
        if not isinstance(raw, Mapping):
            self.error(path, f"{what} ska vara en mappning, inte {_kind(raw)}")
            return False
        for key in raw:
            if key not in allowed:
                known = ", ".join(sorted(allowed))
                self.error(path, f'okänd nyckel "{_short(key)}" (tillåtna: {known})')
        return True

    def items(self, path: str, raw: Mapping[Any, Any], key: str) -> list[Any]:
        value = raw.get(key)
        if not isinstance(value, list) or not value:
            self.error(path, f'"{key}" ska vara en lista med minst ett värde')
            return []
        return value

    def key(self, path: str, raw: Mapping[Any, Any], seen: set[str]) -> str | None:
        value = raw.get("key")
        if not isinstance(value, str) or not _KEY_RE.fullmatch(value):
            self.error(
                path,
                '"key" ska vara en nyckel med små bokstäver a–z, siffror och _ '
                f"(högst 50 tecken), inte {_short(value)!r}",
            )
            return None
        if value in seen:
            self.error(path, f'nyckeln "{value}" förekommer två gånger')
            return None
        seen.add(value)
        return value

    def label(self, path: str, raw: Mapping[Any, Any], key: str, limit: int) -> Label | None:
        value = raw.get(key)
        if isinstance(value, str):
            value = {"sv": value, "en": value}
        if not isinstance(value, Mapping) or set(value) - {"sv", "en"} or "sv" not in value:
            self.error(path, f'"{key}" ska vara en text eller en mappning med "sv" och "en"')
            return None
        texts: dict[str, str] = {}
        for language in ("sv", "en"):
            text = value.get(language, value["sv"])
            if not isinstance(text, str) or not text.strip():
                self.error(f"{path}.{key}.{language}", "ska vara en text som inte är tom")
                return None
            if len(text) > limit:
                self.error(f"{path}.{key}.{language}", f"är längre än {limit} tecken")
                return None
            texts[language] = text.strip()
        return Label(texts["sv"], texts["en"])

    def flag(self, path: str, raw: Mapping[Any, Any], key: str, default: bool) -> bool:
        value = raw.get(key, default)
        if not isinstance(value, bool):
            self.error(f"{path}.{key}", f"ska vara true eller false, inte {_kind(value)}")
            return default
        return value

    def score(self, path: str, value: object) -> float | None:
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(path, f"ska vara ett tal mellan 0 och 1, inte {_kind(value)}")
            return None
        if not 0 <= float(value) <= 1:
            self.error(path, f"ska ligga mellan 0 och 1, inte {value}")
            return None
        return float(value)

    # ------------------------------------------------------------------------ sections

    def catalogue(self, data: object) -> Catalogue | None:
        if not self.mapping("", "Katalogen", data, _TOP_KEYS):
            return None
        assert isinstance(data, Mapping)
        bands = self.bands(data)
        bases = self.legal_bases(data)
        types = self.match_types(data)
        if self.errors:
            return None
        return Catalogue(tuple(bands), tuple(bases), tuple(types))

    def bands(self, data: Mapping[Any, Any]) -> list[Band]:
        result: list[Band] = []
        seen: set[str] = set()
        last = 2.0
        for number, raw in enumerate(self.items("", data, "bands"), 1):
            path = f"bands[{number}]"
            if not self.mapping(path, "Bandet", raw, _BAND_KEYS):
                continue
            key = self.key(path, raw, seen)
            label = self.label(path, raw, "label", LABEL_MAX)
            token = self.flag(path, raw, "token", False)
            score = 1.0 if token else self.score(f"{path}.min_score", raw.get("min_score"))
            if score is not None and not token:
                if score >= last:
                    self.error(path, "banden ska stå med fallande min_score")
                last = score
            if key and label and score is not None:
                result.append(Band(key, label, score, token))
        if result and not any(band.token for band in result):
            self.error("bands", "ett band med token: true behövs för träffar på identitetsnummer")
        if result and not any(not b.token and b.min_score == 0 for b in result):
            self.error("bands", "det sista bandet ska ha min_score: 0 så att varje träff får ett")
        return result

    def legal_bases(self, data: Mapping[Any, Any]) -> list[LegalBasis]:
        result: list[LegalBasis] = []
        seen: set[str] = set()
        for number, raw in enumerate(self.items("", data, "legal_bases"), 1):
            path = f"legal_bases[{number}]"
            if not self.mapping(path, "Rättsgrunden", raw, _BASIS_KEYS):
                continue
            key = self.key(path, raw, seen)
            label = self.label(path, raw, "label", LABEL_MAX)
            if key and label:
                result.append(LegalBasis(key, label))
        return result

    def match_types(self, data: Mapping[Any, Any]) -> list[MatchType]:
        result: list[MatchType] = []
        seen: set[str] = set()
        for number, raw in enumerate(self.items("", data, "match_types"), 1):
            path = f"match_types[{number}]"
            if not self.mapping(path, "Matchningstypen", raw, _TYPE_KEYS):
                continue
            errors = len(self.errors)
            key = self.key(path, raw, seen)
            if key:
                path = f"{path} ({key})"
            label = self.label(path, raw, "label", LABEL_MAX)
            description = self.label(path, raw, "description", DESCRIPTION_MAX)
            datasets = self.datasets(path, raw.get("datasets"))
            token, threshold = self.method(path, raw.get("method"))
            conditions = self.conditions(path, raw.get("conditions", {}))
            priority = raw.get("priority")
            if (
                isinstance(priority, bool)
                or not isinstance(priority, int)
                or not 1 <= priority <= 5
            ):
                self.error(f"{path}.priority", "ska vara ett heltal 1–5 (1 är högst)")
            recipients = self.recipients(path, raw.get("recipients"))
            if (
                len(self.errors) == errors
                and key
                and label
                and description
                and datasets
                and conditions
                and recipients
            ):
                result.append(
                    MatchType(
                        key=key,
                        label=label,
                        description=description,
                        first=datasets[0],
                        second=datasets[1],
                        token=token,
                        clk_threshold=threshold,
                        conditions=conditions,
                        priority=int(priority),
                        recipients=recipients,
                    )
                )
        return result

    def datasets(self, path: str, raw: object) -> tuple[DatasetType, DatasetType] | None:
        if not isinstance(raw, list) or len(raw) != 2:
            self.error(f"{path}.datasets", "ska vara en lista med exakt två datamängdstyper")
            return None
        found: list[DatasetType] = []
        for number, value in enumerate(raw, 1):
            try:
                found.append(DatasetType(value))
            except ValueError:
                known = ", ".join(t.value for t in DatasetType)
                self.error(
                    f"{path}.datasets[{number}]",
                    f'okänd datamängdstyp "{_short(value)}" (kända: {known})',
                )
        return (found[0], found[1]) if len(found) == 2 else None

    def method(self, path: str, raw: object) -> tuple[bool, float | None]:
        path = f"{path}.method"
        if not self.mapping(path, "Metoden", raw, _METHOD_KEYS):
            return False, None
        assert isinstance(raw, Mapping)
        token = self.flag(path, raw, "token", False)
        threshold = raw.get("clk_threshold")
        score = None
        if threshold is not None:
            score = self.score(f"{path}.clk_threshold", threshold)
            if score is not None and score < 0.5:
                self.error(f"{path}.clk_threshold", "under 0,5 ger mest slumpträffar")
        if not token and threshold is None:
            self.error(path, "ange token: true, clk_threshold eller båda")
        return token, score

    def conditions(self, path: str, raw: object) -> Conditions | None:
        path = f"{path}.conditions"
        if not self.mapping(path, "Villkoren", raw, _CONDITION_KEYS):
            return None
        assert isinstance(raw, Mapping)
        result = Conditions(**{key: self.flag(path, raw, key, False) for key in _CONDITION_KEYS})
        if result.different_municipalities and result.same_municipality:
            self.error(path, "different_municipalities och same_municipality utesluter varandra")
        return result

    def recipients(self, path: str, raw: object) -> frozenset[Recipient] | None:
        if not isinstance(raw, list) or not raw:
            self.error(f"{path}.recipients", 'ska vara en lista med "first" och/eller "second"')
            return None
        found: set[Recipient] = set()
        for number, value in enumerate(raw, 1):
            try:
                found.add(Recipient(value))
            except ValueError:
                self.error(
                    f"{path}.recipients[{number}]",
                    f'ska vara "first" eller "second", inte "{_short(value)}"',
                )
        return frozenset(found) if found else None


def parse_mapping(data: object) -> Catalogue:
    """Build and validate a catalogue from plain data; raises :class:`CatalogueError`."""
    parser = _Parser()
    try:
        catalogue = parser.catalogue(data)
    except RecursionError:
        raise CatalogueError(["Dokumentet är för djupt nästlat"]) from None
    if parser.errors or catalogue is None:
        raise CatalogueError(parser.errors or ["Katalogen är ogiltig"])
    return catalogue


def parse_catalogue(text: str) -> Catalogue:
    return yaml12.parse_text(text, parse_mapping, CatalogueError)


def default_text() -> str:
    resource = resources.files(__package__ or "samverkan.matching").joinpath(DEFAULT_RESOURCE)
    return resource.read_text(encoding="utf-8")


def load_default() -> Catalogue:
    """The shipped catalogue, ``match_types.yaml`` in this package."""
    return parse_catalogue(default_text())
