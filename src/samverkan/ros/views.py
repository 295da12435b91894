from __future__ import annotations

import json
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from samverkan.audit import services as audit
from samverkan.audit.models import AuditAction
from samverkan.core import exporting, imports
from samverkan.core.scoping import get_scope
from samverkan.core.tabular import TableError, read_table
from samverkan.core.views_helpers import apply_service_errors, scoped, ui_language
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import CREATOR_ROLES, Action, Confidentiality
from samverkan.organisations.selectors import collaboration_partners, partner_organisations
from samverkan.ros import riskfacts, selectors, services
from samverkan.ros.forms import ImportForm, PremisesFilterForm, ShareForm, SignalForm
from samverkan.ros.importing import ALIASES, REQUIRED
from samverkan.ros.models import Business, Premises, Signal

IMPORT_SESSION_KEY = "samverkan_ros_import"


def _creator_orgs(user: Any) -> Any:
    return Organisation.objects.filter(pk__in=get_scope(user).orgs_with_role(*CREATOR_ROLES))


def _filters(request: HttpRequest) -> tuple[PremisesFilterForm, dict[str, Any]]:
    form = PremisesFilterForm(request.GET or None)
    values: dict[str, Any] = {}
    if form.is_valid():
        data = form.cleaned_data
        values = {
            "query": data["q"],
            "municipality": data["municipality"].pk if data["municipality"] else None,
            "kind": data["kind"].key if data["kind"] else "",
            "risk_level": data["risk_level"],
            "permit_status": data["permit_status"],
        }
    return form, values


@scoped(Premises)
@require_GET
@login_required
def premises_list(request: HttpRequest) -> HttpResponse:
    form, values = _filters(request)
    page = selectors.premises_page(user=request.user, number=request.GET.get("page"), **values)
    query = request.GET.copy()
    query.pop("page", None)
    template = "ros/_premises_table.html" if request.htmx else "ros/premises_list.html"  # type: ignore[attr-defined]
    return render(
        request,
        template,
        {
            "form": form,
            "page": page,
            "querystring": query.urlencode(),
            "lang": ui_language(),
            "can_import": _creator_orgs(request.user).exists(),
        },
    )


@scoped(Premises)
@require_GET
@login_required
def premises_detail(request: HttpRequest, pk: Any) -> HttpResponse:
    premises = selectors.premises_get(user=request.user, pk=pk)
    parts = selectors.premises_detail(user=request.user, premises=premises)
    signals = list(parts["signals"])
    if signals:
        services.record_signal_view(actor=request.user, premises=premises, signals=signals)
    parts["signals"] = signals
    context = {
        "premises": premises,
        "risk": selectors.risk_for(user=request.user, premises=premises),
        "lang": ui_language(),
        "can_share": Premises.objects.allowed(request.user, Action.SHARE, premises.pk),
        "can_signal": _creator_orgs(request.user).exists(),
        "shared_list": list(premises.shared_with.order_by("name")),
        **parts,
    }
    return render(request, "ros/premises_detail.html", context)


