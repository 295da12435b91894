"""The canary crawler: requests every URL pattern and API route of the application as one
viewer and reports every canary the viewer may not see.

What it requests is generated from the URL configuration (``endpoints.ALL``):

* endpoints without an object id: as they are and, for the widest roles (coordinator and
  auditor), with the search for every canary (``?q=Kanarie``), page 2 where there is one,
  each choice of the page's own filters, the htmx partial of pages that use htmx and the
  browsable API;
* endpoints with an object id of a scoped model: with the ids of up to three records
  of that model the viewer can see (records that carry derived content first), so that
  derived pages are rendered with content, and, for coordinators and the platform's
  viewers, with the ids of the hidden organisation's records they cannot see (which must
  answer 404, 403, 405 or a redirect to sign in);
* other parametrised endpoints: with ids from ``FILLERS``, or not at all if declared in
  ``NOT_CRAWLED`` with a reason;
* every export format (``<fmt>``) in ``FORMATS``; a page that asks for the purpose of a
  person look-up is given one and read again.

Bodies are read as text whatever they are: HTML (also without its tags), JSON, CSV,
GeoJSON, XLSX (openpyxl), PDF (pypdf) and gzip. Before crawling, the viewer starts every
kind of background job it may start, through the application's pages, and the job runs to
its end; a matching run's own counts become canaries of their own.
"""

from __future__ import annotations

import contextlib
import functools
import gzip
import html
import io
import json
import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any
from unittest import mock
from urllib.parse import urlencode

from django.contrib import admin
from django.db import transaction
from django.test import Client
from django.urls import reverse

from canarykit import HIDDEN, PERIOD, PURPOSE, SEARCH, Canary, CanaryWorld, Viewer
from endpoints import ALL, FIXED_PARAMS, Endpoint
from samverkan.organisations.roles import Action, Role

FORMATS = ("html", "csv", "json", "xlsx", "pdf", "geojson")
# Answers that reveal nothing about a record the viewer cannot see.
HIDDEN_STATUSES = {302, 401, 403, 404, 405}
MAX_VISIBLE = 3
MAX_HIDDEN = 2
HX = {"HTTP_HX_REQUEST": "true"}
WIDE_ROLES = {Role.COORDINATOR, Role.AUDITOR}

# Parametrised endpoints the crawler does not request, and why.
NOT_CRAWLED = {
    "enkat/svar/<str:token>/": (
        "a respondent's one-time link: its token is a secret sent to one respondent, not a"
        " record id (see tests/surveys)"
    ),
}


@dataclass(frozen=True)
class Target:
    """Values for an endpoint's URL parameters, and whether they name a record the viewer
    cannot see."""

    params: dict[str, Any]
    hidden: bool = False


def _organisations(cw: CanaryWorld, viewer: Viewer) -> list[Target]:
    from samverkan.organisations.models import Organisation

    # The directory is the same for everyone: the viewer's own and one other.
    own = [cw.org(viewer.org)] if viewer.org else []
    other = Organisation.objects.exclude(pk__in=[o.pk for o in own]).order_by("pk")[:1]
    return [Target({"pk": o.pk}) for o in [*own, *other]]


def _jobs(cw: CanaryWorld, viewer: Viewer) -> list[Target]:
    from samverkan.jobs.models import Job

    own = list(Job.objects.filter(created_by=viewer.user)) if viewer.user else []
    others = [j for j in cw.jobs if j.created_by_id != getattr(viewer.user, "pk", None)]
    if viewer.role not in (None, Role.COORDINATOR):
        others = []  # as for records: coordinators read the answers about others' jobs
    targets = [Target({"pk": j.pk}) for j in own]
    return targets + [Target({"pk": j.pk}, True) for j in others[:MAX_HIDDEN]]


