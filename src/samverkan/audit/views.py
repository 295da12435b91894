from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from samverkan.audit import selectors, services
from samverkan.audit.forms import AuditFilterForm
from samverkan.audit.models import AuditAction
from samverkan.core import exporting
from samverkan.core.scoping import get_scope
from samverkan.jobs.services import start_job
from samverkan.organisations.roles import Role


def _require_auditor(request: HttpRequest) -> None:
    if not get_scope(request.user).has_role(Role.AUDITOR):
        raise PermissionDenied


def _filtered(request: HttpRequest) -> tuple[AuditFilterForm, Any]:
    form = AuditFilterForm(request.GET or None)
    filters: dict[str, Any] = {}
    if form.is_valid():
        filters = {k: v for k, v in form.cleaned_data.items() if v}
        if "q" in filters:
            filters["query"] = filters.pop("q")
    elif form.is_bound:
        return form, selectors.audit_entries(user=request.user).none()
    return form, selectors.audit_entries(user=request.user, **filters)


@require_GET
@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    form, entries = _filtered(request)
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "audit/audit_list.html",
        {"form": form, "page": page, "querystring": query.urlencode()},
    )


@require_GET
@login_required
def audit_export(request: HttpRequest) -> HttpResponse | StreamingHttpResponse:
    _require_auditor(request)
    _form, entries = _filtered(request)
    with transaction.atomic():
        services.record(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="audit.auditentry",
            details={"rows": entries.count(), "format": "csv", "filters": request.GET.dict()},
        )
    header = [
        _("Time"),
        _("User"),
        _("Organisation"),
        _("Action"),
        _("Object type"),
        _("Object id"),
        _("Object"),
        _("Purpose"),
        _("Hash"),
    ]
    rows = (
        [
            e.timestamp.isoformat(),
            e.actor_username,
            e.organisation_name,
            e.get_action_display(),
            e.object_type,
            e.object_id,
            e.object_repr,
            e.purpose,
            e.hash,
        ]
        for e in entries.iterator(chunk_size=2000)
    )
    return exporting.csv_stream_response("granskningslogg.csv", header, rows)


@login_required
@require_POST
def audit_verify(request: HttpRequest) -> HttpResponse:
    _require_auditor(request)
    job = start_job(actor=request.user, kind="audit_verify")
    return redirect("jobs:detail", pk=job.pk)
