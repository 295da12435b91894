from __future__ import annotations

import math
from datetime import timedelta
from typing import Any

from axes.helpers import get_cool_off
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.debug import sensitive_post_parameters
from django.views.decorators.http import require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from samverkan.accounts import selectors, services
from samverkan.accounts.forms import ApiTokenForm, LoginForm, TokenForm
from samverkan.accounts.twofactor import requires_two_factor, session_is_verified
from samverkan.audit.signals import client_ip
from samverkan.core.views_helpers import apply_service_errors, flash_errors


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


class LogoutView(auth_views.LogoutView):
    pass


def _safe_next(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("core:home")


def _qr_svg(device: TOTPDevice, user: Any) -> str:
    import segno

    qr = segno.make(device.config_url, error="m")
    svg: str = qr.svg_inline(scale=4, title=_("QR code for your authenticator app"))
    return svg


@sensitive_post_parameters("otp_token")
@never_cache
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Set up (first time) or give the second factor."""
    user = request.user
    if session_is_verified(request):
        return HttpResponseRedirect(_safe_next(request))
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    enrolling = device is None
    if enrolling:
        device = services.start_totp_enrolment(user=user)
    assert device is not None
    form = TokenForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        if services.confirm_totp(
            user=user,
            device=device,
            token=form.cleaned_data["otp_token"],
            ip_address=client_ip(request),
        ):
            otp_login(request, device)
            messages.success(request, _("Two-factor sign-in complete."))
            return HttpResponseRedirect(_safe_next(request))
        form.add_error("otp_token", _("The code is wrong or has expired. Try the next code."))
    context: dict[str, Any] = {
        "form": form,
        "enrolling": enrolling,
        "required": requires_two_factor(user),
        "next": _safe_next(request),
    }
    if enrolling:
        import base64

        context["qr_svg"] = _qr_svg(device, user)
        context["secret"] = base64.b32encode(device.bin_key).decode("ascii")
    return render(request, "accounts/two_factor.html", context)


@never_cache
@login_required
def api_token(request: HttpRequest) -> HttpResponse:
    """The user's API tokens: create one (its key is shown in this response only, with
    201 Created), list them and revoke each; sign out everywhere."""
    form = ApiTokenForm(request.POST if request.method == "POST" else None)
    token_key = None
    if request.method == "POST" and form.is_valid():
        try:
            _token, token_key = services.create_api_token(
                user=request.user, name=form.cleaned_data["name"], ip_address=client_ip(request)
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.warning(request, _("Copy the token now: it will not be shown again."))
            form = ApiTokenForm()
    context = {
        "form": form,
        "token_key": token_key,
        "tokens": selectors.own_api_tokens(request.user),
        "token_days": settings.API_TOKEN_DAYS,
    }
    return render(request, "accounts/api_token.html", context, status=201 if token_key else 200)


@require_POST
@never_cache
@login_required
def revoke_api_token(request: HttpRequest) -> HttpResponse:
    try:
        token = services.revoke_api_token(
            actor=request.user, token_id=request.POST.get("token"), ip_address=client_ip(request)
        )
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, _("The token %(name)s has been revoked.") % {"name": token.name})
    return redirect("accounts:api_token")


@require_POST
@never_cache
@login_required
def sign_out_everywhere(request: HttpRequest) -> HttpResponse:
    services.sign_out_everywhere(
        user=request.user,
        keep_session=request.session.session_key,
        ip_address=client_ip(request),
    )
    messages.success(
        request,
        _("You have been signed out everywhere else and all your API tokens have been revoked."),
    )
    return redirect("accounts:api_token")


def locked_out(
    request: HttpRequest, original_response: Any = None, credentials: Any = None
) -> HttpResponse:
    """django-axes' lock-out response: when to try again, also as Retry-After."""
    cool_off = get_cool_off(request) or timedelta(0)
    retry_at = timezone.localtime(timezone.now() + cool_off)
    same_day = retry_at.date() == timezone.localdate()
    minutes = max(1, math.ceil(cool_off.total_seconds() / 60))
    response = render(
        request,
        "accounts/locked_out.html",
        {
            "retry_time": date_format(retry_at, "H:i" if same_day else "Y-m-d H:i"),
            "minutes": minutes,
        },
        status=429,
    )
    response["Retry-After"] = str(int(cool_off.total_seconds()))
    return response
