"""Coordinators' pages for what invitees are told and for answers given on paper: the
last day to answer, each organisation's texts (contact, support, data protection) and
the upload of paper answers with their answer codes."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from samverkan.core.scoping import get_scope
from samverkan.core.views_helpers import apply_service_errors, flash_errors, scoped
from samverkan.organisations.roles import Action, Role
from samverkan.surveys import selectors, services
from samverkan.surveys.models import Wave
from samverkan.surveys.text_forms import DeadlineForm, SurveyTextsForm


@scoped(Wave)
@require_http_methods(["GET", "POST"])
@login_required
def wave_texts(request: HttpRequest, pk: Any) -> HttpResponse:
    """The last day to answer (the wave's owner) and each participating organisation's
    texts for its invitees (that organisation's coordinators)."""
    wave = selectors.wave_get(user=request.user, pk=pk)
    organisations = selectors.text_organisations(user=request.user, wave=wave)
    can_manage = Wave.objects.allowed(
        request.user, Action.CHANGE, wave.pk
    ) and wave.owner_id in get_scope(request.user).orgs_with_role(Role.COORDINATOR)
    if not organisations and not can_manage:
        raise PermissionDenied
    posted = request.POST if request.method == "POST" else None
    which = request.POST.get("form") if posted is not None else None
    deadline_form = DeadlineForm(
        posted if which == "deadline" else None,
        initial={"deadline": wave.deadline},
        prefix="deadline",
    )
    text_forms = []
    for organisation in organisations:
        texts = services.texts_for(organisation.pk)
        bound = posted if which == f"texts-{organisation.pk}" else None
        form = SurveyTextsForm(
            bound,
            prefix=f"texts-{organisation.pk}",
            initial={
                "contact": texts.contact if texts else "",
                "support": texts.support if texts else "",
                "data_protection": texts.data_protection if texts else "",
            },
        )
        text_forms.append((organisation, form))
        if bound is not None and form.is_valid():
            try:
                services.update_survey_texts(
                    actor=request.user, organisation=organisation, **form.cleaned_data
                )
            except ValidationError as error:
                apply_service_errors(form, error)
            else:
                messages.success(request, _("The texts have been saved."))
                return redirect("surveys:wave_texts", pk=wave.pk)
    if which == "deadline" and can_manage and deadline_form.is_valid():
        try:
            services.set_wave_deadline(
                actor=request.user, wave=wave, deadline=deadline_form.cleaned_data["deadline"]
            )
        except ValidationError as error:
            apply_service_errors(deadline_form, error)
        else:
            messages.success(request, _("The last day to answer has been saved."))
            return redirect("surveys:wave_texts", pk=wave.pk)
    return render(
        request,
        "surveys/wave_texts.html",
        {
            "wave": wave,
            "can_manage": can_manage,
            "deadline_form": deadline_form,
            "text_forms": text_forms,
        },
    )


@scoped(Wave)
@require_http_methods(["GET", "POST"])
@login_required
def paper_import(request: HttpRequest, pk: Any) -> HttpResponse:
    """Answers given on paper, uploaded by a participating organisation's coordinator."""
    wave = selectors.wave_get(user=request.user, pk=pk)
    if not selectors.text_organisations(user=request.user, wave=wave):
        raise PermissionDenied
    from samverkan.surveys.views import table_upload

    return table_upload(
        request,
        wave,
        aliases=services.RESPONSE_ALIASES,
        required=(services.CODE_COLUMN,),
        importer=services.import_responses,
        template="surveys/paper_import.html",
        done=_("%(n)d paper answers imported."),
    )


@scoped(Wave)
@require_http_methods(["GET", "POST"])
@login_required
def letters(request: HttpRequest, pk: Any) -> HttpResponse:
    """Printable invitations with link and answer code, for invitees without e-mail or
    who prefer paper. Each printed letter is a new link (a write, so only on POST)."""
    wave = selectors.wave_get(user=request.user, pk=pk)
    if not selectors.text_organisations(user=request.user, wave=wave):
        raise PermissionDenied
    printed: list[services.Letter] = []
    if request.method == "POST":
        try:
            printed = services.issue_letters(
                actor=request.user, wave=wave, base_url=request.build_absolute_uri("/")
            )
        except ValidationError as error:
            flash_errors(request, error)
            return redirect("surveys:wave_detail", pk=wave.pk)
    response = render(request, "surveys/letters.html", {"wave": wave, "letters": printed})
    add_never_cache_headers(response)
    return response
