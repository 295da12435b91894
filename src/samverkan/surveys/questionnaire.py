"""Pure questionnaire model for the undue-influence surveys (*otillåten påverkan*).

A questionnaire is written in YAML (see ``docs/surveys/questionnaire-format.md``), parsed into
frozen dataclasses, validated as a whole (all errors are collected, messages in Swedish naming
the place of the error), and used to decide which items a respondent sees and to normalise the
answers that come from an HTML form or a CSV row.

The module has no Django imports on purpose: it is used by the web views, by imports of paper
answers and by the analysis code alike.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from enum import StrEnum
from functools import cached_property
from importlib import resources
from typing import Any, NoReturn, TypeAlias

import yaml

from samverkan.core import yaml12
from samverkan.core.yaml12 import describe_kind as _kind
from samverkan.core.yaml12 import shorten as _short

__all__ = [
    "TEXT_MAX_LENGTH",
    "AllOf",
    "Analysis",
    "AnswerError",
    "AnswerIn",
    "AnswerProblem",
    "AnyOf",
    "Condition",
    "FrozenText",
    "Item",
    "ItemType",
    "Option",
    "Questionnaire",
    "QuestionnaireError",
    "Section",
    "Stratum",
    "Text",
    "condition_to_data",
    "fill_period",
    "fingerprint",
    "is_exposed",
    "load_default",
    "options_from_municipalities",
    "parse_mapping",
    "parse_yaml",
    "to_mapping",
    "to_yaml",
    "validate_answers",
    "visible_items",
]

Text: TypeAlias = Mapping[str, str]
"""Text per language code; ``sv`` and ``en`` are always present."""

REQUIRED_LANGUAGES: tuple[str, ...] = ("sv", "en")
TEXT_MAX_LENGTH = 2000
OPTIONS_SOURCES: tuple[str, ...] = ("municipalities",)
# Filled with the survey wave's reference period when the questionnaire is shown, so the
# questions and the wave cannot disagree; "reference_period" is the older spelling.
PLACEHOLDERS: tuple[str, ...] = ("period", "reference_period")
DEFAULT_RESOURCE = "otillaten_paverkan.yaml"

_ID_RE = re.compile(r"[a-z][a-z0-9_]*", re.ASCII)
_VALUE_RE = re.compile(r"[a-z0-9_]+", re.ASCII)
_KEY_RE = re.compile(r"[a-z][a-z0-9-]*", re.ASCII)
_INT_RE = re.compile(r"[+-]?[0-9]{1,18}", re.ASCII)
_PLACEHOLDER_RE = re.compile(r"\{([^{}]*)\}")
_BAD_CHARS_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
MATRIX_KEY_SEPARATOR = "__"
MAX_CONDITION_DEPTH = 4
MAX_CONDITION_PARTS = 50


class ItemType(StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"
    SCALE = "scale"  # ordered options, e.g. a frequency scale
    MATRIX = "matrix"  # rows x shared ordered options, one option per row
    NUMBER = "number"  # integer between min and max
    TEXT = "text"  # free text; must carry a warning not to write names


CHOICE_TYPES = frozenset({ItemType.SINGLE, ItemType.MULTIPLE, ItemType.SCALE})
OPTION_TYPES = CHOICE_TYPES | {ItemType.MATRIX}


class Stratum(StrEnum):
    """Background variables that results may be broken down by."""

    MUNICIPALITY = "municipality"
    ROLE = "role"
    GENDER = "gender"
    AGE_BAND = "age_band"


class FrozenText(dict[str, str]):
    """An immutable, hashable ``Text`` (language code -> text).

    A ``dict`` subclass so that it serialises to JSON and compares equal to a plain dict."""

    __slots__ = ()

    def __hash__(self) -> int:  # type: ignore[override]
        return hash(frozenset(self.items()))

    def __reduce__(self) -> tuple[type[FrozenText], tuple[dict[str, str]]]:
        return (FrozenText, (dict(self),))

    def _immutable(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise TypeError("FrozenText is immutable")

    __setitem__ = _immutable
    __delitem__ = _immutable
    __ior__ = _immutable
    clear = _immutable
    pop = _immutable
    popitem = _immutable
    setdefault = _immutable
    update = _immutable

    def __repr__(self) -> str:
        return f"FrozenText({dict(self)!r})"


def _freeze_text(text: Text | None) -> FrozenText | None:
    if text is None or isinstance(text, FrozenText):
        return text
    return FrozenText(text)


def _set(obj: object, name: str, value: object) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Option:
    """An answer option; also a matrix row (``value`` is then the row id, answered as
    ``ITEMID__ROWID`` in forms and CSV files)."""

    value: str
    text: Text
    exclusive: bool = False  # multiple choice: cannot be combined with other options ("nobody")

    def __post_init__(self) -> None:
        _set(self, "text", _freeze_text(self.text))


@dataclass(frozen=True)
class AnswerIn:
    """True when the answer to ``item`` (a matrix: its ``row``) is one of ``values``.

    For a multiple-choice item it is true when any chosen option is among ``values``.
    """

    item: str
    values: tuple[str, ...]
    row: str | None = None

    def __post_init__(self) -> None:
        _set(self, "values", tuple(self.values))


@dataclass(frozen=True)
class AnyOf:
    conditions: tuple[Condition, ...]

    def __post_init__(self) -> None:
        _set(self, "conditions", tuple(self.conditions))


@dataclass(frozen=True)
class AllOf:
    conditions: tuple[Condition, ...]

    def __post_init__(self) -> None:
        _set(self, "conditions", tuple(self.conditions))


Condition: TypeAlias = AnswerIn | AnyOf | AllOf


def condition_items(condition: Condition) -> Iterator[AnswerIn]:
    """The leaf conditions, in document order."""
    if isinstance(condition, AnswerIn):
        yield condition
    else:
        for sub in condition.conditions:
            yield from condition_items(sub)


@dataclass(frozen=True)
class Item:
    id: str
    type: ItemType
    text: Text
    options: tuple[Option, ...] = ()
    rows: tuple[Option, ...] = ()
    required: bool = False
    show_if: Condition | None = None
    min: int | None = None
    max: int | None = None
    help: Text | None = None
    warning: Text | None = None
    stratum: Stratum | None = None
    options_from: str | None = None  # "municipalities": options are supplied per survey wave
    short: Text | None = None  # a short label for tables and charts in reports

    def __post_init__(self) -> None:
        _set(self, "type", ItemType(self.type))
        _set(self, "text", _freeze_text(self.text))
        _set(self, "options", tuple(self.options))
        _set(self, "rows", tuple(self.rows))
        _set(self, "help", _freeze_text(self.help))
        _set(self, "warning", _freeze_text(self.warning))
        _set(self, "short", _freeze_text(self.short))
        if self.stratum is not None:
            _set(self, "stratum", Stratum(self.stratum))

    @property
    def option_values(self) -> tuple[str, ...]:
        return tuple(option.value for option in self.options)

    @property
    def row_ids(self) -> tuple[str, ...]:
        return tuple(row.value for row in self.rows)

    def matrix_key(self, row: str) -> str:
        """The answer key of one matrix row: ``ITEMID__ROWID``."""
        return f"{self.id}{MATRIX_KEY_SEPARATOR}{row}"

    def option(self, value: str) -> Option:
        for option in self.options:
            if option.value == value:
                return option
        raise KeyError(value)


@dataclass(frozen=True)
class Section:
    id: str
    title: Text
    items: tuple[Item, ...]
    intro: Text | None = None

    def __post_init__(self) -> None:
        _set(self, "title", _freeze_text(self.title))
        _set(self, "items", tuple(self.items))
        _set(self, "intro", _freeze_text(self.intro))


@dataclass(frozen=True)
class Analysis:
    """Which items the standard analysis reads (exposure, consequences, reporting)."""

    exposure_items: tuple[str, ...]
    exposed_values: tuple[str, ...]
    consequence_items: tuple[str, ...]
    reported_item: str
    perpetrator_item: str | None = None
    channel_item: str | None = None

    def __post_init__(self) -> None:
        _set(self, "exposure_items", tuple(self.exposure_items))
        _set(self, "exposed_values", tuple(self.exposed_values))
        _set(self, "consequence_items", tuple(self.consequence_items))


@dataclass(frozen=True)
class Questionnaire:
    """A whole questionnaire. Create it with :func:`parse_yaml` or :func:`parse_mapping`,
    which validate it; the constructor itself does not."""

    key: str
    version: int
    title: Text
    intro: Text
    reference_period: Text | None  # no longer used: the wave's period fills "{period}"
    sections: tuple[Section, ...]
    analysis: Analysis

    def __post_init__(self) -> None:
        _set(self, "title", _freeze_text(self.title))
        _set(self, "intro", _freeze_text(self.intro))
        _set(self, "reference_period", _freeze_text(self.reference_period))
        _set(self, "sections", tuple(self.sections))

    @cached_property
    def items(self) -> tuple[Item, ...]:
        """All items, flattened, in questionnaire order."""
        return tuple(item for section in self.sections for item in section.items)

    @cached_property
    def _by_id(self) -> dict[str, Item]:
        return {item.id: item for item in self.items}

    def item(self, item_id: str) -> Item:
        """The item with this id; ``KeyError`` if there is none."""
        return self._by_id[item_id]

    @property
    def strata(self) -> dict[Stratum, Item]:
        """The background items used as breakdown variables, by stratum."""
        return {item.stratum: item for item in self.items if item.stratum is not None}


def options_from_municipalities(item: Item) -> bool:
    """Whether the item's options are the survey wave's municipalities (supplied by the
    application) rather than static options."""
    return item.options_from == "municipalities"


# --------------------------------------------------------------------------------------------
# Errors


class QuestionnaireError(ValueError):
    """The questionnaire document is invalid. ``errors`` lists every problem, in Swedish."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "Enkäten är ogiltig:\n" + "\n".join(f"- {e}" for e in self.errors)


