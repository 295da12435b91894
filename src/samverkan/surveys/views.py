from __future__ import annotations

import json
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.core import exporting
from samverkan.core.scoping import get_scope
from samverkan.core.tabular import TableError, read_table
from samverkan.core.views_helpers import apply_service_errors, flash_errors, scoped, ui_language
from samverkan.jobs.services import start_job
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import Action, Role
from samverkan.organisations.selectors import partner_organisations
from samverkan.surveys import questionnaire as qn
from samverkan.surveys import selectors, services
from samverkan.surveys.forms import QuestionnaireForm, UploadForm, WaveForm, WaveSettingsForm
from samverkan.surveys.models import Wave, WaveStatus
from samverkan.surveys.strata import load_questionnaire, municipality_value, participants


def _coordinator_orgs(user: Any) -> Any:
    return Organisation.objects.filter(pk__in=get_scope(user).orgs_with_role(Role.COORDINATOR))


@scoped(Wave)
@require_GET
@login_required
def wave_list(request: HttpRequest) -> HttpResponse:
    waves = selectors.wave_list(user=request.user)
    can_create = get_scope(request.user).has_role(Role.COORDINATOR)
    return render(request, "surveys/wave_list.html", {"waves": waves, "can_create": can_create})


@require_http_methods(["GET", "POST"])
@login_required
def wave_create(request: HttpRequest) -> HttpResponse:
    owners = _coordinator_orgs(request.user)
    if not owners.exists():
        raise PermissionDenied
    form = WaveForm(
        request.POST if request.method == "POST" else None,
        owners=owners,
        partners=partner_organisations(request.user),
        waves=selectors.wave_list(user=request.user),
        questionnaires=selectors.questionnaire_list(user=request.user),
        initial={"questionnaire": selectors.questionnaire_list(user=request.user).first()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            wave = services.create_wave(
                actor=request.user,
                owner=data["owner"],
                name=data["name"],
                slug=data["slug"],
                questionnaire=data["questionnaire"],
                partners=list(data["partners"]),
                reference_period=data["reference_period"],
                min_cell_size=data["min_cell_size"],
                weighting=data["weighting"],
                previous_wave=data["previous_wave"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The survey has been created."))
            return redirect("surveys:wave_detail", pk=wave.pk)
    return render(request, "surveys/wave_form.html", {"form": form})


@scoped(Wave)
@require_GET
@login_required
def wave_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    wave = selectors.wave_get(user=request.user, pk=pk)
    user = request.user
    is_coordinator = bool(
        get_scope(user).orgs_with_role(Role.COORDINATOR) & {o.pk for o in participants(wave)}
    )
    context = {
        "wave": wave,
        "participants": participants(wave),
        "can_manage": Wave.objects.allowed(user, Action.CHANGE, wave.pk)
        and wave.owner_id in get_scope(user).orgs_with_role(Role.COORDINATOR),
        "is_coordinator": is_coordinator,
        "counts": selectors.invitation_counts(user=user, wave=wave) if is_coordinator else None,
        "upload_form": UploadForm(),
    }
    return render(request, "surveys/wave_detail.html", context)


@scoped(Wave)
@require_http_methods(["GET", "POST"])
@login_required
def wave_settings(request: HttpRequest, pk: Any) -> HttpResponse:
    wave = selectors.wave_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = WaveSettingsForm(
        request.POST if request.method == "POST" else None,
        initial={
            "reference_period": wave.reference_period,
            "min_cell_size": wave.min_cell_size,
            "weighting": wave.weighting,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_wave_settings(actor=request.user, wave=wave, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The settings have been saved."))
            return redirect("surveys:wave_detail", pk=wave.pk)
    return render(request, "surveys/wave_settings.html", {"wave": wave, "form": form})


def _status_change(request: HttpRequest, pk: Any, change: Any, done: str) -> HttpResponse:
    wave = selectors.wave_get(user=request.user, pk=pk, action=Action.CHANGE)
    try:
        change(actor=request.user, wave=wave)
    except ValidationError as error:
        flash_errors(request, error)
    else:
        messages.success(request, done)
    return redirect("surveys:wave_detail", pk=wave.pk)


@scoped(Wave)
@require_POST
@login_required
def wave_open(request: HttpRequest, pk: Any) -> HttpResponse:
    return _status_change(request, pk, services.open_wave, _("The survey is open."))


@scoped(Wave)
@require_POST
@login_required
def wave_close(request: HttpRequest, pk: Any) -> HttpResponse:
    return _status_change(request, pk, services.close_wave, _("The survey is closed."))


@scoped(Wave)
@require_http_methods(["GET", "POST"])
@login_required
def invitee_import(request: HttpRequest, pk: Any) -> HttpResponse:
    wave = selectors.wave_get(user=request.user, pk=pk)
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(
                upload.read(),
                upload.name,
                aliases=services.INVITEE_ALIASES,
                required=services.INVITEE_COLUMNS,
            )
            count = services.import_invitees(actor=request.user, wave=wave, rows=rows)
        except TableError as error:
            problems = [str(p) for p in error.problems[:200]]
            form.add_error("file", _("Nothing was imported. Correct the rows below and try again."))
        except PermissionDenied:
            raise
        else:
            messages.success(request, _("%(n)d invitees imported.") % {"n": count})
            return redirect("surveys:wave_detail", pk=wave.pk)
    return render(
        request,
        "surveys/invitee_import.html",
        {"wave": wave, "form": form, "problems": problems},
    )


@scoped(Wave)
@require_POST
@login_required
def send_invitations(request: HttpRequest, pk: Any) -> HttpResponse:
    wave = selectors.wave_get(user=request.user, pk=pk)
    reminders = request.POST.get("kind") == "reminders"
    if wave.status != WaveStatus.OPEN:
        messages.error(request, _("Invitations go out only while the survey is open."))
        return redirect("surveys:wave_detail", pk=wave.pk)
    job = start_job(
        actor=request.user,
        kind="survey_invitations",
        params={
            "wave": str(wave.pk),
            "reminders": reminders,
            "base_url": request.build_absolute_uri("/"),
        },
    )
    return redirect("jobs:detail", pk=job.pk)


@scoped(Wave)
@require_GET
@login_required
def results(request: HttpRequest, pk: Any) -> HttpResponse:
    from samverkan.surveys.reporting import report_context, wave_results

    wave = selectors.wave_get(user=request.user, pk=pk)
    result = wave_results(wave=wave, language=get_language() or "sv")
    services.record_results_view(actor=request.user, wave=wave, fmt="html")
    return render(request, "surveys/results.html", report_context(wave=wave, result=result))


@scoped(Wave)
@require_GET
@login_required
def results_export(request: HttpRequest, pk: Any, fmt: str) -> HttpResponse:
    from samverkan.surveys.reporting import RESULT_COLUMNS, results_rows, wave_results

    if fmt not in ("csv", "json"):
        raise Http404
    wave = selectors.wave_get(user=request.user, pk=pk)
    result = wave_results(wave=wave, language=get_language() or "sv")
    services.record_results_view(actor=request.user, wave=wave, fmt=fmt)
    if fmt == "json":
        response = HttpResponse(
            json.dumps(result.as_dict(), ensure_ascii=False, indent=2),
            content_type="application/json; charset=utf-8",
        )
        response["Content-Disposition"] = f'attachment; filename="{wave.slug}-resultat.json"'
        return response
    return exporting.csv_response(f"{wave.slug}-resultat.csv", RESULT_COLUMNS, results_rows(result))


@scoped(Wave)
@require_GET
@login_required
def report_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    from samverkan.surveys.reporting import render_pdf, wave_results

    wave = selectors.wave_get(user=request.user, pk=pk)
    result = wave_results(wave=wave, language=get_language() or "sv")
    services.record_results_view(actor=request.user, wave=wave, fmt="pdf")
    pdf = render_pdf(request=request, wave=wave, result=result)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-rapport.pdf"'
    return response


# --- Questionnaires ------------------------------------------------------------------


@require_GET
@login_required
def questionnaire_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "surveys/questionnaire_list.html",
        {
            "questionnaires": selectors.questionnaire_list(user=request.user),
            "can_import": get_scope(request.user).has_role(Role.COORDINATOR),
        },
    )


@require_GET
@login_required
def questionnaire_detail(request: HttpRequest, uid: Any) -> HttpResponse:
    version = selectors.questionnaire_get(user=request.user, uid=uid)
    if request.GET.get("format") == "yaml":
        response = HttpResponse(version.document, content_type="application/yaml; charset=utf-8")
        response["Content-Disposition"] = (
            f'attachment; filename="{version.key}-v{version.version}.yaml"'
        )
        return response
    questionnaire = load_questionnaire(version.document)
    return render(
        request,
        "surveys/questionnaire_detail.html",
        {"version": version, "q": questionnaire, "lang": ui_language()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def questionnaire_import(request: HttpRequest) -> HttpResponse:
    orgs = _coordinator_orgs(request.user)
    if not orgs.exists():
        raise PermissionDenied
    form = QuestionnaireForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            version = services.import_questionnaire(
                actor=request.user,
                organisation=orgs.first(),
                document=form.cleaned_data["document"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The questionnaire has been imported."))
            return redirect("surveys:questionnaire_detail", uid=version.uid)
    return render(request, "surveys/questionnaire_form.html", {"form": form})


@require_http_methods(["GET", "POST"])
@login_required
def questionnaire_edit(request: HttpRequest, uid: Any) -> HttpResponse:
    version = selectors.questionnaire_get(user=request.user, uid=uid)
    form = QuestionnaireForm(
        request.POST if request.method == "POST" else None, initial={"document": version.document}
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_questionnaire(
                actor=request.user, questionnaire=version, document=form.cleaned_data["document"]
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The questionnaire has been saved."))
            return redirect("surveys:questionnaire_detail", uid=version.uid)
    return render(request, "surveys/questionnaire_form.html", {"form": form, "version": version})


# --- Respondents (no sign-in) -----------------------------------------------------


def _raw_answers(request: HttpRequest, questionnaire: qn.Questionnaire) -> dict[str, Any]:
    raw: dict[str, Any] = {}
    for item in questionnaire.items:
        if item.type == qn.ItemType.MULTIPLE:
            raw[item.id] = request.POST.getlist(item.id)
        elif item.type == qn.ItemType.MATRIX:
            for row in item.rows:
                key = f"{item.id}__{row.value}"
                if request.POST.get(key):
                    raw[key] = request.POST[key]
        elif request.POST.get(item.id, "") != "":
            raw[item.id] = request.POST[item.id]
    return raw


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    try:
        wave = services.wave_for_token(token)
    except services.LinkUnavailable as unavailable:
        return _unavailable(request, unavailable)
    questionnaire = load_questionnaire(wave.questionnaire.document)
    errors: dict[str, str] = {}
    submitted: dict[str, Any] = {}
    if request.method == "POST":
        submitted = _raw_answers(request, questionnaire)
        try:
            submitted_to = services.submit_response(token=token, raw_answers=submitted)
        except ValidationError as error:
            errors = {k: v[0] for k, v in error.message_dict.items()}
        except services.LinkUnavailable as unavailable:
            return _unavailable(request, unavailable)
        else:
            return _thanks_redirect(submitted_to)
    municipalities = [(municipality_value(o), o.name) for o in participants(wave)]
    from samverkan.surveys.rendering import form_items

    return render(
        request,
        "surveys/respond.html",
        {
            "wave": wave,
            "q": questionnaire,
            "items": form_items(questionnaire, ui_language(), municipalities, submitted, errors),
            "errors": errors,
            "lang": ui_language(),
        },
    )


def _unavailable(request: HttpRequest, unavailable: services.LinkUnavailable) -> HttpResponse:
    """The page for a link that does not lead to the form: unknown (404), already used
    (410) or expired (410)."""
    return render(
        request,
        "surveys/respond_unavailable.html",
        {"reason": unavailable.reason},
        status=unavailable.status,
    )


def _thanks_redirect(submitted: services.Submitted) -> HttpResponse:
    """To the thank-you page, naming only the random id of the respondent's
    organisation's texts (never the token)."""
    from django.urls import reverse

    url = reverse("respondent:thanks")
    if submitted.texts is not None:
        url += f"?t={submitted.texts}"
    return redirect(url)


@never_cache
@require_GET
def thanks(request: HttpRequest) -> HttpResponse:
    texts = selectors.survey_texts_by_uid(uid=request.GET.get("t", ""))
    return render(request, "surveys/thanks.html", {"texts": texts})
