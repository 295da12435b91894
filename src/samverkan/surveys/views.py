from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
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
        waves=selectors.wave_list(user=request.user).filter(status=WaveStatus.CLOSED),
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
                period_start=data["period_start"],
                period_end=data["period_end"],
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
    from samverkan.surveys.publishing import trend_wave

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
        "trend_wave": trend_wave(wave=wave, user=user),
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
            "period_start": wave.period_start,
            "period_end": wave.period_end,
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
    return table_upload(
        request,
        wave,
        aliases=services.INVITEE_ALIASES,
        required=services.INVITEE_COLUMNS,
        importer=services.import_invitees,
        template="surveys/invitee_import.html",
        done=_("%(n)d invitees imported."),
    )


def table_upload(
    request: HttpRequest,
    wave: Wave,
    *,
    aliases: dict[str, str],
    required: Any,
    importer: Any,
    template: str,
    done: str,
) -> HttpResponse:
    """The upload page of a table imported into a wave, all rows or none: the form, the
    rows' problems (the first 200) or, once imported, back to the wave with ``done``."""
    form = UploadForm(
        request.POST if request.method == "POST" else None,
        request.FILES if request.method == "POST" else None,
    )
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            rows = read_table(upload.read(), upload.name, aliases=aliases, required=required)
            count = importer(actor=request.user, wave=wave, rows=rows)
        except TableError as error:
            problems = [str(p) for p in error.problems[:200]]
            form.add_error("file", _("Nothing was imported. Correct the rows below and try again."))
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, done % {"n": count})
            return redirect("surveys:wave_detail", pk=wave.pk)
    return render(request, template, {"wave": wave, "form": form, "problems": problems})


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


def _results_or_pending(request: HttpRequest, wave: Wave, channel: str) -> Any:
    """The wave's published results for the user, or None when the wave is not closed."""
    from samverkan.surveys.publishing import ResultsNotPublished

    try:
        return services.read_results(
            actor=request.user, wave=wave, language=get_language() or "sv", channel=channel
        )
    except ResultsNotPublished:
        return None


@scoped(Wave)
@require_GET
@login_required
def results(request: HttpRequest, pk: Any) -> HttpResponse:
    from samverkan.surveys.publishing import interim_response_rates, not_published_message
    from samverkan.surveys.reporting import report_context

    wave = selectors.wave_get(user=request.user, pk=pk)
    result = _results_or_pending(request, wave, "html")
    if result is None:
        return render(
            request,
            "surveys/results_pending.html",
            {
                "wave": wave,
                "message": not_published_message(wave),
                "rates": interim_response_rates(wave=wave)
                if wave.status == WaveStatus.OPEN
                else None,
            },
        )
    from samverkan.surveys.publishing import trend_wave

    context = report_context(wave=wave, result=result)
    context["trend_wave"] = trend_wave(wave=wave, user=request.user)
    return render(request, "surveys/results.html", context)


def _pending_redirect(request: HttpRequest, wave: Wave) -> HttpResponse:
    from samverkan.surveys.publishing import not_published_message

    messages.error(request, not_published_message(wave))
    return redirect("surveys:results", pk=wave.pk)


@scoped(Wave)
@require_GET
@login_required
def results_export(request: HttpRequest, pk: Any, fmt: str) -> HttpResponse:
    from samverkan.surveys.reporting import RESULT_COLUMNS, results_rows

    if fmt not in ("csv", "json"):
        raise Http404
    wave = selectors.wave_get(user=request.user, pk=pk)
    result = _results_or_pending(request, wave, fmt)
    if result is None:
        return _pending_redirect(request, wave)
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
    from samverkan.surveys.reporting import render_pdf

    wave = selectors.wave_get(user=request.user, pk=pk)
    result = _results_or_pending(request, wave, "pdf")
    if result is None:
        return _pending_redirect(request, wave)
    from samverkan.surveys.publishing import trend_wave

    pdf = render_pdf(
        request=request,
        wave=wave,
        result=result,
        trend_wave=trend_wave(wave=wave, user=request.user),
    )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{wave.slug}-rapport.pdf"'
    return response


@scoped(Wave)
@require_http_methods(["GET", "POST"])
@login_required
def free_text(request: HttpRequest, pk: Any) -> HttpResponse:
    """Free-text answers of a closed wave: the running organisation's coordinators only,
    after stating a purpose; every reading is audited."""
    from samverkan.cases.forms import PurposeForm
    from samverkan.core import purpose as purpose_memory
    from samverkan.surveys.publishing import ResultsNotPublished, not_published_message

    wave = selectors.wave_get(user=request.user, pk=pk)
    if wave.owner_id not in get_scope(request.user).orgs_with_role(Role.COORDINATOR):
        raise PermissionDenied
    if wave.status != WaveStatus.CLOSED:
        messages.error(request, not_published_message(wave))
        return redirect("surveys:wave_detail", pk=wave.pk)
    key = f"survey-free-text:{wave.pk}"
    form = PurposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        purpose_memory.remember(request, key, form.cleaned_data["purpose"])
        return redirect("surveys:free_text", pk=wave.pk)
    purpose = None if request.method == "POST" else purpose_memory.fresh(request, key)
    if purpose is None:
        return render(request, "surveys/free_text_purpose.html", {"wave": wave, "form": form})
    try:
        texts = services.read_free_text(
            actor=request.user, wave=wave, purpose=purpose, language=ui_language()
        )
    except ResultsNotPublished as error:  # pragma: no cover - checked above
        messages.error(request, str(error))
        return redirect("surveys:wave_detail", pk=wave.pk)
    return render(
        request,
        "surveys/free_text.html",
        {"wave": wave, "texts": texts, "purpose": purpose},
    )


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