def _audit_entries(cw: CanaryWorld, viewer: Viewer) -> list[Target]:
    from samverkan.audit.models import AuditEntry
    from samverkan.audit.selectors import audit_entries

    # Auditors read entries as (redacted) objects, named by their hash.
    visible = list(audit_entries(user=viewer.user)) if viewer.user else []
    seen = {e.hash for e in visible}
    hidden = (
        AuditEntry.objects.filter(subject_organisation_id=cw.org(HIDDEN).pk)
        .exclude(hash__in=seen)
        .order_by("-seq")
        .values_list("hash", flat=True)
    )
    # The newest entries the viewer may read, and a few about hidden records.
    return [Target({"hash": e.hash}) for e in visible[:MAX_VISIBLE]] + [
        Target({"hash": h}, True) for h in hidden[:MAX_HIDDEN]
    ]


def _questionnaires(cw: CanaryWorld, viewer: Viewer) -> list[Target]:
    from samverkan.surveys.models import QuestionnaireVersion
    from samverkan.surveys.selectors import questionnaire_list

    readable = set(
        questionnaire_list(user=viewer.user).values_list("uid", flat=True) if viewer.user else []
    )
    every = QuestionnaireVersion.objects.values_list("uid", flat=True)
    return [Target({"uid": uid}, uid not in readable) for uid in every]


def _runs(cw: CanaryWorld, viewer: Viewer) -> list[Target]:
    from samverkan.matching.models import MatchRun

    # Runs belong to the collaboration: the newest, which include the viewer's own.
    runs = MatchRun.objects.order_by("-created_at").values_list("pk", flat=True)
    return [Target({"pk": pk}) for pk in runs[:MAX_VISIBLE]]


def _agreements(cw: CanaryWorld, viewer: Viewer) -> list[Target]:
    from samverkan.collaboration.models import Agreement
    from samverkan.collaboration.selectors import agreement_list

    visible = set(
        agreement_list(user=viewer.user).values_list("pk", flat=True) if viewer.user else []
    )
    every = Agreement.objects.values_list("pk", flat=True)
    return [Target({"pk": pk}, pk not in visible) for pk in every]


def _decision_documents(cw: CanaryWorld, viewer: Viewer) -> list[Target]:
    from samverkan.collaboration.models import Decision
    from samverkan.collaboration.selectors import agreement_list

    visible = set(
        agreement_list(user=viewer.user).values_list("pk", flat=True) if viewer.user else []
    )
    rows = Decision.objects.values_list("pk", "agreement_id")
    return [Target({"pk": pk}, agreement not in visible) for pk, agreement in rows]


# Parametrised endpoints without a scoped model, and where their ids come from.
FILLERS: dict[str, Callable[[CanaryWorld, Viewer], list[Target]]] = {
    "api/v1/organisations/<pk>/": _organisations,
    "api/v1/jobs/<pk>/": _jobs,
    "jobb/<uuid:pk>/": _jobs,
    "api/v1/audit/<hash>/": _audit_entries,
    "enkater/formular/<uuid:uid>/": _questionnaires,
    "enkater/formular/<uuid:uid>/andra/": _questionnaires,
    "matchning/korningar/<uuid:pk>/": _runs,
    "samverkan/<uuid:pk>/": _agreements,
    "samverkan/<uuid:pk>/historik/": _agreements,
    "samverkan/<uuid:pk>/beslut/": _agreements,
    "samverkan/<uuid:pk>/ny-part/": _agreements,
    "samverkan/<uuid:pk>/uttrade/": _agreements,
    "samverkan/<uuid:pk>/krav/": _agreements,
    "samverkan/<uuid:pk>/funktion/": _agreements,
    "samverkan/beslut/<uuid:pk>/dokument/": _decision_documents,
    "api/v1/collaboration/agreements/<pk>/": _agreements,
    "api/v1/collaboration/agreements/<pk>/decisions/": _agreements,
}

# URL parameters naming a part of a record, and where their values come from.
PARTS: dict[str, Callable[[Any], Any]] = {
    "participation": lambda record: record.participations.values_list("uid", flat=True).first(),
    "task": lambda record: record.tasks.values_list("uid", flat=True).first(),
}


