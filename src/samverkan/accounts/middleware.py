from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _

from samverkan.accounts.twofactor import needs_second_factor

# Paths reachable before the second factor is given (the API token page is not one).
_OPEN_PREFIXES = (
    "/static/",
    "/konto/logga-in/",
    "/konto/logga-ut/",
    "/konto/tvafaktor/",
    "/i18n/",
    "/healthz",
    "/oidc/",
    "/enkat/",
)


class RequireTwoFactorMiddleware:
    """Users whose role demands two-factor sign-in reach nothing else until they have
    set up and used a TOTP device in this session."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(_OPEN_PREFIXES) or not needs_second_factor(request):
            return self.get_response(request)
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": _("Two-factor sign-in is required for your role.")}, status=403
            )
        target = reverse("accounts:two_factor")
        return redirect(f"{target}?{urlencode({'next': request.get_full_path()})}")
