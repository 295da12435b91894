"""Pages for joint operations, inspection records and outcome figures."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core import exporting
from samverkan.core.pdf import pdf_response
from samverkan.core.scoping import get_scope
from samverkan.core.views_helpers import apply_service_errors, flash_errors, scoped, ui_language
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import CREATOR_ROLES, Action, Role
from samverkan.organisations.selectors import collaboration_partners
from samverkan.ros import operations, selectors
from samverkan.ros.forms import AssignmentForm, FollowUpForm, InspectionForm, OperationForm
from samverkan.ros.models import InspectionRecord, Operation, Premises
from samverkan.ros.workflow import TRANSITIONS, Stage


@scoped(Operation)
@require_GET
@login_required
def operation_list(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    return render(
        request,
        "ros/operation_list.html",
        {
            "operations": selectors.operation_list(user=request.user),
            "can_plan": scope.has_role(Role.COORDINATOR, Role.CASE_OFFICER),
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def operation_create(request: HttpRequest) -> HttpResponse:
    scope = get_scope(request.user)
    owners = Organisation.objects.filter(
        pk__in=scope.orgs_with_role(Role.COORDINATOR, Role.CASE_OFFICER)
    )
    owner = owners.first()
    if owner is None:
        raise PermissionDenied
    organisations = [owner, *collaboration_partners(owner)]
    toolbox = operations.current_toolbox()
    form = OperationForm(
        request.POST if request.method == "POST" else None,
        owners=owners,
        organisations=organisations,
        authorities=toolbox.authorities,
        lang=ui_language(),
        initial={"owner": owner},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operation = operations.create_operation(
                actor=request.user,
                owner=data["owner"],
                title=data["title"],
                starts_at=data["starts_at"],
                ends_at=data["ends_at"],
                areas=data["areas"],
                description=data["description"],
                participants=form.participants(),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The operation has been planned."))
            return redirect("ros:operation_detail", pk=operation.pk)
    return render(request, "ros/operation_form.html", {"form": form})


def _operation_context(request: HttpRequest, operation: Operation) -> dict[str, Any]:
    user = request.user
    lang = ui_language()
    toolbox = operations.operation_toolbox(operation)
    scope = get_scope(user)
    inspections = (
        InspectionRecord.objects.restrict(user, Action.VIEW)
        .filter(operation=operation)
        .select_related("owner")
        .prefetch_related("tasks__owner")
    )
    by_target: dict[Any, list[Any]] = {}
    for record in inspections:
        authority = toolbox.authority(record.authority)
        record.finding_labels = [authority.finding(f).label.get(lang) for f in record.findings]
        record.sanction_labels = [toolbox.sanction(s).label.get(lang) for s in record.sanctions]
        record.can_change = record.owner_id in scope.orgs_with_role(*CREATOR_ROLES)
        by_target.setdefault(record.target_id, []).append(record)
    targets = list(
        operation.targets.select_related("premises", "premises__municipality").prefetch_related(
            "assignments__participation__organisation"
        )
    )
    # Each target's risk as this user sees it; none for premises the user cannot see.
    risks = selectors.risk_for(user=user, premises=[t.premises_id for t in targets])
    for target in targets:
        target.records = by_target.get(target.pk, [])  # type: ignore[attr-defined]
        target.risk = risks.get(target.premises_id)  # type: ignore[attr-defined]
    participations = list(operation.participations.select_related("organisation"))
    for p in participations:
        authority = toolbox.authority(p.authority)
        p.label = authority.label.get(lang)  # type: ignore[attr-defined]
        p.legal_basis = authority.legal_basis.get(lang)  # type: ignore[attr-defined]
        p.checks = [c.label.get(lang) for c in authority.checks]  # type: ignore[attr-defined]
        p.sanction_labels = [s.label.get(lang) for s in toolbox.sanctions_for(authority.key)]  # type: ignore[attr-defined]
        p.mine = p.organisation_id in scope.orgs_with_role(*CREATOR_ROLES)  # type: ignore[attr-defined]
    labels = {str(k): str(v) for k, v in Operation._meta.get_field("status").flatchoices}
    return {
        "operation": operation,
        "targets": targets,
        "participations": participations,
        "can_change": Operation.objects.allowed(user, Action.CHANGE, operation.pk),
        "next_stages": [
            (stage.value, labels[stage.value])
            for stage in sorted(TRANSITIONS[Stage(operation.status)])
        ],
        "stage_labels": labels,
        "lang": lang,
        "generated": timezone.localtime(),
    }


@scoped(Operation)
@require_GET
@login_required
def operation_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    operation = selectors.operation_get(user=request.user, pk=pk)
    context = _operation_context(request, operation)
    context["assignment_form"] = AssignmentForm(operation=operation, lang=context["lang"])
    return render(request, "ros/operation_detail.html", context)


@scoped(Operation)
@require_http_methods(["GET", "POST"])
@login_required
def operation_targets(request: HttpRequest, pk: Any) -> HttpResponse:
    operation = selectors.operation_get(user=request.user, pk=pk, action=Action.CHANGE)
    query = request.GET.get("q", "")[:200]
    candidates = selectors.premises_list(
        user=request.user, query=query, limit=50 if query or request.GET.get("all") else 25
    )
    if request.method == "POST":
        ids = request.POST.getlist("premises")
        premises = list(
            Premises.objects.restrict(request.user, Action.VIEW).filter(
                pk__in=[i for i in ids if _is_uuid(i)]
            )
        )
        if not premises:
            messages.error(request, _("Tick at least one premises."))
        else:
            added = operations.add_targets(
                actor=request.user, operation=operation, premises=premises
            )
            messages.success(request, _("%(n)d targets added.") % {"n": added})
            return redirect("ros:operation_detail", pk=operation.pk)
    return render(
        request,
        "ros/operation_targets.html",
        {"operation": operation, "candidates": candidates, "q": query},
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


@scoped(Operation)
@require_POST
@login_required
def operation_assignment(request: HttpRequest, pk: Any) -> HttpResponse:
    operation = selectors.operation_get(user=request.user, pk=pk, action=Action.CHANGE)
    form = AssignmentForm(request.POST, operation=operation, lang=ui_language())
    if form.is_valid():
        try:
            operations.add_assignment(
                actor=request.user,
                operation=operation,
                participation=operation.participations.get(uid=form.cleaned_data["participation"]),
                target=operation.targets.get(uid=form.cleaned_data["target"]),
                task=form.cleaned_data["task"],
            )
        except ValidationError as error:
            flash_errors(request, error)
        else:
            messages.success(request, _("The task has been assigned."))
    else:
        flash_errors(request, form)
    return redirect("ros:operation_detail", pk=operation.pk)


@scoped(Operation)
@require_POST
@login_required
def operation_stage(request: HttpRequest, pk: Any) -> HttpResponse:
    operation = selectors.operation_get(user=request.user, pk=pk, action=Action.CHANGE)
    try:
        operations.set_stage(
            actor=request.user, operation=operation, stage=Stage(request.POST.get("status", ""))
        )
    except (ValueError, ValidationError):
        messages.error(request, _("The operation cannot go from this stage to the chosen one."))
    return redirect("ros:operation_detail", pk=operation.pk)


@scoped(Operation)
@require_http_methods(["GET", "POST"])
@login_required
def inspection_create(request: HttpRequest, pk: Any, participation: Any) -> HttpResponse:
    operation = selectors.operation_get(user=request.user, pk=pk)
    part = get_object_or_404(
        operation.participations.select_related("organisation"), uid=participation
    )
    if part.organisation_id not in get_scope(request.user).orgs_with_role(*CREATOR_ROLES):
        raise PermissionDenied
    toolbox = operations.operation_toolbox(operation)
    lang = ui_language()
    form = InspectionForm(
        request.POST if request.method == "POST" else None,
        operation=operation,
        authority=toolbox.authority(part.authority),
        toolbox=toolbox,
        partners=collaboration_partners(part.organisation),
        lang=lang,
        initial={"inspected_on": timezone.localdate()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            operations.record_inspection(
                actor=request.user,
                operation=operation,
                target=operation.targets.get(uid=data["target"]),
                participation=part,
                inspected_on=data["inspected_on"],
                findings=data["findings"],
                sanctions=data["sanctions"],
                notes=data["notes"],
                money_identified=data["money_identified"],
                money_stopped=data["money_stopped"],
                shared_with=list(data["shared_with"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The inspection record has been saved."))
            return redirect("ros:operation_detail", pk=operation.pk)
    return render(
        request,
        "ros/inspection_form.html",
        {"form": form, "operation": operation, "participation": part},
    )


@scoped(InspectionRecord)
@require_http_methods(["GET", "POST"])
@login_required
def follow_up_create(request: HttpRequest, pk: Any) -> HttpResponse:
    from samverkan.core.selectors import get_scoped

    record = get_scoped(InspectionRecord, request.user, pk, Action.CHANGE)
    from django.contrib.auth import get_user_model

    members = (
        get_user_model()
        .objects.filter(memberships__organisation=record.owner, is_active=True)
        .distinct()
        .order_by("last_name", "first_name")
    )
    form = FollowUpForm(
        request.POST if request.method == "POST" else None,
        users=members,
        initial={"owner": request.user},
    )
    if request.method == "POST" and form.is_valid():
        operations.add_follow_up(
            actor=request.user,
            inspection=record,
            title=form.cleaned_data["title"],
            owner=form.cleaned_data["owner"],
            due_on=form.cleaned_data["due_on"],
        )
        messages.success(request, _("The follow-up task has been added."))
        return redirect("ros:operation_detail", pk=record.operation_id)
    return render(request, "ros/follow_up_form.html", {"form": form, "record": record})


@scoped(InspectionRecord)
@require_POST
@login_required
def follow_up_done(request: HttpRequest, pk: Any, task: Any) -> HttpResponse:
    from samverkan.core.selectors import get_scoped

    record = get_scoped(InspectionRecord, request.user, pk, Action.CHANGE)
    item = get_object_or_404(record.tasks, uid=task)
    operations.set_follow_up_done(actor=request.user, task=item, done=not item.done)
    return redirect("ros:operation_detail", pk=record.operation_id)


@scoped(Operation)
@require_GET
@login_required
def briefing_pdf(request: HttpRequest, pk: Any) -> HttpResponse:
    operation = selectors.operation_get(user=request.user, pk=pk)
    context = _operation_context(request, operation)
    with transaction.atomic():
        audit.record(
            actor=request.user, action=AuditAction.EXPORT, obj=operation, details={"format": "pdf"}
        )
    return pdf_response(request, "ros/briefing.html", context, "insats-underlag.pdf")


@require_GET
@login_required
def outcome_view(request: HttpRequest, fmt: str = "html") -> HttpResponse:
    if fmt not in ("html", "csv", "pdf"):
        raise Http404
    figures = selectors.outcome_figures(user=request.user)
    lang = ui_language()
    toolbox = operations.current_toolbox()
    rows = [
        {"municipality": key or _("All municipalities"), **f.as_dict()}
        for key, f in sorted(figures.items(), key=lambda kv: (kv[0] == "", kv[0]))
    ]
    sanction_labels = {s.key: s.label.get(lang) for s in toolbox.sanctions}
    authority_labels = {a.key: a.label.get(lang) for a in toolbox.authorities}
    context = {
        "rows": rows,
        "sanction_labels": sanction_labels,
        "authority_labels": authority_labels,
        "generated": timezone.localtime(),
    }
    if fmt == "html":
        return render(request, "ros/outcomes.html", context)
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="ros.outcomes",
            details={"format": fmt},
        )
    if fmt == "csv":
        header = [
            _("Municipality"),
            _("Operations"),
            _("Premises visited"),
            _("Inspections"),
            _("Findings"),
            _("Sanctions"),
            _("Closures"),
            _("Revoked permits"),
            _("Money identified (SEK)"),
            _("Payments stopped (SEK)"),
        ]
        table = (
            [
                row["municipality"],
                row["operations"],
                row["premises_visited"],
                row["inspections"],
                sum(row["findings_by_authority"].values()),
                sum(row["sanctions"].values()),
                row["closures"],
                row["permits_revoked"],
                row["money_identified"],
                row["money_stopped"],
            ]
            for row in rows
        )
        return exporting.csv_response("insatsresultat.csv", header, table)
    return pdf_response(request, "ros/outcomes_pdf.html", context, "insatsresultat.pdf")
