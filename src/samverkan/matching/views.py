"""Pages of the matching module: datasets, runs, the work list of matches, the
investigation of a match, statistics and the outcome report."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.core import exporting
from samverkan.core.pdf import pdf_response
from samverkan.core.scoping import get_scope
from samverkan.core.views_helpers import apply_service_errors, flash_errors, scoped, ui_language
from samverkan.matching import matchtypes, priority, selectors, services
from samverkan.matching.forms import (
    AssignForm,
    ExchangeForm,
    MatchFilterForm,
    NoteForm,
    ReportPeriodForm,
    RevealForm,
    RunForm,
    StatusForm,
    UploadForm,
)
from samverkan.matching.models import (
    DATASET_TYPE_CHOICES,
    OUTCOME_CHOICES,
    STATUS_CHOICES,
    EncodedDataset,
    Match,
)
from samverkan.matching.workflow import TRANSITIONS, MatchStatus, Outcome
from samverkan.organisations.models import Organisation, OrganisationType
from samverkan.organisations.roles import Action

PAGE_SIZE = 50


def _require_matching_role(request: HttpRequest) -> None:
    if not get_scope(request.user).has_role(*selectors.VIEW_ROLES):
        raise PermissionDenied


# --------------------------------------------------------------------------- work list


def _weights(user: Any, catalogue: matchtypes.Catalogue) -> dict[str, float]:
    """Each match type's place in the work list, from its priority and past outcomes."""
    stats = selectors.type_statistics(user=user)
    return selectors.effective_weights(stats, {t.key: t.priority for t in catalogue.match_types})


@scoped(Match)
@require_GET
@login_required
def match_list(request: HttpRequest) -> HttpResponse:
    _require_matching_role(request)
    catalogue, _text = services.current_catalogue()
    form = MatchFilterForm(request.GET or None, catalogue=catalogue, language=ui_language())
    filters = selectors.MatchFilters()
    if form.is_valid():
        data = form.cleaned_data
        filters = selectors.MatchFilters(
            status=data["status"],
            match_type=data["match_type"],
            band=data["band"],
            mine=data["mine"],
        )
    weights = _weights(request.user, catalogue)
    page = Paginator(
        selectors.match_list(user=request.user, filters=filters, weights=weights), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    services.record_list_view(actor=request.user, count=len(page.object_list), what="work list")
    query = request.GET.copy()
    query.pop("page", None)
    return render(
        request,
        "matching/match_list.html",
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "can_run": get_scope(request.user).has_role(*services.RUN_ROLES),
        },
    )


@scoped(Match)
@require_GET
@login_required
def match_export(request: HttpRequest) -> HttpResponse:
    """The organisation's own matches as CSV, for re-identification with
    ``samverkan match reveal`` where the mapping is kept."""
    _require_matching_role(request)
    matches = list(selectors.match_list(user=request.user))
    header = [
        "number",
        "match_type",
        "match_type_label",
        "ref",
        "dataset",
        "counterpart",
        "band",
        "status",
        "outcome",
    ]
    rows = (
        [
            match.number,
            match.match_type,
            match.match_type_label.get("sv", ""),
            match.ref,
            str(match.dataset_id),
            match.counterpart.name,
            match.band,
            match.status,
            match.outcome,
        ]
        for match in matches
    )
    services.record_export(actor=request.user, what="matches", rows=len(matches), fmt="csv")
    # Comma-separated without a byte-order mark: read by ``samverkan match reveal``.
    return exporting.csv_response("matchningar.csv", header, rows, delimiter=",", bom=False)


# --------------------------------------------------------------------------- one match


