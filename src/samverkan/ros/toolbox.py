"""The legal toolbox of joint operations (LOS/ROS): a configurable catalogue of what each kind
of authority may check, which findings a check can give and which sanctions it may use.

The catalogue is a YAML document (format: ``docs/ros/legal-toolbox.md``; default:
``legal_toolbox.yaml`` next to this module). :func:`parse_toolbox` validates the whole
document and raises :class:`ToolboxError` listing every problem, in Swedish, each naming its
place, e.g. ``authorities[2] (rescue).sanctions[1]: okänd sanktion "vite" (finns inte under
"sanctions")``. Positions in paths count from 1.

Pure on purpose (no Django imports): used by the administration views, the operation forms
and the outcome figures alike.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from functools import cached_property
from importlib import resources
from typing import Any

import yaml

from samverkan.core import yaml12
from samverkan.core.yaml12 import Label
from samverkan.core.yaml12 import describe_kind as _kind
from samverkan.core.yaml12 import shorten as _short

__all__ = [
    "DEFAULT_RESOURCE",
    "MAX_FINDINGS_PER_CHECK",
    "REQUIRED_SANCTIONS",
    "Authority",
    "Check",
    "Finding",
    "Label",
    "Outcome",
    "Sanction",
    "Toolbox",
    "ToolboxError",
    "load_default",
    "parse_mapping",
    "parse_toolbox",
    "to_mapping",
    "to_yaml",
]

DEFAULT_RESOURCE = "legal_toolbox.yaml"
MAX_FINDINGS_PER_CHECK = 4
LABEL_MAX_LENGTH = 200
LEGAL_BASIS_MAX_LENGTH = 2000

REQUIRED_SANCTIONS: tuple[str, ...] = (
    "injunction",
    "fine",
    "sanction_charge",
    "permit_revoked",
    "police_report",
    "seizure",
    "closure",
    "warning",
    "control_fee",
    "recovery",
)
"""Common sanctions that every toolbox must define (labels and outcome may be changed)."""

_KEY_RE = re.compile(r"[a-z][a-z0-9_]{0,49}", re.ASCII)
_LANGUAGES = ("sv", "en")
_LANGUAGE_NAMES = {"sv": "svensk", "en": "engelsk"}


class Outcome(StrEnum):
    """What a sanction counts as in the outcome figures of operations."""

    CLOSURE = "closure"
    PERMIT_REVOKED = "permit_revoked"


# --------------------------------------------------------------------------------------------
# Model


@dataclass(frozen=True)
class Sanction:
    key: str
    label: Label
    outcome: Outcome | None = None


@dataclass(frozen=True)
class Finding:
    key: str
    label: Label


@dataclass(frozen=True)
class Check:
    """Something an authority may check; its findings are the possible results."""

    key: str
    label: Label
    findings: tuple[Finding, ...]


@dataclass(frozen=True)
class Authority:
    """A kind of authority with its legal mandate in joint operations.

    ``sanctions`` holds keys into :attr:`Toolbox.sanctions`; finding keys are unique within
    an authority (across all its checks)."""

    key: str
    label: Label
    legal_basis: Label
    checks: tuple[Check, ...]
    sanctions: tuple[str, ...]

    @property
    def findings(self) -> tuple[Finding, ...]:
        """All findings of all checks, in document order."""
        return tuple(finding for check in self.checks for finding in check.findings)

    def check(self, key: str) -> Check:
        """The check with this key; ``KeyError`` if there is none."""
        for check in self.checks:
            if check.key == key:
                return check
        raise KeyError(key)

    def finding(self, key: str) -> Finding:
        """The finding with this key; ``KeyError`` if there is none."""
        for finding in self.findings:
            if finding.key == key:
                return finding
        raise KeyError(key)

    def check_of(self, finding_key: str) -> Check:
        """The check that the finding ``finding_key`` belongs to; ``KeyError`` if none."""
        for check in self.checks:
            if any(finding.key == finding_key for finding in check.findings):
                return check
        raise KeyError(finding_key)


@dataclass(frozen=True)
class Toolbox:
    authorities: tuple[Authority, ...]
    sanctions: tuple[Sanction, ...]

    @cached_property
    def _authorities(self) -> dict[str, Authority]:
        return {authority.key: authority for authority in self.authorities}

    @cached_property
    def _sanctions(self) -> dict[str, Sanction]:
        return {sanction.key: sanction for sanction in self.sanctions}

    def authority(self, key: str) -> Authority:
        """The authority kind with this key; ``KeyError`` if there is none."""
        return self._authorities[key]

    def sanction(self, key: str) -> Sanction:
        """The sanction with this key; ``KeyError`` if there is none."""
        return self._sanctions[key]

    def finding(self, authority_key: str, finding_key: str) -> Finding:
        """A finding of an authority; ``KeyError`` if either key is unknown."""
        return self.authority(authority_key).finding(finding_key)

    def sanctions_for(self, authority_key: str) -> tuple[Sanction, ...]:
        """The sanctions the authority may use, in its order; ``KeyError`` if unknown."""
        return tuple(self.sanction(key) for key in self.authority(authority_key).sanctions)

    def may_use(self, authority_key: str, sanction_key: str) -> bool:
        """Whether the authority kind exists and may use the sanction."""
        authority = self._authorities.get(authority_key)
        return authority is not None and sanction_key in authority.sanctions

    def with_outcome(self, outcome: Outcome) -> tuple[Sanction, ...]:
        """The sanctions that count as ``outcome`` in the outcome figures."""
        return tuple(sanction for sanction in self.sanctions if sanction.outcome is outcome)


# --------------------------------------------------------------------------------------------
# Errors


class ToolboxError(ValueError):
    """The toolbox document is invalid. ``errors`` lists every problem, in Swedish."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "Verktygslådan är ogiltig:\n" + "\n".join(f"- {e}" for e in self.errors)


