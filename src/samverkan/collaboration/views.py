from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.collaboration import selectors, services
from samverkan.collaboration.forms import (
    AgreementForm,
    DecisionForm,
    FunctionForm,
    JoinForm,
    LeaveForm,
    RequirementForm,
)
from samverkan.collaboration.models import Agreement, Decision
from samverkan.core.scoping import get_scope
from samverkan.core.views_helpers import apply_service_errors, flash_errors
from samverkan.organisations.models import Collaboration, Organisation


def _creatable(user: Any) -> Any:
    orgs = get_scope(user).orgs_with_role(*selectors.WRITER_ROLES)
    return (
        Collaboration.objects.filter(members__in=orgs, agreement__isnull=True)
        .distinct()
        .order_by("name")
    )


def _forms(request: HttpRequest, agreement: Agreement, data: Any = None) -> dict[str, Any]:
    active = agreement.parties.filter(left_on__isnull=True).values_list("organisation", flat=True)
    own = get_scope(request.user).orgs_with_role(*selectors.WRITER_ROLES)
    ever = agreement.parties.values_list("organisation", flat=True)
    members = agreement.collaboration.members.values_list("pk", flat=True)
    today = timezone.localdate()
    deciding = Organisation.objects.filter(pk__in=active).filter(pk__in=own).order_by("name")
    return {
        "decision_form": DecisionForm(
            organisations=deciding, initial={"organisation": deciding.first()}
        ),
        "join_form": JoinForm(
            initial={"joined_on": today, "required": True},
            organisations=Organisation.objects.filter(is_active=True).exclude(pk__in=ever),
        ),
        "leave_form": LeaveForm(
            initial={"left_on": today}, organisations=Organisation.objects.filter(pk__in=active)
        ),
        "function_form": FunctionForm(
            organisations=Organisation.objects.filter(pk__in=list(members) + list(active))
            .distinct()
            .order_by("name")
        ),
    }


@require_GET
@login_required
def agreement_list(request: HttpRequest) -> HttpResponse:
    agreements = [
        (agreement, selectors.agreement_status(agreement))
        for agreement in selectors.agreement_list(user=request.user)
    ]
    return render(
        request,
        "collaboration/agreement_list.html",
        {"agreements": agreements, "can_create": _creatable(request.user).exists()},
    )


@require_http_methods(["GET", "POST"])
@login_required
def agreement_create(request: HttpRequest) -> HttpResponse:
    collaborations = _creatable(request.user)
    if not collaborations.exists():
        raise PermissionDenied
    form = AgreementForm(
        request.POST if request.method == "POST" else None,
        collaborations=collaborations,
        initial={"joined_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        collaboration = data["collaboration"]
        try:
            agreement = services.create_agreement(
                actor=request.user,
                collaboration=collaboration,
                title=data["title"],
                parties=[(org, True) for org in data["parties"]]
                + [(org, False) for org in data["other_parties"]],
                joined_on=data["joined_on"],
                period_start=data["period_start"],
                period_end=data["period_end"],
                renewal_note=data["renewal_note"],
                work_areas=data["work_areas"].splitlines(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The agreement has been recorded."))
            return redirect("collaboration:detail", pk=agreement.pk)
    return render(request, "collaboration/agreement_form.html", {"form": form})


@require_GET
@login_required
def agreement_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    agreement = selectors.get_agreement(user=request.user, pk=pk)
    context = {
        "agreement": agreement,
        "status": selectors.agreement_status(agreement),
        "parties": selectors.parties(agreement),
        "decisions": agreement.decisions.select_related("organisation"),
        "functions": agreement.functions.select_related("organisation"),
        "work_areas": agreement.work_areas.all(),
        "received": selectors.received_before_leaving(user=request.user, agreement=agreement),
        "can_manage": selectors.can_manage(request.user, agreement),
    }
    if context["can_manage"]:
        context.update(_forms(request, agreement))
    return render(request, "collaboration/agreement_detail.html", context)


@require_GET
@login_required
def agreement_history(request: HttpRequest, pk: Any) -> HttpResponse:
    agreement = selectors.get_agreement(user=request.user, pk=pk)
    return render(
        request,
        "collaboration/agreement_history.html",
        {"agreement": agreement, "events": selectors.history(agreement)},
    )


def _post(request: HttpRequest, pk: Any, form_class: type, run: Any, done: str) -> HttpResponse:
    agreement = selectors.get_agreement(user=request.user, pk=pk)
    if not selectors.can_manage(request.user, agreement):
        raise PermissionDenied
    form = form_class(
        request.POST,
        request.FILES,
        organisations=Organisation.objects.filter(is_active=True),
    )
    if not form.is_valid():
        flash_errors(request, form)
    else:
        try:
            run(agreement, form.cleaned_data)
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, done)
    return redirect("collaboration:detail", pk=agreement.pk)


@require_POST
@login_required
def decision_add(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        services.record_decision(
            actor=request.user,
            agreement=agreement,
            organisation=data["organisation"],
            decided_on=data["decided_on"],
            body=data["body"],
            paragraph=data["paragraph"],
            conditions=data["conditions"],
            document=data["document"],
        )

    return _post(request, pk, DecisionForm, run, _("The decision has been recorded."))


@require_POST
@login_required
def party_join(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        services.join_party(
            actor=request.user,
            agreement=agreement,
            organisation=data["organisation"],
            joined_on=data["joined_on"],
            required=data["required"],
        )

    return _post(request, pk, JoinForm, run, _("The party has been added."))


@require_POST
@login_required
def party_leave(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        services.leave_party(
            actor=request.user,
            agreement=agreement,
            organisation=data["organisation"],
            left_on=data["left_on"],
        )

    return _post(
        request,
        pk,
        LeaveForm,
        run,
        _("The party has left the agreement and sharing with it has been withdrawn."),
    )


@require_POST
@login_required
def party_requirement(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        services.set_party_required(
            actor=request.user,
            agreement=agreement,
            organisation=data["organisation"],
            required=data["required"],
        )

    return _post(request, pk, RequirementForm, run, _("The requirement has been changed."))


@require_POST
@login_required
def function_add(request: HttpRequest, pk: Any) -> HttpResponse:
    def run(agreement: Agreement, data: dict[str, Any]) -> None:
        services.assign_function(
            actor=request.user,
            agreement=agreement,
            function=data["function"],
            organisation=data["organisation"],
            person_name=data["person_name"],
            contact=data["contact"],
        )

    return _post(request, pk, FunctionForm, run, _("The function has been added."))


@require_GET
@login_required
def decision_document(request: HttpRequest, pk: Any) -> FileResponse:
    decision = Decision.objects.filter(pk=pk).select_related("agreement").first()
    if decision is None or not decision.document:
        raise Http404
    selectors.get_agreement(user=request.user, pk=decision.agreement_id)
    return FileResponse(
        decision.document.open("rb"),
        as_attachment=True,
        filename=decision.document_name or "beslut",
    )
