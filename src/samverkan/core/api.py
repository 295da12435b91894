"""API plumbing shared by every app."""

from __future__ import annotations

from collections.abc import Mapping
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, parsers
from rest_framework.response import Response
from rest_framework.utils import json
from rest_framework.views import exception_handler as drf_exception_handler

# Nesting deeper than this is refused (the API's documents nest two or three levels).
MAX_JSON_DEPTH = 32


def _too_deep(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists and objects more than ``limit`` levels (iteratively:
    a recursive walk would itself run out of stack)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        current, depth = stack.pop()
        if isinstance(current, dict):
            children: Any = current.values()
        elif isinstance(current, list):
            children = current
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser with limits: a body larger than SAMVERKAN_API_MAX_BODY_KB, or
    nested deeper than MAX_JSON_DEPTH, is a 400 ParseError (not a 500 from running out of
    stack or memory)."""

    def parse(
        self,
        stream: IO[Any],
        media_type: str | None = None,
        parser_context: Mapping[str, Any] | None = None,
    ) -> Any:
        limit = settings.API_MAX_BODY_KB * 1024
        raw = stream.read(limit + 1) if stream is not None else b""
        if len(raw) > limit:
            raise exceptions.ParseError(
                _("The request body is larger than %(kb)d KB.") % {"kb": settings.API_MAX_BODY_KB}
            )
        encoding = parsers.get_encoding(parser_context or {})  # type: ignore[attr-defined]
        try:
            text = raw.decode(encoding)
            data = json.loads(text, parse_constant=json.strict_constant if self.strict else None)
        except RecursionError:
            data = None
            too_deep = True
        except ValueError as exc:  # includes UnicodeDecodeError and JSONDecodeError
            raise exceptions.ParseError(
                _("The request body is not valid JSON: %(error)s") % {"error": exc}
            ) from None
        else:
            too_deep = _too_deep(data, MAX_JSON_DEPTH)
        if too_deep:
            raise exceptions.ParseError(
                _("The JSON is nested more than %(depth)d levels deep.") % {"depth": MAX_JSON_DEPTH}
            )
        return data


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Turn domain errors from services into API errors with field names."""
    if isinstance(exc, ValidationError):
        if hasattr(exc, "message_dict"):
            exc = exceptions.ValidationError(exc.message_dict)
        else:
            exc = exceptions.ValidationError({"detail": exc.messages})
    elif isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied(str(exc) or None)
    return drf_exception_handler(exc, context)