# --------------------------------------------------------------------------------------------
# YAML loading


# --------------------------------------------------------------------------------------------
# Parsing

_TOP_KEYS = ("sanctions", "authorities")
_SANCTION_KEYS = ("key", "label", "outcome")
_AUTHORITY_KEYS = ("key", "label", "legal_basis", "checks", "sanctions")
_CHECK_KEYS = ("key", "label", "findings")
_FINDING_KEYS = ("key", "label")


class _Parser:
    def __init__(self) -> None:
        self.errors: list[str] = []
        self.sanction_keys: set[str] = set()
        self.sanction_keys_known = False

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    # -- small helpers ---------------------------------------------------------------------

    def mapping(self, path: str, what: str, raw: object, allowed: Sequence[str]) -> bool:
        if not isinstance(raw, Mapping):
            self.error(path, f"{what} ska vara en mappning (nyckel: värde), inte {_kind(raw)}")
            return False
        for name in raw:
            if name not in allowed:
                self.error(path, f'okänd nyckel "{_short(name)}" (tillåtna: {", ".join(allowed)})')
        return True

    def items(self, path: str, raw: Mapping[Any, Any], name: str, what: str) -> list[Any]:
        """The list under ``name``; an error unless it is a list with at least one entry."""
        value = raw.get(name)
        if value is None:
            self.error(path, f'"{name}" saknas (en lista med minst {what})')
            return []
        if not isinstance(value, list):
            self.error(path, f'"{name}" ska vara en lista med minst {what}, inte {_kind(value)}')
            return []
        if not value:
            self.error(path, f'"{name}" ska vara en lista med minst {what}, men är tom')
        return value

    def key(self, path: str, raw: Mapping[Any, Any]) -> str | None:
        value = raw.get("key")
        if value is None:
            self.error(path, '"key" saknas')
            return None
        if not isinstance(value, str):
            self.error(path, f'"key" ska vara text, inte {_kind(value)}')
            return None
        if not _KEY_RE.fullmatch(value):
            self.error(
                path,
                f'"key" "{_short(value)}" är ogiltig (tillåtet: högst 50 tecken av a–z, 0–9 '
                "och _, och den ska börja med en bokstav)",
            )
            return None
        return value

    def unique(
        self, path: str, key: str | None, seen: dict[str, str], what: str, scope: str = ""
    ) -> str | None:
        """``key`` if it was not seen before, else an error naming the first place."""
        if key is None:
            return None
        if key in seen:
            self.error(path, f'{what} "{key}" förekommer två gånger{scope} (även i {seen[key]})')
            return None
        seen[key] = path
        return key

    def label(self, path: str, raw: Mapping[Any, Any], name: str, limit: int) -> Label | None:
        value = raw.get(name)
        if value is None:
            self.error(path, f'"{name}" saknas')
            return None
        if not isinstance(value, Mapping):
            self.error(
                path,
                f'"{name}" ska vara en mappning per språk, t.ex. {{sv: ..., en: ...}}, '
                f"inte {_kind(value)}",
            )
            return None
        ok = True
        for language in value:
            if language not in _LANGUAGES:
                self.error(
                    path, f'"{name}" har ett okänt språk "{_short(language)}" (tillåtna: sv, en)'
                )
                ok = False
        texts: dict[str, str] = {}
        for language in _LANGUAGES:
            text = value.get(language)
            if not isinstance(text, str) or not text.strip():
                self.error(path, f'"{name}" saknar {_LANGUAGE_NAMES[language]} text ({language})')
                ok = False
            elif len(text.strip()) > limit:
                self.error(
                    path,
                    f'"{name}" på {_LANGUAGE_NAMES[language]}a är för lång '
                    f"({len(text.strip())} tecken, högst {limit})",
                )
                ok = False
            else:
                texts[language] = " ".join(text.split())
        if not ok:
            return None
        return Label(sv=texts["sv"], en=texts["en"])

    @staticmethod
    def named(path: str, key: str | None) -> str:
        return f"{path} ({key})" if key is not None else path

    # -- document --------------------------------------------------------------------------

    def toolbox(self, data: object) -> Toolbox | None:
        if not isinstance(data, Mapping):
            self.error(
                "",
                "Dokumentet ska vara en mappning (nyckel: värde) på översta nivån, "
                f"inte {_kind(data)}",
            )
            return None
        for name in data:
            if name not in _TOP_KEYS:
                self.error(
                    "",
                    f'Okänd nyckel "{_short(name)}" på översta nivån '
                    f"(tillåtna: {', '.join(_TOP_KEYS)})",
                )
        sanctions = self.sanctions(data)
        authorities = self.authorities(data)
        if self.errors:
            return None
        return Toolbox(authorities=tuple(authorities), sanctions=tuple(sanctions))

    def sanctions(self, data: Mapping[Any, Any]) -> list[Sanction]:
        result: list[Sanction] = []
        seen: dict[str, str] = {}
        values = self.items("", data, "sanctions", "en sanktion")
        # Whether every sanction key could be read: otherwise references to sanctions and
        # the common sanctions are not checked, so that one broken entry gives one error.
        self.sanction_keys_known = bool(values)
        for number, raw in enumerate(values, 1):
            path = f"sanctions[{number}]"
            if not self.mapping(path, "sanktionen", raw, _SANCTION_KEYS):
                self.sanction_keys_known = False
                continue
            raw_key = self.key(path, raw)
            if raw_key is None:
                self.sanction_keys_known = False
            key = self.unique(path, raw_key, seen, "sanktionen")
            path = self.named(path, key)
            label = self.label(path, raw, "label", LABEL_MAX_LENGTH)
            valid, outcome = self.outcome(path, raw.get("outcome"))
            if key is not None and label is not None and valid:
                result.append(Sanction(key=key, label=label, outcome=outcome))
        missing = [key for key in REQUIRED_SANCTIONS if key not in seen]
        if self.sanction_keys_known and missing:
            names = ", ".join(f'"{key}"' for key in missing)
            self.error(
                "sanctions",
                f"de gemensamma sanktionerna {names} saknas (de krävs för rapporteringen; "
                "etiketter och utfall får ändras men nycklarna måste finnas)"
                if len(missing) > 1
                else f"den gemensamma sanktionen {names} saknas (den krävs för rapporteringen; "
                "etikett och utfall får ändras men nyckeln måste finnas)",
            )
        self.sanction_keys = set(seen)
        return result

    def outcome(self, path: str, value: object) -> tuple[bool, Outcome | None]:
        """(valid, outcome); ``null`` or a missing value is no outcome."""
        if value is None:
            return True, None
        for outcome in Outcome:
            if value == outcome.value and isinstance(value, str):
                return True, outcome
        allowed = ", ".join(outcome.value for outcome in Outcome)
        self.error(
            path, f'okänt utfall "{_short(value)}" i "outcome" (tillåtna: {allowed} eller null)'
        )
        return False, None

    def authorities(self, data: Mapping[Any, Any]) -> list[Authority]:
        result: list[Authority] = []
        seen: dict[str, str] = {}
        for number, raw in enumerate(self.items("", data, "authorities", "en myndighet"), 1):
            path = f"authorities[{number}]"
            if not self.mapping(path, "myndigheten", raw, _AUTHORITY_KEYS):
                continue
            key = self.unique(path, self.key(path, raw), seen, "myndigheten")
            path = self.named(path, key)
            label = self.label(path, raw, "label", LABEL_MAX_LENGTH)
            legal_basis = self.label(path, raw, "legal_basis", LEGAL_BASIS_MAX_LENGTH)
            checks = self.checks(path, raw)
            sanctions = self.authority_sanctions(path, raw)
            if key is None or label is None or legal_basis is None:
                continue
            if checks is None or sanctions is None:
                continue
            result.append(
                Authority(
                    key=key,
                    label=label,
                    legal_basis=legal_basis,
                    checks=tuple(checks),
                    sanctions=tuple(sanctions),
                )
            )
        return result

    def checks(self, path: str, raw: Mapping[Any, Any]) -> list[Check] | None:
        errors = len(self.errors)
        result: list[Check] = []
        check_keys: dict[str, str] = {}
        finding_keys: dict[str, str] = {}
        for number, raw_check in enumerate(self.items(path, raw, "checks", "en kontrollpunkt"), 1):
            check_path = f"{path}.checks[{number}]"
            if not self.mapping(check_path, "kontrollpunkten", raw_check, _CHECK_KEYS):
                continue
            key = self.unique(
                check_path, self.key(check_path, raw_check), check_keys, "kontrollpunkten"
            )
            check_path = self.named(check_path, key)
            label = self.label(check_path, raw_check, "label", LABEL_MAX_LENGTH)
            findings = self.findings(check_path, raw_check, finding_keys)
            if key is not None and label is not None:
                result.append(Check(key=key, label=label, findings=tuple(findings)))
        return result if len(self.errors) == errors else None

    def findings(self, path: str, raw: Mapping[Any, Any], seen: dict[str, str]) -> list[Finding]:
        values = self.items(path, raw, "findings", "en iakttagelse")
        if len(values) > MAX_FINDINGS_PER_CHECK:
            self.error(
                path,
                f'"findings" har {len(values)} iakttagelser (högst {MAX_FINDINGS_PER_CHECK} '
                "per kontrollpunkt; dela upp kontrollpunkten)",
            )
        result: list[Finding] = []
        for number, raw_finding in enumerate(values, 1):
            finding_path = f"{path}.findings[{number}]"
            if not self.mapping(finding_path, "iakttagelsen", raw_finding, _FINDING_KEYS):
                continue
            key = self.unique(
                finding_path,
                self.key(finding_path, raw_finding),
                seen,
                "iakttagelsen",
                " inom myndigheten",
            )
            finding_path = self.named(finding_path, key)
            label = self.label(finding_path, raw_finding, "label", LABEL_MAX_LENGTH)
            if key is not None and label is not None:
                result.append(Finding(key=key, label=label))
        return result

    def authority_sanctions(self, path: str, raw: Mapping[Any, Any]) -> list[str] | None:
        errors = len(self.errors)
        result: list[str] = []
        for number, value in enumerate(self.items(path, raw, "sanctions", "en sanktion"), 1):
            item_path = f"{path}.sanctions[{number}]"
            if not isinstance(value, str):
                self.error(item_path, f"ska vara en sanktionsnyckel (text), inte {_kind(value)}")
            elif value not in self.sanction_keys:
                if not self.sanction_keys_known:
                    continue  # the broken sanction list is reported already
                self.error(
                    item_path, f'okänd sanktion "{_short(value)}" (finns inte under "sanctions")'
                )
            elif value in result:
                self.error(item_path, f'sanktionen "{value}" förekommer två gånger')
            else:
                result.append(value)
        return result if len(self.errors) == errors else None


