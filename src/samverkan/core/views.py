from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.db import connections
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from samverkan.core.middleware import SESSION_KEY
from samverkan.core.scoping import get_scope
from samverkan.core.selectors import home_context


@require_GET
@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "core/home.html", home_context(user=request.user))


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    try:
        org_id = int(request.POST.get("organisation", ""))
    except ValueError:
        org_id = -1
    if org_id in get_scope(request.user).organisation_ids:
        request.session[SESSION_KEY] = org_id
    target = request.POST.get("next") or request.META.get("HTTP_REFERER") or ""
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        target = reverse("core:home")
    return HttpResponseRedirect(target)


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    status: dict[str, Any] = {"status": "ok", "database": "ok"}
    try:
        with connections["default"].cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception:
        status = {"status": "error", "database": "unavailable"}
        return JsonResponse(status, status=503)
    return JsonResponse(status)


def _api_error(request: HttpRequest, status: int, detail: str) -> HttpResponse | None:
    """Under /api/ errors are JSON, as the API's own answers are (and as documented)."""
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": detail}, status=status)
    return None


def error_403(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    api = _api_error(request, 403, _("You do not have permission to perform this action."))
    return api or render(request, "403.html", status=403)


def error_404(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return _api_error(request, 404, _("Not found.")) or render(request, "404.html", status=404)


def error_500(request: HttpRequest) -> HttpResponse:
    from django.template import loader

    api = _api_error(request, 500, _("Something went wrong on the server."))
    return api or HttpResponse(loader.get_template("500.html").render({}), status=500)


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    return render(request, "csrf_failure.html", status=403)