class AnswerError(ValueError):
    """The answers are invalid. ``problems`` maps item id (matrix: ``ITEMID__ROWID``) to an
    :class:`AnswerProblem` (a code and its values, for a message in the reader's language);
    ``errors`` maps the same keys to the message in Swedish."""

    def __init__(self, problems: Mapping[str, AnswerProblem]) -> None:
        self.problems = dict(problems)
        self.errors = {key: problem.swedish() for key, problem in self.problems.items()}
        super().__init__(self.errors)

    def __str__(self) -> str:
        return "; ".join(f"{key}: {message}" for key, message in self.errors.items())


# --------------------------------------------------------------------------------------------
# Parsing

_TOP_KEYS = ("key", "version", "title", "intro", "reference_period", "sections", "analysis")
_SECTION_KEYS = ("id", "title", "intro", "items")
_ITEM_KEYS = (
    "id",
    "type",
    "text",
    "options",
    "options_from",
    "rows",
    "required",
    "show_if",
    "min",
    "max",
    "help",
    "warning",
    "stratum",
    "short",
)
_ANALYSIS_KEYS = (
    "exposure_items",
    "exposed_values",
    "consequence_items",
    "reported_item",
    "perpetrator_item",
    "channel_item",
)
_LANGUAGE_NAMES = {"sv": "svensk", "en": "engelsk"}