def parse_mapping(data: object) -> Toolbox:
    """Build and validate a toolbox from plain data (as loaded from YAML or JSON).

    Raises :class:`ToolboxError` listing every problem found."""
    parser = _Parser()
    try:
        toolbox = parser.toolbox(data)
    except RecursionError:
        raise ToolboxError(["Dokumentet är för djupt nästlat"]) from None
    if parser.errors or toolbox is None:
        raise ToolboxError(parser.errors or ["Verktygslådan är ogiltig"])
    return toolbox


def parse_toolbox(text: str) -> Toolbox:
    """Parse and validate a toolbox written in YAML; see :func:`parse_mapping`."""
    return yaml12.parse_text(text, parse_mapping, ToolboxError)


def load_default() -> Toolbox:
    """The project's default toolbox, ``legal_toolbox.yaml`` in this package."""
    resource = resources.files(__package__ or "samverkan.ros").joinpath(DEFAULT_RESOURCE)
    return parse_toolbox(resource.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Serialisation


def _label_data(label: Label) -> dict[str, str]:
    return {"sv": label.sv, "en": label.en}


def to_mapping(toolbox: Toolbox) -> dict[str, Any]:
    """Plain data in the documented format (JSON-compatible)."""
    return {
        "sanctions": [
            {
                "key": sanction.key,
                "label": _label_data(sanction.label),
                "outcome": sanction.outcome.value if sanction.outcome is not None else None,
            }
            for sanction in toolbox.sanctions
        ],
        "authorities": [
            {
                "key": authority.key,
                "label": _label_data(authority.label),
                "legal_basis": _label_data(authority.legal_basis),
                "checks": [
                    {
                        "key": check.key,
                        "label": _label_data(check.label),
                        "findings": [
                            {"key": finding.key, "label": _label_data(finding.label)}
                            for finding in check.findings
                        ],
                    }
                    for check in authority.checks
                ],
                "sanctions": list(authority.sanctions),
            }
            for authority in toolbox.authorities
        ],
    }


def to_yaml(toolbox: Toolbox) -> str:
    """YAML text such that ``parse_toolbox(to_yaml(t)) == t`` for a valid toolbox."""
    return yaml.safe_dump(to_mapping(toolbox), allow_unicode=True, sort_keys=False, width=100)
