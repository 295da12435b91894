"""A strict YAML loader for configuration documents (questionnaires, the legal toolbox,
the match type catalogue).

Pure: PyYAML only. PyYAML follows YAML 1.1, where ``no``, ``yes``, ``on`` and ``off`` are
booleans, ``30_49`` is the integer 3049, ``017`` is octal and ``1:30`` is sexagesimal. Option
values and labels such as ``no`` and ``30_49`` must stay text, so this loader uses the YAML 1.2
rules: only ``true``/``false`` are booleans and only plain decimal numbers are numbers. A key
given twice in one mapping is an error (with a Swedish message), not a silent overwrite.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

import yaml

T = TypeVar("T")


@dataclass(frozen=True)
class Label:
    """A user-visible text of a configuration document, in Swedish and English."""

    sv: str
    en: str

    def get(self, language: str) -> str:
        """The text in ``language`` (``sv`` or ``en``); Swedish for any other code."""
        return self.en if language == "en" else self.sv

    def __str__(self) -> str:
        return self.sv


class StrictLoader(yaml.SafeLoader):
    """Safe loader with YAML 1.2 scalar rules and no duplicate keys."""


_REPLACED_TAGS = {"tag:yaml.org,2002:bool", "tag:yaml.org,2002:int", "tag:yaml.org,2002:float"}
StrictLoader.yaml_implicit_resolvers = {
    first: [(tag, rx) for tag, rx in resolvers if tag not in _REPLACED_TAGS]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:int",
    re.compile(r"^[-+]?(?:0|[1-9][0-9]*)$"),
    list("-+0123456789"),
)
StrictLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(
        r"^(?:[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?"
        r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN))$"
    ),
    list("-+.0123456789"),
)


def shorten(value: object, limit: int = 40) -> str:
    """A value as text for an error message, cut to ``limit`` characters."""
    text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def describe_kind(value: object) -> str:
    """What kind of value a parsed YAML node is, in Swedish, for error messages."""
    if value is None:
        return "tomt värde"
    if isinstance(value, bool):
        return "sant/falskt"
    if isinstance(value, int | float):
        return "tal"
    if isinstance(value, str):
        return "text"
    if isinstance(value, Mapping):
        return "mappning"
    if isinstance(value, list | tuple):
        return "lista"
    return type(value).__name__


def _construct_mapping(loader: StrictLoader, node: yaml.MappingNode) -> dict[Any, Any]:
    loader.flatten_mapping(node)
    result: dict[Any, Any] = {}
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            duplicate = key in result
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "ohashbar nyckel", key_node.start_mark
            ) from None
        if duplicate:
            raise yaml.constructor.ConstructorError(
                None, None, f'nyckeln "{shorten(key)}" förekommer två gånger', key_node.start_mark
            )
        result[key] = loader.construct_object(value_node, deep=True)
    return result


StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


class DocumentError(ValueError):
    """The text is not a readable YAML document; the message is Swedish and says where."""


def load(text: str) -> Any:
    """Parse a document with the strict rules; any failure is a DocumentError."""
    try:
        return yaml.load(text, Loader=StrictLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f" på rad {mark.line + 1}, kolumn {mark.column + 1}" if mark else ""
        raise DocumentError(
            f"Dokumentet är inte giltig YAML{where}: {exc.problem or exc.context or ''}".strip()
        ) from None
    except yaml.YAMLError as exc:
        raise DocumentError(f"Dokumentet är inte giltig YAML: {exc}") from None
    except RecursionError:
        raise DocumentError("Dokumentet är för djupt nästlat") from None


def parse_text(text: str, parse: Callable[[Any], T], error: Callable[[list[str]], Exception]) -> T:
    """Load ``text`` with the strict rules and build a document with ``parse``; a YAML
    problem becomes ``error([message])`` (the document's own error type)."""
    try:
        data = load(text)
    except DocumentError as exc:
        raise error([str(exc)]) from None
    return parse(data)