class _Parser:
    def __init__(self) -> None:
        self.errors: list[str] = []
        # item id -> (position in questionnaire, path label) for every item with a valid id
        self.positions: dict[str, tuple[int, str]] = {}
        self.parsed: dict[str, Item] = {}
        # (position, path, condition) to check once all items are known
        self.pending_conditions: list[tuple[int, str, Condition]] = []
        self.strata: dict[Stratum, str] = {}  # stratum -> path of the item that has it

    def error(self, path: str, message: str) -> None:
        self.errors.append(f"{path}: {message}" if path else message)

    # -- small helpers ---------------------------------------------------------------------

    def check_keys(self, path: str, data: Mapping[Any, Any], allowed: Sequence[str]) -> None:
        for key in data:
            if key not in allowed:
                self.error(path, f'okänd nyckel "{_short(key)}" (tillåtna: {", ".join(allowed)})')

    def text(
        self,
        path: str,
        label: str,
        value: object,
        *,
        required: bool = True,
        placeholders: bool = True,
    ) -> FrozenText | None:
        if value is None:
            if required:
                self.error(path, f"{label} saknas")
            return None
        if not isinstance(value, Mapping):
            self.error(
                path,
                f"{label} ska vara en mappning per språk, t.ex. {{sv: ..., en: ...}}, "
                f"inte {_kind(value)}",
            )
            return None
        result: dict[str, str] = {}
        ok = True
        for language in REQUIRED_LANGUAGES:
            text = value.get(language)
            if not isinstance(text, str) or not text.strip():
                self.error(path, f"{label} saknar {_LANGUAGE_NAMES[language]} text")
                ok = False
        for language, text in value.items():
            if not isinstance(language, str) or not re.fullmatch(r"[a-z]{2,3}", language):
                self.error(path, f'{label} har en ogiltig språkkod "{_short(language)}"')
                ok = False
            elif language in REQUIRED_LANGUAGES:
                if isinstance(text, str) and text.strip():
                    result[language] = text.strip()
            elif not isinstance(text, str) or not text.strip():
                self.error(path, f'{label} saknar text för språket "{language}"')
                ok = False
            else:
                result[language] = text.strip()
        for language, text in result.items():
            for placeholder in _PLACEHOLDER_RE.findall(text):
                if placeholder not in PLACEHOLDERS:
                    self.error(
                        path,
                        f"{label} ({language}) har en okänd platshållare "
                        f'"{{{_short(placeholder)}}}" (tillåten: {{period}})',
                    )
                    ok = False
                elif not placeholders:
                    self.error(path, f"{label} kan inte innehålla platshållare")
                    ok = False
        if not ok:
            return None
        ordered = {lang: result[lang] for lang in REQUIRED_LANGUAGES}
        ordered.update(sorted((k, v) for k, v in result.items() if k not in REQUIRED_LANGUAGES))
        return FrozenText(ordered)

    def integer(self, path: str, label: str, value: object) -> int | None:
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            self.error(path, f"{label} ska vara ett heltal, inte {_kind(value)}")
            return None
        return value

    def boolean(self, path: str, label: str, value: object, default: bool = False) -> bool:
        if value is None:
            return default
        if not isinstance(value, bool):
            self.error(path, f"{label} ska vara true eller false, inte {_kind(value)}")
            return default
        return value

    def identifier(self, path: str, label: str, value: object) -> str | None:
        """An item, section or row id: ``[a-z][a-z0-9_]*`` without ``__``."""
        if not isinstance(value, str):
            self.error(path, f"{label} saknas" if value is None else f"{label} ska vara text")
            return None
        if not _ID_RE.fullmatch(value):
            self.error(
                path,
                f'{label} "{_short(value)}" är ogiltigt (tillåtet: små bokstäver a–z, siffror '
                "och _, och det ska börja med en bokstav)",
            )
            return None
        if MATRIX_KEY_SEPARATOR in value:
            self.error(
                path,
                f'{label} "{value}" får inte innehålla "__" (används för matrisrader i svar)',
            )
            return None
        return value

    def value_list(self, path: str, label: str, value: object) -> list[str] | None:
        if not isinstance(value, list) or not value:
            self.error(path, f"{label} ska vara en lista med minst ett värde")
            return None
        result: list[str] = []
        for element in value:
            if isinstance(element, int) and not isinstance(element, bool):
                element = str(element)
            if not isinstance(element, str):
                self.error(path, f"{label} innehåller {_kind(element)}, inte text")
                return None
            result.append(element)
        return result

    # -- document --------------------------------------------------------------------------

    def questionnaire(self, data: object) -> Questionnaire | None:
        if not isinstance(data, Mapping):
            self.error(
                "",
                "Dokumentet ska vara en mappning (nyckel: värde) på översta nivån, "
                f"inte {_kind(data)}",
            )
            return None
        self.check_keys("enkäten", data, _TOP_KEYS)
        key = data.get("key")
        if not isinstance(key, str) or not _KEY_RE.fullmatch(key):
            self.error(
                "enkäten",
                'nyckeln "key" saknas eller är ogiltig (tillåtet: små bokstäver a–z, siffror och '
                "-, och den ska börja med en bokstav)",
            )
        version = data.get("version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            self.error("enkäten", 'nyckeln "version" ska vara ett positivt heltal')
        # Older documents name their period in words; it is kept with the document but the
        # texts' placeholders are filled with the survey wave's period instead.
        period = self.text(
            "enkäten",
            'referensperioden ("reference_period")',
            data.get("reference_period"),
            required=False,
            placeholders=False,
        )
        title = self.text("enkäten", 'rubriken ("title")', data.get("title"))
        intro = self.text("enkäten", 'inledningen ("intro")', data.get("intro"))
        sections = self.sections(data.get("sections"))
        self.check_conditions()
        analysis = self.analysis(data.get("analysis"))
        if self.errors:
            return None
        assert isinstance(key, str) and isinstance(version, int)
        assert title and intro and analysis and sections is not None
        return Questionnaire(
            key=key,
            version=version,
            title=title,
            intro=intro,
            reference_period=period,
            sections=tuple(sections),
            analysis=analysis,
        )

    def sections(self, value: object) -> list[Section] | None:
        if not isinstance(value, list) or not value:
            self.error("enkäten", 'nyckeln "sections" ska vara en lista med minst ett avsnitt')
            return None
        sections: list[Section] = []
        section_ids: set[str] = set()
        position = 0
        for number, raw in enumerate(value, start=1):
            path = f"avsnitt {number}"
            if not isinstance(raw, Mapping):
                self.error(path, f"avsnittet ska vara en mappning, inte {_kind(raw)}")
                continue
            self.check_keys(path, raw, _SECTION_KEYS)
            section_id = self.identifier(path, "avsnittets id", raw.get("id"))
            if section_id is not None:
                if section_id in section_ids:
                    self.error(path, f'avsnittets id "{section_id}" används redan')
                section_ids.add(section_id)
            title = self.text(path, 'rubriken ("title")', raw.get("title"))
            intro = self.text(path, 'inledningen ("intro")', raw.get("intro"), required=False)
            raw_items = raw.get("items")
            items: list[Item] = []
            if not isinstance(raw_items, list) or not raw_items:
                self.error(path, 'nyckeln "items" ska vara en lista med minst en fråga')
            else:
                for item_number, raw_item in enumerate(raw_items, start=1):
                    item = self.item(path, item_number, position, raw_item)
                    position += 1
                    if item is not None:
                        items.append(item)
            if section_id is not None and title is not None:
                section = Section(id=section_id, title=title, items=tuple(items), intro=intro)
                sections.append(section)
        return sections

    def item(self, section_path: str, number: int, position: int, raw: object) -> Item | None:
        if not isinstance(raw, Mapping):
            self.error(
                f"{section_path}, fråga nr {number}",
                f"frågan ska vara en mappning, inte {_kind(raw)}",
            )
            return None
        raw_id = raw.get("id")
        if isinstance(raw_id, str) and raw_id:
            path = f'{section_path}, fråga "{_short(raw_id)}"'
        else:
            path = f"{section_path}, fråga nr {number}"
        errors_before = len(self.errors)
        self.check_keys(path, raw, _ITEM_KEYS)
        item_id = self.identifier(path, "id", raw_id)
        if item_id is not None:
            if item_id in self.positions:
                self.error(
                    path,
                    f'id "{item_id}" används redan (i {self.positions[item_id][1]})',
                )
                item_id = None
            else:
                self.positions[item_id] = (position, section_path)

        raw_type = raw.get("type")
        item_type: ItemType | None = None
        try:
            item_type = ItemType(raw_type)  # type: ignore[arg-type]
        except (ValueError, TypeError):
            allowed = ", ".join(t.value for t in ItemType)
            if raw_type is None:
                self.error(path, f'nyckeln "type" saknas (tillåtna typer: {allowed})')
            else:
                self.error(path, f'okänd frågetyp "{_short(raw_type)}" (tillåtna: {allowed})')

        text = self.text(path, "frågetexten", raw.get("text"))
        help_text = self.text(path, 'hjälptexten ("help")', raw.get("help"), required=False)
        warning = self.text(path, 'varningen ("warning")', raw.get("warning"), required=False)
        short = self.text(path, 'kortnamnet ("short")', raw.get("short"), required=False)
        required = self.boolean(path, '"required"', raw.get("required"))
        minimum = self.integer(path, '"min"', raw.get("min"))
        maximum = self.integer(path, '"max"', raw.get("max"))

        stratum: Stratum | None = None
        raw_stratum = raw.get("stratum")
        if raw_stratum is not None:
            try:
                stratum = Stratum(raw_stratum)
            except (ValueError, TypeError):
                allowed = ", ".join(s.value for s in Stratum)
                self.error(
                    path,
                    f'okänd stratifieringsvariabel (stratum) "{_short(raw_stratum)}" '
                    f"(tillåtna: {allowed})",
                )

        options_from = raw.get("options_from")
        if options_from is not None and options_from not in OPTIONS_SOURCES:
            self.error(
                path,
                f'okänd källa för alternativ (options_from) "{_short(options_from)}" '
                f"(tillåten: {', '.join(OPTIONS_SOURCES)})",
            )
            options_from = None

        options = self.options(path, raw.get("options"), item_type)
        rows = self.rows(path, raw.get("rows"))

        show_if: Condition | None = None
        if raw.get("show_if") is not None:
            show_if = self.condition(path, raw["show_if"])
            if show_if is not None:
                self.pending_conditions.append((position, path, show_if))

        if item_type is not None:
            self.check_type_rules(
                path,
                item_type,
                has_options=raw.get("options") is not None,
                options=options,
                has_rows=raw.get("rows") is not None,
                rows=rows,
                options_from=options_from,
                minimum=minimum,
                maximum=maximum,
                warning=warning,
                stratum=stratum,
            )

        if len(self.errors) > errors_before or item_id is None or item_type is None:
            return None
        assert text is not None
        item = Item(
            id=item_id,
            type=item_type,
            text=text,
            options=tuple(options or ()),
            rows=tuple(rows or ()),
            required=required,
            show_if=show_if,
            min=minimum,
            max=maximum,
            help=help_text,
            warning=warning,
            stratum=stratum,
            options_from=options_from if isinstance(options_from, str) else None,
            short=short,
        )
        self.parsed[item_id] = item
        return item

    def check_type_rules(
        self,
        path: str,
        item_type: ItemType,
        *,
        has_options: bool,
        options: list[Option] | None,
        has_rows: bool,
        rows: list[Option] | None,
        options_from: object,
        minimum: int | None,
        maximum: int | None,
        warning: FrozenText | None,
        stratum: Stratum | None,
    ) -> None:
        label = f'frågetypen "{item_type.value}"'
        if item_type in OPTION_TYPES:
            if options_from is not None:
                if item_type is not ItemType.SINGLE:
                    self.error(path, '"options_from" kan bara användas med frågetypen "single"')
                if has_options:
                    self.error(path, 'ange antingen "options" eller "options_from", inte båda')
            elif not has_options:
                self.error(path, f'{label} kräver alternativ ("options")')
            elif options is not None and len(options) < 2:
                self.error(path, f"{label} kräver minst två alternativ")
        else:
            if has_options:
                self.error(path, f'{label} har inga alternativ ("options")')
            if options_from is not None:
                self.error(path, f'{label} kan inte använda "options_from"')
        if item_type is ItemType.MATRIX:
            if not has_rows:
                self.error(path, f'{label} kräver rader ("rows")')
        elif has_rows:
            self.error(path, f'{label} har inga rader ("rows")')
        if item_type is ItemType.NUMBER:
            if minimum is None or maximum is None:
                self.error(path, f'{label} kräver både "min" och "max"')
            elif minimum > maximum:
                self.error(path, f'"min" ({minimum}) är större än "max" ({maximum})')
        elif minimum is not None or maximum is not None:
            self.error(path, f'{label} har inga gränser ("min"/"max")')
        if item_type is ItemType.TEXT and warning is None:
            self.error(
                path,
                f'{label} kräver en varning ("warning") om att inte skriva namn eller annat som '
                "kan identifiera en person",
            )
        if options and item_type is not ItemType.MULTIPLE:
            for option in options:
                if option.exclusive:
                    self.error(
                        path,
                        f'alternativet "{option.value}": "exclusive" kan bara användas i '
                        'frågetypen "multiple"',
                    )
        if stratum is not None and item_type is not ItemType.SINGLE:
            self.error(path, 'en stratifieringsvariabel (stratum) ska ha frågetypen "single"')
        if stratum is not None:
            if stratum in self.strata:
                self.error(
                    path,
                    f'stratifieringsvariabeln "{stratum.value}" används redan '
                    f"({self.strata[stratum]})",
                )
            else:
                self.strata[stratum] = path

    def options(self, path: str, value: object, item_type: ItemType | None) -> list[Option] | None:
        if value is None:
            return None
        if not isinstance(value, list):
            self.error(path, f'"options" ska vara en lista, inte {_kind(value)}')
            return None
        options: list[Option] = []
        seen: set[str] = set()
        ok = True
        for number, raw in enumerate(value, start=1):
            if not isinstance(raw, Mapping):
                self.error(path, f"alternativ nr {number} ska vara en mappning, inte {_kind(raw)}")
                ok = False
                continue
            raw_value = raw.get("value")
            if isinstance(raw_value, int) and not isinstance(raw_value, bool):
                raw_value = str(raw_value)
            label = (
                f'alternativet "{_short(raw_value)}"'
                if isinstance(raw_value, str) and raw_value
                else f"alternativ nr {number}"
            )
            self.check_keys(f"{path}, {label}", raw, ("value", "text", "exclusive"))
            if not isinstance(raw_value, str) or not _VALUE_RE.fullmatch(raw_value):
                self.error(
                    path,
                    f"{label} har ett ogiltigt eller saknat värde (tillåtet: a–z, 0–9 och _)",
                )
                ok = False
                raw_value = None
            elif raw_value in seen:
                self.error(path, f"{label} förekommer flera gånger")
                ok = False
            text = self.text(path, label, raw.get("text"))
            exclusive = self.boolean(path, f'{label}: "exclusive"', raw.get("exclusive"))
            if raw_value is not None:
                seen.add(raw_value)
            if raw_value is not None and text is not None:
                options.append(Option(value=raw_value, text=text, exclusive=exclusive))
        return options if ok else None

    def rows(self, path: str, value: object) -> list[Option] | None:
        if value is None:
            return None
        if not isinstance(value, list) or not value:
            self.error(path, '"rows" ska vara en lista med minst en rad')
            return None
        rows: list[Option] = []
        seen: set[str] = set()
        ok = True
        for number, raw in enumerate(value, start=1):
            if not isinstance(raw, Mapping):
                self.error(path, f"rad nr {number} ska vara en mappning, inte {_kind(raw)}")
                ok = False
                continue
            raw_id = raw.get("value")
            label = f'raden "{_short(raw_id)}"' if isinstance(raw_id, str) else f"rad nr {number}"
            self.check_keys(f"{path}, {label}", raw, ("value", "text"))
            row_id = self.identifier(path, f"{label}: value", raw_id)
            if row_id is not None and row_id in seen:
                self.error(path, f"{label} förekommer flera gånger")
                ok = False
            text = self.text(path, label, raw.get("text"))
            if row_id is None or text is None:
                ok = False
                continue
            seen.add(row_id)
            rows.append(Option(value=row_id, text=text))
        return rows if ok else None

    def condition(self, path: str, raw: object, depth: int = 0) -> Condition | None:
        label = 'villkoret ("show_if")'
        if depth > MAX_CONDITION_DEPTH:
            self.error(path, f"{label} är nästlat i mer än {MAX_CONDITION_DEPTH} nivåer")
            return None
        if not isinstance(raw, Mapping):
            self.error(path, f"{label} ska vara en mappning, inte {_kind(raw)}")
            return None
        forms = [key for key in ("item", "any", "all") if key in raw]
        if len(forms) != 1:
            self.error(
                path,
                f"{label} ska ha exakt en av formerna {{item: ..., in: [...]}}, {{any: [...]}} "
                "eller {all: [...]}",
            )
            return None
        if forms[0] == "item":
            self.check_keys(f"{path}, {label}", raw, ("item", "row", "in"))
            item_id = raw.get("item")
            row = raw.get("row")
            values = self.value_list(path, f'{label}: "in"', raw.get("in"))
            if not isinstance(item_id, str) or not item_id:
                self.error(path, f'{label}: "item" ska vara ett fråge-id')
                return None
            if row is not None and not isinstance(row, str):
                self.error(path, f'{label}: "row" ska vara ett rad-id')
                return None
            if values is None:
                return None
            return AnswerIn(item=item_id, values=tuple(values), row=row)
        form = forms[0]
        self.check_keys(f"{path}, {label}", raw, (form,))
        subs = raw[form]
        if not isinstance(subs, list) or not subs:
            self.error(path, f'{label}: "{form}" ska vara en lista med minst ett villkor')
            return None
        if len(subs) > MAX_CONDITION_PARTS:
            self.error(path, f'{label}: "{form}" har fler än {MAX_CONDITION_PARTS} villkor')
            return None
        conditions = [self.condition(path, sub, depth + 1) for sub in subs]
        if any(c is None for c in conditions):
            return None
        parts = tuple(c for c in conditions if c is not None)
        return AnyOf(parts) if form == "any" else AllOf(parts)

    def check_conditions(self) -> None:
        label = 'villkoret ("show_if")'
        for position, path, condition in self.pending_conditions:
            for leaf in condition_items(condition):
                where = self.positions.get(leaf.item)
                if where is None:
                    self.error(path, f'{label} hänvisar till frågan "{leaf.item}", som inte finns')
                    continue
                if where[0] == position:
                    self.error(path, f"{label} kan inte hänvisa till frågan själv")
                    continue
                if where[0] > position:
                    self.error(
                        path,
                        f'{label} hänvisar till frågan "{leaf.item}", som kommer senare i '
                        "enkäten; villkor får bara hänvisa till tidigare frågor",
                    )
                    continue
                source = self.parsed.get(leaf.item)
                if source is None:
                    continue  # the source item has its own errors
                if source.type not in OPTION_TYPES:
                    self.error(
                        path,
                        f'{label} hänvisar till frågan "{leaf.item}" av typen '
                        f'"{source.type.value}"; villkor kan bara bygga på frågor med alternativ',
                    )
                    continue
                if source.type is ItemType.MATRIX:
                    if leaf.row is None:
                        self.error(
                            path,
                            f'{label} hänvisar till matrisfrågan "{leaf.item}" och måste ange '
                            '"row"',
                        )
                    elif leaf.row not in source.row_ids:
                        self.error(
                            path,
                            f'{label} hänvisar till raden "{_short(leaf.row)}", som inte finns i '
                            f'frågan "{leaf.item}"',
                        )
                elif leaf.row is not None:
                    self.error(
                        path,
                        f'{label} anger "row", men frågan "{leaf.item}" är ingen matrisfråga',
                    )
                if source.options_from is None:
                    for value in leaf.values:
                        if value not in source.option_values:
                            self.error(
                                path,
                                f'{label} anger värdet "{_short(value)}", som inte är ett '
                                f'alternativ i frågan "{leaf.item}"',
                            )

    def analysis(self, raw: object) -> Analysis | None:
        path = 'analysblocket ("analysis")'
        if not isinstance(raw, Mapping):
            if raw is None:
                self.error("enkäten", 'nyckeln "analysis" saknas')
            else:
                self.error(path, f"ska vara en mappning, inte {_kind(raw)}")
            return None
        errors_before = len(self.errors)
        data: Mapping[Any, Any] = raw
        self.check_keys(path, data, _ANALYSIS_KEYS)

        def ids(key: str, allowed: Iterable[ItemType], *, empty_ok: bool = False) -> list[str]:
            value = data.get(key)
            if value is None:
                if not empty_ok:
                    self.error(path, f'nyckeln "{key}" saknas')
                return []
            if not isinstance(value, list) or (not value and not empty_ok):
                self.error(path, f'"{key}" ska vara en lista med fråge-id')
                return []
            result: list[str] = []
            for element in value:
                if isinstance(element, str) and self.known(path, key, element, allowed):
                    result.append(element)
                elif not isinstance(element, str):
                    self.error(path, f'"{key}" innehåller {_kind(element)}, inte ett fråge-id')
            return result

        def one(key: str, allowed: Iterable[ItemType], *, optional: bool) -> str | None:
            value = data.get(key)
            if value is None:
                if not optional:
                    self.error(path, f'nyckeln "{key}" saknas')
                return None
            if not isinstance(value, str):
                self.error(path, f'"{key}" ska vara ett fråge-id, inte {_kind(value)}')
                return None
            self.known(path, key, value, allowed)
            return value

        exposure = ids("exposure_items", (ItemType.SCALE, ItemType.SINGLE))
        exposed_values = self.value_list(path, '"exposed_values"', data.get("exposed_values"))
        for item_id in exposure:
            source = self.parsed.get(item_id)
            if source is not None and exposed_values is not None:
                for value in exposed_values:
                    if value not in source.option_values:
                        self.error(
                            path,
                            f'"exposed_values" anger värdet "{_short(value)}", som inte är ett '
                            f'alternativ i frågan "{item_id}"',
                        )
        consequence = ids("consequence_items", OPTION_TYPES, empty_ok=True)
        choice = (ItemType.SINGLE, ItemType.MULTIPLE)
        reported = one("reported_item", choice, optional=False)
        perpetrator = one("perpetrator_item", choice, optional=True)
        channel = one("channel_item", choice, optional=True)
        if len(self.errors) > errors_before or reported is None or exposed_values is None:
            return None
        return Analysis(
            exposure_items=tuple(exposure),
            exposed_values=tuple(exposed_values),
            consequence_items=tuple(consequence),
            reported_item=reported,
            perpetrator_item=perpetrator,
            channel_item=channel,
        )

    def known(self, path: str, key: str, item_id: str, allowed: Iterable[ItemType]) -> bool:
        if item_id not in self.positions:
            self.error(path, f'"{key}" hänvisar till frågan "{_short(item_id)}", som inte finns')
            return False
        source = self.parsed.get(item_id)
        allowed = tuple(allowed)
        if source is not None and source.type not in allowed:
            names = ", ".join(t.value for t in allowed)
            self.error(
                path,
                f'"{key}" hänvisar till frågan "{item_id}" av typen "{source.type.value}" '
                f"(tillåtna typer: {names})",
            )
            return False
        return True


def parse_mapping(data: object) -> Questionnaire:
    """Build and validate a questionnaire from plain data (as loaded from YAML or JSON).

    Raises :class:`QuestionnaireError` listing every problem found."""
    parser = _Parser()
    questionnaire = parser.questionnaire(data)
    if parser.errors or questionnaire is None:
        raise QuestionnaireError(parser.errors or ["Enkäten är ogiltig"])
    return questionnaire


def parse_yaml(text: str) -> Questionnaire:
    """Parse and validate a questionnaire written in YAML; see :func:`parse_mapping`."""
    return yaml12.parse_text(text, parse_mapping, QuestionnaireError)


def load_default() -> Questionnaire:
    """The project's default template, ``questionnaires/otillaten_paverkan.yaml``."""
    resource = resources.files(__package__ or "samverkan.surveys").joinpath(
        "questionnaires", DEFAULT_RESOURCE
    )
    return parse_yaml(resource.read_text(encoding="utf-8"))


# --------------------------------------------------------------------------------------------
# Serialisation


def _text_data(text: Text) -> dict[str, str]:
    return dict(text.items())


def condition_to_data(condition: Condition) -> dict[str, Any]:
    """A condition as plain data: ``{"item", "row"?, "in"}``, ``{"any": [...]}`` or
    ``{"all": [...]}`` (the YAML form; also what the browser evaluates)."""
    if isinstance(condition, AnswerIn):
        data: dict[str, Any] = {"item": condition.item}
        if condition.row is not None:
            data["row"] = condition.row
        data["in"] = list(condition.values)
        return data
    key = "any" if isinstance(condition, AnyOf) else "all"
    return {key: [condition_to_data(sub) for sub in condition.conditions]}


def _item_data(item: Item) -> dict[str, Any]:
    data: dict[str, Any] = {"id": item.id, "type": item.type.value}
    if item.stratum is not None:
        data["stratum"] = item.stratum.value
    if item.required:
        data["required"] = True
    if item.options_from is not None:
        data["options_from"] = item.options_from
    if item.show_if is not None:
        data["show_if"] = condition_to_data(item.show_if)
    data["text"] = _text_data(item.text)
    if item.short is not None:
        data["short"] = _text_data(item.short)
    if item.help is not None:
        data["help"] = _text_data(item.help)
    if item.warning is not None:
        data["warning"] = _text_data(item.warning)
    if item.min is not None:
        data["min"] = item.min
    if item.max is not None:
        data["max"] = item.max
    if item.rows:
        data["rows"] = [{"value": row.value, "text": _text_data(row.text)} for row in item.rows]
    if item.options:
        options: list[dict[str, Any]] = []
        for option in item.options:
            entry: dict[str, Any] = {"value": option.value, "text": _text_data(option.text)}
            if option.exclusive:
                entry["exclusive"] = True
            options.append(entry)
        data["options"] = options
    return data


def to_mapping(questionnaire: Questionnaire) -> dict[str, Any]:
    """Plain data in the documented format; defaults are left out."""
    sections: list[dict[str, Any]] = []
    for section in questionnaire.sections:
        entry: dict[str, Any] = {"id": section.id, "title": _text_data(section.title)}
        if section.intro is not None:
            entry["intro"] = _text_data(section.intro)
        entry["items"] = [_item_data(item) for item in section.items]
        sections.append(entry)
    a = questionnaire.analysis
    analysis: dict[str, Any] = {
        "exposure_items": list(a.exposure_items),
        "exposed_values": list(a.exposed_values),
        "consequence_items": list(a.consequence_items),
        "reported_item": a.reported_item,
    }
    if a.perpetrator_item is not None:
        analysis["perpetrator_item"] = a.perpetrator_item
    if a.channel_item is not None:
        analysis["channel_item"] = a.channel_item
    data: dict[str, Any] = {
        "key": questionnaire.key,
        "version": questionnaire.version,
        "title": _text_data(questionnaire.title),
        "intro": _text_data(questionnaire.intro),
    }
    if questionnaire.reference_period is not None:
        data["reference_period"] = _text_data(questionnaire.reference_period)
    data["sections"] = sections
    data["analysis"] = analysis
    return data


def to_yaml(questionnaire: Questionnaire) -> str:
    """YAML text such that ``parse_yaml(to_yaml(q)) == q``."""
    return yaml.safe_dump(to_mapping(questionnaire), allow_unicode=True, sort_keys=False, width=100)


def fingerprint(questionnaire: Questionnaire) -> str:
    """SHA-256 (hex) of a canonical JSON form of the whole content: equal content gives an
    equal fingerprint, any change of wording, options, conditions or analysis changes it.
    Texts keep their ``{period}`` placeholders, so the waves' periods do not change it."""
    canonical = json.dumps(
        to_mapping(questionnaire), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


# --------------------------------------------------------------------------------------------
# The reference period


def _fill(text: FrozenText | None, period: Text) -> FrozenText | None:
    if text is None:
        return None
    filled: dict[str, str] = {}
    for language, value in text.items():
        words = period.get(language) or period.get("sv") or ""
        for placeholder in PLACEHOLDERS:
            value = value.replace("{" + placeholder + "}", words)
        filled[language] = value
    return FrozenText(filled)


def _fill_options(options: tuple[Option, ...], period: Text) -> tuple[Option, ...]:
    return tuple(replace(o, text=_fill(_freeze_text(o.text), period) or o.text) for o in options)


def fill_period(questionnaire: Questionnaire, period: Text) -> Questionnaire:
    """The questionnaire with ``{period}`` in every text replaced by ``period`` (text per
    language, e.g. ``{"sv": "1 december 2025–30 november 2026", "en": ...}``): what a
    respondent of a wave with that period reads. Compute fingerprints on the unfilled one."""

    def fill(text: Text | None) -> Any:
        return _fill(_freeze_text(text), period)

    sections = tuple(
        replace(
            section,
            title=fill(section.title),
            intro=fill(section.intro),
            items=tuple(
                replace(
                    item,
                    text=fill(item.text),
                    help=fill(item.help),
                    warning=fill(item.warning),
                    short=fill(item.short),
                    options=_fill_options(item.options, period),
                    rows=_fill_options(item.rows, period),
                )
                for item in section.items
            ),
        )
        for section in questionnaire.sections
    )
    return replace(
        questionnaire,
        title=fill(questionnaire.title),
        intro=fill(questionnaire.intro),
        sections=sections,
    )


# --------------------------------------------------------------------------------------------
# Visibility and answers


def _split(value: str) -> list[str]:
    return [part.strip() for part in value.split(";") if part.strip()]


def _given_values(item: Item, answers: Mapping[str, object], row: str | None) -> set[str]:
    """The option values given for ``item`` (a matrix: for ``row``), tolerating both raw
    (form/CSV) and normalised answers; anything unreadable counts as no answer."""
    if item.type is ItemType.MATRIX:
        if row is None:
            return set()
        value = answers.get(item.matrix_key(row))
        if value is None:
            whole = answers.get(item.id)
            value = whole.get(row) if isinstance(whole, Mapping) else None
    else:
        value = answers.get(item.id)
    if isinstance(value, str):
        return set(_split(value)) if item.type is ItemType.MULTIPLE else {value.strip()}
    if isinstance(value, list | tuple | set | frozenset):
        found: set[str] = set()
        for element in value:
            if isinstance(element, str):
                found.update(_split(element) if item.type is ItemType.MULTIPLE else [element])
        return found
    return set()


def _holds(q: Questionnaire, condition: Condition, answers: Mapping[str, object]) -> bool:
    if isinstance(condition, AnswerIn):
        try:
            source = q.item(condition.item)
        except KeyError:
            return False
        return bool(_given_values(source, answers, condition.row) & set(condition.values))
    if isinstance(condition, AnyOf):
        return any(_holds(q, sub, answers) for sub in condition.conditions)
    return all(_holds(q, sub, answers) for sub in condition.conditions)


def _answer_keys(item: Item) -> list[str]:
    if item.type is ItemType.MATRIX:
        return [item.id, *(item.matrix_key(row) for row in item.row_ids)]
    return [item.id]


def visible_items(questionnaire: Questionnaire, answers: Mapping[str, object]) -> list[Item]:
    """The items to show given the answers so far (raw or normalised).

    An item is visible when it has no condition or its condition holds; answers to items that
    are themselves hidden are ignored, so a whole chain of follow-ups disappears together."""
    visible: list[Item] = []
    seen: dict[str, object] = {}
    for item in questionnaire.items:
        if item.show_if is None or _holds(questionnaire, item.show_if, seen):
            visible.append(item)
            for key in _answer_keys(item):
                if key in answers:
                    seen[key] = answers[key]
    return visible


def is_exposed(questionnaire: Questionnaire, answers: Mapping[str, object]) -> bool:
    """Whether the (normalised) answers report any exposure in the reference period."""
    exposed = set(questionnaire.analysis.exposed_values)
    for item_id in questionnaire.analysis.exposure_items:
        if _given_values(questionnaire.item(item_id), answers, None) & exposed:
            return True
    return False


# Why an answer is invalid. The respondent form shows each code's message in the form's
# language (``surveys/answer_messages.py``); this table is the Swedish text the pure module
# gives where no translation is at hand (paper imports, the command line, tests).
_SWEDISH_MESSAGES = {
    "choose_one": "Välj ett av alternativen.",
    "choose_only_one": "Välj bara ett av alternativen.",
    "choose_some": "Välj minst ett alternativ.",
    "format": "Svaret har fel format.",
    "required_text": "Fältet måste fyllas i.",
    "text_too_long": "Texten får vara högst {limit} tecken.",
    "text_bad_chars": "Texten innehåller otillåtna tecken.",
    "not_an_option": 'Värdet "{value}" är inte ett av alternativen.',
    "number_range": "Ange ett heltal mellan {min} och {max}.",
    "exclusive": 'Alternativet "{option}" kan inte kombineras med andra alternativ.',
}


@dataclass(frozen=True)
class AnswerProblem:
    """Why one answer is invalid: ``code`` (a key of the message table) and the values its
    message names (``limit``; ``value``; ``min`` and ``max``; ``option``, the exclusive
    option's text by language)."""

    code: str
    values: Mapping[str, Any] = field(default_factory=dict)

    def option_text(self, language: str) -> str:
        """The exclusive option's text in ``language`` (Swedish where it has none)."""
        text = self.values.get("option") or {}
        return str(text.get(language) or text.get("sv") or next(iter(text.values()), ""))

    def swedish(self) -> str:
        values = {**self.values, "option": self.option_text("sv")}
        return _SWEDISH_MESSAGES[self.code].format(**values)

    def __str__(self) -> str:
        return self.swedish()


_CHOOSE_ONE = AnswerProblem("choose_one")
_CHOOSE_ONLY_ONE = AnswerProblem("choose_only_one")
_CHOOSE_SOME = AnswerProblem("choose_some")
_FORMAT = AnswerProblem("format")
_REQUIRED_TEXT = AnswerProblem("required_text")
_TEXT_TOO_LONG = AnswerProblem("text_too_long", {"limit": TEXT_MAX_LENGTH})
_TEXT_BAD_CHARS = AnswerProblem("text_bad_chars")


def _not_an_option(value: str) -> AnswerProblem:
    return AnswerProblem("not_an_option", {"value": _short(value)})


def _number_message(item: Item) -> AnswerProblem:
    return AnswerProblem("number_range", {"min": item.min, "max": item.max})


class _Invalid(ValueError):
    """An answer that is readable but wrong, with why."""

    def __init__(self, problem: AnswerProblem) -> None:
        self.problem = problem
        super().__init__(problem.swedish())


def _blank(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    if isinstance(value, list | tuple):
        return all(isinstance(v, str) and not v.strip() for v in value)
    return False


class _Unreadable(Exception):
    pass


def _one_string(value: object) -> str:
    """A single choice: a string, or a list holding exactly one non-blank string."""
    if isinstance(value, str):
        return value.strip()
    if isinstance(value, list | tuple):
        if not all(isinstance(v, str) for v in value):
            raise _Unreadable
        strings = [v.strip() for v in value if v.strip()]
        if len(strings) > 1:
            raise _Invalid(_CHOOSE_ONLY_ONE)
        return strings[0] if strings else ""
    raise _Unreadable


def validate_answers(
    questionnaire: Questionnaire,
    raw: Mapping[str, object],
    *,
    municipalities: Sequence[str] = (),
) -> dict[str, object]:
    """Check and normalise one respondent's answers from a form or a CSV row.

    Returns ``{item id: value}`` for the visible, answered items only: single/scale -> str,
    multiple -> sorted list[str], matrix -> {row id: str}, number -> int, text -> str (stripped).
    Answers to hidden items are dropped. ``municipalities`` are the allowed values of an item
    with ``options_from: municipalities``. Raises :class:`AnswerError` (problems keyed by
    item id or ``ITEMID__ROWID``)."""
    clean: dict[str, object] = {}
    errors: dict[str, AnswerProblem] = {}
    allowed_municipalities = [m for m in municipalities if isinstance(m, str)]
    for item in questionnaire.items:
        if item.show_if is not None and not _holds(questionnaire, item.show_if, clean):
            continue
        if item.type is ItemType.MATRIX:
            _matrix(item, raw, clean, errors)
            continue
        value = raw.get(item.id)
        try:
            if item.type in (ItemType.SINGLE, ItemType.SCALE):
                allowed = (
                    allowed_municipalities if item.options_from is not None else item.option_values
                )
                _single(item, value, allowed, clean, errors)
            elif item.type is ItemType.MULTIPLE:
                _multiple(item, value, clean, errors)
            elif item.type is ItemType.NUMBER:
                _number(item, value, clean, errors)
            else:
                _text(item, value, clean, errors)
        except _Unreadable:
            errors[item.id] = _FORMAT
        except _Invalid as exc:
            errors[item.id] = exc.problem
    if errors:
        raise AnswerError(errors)
    return clean


def _single(
    item: Item,
    value: object,
    allowed: Sequence[str],
    clean: dict[str, object],
    errors: dict[str, AnswerProblem],
) -> None:
    choice = "" if value is None else _one_string(value)
    if not choice:
        if item.required:
            errors[item.id] = _CHOOSE_ONE
        return
    if choice not in allowed:
        errors[item.id] = _not_an_option(choice)
        return
    clean[item.id] = choice


def _multiple(
    item: Item, value: object, clean: dict[str, object], errors: dict[str, AnswerProblem]
) -> None:
    parts: list[str] = []
    if value is None:
        pass
    elif isinstance(value, str):
        parts = _split(value)
    elif isinstance(value, list | tuple):
        for element in value:
            if not isinstance(element, str):
                raise _Unreadable
            parts.extend(_split(element))
    else:
        raise _Unreadable
    if not parts:
        if item.required:
            errors[item.id] = _CHOOSE_SOME
        return
    chosen = sorted(set(parts))
    for part in chosen:
        if part not in item.option_values:
            errors[item.id] = _not_an_option(part)
            return
    if len(chosen) > 1:
        for part in chosen:
            option = item.option(part)
            if option.exclusive:
                errors[item.id] = AnswerProblem("exclusive", {"option": dict(option.text)})
                return
    clean[item.id] = chosen


def _matrix(
    item: Item,
    raw: Mapping[str, object],
    clean: dict[str, object],
    errors: dict[str, AnswerProblem],
) -> None:
    whole = raw.get(item.id)
    if whole is not None and not isinstance(whole, Mapping):
        if not _blank(whole):
            errors[item.id] = _FORMAT
            return
        whole = None
    answered: dict[str, str] = {}
    for row in item.row_ids:
        key = item.matrix_key(row)
        value = raw.get(key)
        if value is None and whole is not None:
            value = whole.get(row)
        try:
            choice = "" if value is None else _one_string(value)
        except _Unreadable:
            errors[key] = _FORMAT
            continue
        except _Invalid as exc:
            errors[key] = exc.problem
            continue
        if not choice:
            if item.required:
                errors[key] = _CHOOSE_ONE
            continue
        if choice not in item.option_values:
            errors[key] = _not_an_option(choice)
            continue
        answered[row] = choice
    if answered:
        clean[item.id] = answered


def _number(
    item: Item, value: object, clean: dict[str, object], errors: dict[str, AnswerProblem]
) -> None:
    assert item.min is not None and item.max is not None
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    if _blank(value):
        if item.required:
            errors[item.id] = _number_message(item)
        return
    number: int
    if isinstance(value, bool):
        raise _Unreadable
    if isinstance(value, int):
        number = value
    elif isinstance(value, str) and _INT_RE.fullmatch(value.strip()):
        number = int(value.strip())
    elif isinstance(value, str):
        errors[item.id] = _number_message(item)
        return
    else:
        raise _Unreadable
    if not item.min <= number <= item.max:
        errors[item.id] = _number_message(item)
        return
    clean[item.id] = number


def _text(
    item: Item, value: object, clean: dict[str, object], errors: dict[str, AnswerProblem]
) -> None:
    if isinstance(value, list | tuple) and len(value) == 1:
        value = value[0]
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise _Unreadable
    text = value.strip()
    if not text:
        if item.required:
            errors[item.id] = _REQUIRED_TEXT
        return
    if len(text) > TEXT_MAX_LENGTH:
        errors[item.id] = _TEXT_TOO_LONG
        return
    if _BAD_CHARS_RE.search(text):
        errors[item.id] = _TEXT_BAD_CHARS
        return
    clean[item.id] = text
