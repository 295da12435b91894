"""Reads of the ROS module, scoped to the user with restrict()."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet

from samverkan.core.selectors import get_scoped
from samverkan.organisations.roles import Action
from samverkan.ros.models import Business, Operation, Permit, Premises, Signal

PAGE_SIZE = 25


def premises_list(
    *,
    user: Any,
    query: str = "",
    municipality: int | None = None,
    kind: str = "",
    risk_level: str = "",
    permit_status: str = "",
) -> QuerySet[Premises]:
    """The risk list: visible premises, highest risk first."""
    qs = Premises.objects.restrict(user, Action.VIEW).select_related("municipality", "kind")
    if query:
        from samverkan.ros.importing import normalise_address

        qs = qs.filter(
            Q(normalised_address__contains=normalise_address(query))
            | Q(name__icontains=query)
            | Q(property_designation__icontains=query)
        )
    if municipality:
        qs = qs.filter(municipality_id=municipality)
    if kind:
        qs = qs.filter(kind__key=kind)
    if risk_level:
        qs = qs.filter(risk_level=risk_level)
    if permit_status:
        permits = Permit.objects.restrict(user, Action.VIEW).filter(status=permit_status)
        qs = qs.filter(pk__in=permits.values("premises_id"))
    return qs.order_by("-risk_score", "address")


def premises_page(*, user: Any, number: Any, **filters: Any) -> Page[Premises]:
    """One page of the risk list. The page's ids are chosen first (an index-only walk
    even deep into the list), then only those rows are loaded."""
    ids = premises_list(user=user, **filters).values_list("pk", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(number)
    chosen = list(page.object_list)
    rows = {
        p.pk: p
        for p in Premises.objects.filter(pk__in=chosen).select_related("municipality", "kind")
    }
    page.object_list = [rows[pk] for pk in chosen if pk in rows]
    return page  # type: ignore[return-value]


def premises_get(*, user: Any, pk: Any, action: Action = Action.VIEW) -> Premises:
    return get_scoped(Premises, user, pk, action)


def premises_detail(*, user: Any, premises: Premises) -> dict[str, Any]:
    """What the user may see about one premises: each part scoped on its own."""
    return {
        "permits": Permit.objects.restrict(user, Action.VIEW).filter(premises=premises),
        "businesses": Business.objects.restrict(user, Action.VIEW).filter(premises=premises),
        "signals": Signal.objects.restrict(user, Action.VIEW)
        .filter(premises=premises)
        .select_related("owner"),
    }


def business_list(*, user: Any, query: str = "") -> QuerySet[Business]:
    qs = Business.objects.restrict(user, Action.VIEW)
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(organisation_number__startswith=query))
    return qs.order_by("name")


def business_get(*, user: Any, pk: Any) -> Business:
    return get_scoped(Business, user, pk)


def signal_list(*, user: Any) -> QuerySet[Signal]:
    return (
        Signal.objects.restrict(user, Action.VIEW)
        .select_related("owner", "premises", "business")
        .order_by("-observed_on")
    )


def signal_get(*, user: Any, pk: Any, action: Action = Action.VIEW) -> Signal:
    return get_scoped(Signal, user, pk, action)


def operation_list(*, user: Any) -> QuerySet[Operation]:
    return Operation.objects.restrict(user, Action.VIEW).select_related("owner")


def operation_get(*, user: Any, pk: Any, action: Action = Action.VIEW) -> Operation:
    return get_scoped(Operation, user, pk, action)


def map_features(
    *,
    user: Any,
    bbox: tuple[float, float, float, float] | None = None,
    municipality: int | None = None,
    kind: str = "",
    permit_status: str = "",
    risk_level: str = "",
    targets_only: bool = False,
    limit: int = 5000,
) -> tuple[list[Any], bool]:
    """Premises with coordinates as GeoJSON-ready dicts, highest risk first; ``True``
    when more premises matched than ``limit``."""
    qs = premises_list(
        user=user,
        municipality=municipality,
        kind=kind,
        permit_status=permit_status,
        risk_level=risk_level,
    ).filter(latitude__isnull=False, longitude__isnull=False)
    if bbox is not None:
        west, south, east, north = bbox
        qs = qs.filter(
            latitude__gte=south, latitude__lte=north, longitude__gte=west, longitude__lte=east
        )
    from django.db.models import Exists, OuterRef

    from samverkan.ros.models import OperationTarget

    visible_operations = Operation.objects.restrict(user, Action.VIEW).values("pk")
    qs = qs.annotate(
        is_target=Exists(
            OperationTarget.objects.filter(
                premises=OuterRef("pk"), operation__in=visible_operations
            )
        )
    )
    if targets_only:
        qs = qs.filter(is_target=True)
    rows = list(
        qs.values(
            "is_target",
            "id",
            "name",
            "address",
            "latitude",
            "longitude",
            "risk_score",
            "risk_level",
            "kind__name",
            "municipality__name",
        )[: limit + 1]
    )
    return rows[:limit], len(rows) > limit


def outcome_figures(*, user: Any) -> dict[str, Any]:
    """Outcome figures from the inspection records the user can see."""
    from samverkan.ros import outcomes
    from samverkan.ros.models import InspectionRecord

    records = (
        InspectionRecord.objects.restrict(user, Action.VIEW)
        .select_related("target__premises__municipality")
        .order_by("pk")
    )
    rows = [
        outcomes.InspectionRow(
            operation=str(r.operation_id),
            target=str(r.target_id),
            municipality=r.target.premises.municipality.name,
            authority=r.authority,
            findings=tuple(r.findings or ()),
            sanctions=tuple(r.sanctions or ()),
            money_identified=r.money_identified,
            money_stopped=r.money_stopped,
        )
        for r in records
    ]
    from samverkan.ros.operations import current_toolbox

    toolbox = current_toolbox()
    outcome_of = {s.key: (s.outcome.value if s.outcome else None) for s in toolbox.sanctions}
    return outcomes.compute(rows, outcome_of=outcome_of)


def premises_persons(*, user: Any, premises: Premises) -> QuerySet[Any]:
    """Persons with a role at the premises or at a business there, as far as the user
    may see them. Callers audit the read (services.record_person_view)."""
    from samverkan.ros.models import PersonRole

    businesses = Business.objects.filter(premises=premises).values("pk")
    return (
        PersonRole.objects.restrict(user, Action.VIEW)
        .filter(Q(premises=premises) | Q(business__in=businesses))
        .select_related("business")
        .order_by("name")
    )