def _match_context(request: HttpRequest, match: Match, **forms: Any) -> dict[str, Any]:
    catalogue, _text = services.current_catalogue()
    lang = ui_language()
    match_type = matchtypes.parse_catalogue(match.run.catalogue).match_type(match.match_type)
    allowed = TRANSITIONS[MatchStatus(match.status)]
    status_choices = [(value, label) for value, label in STATUS_CHOICES if value in allowed]
    can_change = Match.objects.allowed(request.user, Action.CHANGE, match.pk)
    return {
        "match": match,
        "match_type": match_type,
        "match_type_text": match_type.description.get(lang) if match_type else "",
        "events": selectors.match_events(match=match),
        "can_change": can_change,
        "can_reveal_here": settings.DEMO_MODE and can_change,
        "status_form": forms.get("status_form") or StatusForm(choices=status_choices),
        "assign_form": forms.get("assign_form")
        or AssignForm(
            users=selectors.assignable_users(match=match),
            initial={"assignee": match.assignee},
        ),
        "note_form": forms.get("note_form") or NoteForm(),
        "exchange_form": forms.get("exchange_form")
        or ExchangeForm(catalogue=catalogue, language=lang),
        "reveal_form": forms.get("reveal_form") or RevealForm(),
        "revealed": forms.get("revealed"),
    }


@scoped(Match)
@require_GET
@login_required
def match_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    match = selectors.match_get(user=request.user, pk=pk)
    services.record_match_view(actor=request.user, match=match)
    return render(request, "matching/match_detail.html", _match_context(request, match))