def param_names(endpoint: Endpoint) -> list[str]:
    return [
        name for name in re.findall(r"<(?:\w+:)?(\w+)>", endpoint.route) if name not in FIXED_PARAMS
    ]


def unfillable(endpoint: Endpoint) -> str | None:
    """Why the crawler cannot request ``endpoint``, or None if it can."""
    names = param_names(endpoint)
    if not names or endpoint.route in FILLERS or endpoint.route in NOT_CRAWLED:
        return None
    if endpoint.scoped_model is None:
        return "takes an object id but has no scoped model, FILLERS entry or NOT_CRAWLED reason"
    unknown = [n for n in names[1:] if n not in PARTS]
    if unknown:
        return f"takes {', '.join(unknown)}, which PARTS cannot fill"
    return None


def targets(cw: CanaryWorld, viewer: Viewer, endpoint: Endpoint) -> list[Target]:
    names = param_names(endpoint)
    if not names:
        return [Target({})]
    if endpoint.route in NOT_CRAWLED:
        return []
    if endpoint.route in FILLERS:
        return FILLERS[endpoint.route](cw, viewer)
    model: Any = endpoint.scoped_model
    visible: list[Any] = []
    if viewer.user is not None:
        qs = model.objects.restrict(viewer.user, Action.VIEW)
        ids = set(qs.values_list("pk", flat=True))
        telling = [r for r in cw.telling if type(r) is model and r.pk in ids]
        rest = list(qs.exclude(pk__in=[r.pk for r in telling]).order_by("pk")[:MAX_VISIBLE])
        visible = (telling + rest)[:MAX_VISIBLE]
    # Every role answers 404 for every hidden record (the isolation matrix checks that);
    # here coordinators and the platform's viewers read those answers for canaries.
    hidden: list[Any] = []
    if viewer.role in (None, Role.COORDINATOR):
        hidden = [r for r in cw.hidden.get(model, []) if not viewer.sees(r)][:MAX_HIDDEN]
    found = []
    for record, is_hidden in [(r, False) for r in visible] + [(r, True) for r in hidden]:
        params = {"pk": record.pk}
        for name in names[1:]:
            params[name] = PARTS[name](record)
        if all(v is not None for v in params.values()):
            found.append(Target(params, is_hidden))
    return found


# --------------------------------------------------------------------------- bodies


def _pdf_text(body: bytes) -> str:
    from pypdf import PdfReader

    return "\n".join(page.extract_text() or "" for page in PdfReader(io.BytesIO(body)).pages)


def _xlsx_text(body: bytes) -> str:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(body), read_only=True)
    cells = []
    for sheet in book.worksheets:
        for row in sheet.iter_rows(values_only=True):
            for value in row:
                if isinstance(value, float) and value.is_integer():
                    value = int(value)
                cells.append("" if value is None else str(value))
    return " | ".join(cells)


def body_text(response: Any) -> str:
    """Everything a response shows, as text."""
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if body[:2] == b"\x1f\x8b":
        body = gzip.decompress(body)
    if body.startswith(b"%PDF"):
        text = _pdf_text(body)
    elif body[:2] == b"PK":
        text = _xlsx_text(body)
    else:
        text = body.decode("utf-8", "replace").lstrip("\ufeff")
        if "json" in response.get("Content-Type", ""):
            with contextlib.suppress(ValueError):
                text += "\n" + json.dumps(json.loads(text), ensure_ascii=False)
        text = html.unescape(text + "\n" + re.sub(r"<[^>]*>", " ", text))
    text += "\n" + response.get("Location", "")
    return re.sub(r"\s+", " ", text)


# --------------------------------------------------------------------------- crawling


@dataclass(frozen=True)
class Leak:
    viewer: str
    url: str
    canary: str
    context: str

    def __str__(self) -> str:
        return f"{self.viewer} {self.url}: {self.canary}\n      …{self.context}…"