def _share_view(request: HttpRequest, record: Any, back: str) -> HttpResponse:
    form = ShareForm(
        request.POST if request.method == "POST" else None,
        partners=collaboration_partners(record.owner),
        initial={"shared_with": list(record.shared_with.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.set_sharing(
                actor=request.user,
                record=record,
                organisations=list(form.cleaned_data["shared_with"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("Sharing has been updated."))
            return redirect(back)
    return render(request, "ros/share.html", {"form": form, "record": record, "back": back})


@scoped(Premises)
@require_http_methods(["GET", "POST"])
@login_required
def premises_share(request: HttpRequest, pk: Any) -> HttpResponse:
    premises = selectors.premises_get(user=request.user, pk=pk, action=Action.SHARE)
    return _share_view(request, premises, premises_url(premises))


def premises_url(premises: Premises) -> str:
    from django.urls import reverse

    return reverse("ros:premises_detail", args=[premises.pk])


@scoped(Signal)
@require_http_methods(["GET", "POST"])
@login_required
def signal_share(request: HttpRequest, pk: Any) -> HttpResponse:
    signal = selectors.signal_get(user=request.user, pk=pk, action=Action.SHARE)
    back = premises_url(signal.premises) if signal.premises else "/"
    return _share_view(request, signal, back)


@scoped(Premises)
@require_http_methods(["GET", "POST"])
@login_required
def signal_create(request: HttpRequest, pk: Any) -> HttpResponse:
    """A signal about the premises, a business there or (from the persons page, after a
    stated purpose) a person connected to it."""
    from samverkan.ros.models import PersonRole

    premises = selectors.premises_get(user=request.user, pk=pk)
    owners = _creator_orgs(request.user)
    parts = selectors.premises_detail(user=request.user, premises=premises)
    targets: dict[str, tuple[str, Any]] = {"premises": (str(premises), premises)}
    for business in parts["businesses"]:
        targets[f"business:{business.pk}"] = (str(business), business)
    person_id = request.GET.get("person") or request.POST.get("person") or ""
    person = None
    person_purpose = ""
    if person_id:
        person = (
            selectors.premises_persons(user=request.user, premises=premises)
            .filter(pk=person_id if _is_uuid(person_id) else None)
            .first()
        )
        if person is None:
            raise Http404
        # The form names the person: only after the purpose stated on the persons page.
        from samverkan.core import purpose as purpose_memory

        stated = purpose_memory.fresh(request, f"premises:{premises.pk}")
        if stated is None:
            return redirect("ros:premises_persons", pk=premises.pk)
        person_purpose = stated
        targets[f"person:{person.pk}"] = (str(person), person)
    form = SignalForm(
        request.POST if request.method == "POST" else None,
        owners=owners,
        partners=partner_organisations(request.user),
        about=[(key, label) for key, (label, _obj) in targets.items()],
        initial={
            "owner": owners.first(),
            "about": f"person:{person_id}" if person_id else "premises",
        },
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        target = targets[data["about"]][1]
        try:
            services.record_signal(
                actor=request.user,
                owner=data["owner"],
                premises=premises,
                business=target if isinstance(target, Business) else None,
                person=target if isinstance(target, PersonRole) else None,
                kind=data["kind"],
                description=data["description"],
                observed_on=data["observed_on"],
                reliability=data["reliability"],
                credibility=data["credibility"],
                confidentiality=Confidentiality(data["confidentiality"]),
                shared_with=list(data["shared_with"]),
            )
        except ValidationError as error:
            apply_service_errors(form, error)
        else:
            messages.success(request, _("The signal has been recorded."))
            return redirect("ros:premises_detail", pk=premises.pk)
    if person is not None:
        services.record_person_shown(
            actor=request.user, premises=premises, person=person, purpose=person_purpose
        )
    return render(
        request,
        "ros/signal_form.html",
        {"form": form, "premises": premises, "person": person_id},
    )


def _is_uuid(value: str) -> bool:
    import uuid as uuid_module

    try:
        uuid_module.UUID(value)
    except ValueError:
        return False
    return True


# --- Import ---------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@login_required
def register_import(request: HttpRequest) -> HttpResponse:
    """Upload → preview (nothing stored) → confirm (all rows or none). The previewed file
    waits encrypted (core.imports) and is deleted on confirm, on cancel, when the page is
    left for a new upload, or after SAMVERKAN_IMPORT_PREVIEW_HOURS."""
    owners = _creator_orgs(request.user)
    action = next((a for a in ("confirm", "cancel") if request.POST.get(a)), "")
    form = ImportForm(
        request.POST if request.method == "POST" and not action else None,
        request.FILES if request.method == "POST" else None,
        owners=owners,
    )
    pending = request.session.pop(IMPORT_SESSION_KEY, None)
    if request.method == "POST" and action == "confirm" and pending:
        return _confirm_import(request, form, owners, pending)
    # Anything else leaves a waiting preview behind: it is not kept.
    imports.delete_preview(pending.get("preview") if pending else None)
    if action == "cancel":
        messages.info(request, _("The import was cancelled; nothing was stored."))
        return redirect("ros:register_import")
    context: dict[str, Any] = {"form": form}
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        data = upload.read()
        try:
            rows = read_table(data, upload.name, aliases=ALIASES, required=REQUIRED)
            summary = services.import_register(
                actor=request.user, owner=form.cleaned_data["owner"], rows=rows, commit=False
            )
        except TableError as error:
            context["problems"] = [str(p) for p in error.problems[:200]]
        else:
            context["summary"] = summary
            context["problems"] = [str(p) for p in summary.problems[:200]]
            if not summary.problems:
                request.session[IMPORT_SESSION_KEY] = {
                    "preview": imports.store_preview(data),
                    "name": upload.name,
                    "owner": form.cleaned_data["owner"].pk,
                }
                context["ready"] = True
    return render(request, "ros/import.html", context)


def _confirm_import(
    request: HttpRequest, form: ImportForm, owners: Any, pending: dict[str, Any]
) -> HttpResponse:
    try:
        data = imports.load_preview(pending.get("preview") or {})
        owner = owners.filter(pk=pending.get("owner")).first()
        if data is None or owner is None:
            messages.error(request, _("The preview has expired. Upload the file again."))
            return redirect("ros:register_import")
        rows = read_table(data, str(pending.get("name", "")), aliases=ALIASES, required=REQUIRED)
        summary = services.import_register(actor=request.user, owner=owner, rows=rows, commit=True)
    except TableError as error:
        messages.error(
            request, _("Nothing was imported: %(n)d problems.") % {"n": len(error.problems)}
        )
        return render(
            request,
            "ros/import.html",
            {"form": form, "problems": [str(p) for p in error.problems[:200]]},
        )
    finally:
        imports.delete_preview(pending.get("preview"))
    messages.success(
        request,
        _("Imported: %(p)d new premises, %(b)d new businesses, %(t)d new permits.")
        % {"p": summary.premises_new, "b": summary.businesses_new, "t": summary.permits_new},
    )
    return redirect("ros:premises_list")


# --- Export and map ---------------------------------------------------------------------

EXPORT_COLUMNS = [
    ("name", "Namn"),
    ("address", "Adress"),
    ("postal_code", "Postnummer"),
    ("municipality__name", "Kommun"),
    ("property_designation", "Fastighetsbeteckning"),
    ("kind__name", "Verksamhetstyp"),
    ("latitude", "Latitud"),
    ("longitude", "Longitud"),
    ("risk_score", "Riskpoäng"),
    ("risk_level", "Risknivå"),
]


@scoped(Premises)
@require_GET
@login_required
def premises_export(request: HttpRequest, fmt: str) -> HttpResponse:
    if fmt not in ("csv", "xlsx", "geojson"):
        raise Http404
    _form, values = _filters(request)
    rows = selectors.premises_rows(user=request.user, **values)
    with transaction.atomic():
        audit.record(
            actor=request.user,
            action=AuditAction.EXPORT,
            object_type="ros.premises",
            details={"rows": len(rows), "format": fmt},
        )
    if fmt == "geojson":
        return _geojson_response(rows, truncated=False, attachment=True)
    headers = [label for _, label in EXPORT_COLUMNS]
    table = ([row[c] for c, _ in EXPORT_COLUMNS] for row in rows)
    if fmt == "csv":
        return exporting.csv_response("lokaler.csv", headers, table)
    return exporting.xlsx_response("lokaler.xlsx", headers, table, sheet="Lokaler")


def _geojson_response(
    rows: list[dict[str, Any]], *, truncated: bool, attachment: bool
) -> HttpResponse:
    features = []
    for row in rows:
        if row["latitude"] is None or row["longitude"] is None:
            continue
        pk = str(row["id"])
        features.append(
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [row["longitude"], row["latitude"]]},
                "properties": {
                    "id": pk,
                    "name": row["name"] or "",
                    "address": row["address"],
                    "kind": row["kind__name"] or "",
                    "municipality": row["municipality__name"] or "",
                    "risk_score": row["risk_score"],
                    "risk_level": row["risk_level"],
                    "target": bool(row.get("is_target")),
                    "url": f"/ros/lokaler/{pk}/",
                },
            }
        )
    body = {"type": "FeatureCollection", "features": features, "truncated": truncated}
    response = HttpResponse(
        json.dumps(body, ensure_ascii=False, separators=(",", ":")),
        content_type="application/geo+json",
    )
    if attachment:
        response["Content-Disposition"] = 'attachment; filename="lokaler.geojson"'
    return response


@scoped(Premises)
@require_GET
@login_required
def map_data(request: HttpRequest) -> HttpResponse:
    _form, values = _filters(request)
    bbox = None
    if request.GET.get("bbox"):
        try:
            west, south, east, north = (float(v) for v in request.GET["bbox"].split(","))
        except ValueError:
            return JsonResponse({"detail": _("bbox must be west,south,east,north.")}, status=400)
        bbox = (west, south, east, north)
    values.pop("query", None)
    rows, truncated = selectors.map_features(
        user=request.user, bbox=bbox, targets_only=request.GET.get("targets") == "1", **values
    )
    # The same data as the GeoJSON export: audited as one view of the map with its count.
    services.record_map_view(actor=request.user, rows=len(rows), truncated=truncated)
    return _geojson_response(rows, truncated=truncated, attachment=False)


@require_GET
@login_required
def map_page(request: HttpRequest) -> HttpResponse:
    form, _values = _filters(request)
    del form.fields["q"]  # the map shows an area, not search hits
    return render(
        request,
        "ros/map.html",
        {
            "form": form,
            "tile_url": settings.ROS_MAP_TILE_URL,
            "tile_attribution": settings.ROS_MAP_ATTRIBUTION,
        },
    )


@require_GET
@login_required
def risk_settings(request: HttpRequest) -> HttpResponse:
    from samverkan.ros import risk

    config = {c.key: c for c in riskfacts.indicator_config()}
    lang = ui_language()
    indicators = [
        {
            "key": d.key,
            "label": d.label.get(lang) or d.label.get("sv"),
            "description": d.description.get(lang) or d.description.get("sv"),
            "weight": config[d.key].weight,
            "enabled": config[d.key].enabled,
            "params": config[d.key].params,
        }
        for d in risk.load_default_config()
    ]
    return render(request, "ros/risk_settings.html", {"indicators": indicators})


@scoped(Premises)
@require_http_methods(["GET", "POST"])
@login_required
def premises_persons(request: HttpRequest, pk: Any) -> HttpResponse:
    """Person-level data: asks for a purpose first, and audits every view."""
    from samverkan.cases.forms import PurposeForm
    from samverkan.core import purpose as purpose_memory

    premises = selectors.premises_get(user=request.user, pk=pk)
    key = f"premises:{premises.pk}"
    form = PurposeForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        purpose_memory.remember(request, key, form.cleaned_data["purpose"])
        return redirect("ros:premises_persons", pk=premises.pk)
    purpose = None if request.method == "POST" else purpose_memory.fresh(request, key)
    if purpose is None:
        return render(request, "ros/person_purpose.html", {"premises": premises, "form": form})
    persons = list(selectors.premises_persons(user=request.user, premises=premises))
    services.record_person_view(
        actor=request.user, premises=premises, purpose=purpose, count=len(persons)
    )
    return render(
        request,
        "ros/persons.html",
        {"premises": premises, "persons": persons, "purpose": purpose},
    )
