"""Every endpoint of the application, found from the URL configuration and the API
router (so new endpoints are covered by the tests that use this list)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.urls import URLPattern, URLResolver, get_resolver

from samverkan.core.scoping import ScopedRecord

# Parametrised endpoints that do not show any organisation's records, and why.
AGREEMENT_REASON = (
    "an agreement is read by the members and parties of its collaboration, not per record"
    " owner: see tests/collaboration/test_agreement.py (isolation)"
)
NOT_RECORD_DETAIL = {
    "samverkan/<uuid:pk>/": AGREEMENT_REASON,
    "samverkan/<uuid:pk>/historik/": AGREEMENT_REASON,
    "samverkan/<uuid:pk>/beslut/": AGREEMENT_REASON,
    "samverkan/<uuid:pk>/ny-part/": AGREEMENT_REASON,
    "samverkan/<uuid:pk>/uttrade/": AGREEMENT_REASON,
    "samverkan/<uuid:pk>/krav/": AGREEMENT_REASON,
    "samverkan/<uuid:pk>/funktion/": AGREEMENT_REASON,
    "samverkan/beslut/<uuid:pk>/dokument/": AGREEMENT_REASON,
    "api/v1/collaboration/agreements/<pk>/": AGREEMENT_REASON,
    "api/v1/collaboration/agreements/<pk>/decisions/": AGREEMENT_REASON,
    "api/v1/organisations/<pk>/": "the organisation directory (names and types) is shared",
    "api/v1/jobs/<pk>/": "jobs are per user: see test_jobs_are_private",
    "api/v1/audit/<hash>/": (
        "audit entries are scoped by auditor role and level: see test_audit, test_audit_levels"
    ),
    "jobb/<uuid:pk>/": "jobs are per user: see test_jobs_are_private",
    "enkater/formular/<uuid:uid>/": (
        "a questionnaire is read within its organisation's collaborations and its waves:"
        " see test_scope_gaps"
    ),
    "enkater/formular/<uuid:uid>/andra/": (
        "a questionnaire is read within its organisation's collaborations and its waves:"
        " see test_scope_gaps"
    ),
    "enkat/svar/<str:token>/": "a respondent's one-time link: see tests/surveys",
    "matchning/korningar/<uuid:pk>/": (
        "a run belongs to its collaboration and shows each viewer only its own organisation's"
        " counts: see tests/matching/test_views"
    ),
}
# Values for URL parameters that are not object ids.
FIXED_PARAMS = {"fmt": "csv"}
# Prefixes that are not part of the application's own data surface.
SKIPPED_PREFIXES = ("admin/", "i18n/", "static/", "api/schema", "api/docs")


@dataclass(frozen=True)
class Endpoint:
    route: str
    view: Any

    @property
    def has_params(self) -> bool:
        """Whether the URL takes an object id (format parameters do not count)."""
        names = re.findall(r"<(?:\w+:)?(\w+)>", self.route)
        return any(name not in FIXED_PARAMS for name in names)

    @property
    def scoped_model(self) -> type[ScopedRecord] | None:
        model = getattr(self.view, "scoped_model", None)
        if model is None and hasattr(self.view, "cls"):
            queryset = getattr(self.view.cls, "queryset", None)
            model = getattr(queryset, "model", None)
        if isinstance(model, type) and issubclass(model, ScopedRecord):
            return model
        return None

    def url(self, pk: Any = None, **extra: Any) -> str:
        """The URL with ``pk`` for the object id; other parameters from ``extra`` (ids of
        the object's parts) or FIXED_PARAMS."""
        values = {**FIXED_PARAMS, **{k: str(v) for k, v in extra.items()}}
        path = re.sub(r"<(?:\w+:)?(\w+)>", lambda m: values.get(m.group(1), str(pk)), self.route)
        path = path.replace("^", "").replace("$", "").replace("\\.", ".")
        path = re.sub(r"\(\?P<\w+>[^)]*\)", str(pk), path)
        path = re.sub(r"\\?\.\(\?P<format>[a-z0-9]+\)/?", "", path)
        return "/" + path


def _walk(patterns: list[Any], prefix: str = "") -> list[Endpoint]:
    found: list[Endpoint] = []
    for entry in patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            found.extend(_walk(entry.url_patterns, route))
        elif isinstance(entry, URLPattern):
            found.append(Endpoint(route, entry.callback))
    return found


def endpoints() -> list[Endpoint]:
    result = []
    for ep in _walk(get_resolver().url_patterns):
        if ep.route.startswith(SKIPPED_PREFIXES) or "format" in ep.route:
            continue
        # DRF's regex routes: normalise to path-like strings.
        route = re.sub(r"\(\?P<(\w+)>\[\^/\.\]\+\)", r"<\1>", ep.route)
        route = route.replace("^", "").replace("$", "")
        result.append(Endpoint(route, ep.view))
    return result


ALL = endpoints()
PARAM = [e for e in ALL if e.has_params]
PLAIN = [e for e in ALL if not e.has_params]