@dataclass
class Report:
    """What the crawls of one test found, and what they learnt on the way."""

    leaks: list[Leak] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    witnessed: set[str] = field(default_factory=set)
    requests: int = 0
    # Routes (and route, format pairs) that GET cannot reach: answered 405, or 404 for a
    # format the endpoint does not have.
    unreachable: set[Any] = field(default_factory=set)
    # Documents (PDF) already read by a role of the same organisation reading the same
    # confidentiality levels (see Crawl.get).
    documents: set[Any] = field(default_factory=set)
    pdf_routes: set[Any] = field(default_factory=set)

    def summary(self, group: str, unseen: list[str]) -> str:
        """Every leak, grouped by canary, then everything else that went wrong."""
        lines = [f"{self.requests} requests as {group}"]
        by_canary: dict[str, list[Leak]] = {}
        for leak in self.leaks:
            by_canary.setdefault(leak.canary, []).append(leak)
        if by_canary:
            lines.append(f"{len(self.leaks)} leaks of {len(by_canary)} canaries:")
        for canary, leaks in by_canary.items():
            lines.append(f"* {canary}")
            lines.append(f"    e.g. …{leaks[0].context}…")
            for leak in leaks:
                lines.append(f"    {leak.viewer}: {leak.url}")
        if self.problems:
            lines.append(f"{len(self.problems)} answers that must not happen:")
            lines += [f"    {p}" for p in self.problems]
        if unseen:
            lines.append(
                "canaries that no member of the organisation was ever shown (the pattern or"
                " the crawl is wrong, or the page lost what it should show):"
            )
            lines += [f"    {name}" for name in unseen]
        return "\n".join(lines)


