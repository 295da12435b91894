from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.cases import selectors, services
from samverkan.cases.forms import (
    CaseFilterForm,
    CaseForm,
    PersonForm,
    PurposeForm,
    ShareForm,
    StatusForm,
)
from samverkan.cases.models import Case
from samverkan.cases.workflow import TRANSITIONS, CaseStatus
from samverkan.core import exporting
from samverkan.core import purpose as purpose_memory
from samverkan.core.scoping import get_scope
from samverkan.core.views_helpers import apply_service_errors, flash_errors, scoped
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import CREATOR_ROLES, Action, Confidentiality
from samverkan.organisations.selectors import collaboration_partners, partner_organisations


@scoped(Case)
@require_GET
@login_required
def case_list(request: HttpRequest) -> HttpResponse:
    form = CaseFilterForm(request.GET or None)
    query = status = ""
    if form.is_valid():
        query = form.cleaned_data["q"]
        status = form.cleaned_data["status"]
    cases = selectors.case_list(user=request.user, query=query, status=status)
    page = Paginator(cases, 25).get_page(request.GET.get("page"))
    template = "cases/_case_table.html" if request.htmx else "cases/case_list.html"  # type: ignore[attr-defined]
    can_create = get_scope(request.user).has_role(*CREATOR_ROLES)
    query_params = request.GET.copy()
    query_params.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "can_create": can_create,
        "querystring": query_params.urlencode(),
    }
    return render(request, template, context)


@scoped(Case)
@require_GET
@login_required
def case_export(request: HttpRequest) -> HttpResponse:
    cases = list(selectors.case_list(user=request.user))
    services.record_export(actor=request.user, what="cases.case", count=len(cases), fmt="csv")
    header = [
        _("Reference"),
        _("Title"),
        _("Status"),
        _("Owning organisation"),
        _("Confidentiality"),
        _("Created"),
    ]
    rows = (
        [
            case.reference,
            case.title,
            case.get_status_display(),
            case.owner.name,
            case.get_confidentiality_display(),
            case.created_at.date().isoformat(),
        ]
        for case in cases
    )
    return exporting.csv_response("arenden.csv", header, rows)


def _owner_choices(user: Any) -> Any:
    return Organisation.objects.filter(pk__in=get_scope(user).orgs_with_role(*CREATOR_ROLES))


@require_http_methods(["GET", "POST"])
@login_required
def case_create(request: HttpRequest) -> HttpResponse:
    owners = _owner_choices(request.user)
    partners = partner_organisations(request.user)
    form = CaseForm(
        request.POST if request.method == "POST" else None, owners=owners, partners=partners
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            case = services.create_case(
                actor=request.user,
                owner=data["owner"],
                title=data["title"],
                description=data["description"],
                confidentiality=Confidentiality(data["confidentiality"]),
                shared_with=list(data["shared_with"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The case has been created."))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "creating": True})


@scoped(Case)
@require_GET
@login_required
def case_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_detail(user=request.user, pk=pk)
    user = request.user
    context = {
        "case": case,
        "can_change": selectors.can(user, Action.CHANGE, case),
        "can_share": selectors.can(user, Action.SHARE, case),
        "can_delete": selectors.can(user, Action.DELETE, case),
        "history": case.status_history.select_related("changed_by"),
        "status_form": StatusForm(
            initial={"status": next(iter(sorted(TRANSITIONS[CaseStatus(case.status)])))}
        ),
        "person_count": case.persons.count(),
    }
    return render(request, "cases/case_detail.html", context)


@scoped(Case)
@require_http_methods(["GET", "POST"])
@login_required
def case_edit(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = CaseForm(
        request.POST if request.method == "POST" else None,
        owners=Organisation.objects.none(),
        partners=Organisation.objects.none(),
        editing=True,
        initial={
            "title": case.title,
            "description": case.description,
            "confidentiality": case.confidentiality,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.update_case(
                actor=request.user,
                case=case,
                title=form.cleaned_data["title"],
                description=form.cleaned_data["description"],
                confidentiality=Confidentiality(form.cleaned_data["confidentiality"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The case has been saved."))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_form.html", {"form": form, "case": case})


@scoped(Case)
@require_http_methods(["GET", "POST"])
@login_required
def case_share(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, action=Action.SHARE)
    form = ShareForm(
        request.POST if request.method == "POST" else None,
        partners=collaboration_partners(case.owner),
        initial={"shared_with": list(case.shared_with.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_case_sharing(
                actor=request.user, case=case, organisations=list(form.cleaned_data["shared_with"])
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Sharing has been updated."))
            return redirect("cases:detail", pk=case.pk)
    return render(request, "cases/case_share.html", {"form": form, "case": case})


@scoped(Case)
@require_POST
@login_required
def case_status(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = StatusForm(request.POST)
    if form.is_valid():
        try:
            services.set_case_status(
                actor=request.user,
                case=case,
                status=CaseStatus(form.cleaned_data["status"]),
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The status has been changed."))
    else:
        flash_errors(request, form)
    return redirect("cases:detail", pk=case.pk)


@scoped(Case)
@require_http_methods(["GET", "POST"])
@login_required
def case_delete(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, action=Action.DELETE)
    if request.method == "POST":
        services.delete_case(actor=request.user, case=case)
        messages.success(request, _("The case has been deleted."))
        return redirect("cases:list")
    return render(request, "cases/case_confirm_delete.html", {"case": case})


@scoped(Case)
@require_http_methods(["GET", "POST"])
@login_required
def case_persons(request: HttpRequest, pk: Any) -> HttpResponse:
    """Person-level data: asks for a purpose first, and audits every view."""
    case = selectors.case_get(user=request.user, pk=pk)
    purpose_form = PurposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and purpose_form.is_valid():
        purpose_memory.remember(request, f"case:{case.pk}", purpose_form.cleaned_data["purpose"])
        return redirect("cases:persons", pk=case.pk)
    purpose = None if request.method == "POST" else purpose_memory.fresh(request, f"case:{case.pk}")
    if purpose is None:
        return render(request, "cases/case_purpose.html", {"case": case, "form": purpose_form})
    services.record_person_view(actor=request.user, case=case, purpose=purpose)
    context = {
        "case": case,
        "persons": selectors.case_persons(case=case),
        "purpose": purpose,
        "can_change": selectors.can(request.user, Action.CHANGE, case),
        "person_form": PersonForm(),
    }
    return render(request, "cases/case_persons.html", context)


@scoped(Case)
@require_http_methods(["GET", "POST"])
@login_required
def person_add(request: HttpRequest, pk: Any) -> HttpResponse:
    case = selectors.case_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = PersonForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_person(actor=request.user, case=case, **form.cleaned_data)
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The person has been added."))
            return redirect("cases:persons", pk=case.pk)
    return render(request, "cases/person_form.html", {"case": case, "form": form})