def _part(value: str | None, count: int) -> int:
    """The form's part (section) to show first, 1-based."""
    try:
        number = int(value or 1)
    except ValueError:
        return 1
    return min(max(number, 1), count)


def _language_cookie(response: HttpResponse, language: str) -> None:
    response.set_cookie(
        settings.LANGUAGE_COOKIE_NAME,
        language,
        max_age=settings.LANGUAGE_COOKIE_AGE,
        path=settings.LANGUAGE_COOKIE_PATH,
        domain=settings.LANGUAGE_COOKIE_DOMAIN,
        secure=settings.LANGUAGE_COOKIE_SECURE,
        httponly=settings.LANGUAGE_COOKIE_HTTPONLY,
        samesite=settings.LANGUAGE_COOKIE_SAMESITE,  # type: ignore[arg-type]
    )


def _resume_part(sections: list[dict[str, Any]], part: int) -> int:
    """The part to open a restored draft at: the saved one, or the next one shown when its
    questions are hidden now (as survey.js does)."""
    shown = [section["number"] for section in sections if not section["hidden"]]
    later = [number for number in shown if number >= part]
    return later[0] if later else (shown[-1] if shown else 1)


@never_cache
@csrf_protect
@require_http_methods(["GET", "POST"])
def respond(request: HttpRequest, token: str) -> HttpResponse:
    from samverkan.surveys import drafts
    from samverkan.surveys.rendering import error_summary, form_sections, wave_questionnaire

    try:
        wave = services.wave_for_token(token)
    except services.LinkUnavailable as unavailable:
        return _unavailable(request, unavailable)
    questionnaire = wave_questionnaire(wave)
    count = len(questionnaire.sections)
    errors: dict[str, str] = {}
    submitted: dict[str, Any] = {}
    restored = False
    problem = ""
    language = ""
    # The language the form was shown in: its messages (errors included) stay in it, even
    # if the site's language has changed meanwhile in another window.
    form_language = get_language() or settings.LANGUAGE_CODE
    part = _part(request.GET.get("del"), count)
    if request.method == "POST":
        submitted = _raw_answers(request, questionnaire)
        part = _part(request.POST.get("part"), count)
        action = request.POST.get("action", "submit")
        if request.POST.get("form_language") in dict(settings.LANGUAGES):
            form_language = request.POST["form_language"]
        language = request.POST.get("switch_language", "")
        if language not in dict(settings.LANGUAGES):
            language = ""
        # A language switch (the page header's buttons and the form's own both belong to
        # the form) posts the answers back and shows them in the other language; saving
        # ("Save and continue later", or survey.js when the respondent moves to another
        # part) seals them and the part for this link; anything else sends them.
        saving = not language and action in ("save", "autosave")
        with translation.override(form_language):
            try:
                if saving:
                    drafts.save_draft(token=token, raw_answers=submitted, part=part)
                elif not language:
                    submitted_to = services.submit_response(token=token, raw_answers=submitted)
            except ValidationError as error:
                if hasattr(error, "error_dict"):
                    errors = {k: v[0] for k, v in error.message_dict.items()}
                else:
                    problem = error.messages[0]
            except services.LinkUnavailable as unavailable:
                return _unavailable(request, unavailable)
            else:
                if saving and action == "autosave":
                    return HttpResponse(status=204)
                if saving:
                    return redirect(f"{request.path}?sparat=1&del={part}")
                if not language:
                    return _thanks_redirect(submitted_to)
    else:
        draft = drafts.open_draft(token=token)
        if draft:
            submitted, restored = draft.answers, True
            if "del" not in request.GET:
                part = _part(str(draft.part), count)
    municipalities = [(municipality_value(o), o.name) for o in participants(wave)]
    with translation.override(language or form_language):
        lang = ui_language()
        sections = form_sections(questionnaire, lang, municipalities, submitted, errors)
        if errors:
            part = next((s["number"] for s in sections if s["has_error"]), part)
        elif restored:
            part = _resume_part(sections, part)
        resume = restored and "sparat" not in request.GET
        response = render(
            request,
            "surveys/respond.html",
            {
                "wave": wave,
                "q": questionnaire,
                "sections": sections,
                "errors": errors,
                "error_summary": error_summary(sections),
                "problem": problem,
                "part": part,
                "resume_section": sections[part - 1] if resume and part > 1 else None,
                "saved": request.method == "GET" and "sparat" in request.GET,
                "restored": resume,
                "lang": lang,
                "other_languages": [code for code, _name in settings.LANGUAGES if code != lang],
            },
        )
    if language:
        response["Content-Language"] = language
        _language_cookie(response, language)
    return response


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