@dataclass
class Crawl:
    cw: CanaryWorld
    viewer: Viewer
    report: Report
    canaries: list[Canary] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.client = Client(raise_request_exception=False)
        if self.viewer.user is not None:
            self.client.force_login(self.viewer.user)
        self.canaries = list(self.cw.canaries)

    @property
    def wide(self) -> bool:
        return self.viewer.role in WIDE_ROLES

    def check(self, url: str, response: Any, *, hidden: bool = False, own: str = "") -> str:
        self.report.requests += 1
        if response.status_code >= 500:
            self.report.problems.append(f"{self.viewer.label} {url}: {response.status_code}")
        if hidden and response.status_code not in HIDDEN_STATUSES:
            self.report.problems.append(
                f"{self.viewer.label} {url}: {response.status_code} for a record it"
                " cannot see (expected 404)"
            )
        text = body_text(response)
        if own:
            text = text.replace(own, " ")
        low = text.lower()
        for canary in self.canaries:
            if canary.hint is not None and canary.hint not in low:
                continue
            match = canary.pattern.search(text)
            if match is None:
                continue
            if canary.allowed(self.viewer):
                if canary.witness == self.viewer.org:
                    self.report.witnessed.add(canary.name)
                continue
            start, end = max(0, match.start() - 70), min(len(text), match.end() + 70)
            self.report.leaks.append(
                Leak(self.viewer.label, url, canary.name, text[start:end].strip())
            )
        return text

    def get(
        self, url: str, route: str, *, hidden: bool = False, hx: bool = False, fmt: str = ""
    ) -> str | None:
        """Request ``url`` and check what it shows; None if GET cannot reach it."""
        memory = self.report
        if route in memory.unreachable or (route, fmt) in memory.unreachable:
            return None
        # Rendering a PDF is slow, and a document shows what the viewer's organisation may
        # read at the levels the role reads: one role per organisation and levels reads it.
        document = (self.viewer.org, self.viewer.levels, url, hx)
        if (route, fmt) in memory.pdf_routes and document in memory.documents:
            return None
        response = self.client.get(url, **(HX if hx else {}))
        if response.get("Content-Type", "").startswith("application/pdf"):
            memory.pdf_routes.add((route, fmt))
            memory.documents.add(document)
        if response.status_code == 405 and self.viewer.user is not None:
            memory.unreachable.add(route)
        if fmt and response.status_code == 404 and not hidden and self.viewer.user is not None:
            memory.unreachable.add((route, fmt))
        label = f"GET {url}" + (" [htmx]" if hx else "")
        # A page may repeat the address asked for (the language switch does): an id in the
        # viewer's own request reveals nothing.
        own = url.split("?")[0] if re.search(r"/[0-9a-f-]{8,}/|/\d+/", url) else ""
        text = self.check(label, response, hidden=hidden, own=own)
        if not hidden and response.status_code == 200 and 'name="purpose"' in text:
            # Person-level data: state a purpose as the page asks, then read it.
            self.check(f"POST {url}", self.client.post(url, {"purpose": PURPOSE}), own=own)
            text = self.check(f"GET {url} (after a purpose)", self.client.get(url), own=own)
        return text

    def endpoint(self, endpoint: Endpoint) -> None:
        route = endpoint.route
        api = route.startswith("api/")
        formats = FORMATS if "<str:fmt>" in route else (None,)
        for target in targets(self.cw, self.viewer, endpoint):
            for fmt in formats:
                extra = {k: v for k, v in target.params.items() if k != "pk"}
                if fmt is not None:
                    extra["fmt"] = fmt
                url = endpoint.url(target.params.get("pk"), **extra)
                if api and target.params:
                    url += f"?purpose={PURPOSE}"
                text = self.get(url, route, hidden=target.hidden, fmt=fmt or "")
                if text is None or target.hidden or not self.wide:
                    continue
                for variant, hx in self.variants(url, api, bool(target.params), fmt, text):
                    self.get(variant, route, hx=hx, fmt=fmt or "")

    def variants(
        self, url: str, api: bool, detail: bool, fmt: str | None, text: str
    ) -> Iterator[tuple[str, bool]]:
        """More ways to ask for the same page: the browsable API, the htmx partial (for
        pages that use htmx), the search for every canary, page 2 (where there is one) and
        each choice of the page's own filters."""
        join = "&" if "?" in url else "?"
        htmx = "hx-get=" in text or "hx-trigger=" in text
        if htmx:
            yield url, True
        if detail or fmt == "pdf":
            return
        if api:
            yield url + join + "format=api", False
        yield url + join + f"q={SEARCH}", False
        if htmx:
            yield url + join + f"q={SEARCH}", True
        if "page=2" in text:
            yield url + join + "page=2", False
        if fmt in (None, "html"):
            for name, value in filters(text):
                yield url + join + urlencode({name: value}), False

    def admin(self) -> None:
        """The platform superuser's admin pages."""
        self.get(reverse("admin:index"), "admin/")
        for model in admin.site._registry:
            meta = model._meta
            url = reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist")
            self.get(url, url)

    def run(self) -> None:
        # Thousands of expected 403, 404 and 405 answers and PDF progress: not for the log.
        quiet = [logging.getLogger(name) for name in ("django.request", "weasyprint")]
        levels = [log.level for log in quiet]
        for log in quiet:
            log.setLevel(logging.CRITICAL)
        try:
            self._run()
        finally:
            for log, level in zip(quiet, levels, strict=True):
                log.setLevel(level)

    def _run(self) -> None:
        from samverkan.ros import toolbox

        # The shipped legal toolbox is parsed from YAML on every request that needs it
        # (about 40 ms each, twice per outcome page): parse it once for the crawl.
        shipped = functools.cache(toolbox.load_default)
        with mock.patch.object(toolbox, "load_default", shipped), transaction.atomic():
            self.canaries += start_jobs(self)
            for endpoint in ALL:
                self.endpoint(endpoint)
            if self.viewer.user is not None and self.viewer.user.is_superuser:
                self.admin()
            transaction.set_rollback(True)


def filters(text: str) -> Iterator[tuple[str, str]]:
    """Each choice of the page's own search form, set to its first value."""
    for form in re.findall(r'<form[^>]*method="get"[^>]*>(.*?)</form>', text, re.DOTALL):
        for name, options in re.findall(r'<select[^>]*name="(\w+)"[^>]*>(.*?)</select>', form):
            first = re.search(r'<option value="([^"]+)"', options)
            if first is not None:
                yield name, first.group(1)


