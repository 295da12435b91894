"""Job kinds. Each app registers the kinds of long work it runs in the background."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise

# A handler gets the job's parameters, the user who started it and a progress
# callback (current, total, message); it returns a JSON-serialisable result.
Progress = Callable[[int, int, str], None]
Handler = Callable[[dict[str, Any], Any, Progress], dict[str, Any]]


@dataclass(frozen=True)
class JobKind:
    key: str
    label: str | Promise
    handler: Handler


_KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> None:
    _KINDS[kind.key] = kind


def get(key: str) -> JobKind:
    return _KINDS[key]


def label(key: str) -> str | Promise:
    kind = _KINDS.get(key)
    return kind.label if kind else key