def _post_action(request: HttpRequest, pk: Any, form_key: str, form: Any, act: Any) -> HttpResponse:
    match = selectors.match_get(user=request.user, pk=pk, action=Action.CHANGE)
    if form.is_valid():
        try:
            act(match, form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("matching:match_detail", pk=match.pk)
    response = render(
        request, "matching/match_detail.html", _match_context(request, match, **{form_key: form})
    )
    response.status_code = 400
    return response


@scoped(Match)
@require_POST
@login_required
def match_status(request: HttpRequest, pk: Any) -> HttpResponse:
    def act(match: Match, data: dict[str, Any]) -> None:
        services.change_status(
            actor=request.user,
            match=match,
            status=data["status"],
            outcome=data["outcome"],
            amount_recovered=data["amount_recovered"],
            amount_stopped=data["amount_stopped"],
            note=data["note"],
        )

    return _post_action(request, pk, "status_form", StatusForm(request.POST), act)


@scoped(Match)
@require_POST
@login_required
def match_assign(request: HttpRequest, pk: Any) -> HttpResponse:
    match = selectors.match_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = AssignForm(request.POST, users=selectors.assignable_users(match=match))
    return _post_action(
        request,
        pk,
        "assign_form",
        form,
        lambda m, data: services.assign(actor=request.user, match=m, assignee=data["assignee"]),
    )


@scoped(Match)
@require_POST
@login_required
def match_note(request: HttpRequest, pk: Any) -> HttpResponse:
    return _post_action(
        request,
        pk,
        "note_form",
        NoteForm(request.POST),
        lambda m, data: services.add_note(actor=request.user, match=m, text=data["text"]),
    )


@scoped(Match)
@require_POST
@login_required
def match_exchange(request: HttpRequest, pk: Any) -> HttpResponse:
    catalogue, _text = services.current_catalogue()
    form = ExchangeForm(request.POST, catalogue=catalogue, language=ui_language())
    return _post_action(
        request,
        pk,
        "exchange_form",
        form,
        lambda m, data: services.record_exchange(
            actor=request.user,
            match=m,
            legal_basis=data["legal_basis"],
            direction=data["direction"],
            text=data["text"],
        ),
    )


@scoped(Match)
@require_POST
@login_required
def match_reveal(request: HttpRequest, pk: Any) -> HttpResponse:
    match = selectors.match_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = RevealForm(request.POST)
    revealed = None
    status = 400
    if form.is_valid():
        try:
            revealed = services.reveal_on_server(
                actor=request.user, match=match, purpose=form.cleaned_data["purpose"]
            )
            status = 200
        except ValidationError as error:
            apply_service_errors(form, error)
    response = render(
        request,
        "matching/match_detail.html",
        _match_context(request, match, reveal_form=form, revealed=revealed),
    )
    response.status_code = status
    return response


# --------------------------------------------------------------------------- datasets


def _upload_owners(user: Any) -> Any:
    return Organisation.objects.filter(
        pk__in=get_scope(user).orgs_with_role(*services.UPLOAD_ROLES)
    )


@scoped(EncodedDataset)
@require_GET
@login_required
def dataset_list(request: HttpRequest) -> HttpResponse:
    _require_matching_role(request)
    return render(
        request,
        "matching/dataset_list.html",
        {
            "datasets": selectors.dataset_list(user=request.user),
            "municipalities": {
                o.municipality_code: o.name
                for o in Organisation.objects.filter(type=OrganisationType.MUNICIPALITY)
            },
            "can_upload": _upload_owners(request.user).exists(),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def dataset_upload(request: HttpRequest) -> HttpResponse:
    owners = _upload_owners(request.user)
    if not owners.exists():
        raise PermissionDenied
    municipalities = Organisation.objects.filter(
        type=OrganisationType.MUNICIPALITY, is_active=True
    ).exclude(municipality_code="")
    first = owners.first()
    posted = request.method == "POST"
    form = UploadForm(
        request.POST if posted else None,
        request.FILES if posted else None,
        owners=owners,
        municipalities=municipalities,
        initial={"owner": first, "municipality_code": first.municipality_code if first else ""},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            dataset = services.upload_dataset(
                actor=request.user,
                owner=data["owner"],
                content=data["file"].read(),
                dataset_type=data["dataset_type"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                municipality_code=data["municipality_code"],
                description=data["description"],
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(
                request,
                _("%(count)s encoded records were stored.") % {"count": dataset.record_count},
            )
            return redirect("matching:dataset_list")
    response = render(request, "matching/dataset_upload.html", {"form": form})
    if form.errors:
        response.status_code = 400
    return response


@scoped(EncodedDataset)
@require_POST
@login_required
def dataset_delete_encodings(request: HttpRequest, pk: Any) -> HttpResponse:
    dataset = selectors.dataset_get(user=request.user, pk=pk, action=Action.DELETE)
    services.delete_encodings(actor=request.user, dataset=dataset)
    messages.success(request, _("The encodings were deleted."))
    return redirect("matching:dataset_list")


# --------------------------------------------------------------------------- runs


@require_GET
@login_required
def run_list(request: HttpRequest) -> HttpResponse:
    _require_matching_role(request)
    return render(
        request,
        "matching/run_list.html",
        {
            "runs": selectors.run_list(user=request.user),
            "can_run": get_scope(request.user).has_role(*services.RUN_ROLES),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def run_create(request: HttpRequest) -> HttpResponse:
    collaborations = selectors.collaborations_for(user=request.user, roles=services.RUN_ROLES)
    if not collaborations.exists():
        raise PermissionDenied
    catalogue, _text = services.current_catalogue()
    form = RunForm(
        request.POST if request.method == "POST" else None,
        collaborations=collaborations,
        catalogue=catalogue,
        language=ui_language(),
        initial={"collaboration": collaborations.first()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.start_run(
                actor=request.user,
                collaboration=data["collaboration"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                match_type_keys=list(data["match_types"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            return redirect("matching:run_detail", pk=run.pk)
    response = render(
        request,
        "matching/run_form.html",
        {"form": form, "catalogue": catalogue, "lang": ui_language()},
    )
    if form.errors:
        response.status_code = 400
    return response


@require_GET
@login_required
def run_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    run = selectors.run_get(user=request.user, pk=pk)
    catalogue = matchtypes.parse_catalogue(run.catalogue)
    lang = ui_language()
    own = selectors.run_own_counts(user=request.user, run=run)
    participants = sorted(
        {(d.owner.name, d.get_dataset_type_display()) for d in run.datasets.select_related("owner")}
    )
    return render(
        request,
        "matching/run_detail.html",
        {
            "run": run,
            "types": [
                {"label": t.label.get(lang), "own": own.get(t.key, 0), "key": t.key}
                for key in run.match_types
                if (t := catalogue.match_type(key)) is not None
            ],
            "participants": participants,
            "own_job": run.job if run.job and run.job.created_by_id == request.user.pk else None,
        },
    )


# --------------------------------------------------------------------------- catalogue, report


@require_GET
@login_required
def catalogue_view(request: HttpRequest) -> HttpResponse:
    _require_matching_role(request)
    catalogue, _text = services.current_catalogue()
    return render(
        request,
        "matching/catalogue.html",
        {
            "catalogue": catalogue,
            "lang": ui_language(),
            "dataset_labels": {str(key): label for key, label in DATASET_TYPE_CHOICES},
        },
    )


def _statistics_rows(
    user: Any, catalogue: matchtypes.Catalogue, period: tuple[date, date] | None
) -> list[dict[str, Any]]:
    stats = selectors.type_statistics(user=user, period=period)
    outcomes = selectors.outcome_counts(user=user, period=period)
    lang = ui_language()
    rows = []
    for match_type in catalogue.match_types:
        s = stats.get(match_type.key) or priority.TypeStatistics(0, 0, 0, Decimal(0), Decimal(0))
        rows.append(
            {
                "key": match_type.key,
                "label": match_type.label.get(lang),
                "priority": match_type.priority,
                "suggested": priority.suggested_priority(match_type.priority, s.closed, s.findings),
                "stats": s,
                "share": s.finding_share,
                "outcomes": [outcomes.get(match_type.key, {}).get(o.value, 0) for o in Outcome],
                "amount_per_closed": s.amount_per_closed,
            }
        )
    return rows


@require_GET
@login_required
def statistics_view(request: HttpRequest) -> HttpResponse:
    _require_matching_role(request)
    catalogue, _text = services.current_catalogue()
    return render(
        request,
        "matching/statistics.html",
        {
            "rows": _statistics_rows(request.user, catalogue, None),
            "outcome_labels": [label for _value, label in OUTCOME_CHOICES],
        },
    )


@require_GET
@login_required
def report_view(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    if fmt not in ("html", "csv", "pdf"):
        raise Http404
    _require_matching_role(request)
    form = ReportPeriodForm(request.GET or None)
    period: tuple[date, date] | None = None
    if form.is_valid() and form.cleaned_data["period_start"] and form.cleaned_data["period_end"]:
        period = (form.cleaned_data["period_start"], form.cleaned_data["period_end"])
    elif form.is_bound and not form.is_valid() and fmt != "html":
        flash_errors(request, form)
        return redirect("matching:report")
    catalogue, _text = services.current_catalogue()
    rows = _statistics_rows(request.user, catalogue, period)
    totals = {
        "matches": sum(r["stats"].matches for r in rows),
        "closed": sum(r["stats"].closed for r in rows),
        "findings": sum(r["stats"].findings for r in rows),
        "recovered": sum(r["stats"].recovered for r in rows),
        "stopped": sum(r["stats"].stopped for r in rows),
    }
    from samverkan.organisations.selectors import primary_organisation

    context = {
        "form": form,
        "rows": rows,
        "totals": totals,
        "period": period,
        "organisation": primary_organisation(request.user),
        "outcome_labels": [label for _value, label in OUTCOME_CHOICES],
        "generated": timezone.localtime(),
        "querystring": request.GET.urlencode(),
    }
    if fmt == "html":
        return render(request, "matching/report.html", context)
    services.record_export(actor=request.user, what="outcome_report", rows=len(rows), fmt=fmt)
    if fmt == "csv":
        header = [
            _("Match type"),
            _("Matches"),
            _("Closed"),
            *[str(label) for _value, label in OUTCOME_CHOICES],
            _("Share with a finding"),
            _("Recovery claimed (SEK)"),
            _("Payments stopped (SEK)"),
        ]
        table = (
            [
                row["label"],
                row["stats"].matches,
                row["stats"].closed,
                *row["outcomes"],
                "" if row["share"] is None else f"{row['share']:.2f}".replace(".", ","),
                row["stats"].recovered,
                row["stats"].stopped,
            ]
            for row in rows
        )
        return exporting.csv_response("matchning-utfall.csv", header, table)
    return pdf_response(request, "matching/report_pdf.html", context, "matchning-utfall.pdf")