# --------------------------------------------------------------------------- jobs


def _start_audit_verify(crawl: Crawl) -> Any:
    from samverkan.core.scoping import get_scope

    if not get_scope(crawl.viewer.user).has_role(Role.AUDITOR):
        return None
    crawl.client.post("/granskning/verifiera/")
    return _newest_job(crawl, "audit_verify")


def _start_matching_run(crawl: Crawl) -> Any:
    from samverkan.matching import services as match_services
    from samverkan.matching.selectors import collaborations_for

    collaborations = collaborations_for(user=crawl.viewer.user, roles=match_services.RUN_ROLES)
    if not collaborations.exists():
        return None
    catalogue, _text = match_services.current_catalogue()
    response = crawl.client.post(
        "/matchning/korningar/ny/",
        {
            "collaboration": collaborations.first().pk,
            "period_start": PERIOD[0].isoformat(),
            "period_end": PERIOD[1].isoformat(),
            "match_types": [t.key for t in catalogue.match_types],
        },
    )
    assert response.status_code == 302, response.content[:300]
    return _newest_job(crawl, "matching_run")


def _start_survey_invitations(crawl: Crawl) -> Any:
    from samverkan.core.scoping import get_scope
    from samverkan.surveys.models import Invitee, Wave, WaveStatus

    orgs = get_scope(crawl.viewer.user).orgs_with_role(Role.COORDINATOR)
    waves = Wave.objects.restrict(crawl.viewer.user, Action.VIEW).filter(status=WaveStatus.OPEN)
    for wave in waves:
        if Invitee.objects.filter(wave=wave, organisation_id__in=orgs, invited=False).exists():
            crawl.client.post(f"/enkater/{wave.pk}/utskick/")
            return _newest_job(crawl, "survey_invitations")
    return None


def _start_survey_results(crawl: Crawl) -> Any:
    """Closing a wave starts this job; the crawl starts it for a closed wave it sees (its
    result must hold no figures)."""
    from samverkan.jobs.services import start_job
    from samverkan.surveys.models import Wave, WaveStatus

    wave = (
        Wave.objects.restrict(crawl.viewer.user, Action.VIEW)
        .filter(status=WaveStatus.CLOSED)
        .first()
    )
    if wave is None:
        return None
    return start_job(actor=crawl.viewer.user, kind="survey_results", params={"wave": str(wave.pk)})


def _newest_job(crawl: Crawl, kind: str) -> Any:
    from samverkan.jobs.models import Job

    job = Job.objects.filter(created_by=crawl.viewer.user, kind=kind).order_by("-created_at")
    return job.first()


# How a viewer starts each kind of background job through the application's pages.
JOB_STARTERS: dict[str, Callable[[Crawl], Any]] = {
    "audit_verify": _start_audit_verify,
    "matching_run": _start_matching_run,
    "survey_invitations": _start_survey_invitations,
    "survey_results": _start_survey_results,
}


def start_jobs(crawl: Crawl) -> list[Canary]:
    """Start every job the viewer may start and run it to its end. A run's result may
    count only the matches the starter can see: the counts of the others are canaries."""
    from samverkan.jobs.tasks import run_job
    from samverkan.matching.models import Match, MatchRun

    if crawl.viewer.user is None:
        return []
    extra: list[Canary] = []
    for start in JOB_STARTERS.values():
        job = start(crawl)
        if job is None:
            continue
        run_job.call(str(job.pk))
        run = MatchRun.objects.filter(job=job).first()
        if run is None:
            continue
        visible = Match.objects.restrict(crawl.viewer.user, Action.VIEW).filter(run=run)
        total = Match.objects.filter(run=run).count()
        if total != visible.count():
            extra.append(
                Canary(
                    f"total of {total} matches in the viewer's own run, {total - visible.count()}"
                    " of them other organisations'",
                    re.compile(rf"""["']?matches["']?\s*:\s*{total}\b"""),
                    audience=lambda v: False,
                    witness=None,
                )
            )
    return extra
