"""Reads of the ROS module, scoped to the user with restrict()."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Exists, OuterRef, Q, QuerySet

from samverkan.core.scoping import get_scope
from samverkan.core.selectors import get_scoped
from samverkan.organisations.roles import Action, readable_levels
from samverkan.organisations.selectors import primary_organisation
from samverkan.ros.models import Business, Operation, Permit, Premises, PremisesRisk, Signal
from samverkan.ros.riskfacts import LEVEL_RANK, Viewer

PAGE_SIZE = 25


def viewers(user: Any) -> list[Viewer]:
    """The viewers a user reads risk as: one per organisation (the highest level the
    user's roles there read), the organisation the user acts for first."""
    scope = get_scope(user)
    if not scope.roles_by_org:
        return []
    active = primary_organisation(user)
    found = [
        Viewer(org, max(LEVEL_RANK[level] for role in roles for level in readable_levels(role)))
        for org, roles in scope.roles_by_org.items()
    ]
    return sorted(found, key=lambda v: (active is None or v.organisation != active.pk, v))


def risk_rows(user: Any) -> QuerySet[PremisesRisk]:
    """One risk row for each premises the user can see: the row of the first of the
    user's viewers that sees it. A row exists exactly when its viewer sees the premises,
    so this is also the user's visible part of the register."""
    condition = Q(pk__in=[])
    earlier: list[Viewer] = []
    for viewer in viewers(user):
        mine = Q(organisation_id=viewer.organisation, clearance=viewer.clearance)
        for other in earlier:
            mine &= ~Q(
                Exists(
                    PremisesRisk.objects.filter(
                        premises_id=OuterRef("premises_id"),
                        organisation_id=other.organisation,
                        clearance=other.clearance,
                    )
                )
            )
        condition |= mine
        earlier.append(viewer)
    return PremisesRisk.objects.filter(condition)


def risk_list(
    *,
    user: Any,
    query: str = "",
    municipality: int | None = None,
    kind: str = "",
    risk_level: str = "",
    permit_status: str = "",
) -> QuerySet[PremisesRisk]:
    """The risk list: the user's risk rows of visible premises, highest risk first."""
    qs = risk_rows(user)
    if query:
        from samverkan.ros.importing import normalise_address

        qs = qs.filter(
            Q(premises__normalised_address__contains=normalise_address(query))
            | Q(premises__name__icontains=query)
            | Q(premises__property_designation__icontains=query)
        )
    if municipality:
        qs = qs.filter(premises__municipality_id=municipality)
    if kind:
        qs = qs.filter(premises__kind__key=kind)
    if risk_level:
        qs = qs.filter(level=risk_level)
    if permit_status:
        permits = Permit.objects.restrict(user, Action.VIEW).filter(status=permit_status)
        qs = qs.filter(premises_id__in=permits.values("premises_id"))
    return qs.order_by("-score", "address", "premises_id")


def with_risk(rows: Iterable[PremisesRisk]) -> list[Premises]:
    """The premises of risk rows (loaded with ``premises`` and its municipality and
    kind), each carrying its row as ``premises.risk``."""
    result = []
    for row in rows:
        premises = row.premises
        premises.risk = row  # type: ignore[attr-defined]
        result.append(premises)
    return result


def premises_list(*, user: Any, limit: int, **filters: Any) -> list[Premises]:
    """The first ``limit`` premises of the risk list, with their risk."""
    rows = risk_list(user=user, **filters).select_related(
        "premises__municipality", "premises__kind"
    )
    return with_risk(rows[:limit])


def premises_page(*, user: Any, number: Any, **filters: Any) -> Page[Premises]:
    """One page of the risk list. The page's premises are chosen first (an index-only walk
    of ``ros_risk_list``, even deep into the list), then only their rows are loaded."""
    ids = risk_list(user=user, **filters).values_list("premises_id", flat=True)
    page = Paginator(ids, PAGE_SIZE).get_page(number)
    chosen = list(page.object_list)
    rows = {
        r.premises_id: r
        for r in risk_rows(user)
        .filter(premises_id__in=chosen)
        .select_related("premises__municipality", "premises__kind")
    }
    page.object_list = with_risk(rows[pk] for pk in chosen if pk in rows)  # type: ignore[assignment]
    return page  # type: ignore[return-value]


# The columns of the register export and the map, as (key, risk list lookup).
ROW_FIELDS = (
    ("id", "premises_id"),
    ("name", "premises__name"),
    ("address", "address"),
    ("postal_code", "premises__postal_code"),
    ("municipality__name", "premises__municipality__name"),
    ("property_designation", "premises__property_designation"),
    ("kind__name", "premises__kind__name"),
    ("latitude", "latitude"),
    ("longitude", "longitude"),
    ("risk_score", "score"),
    ("risk_level", "level"),
)


def premises_rows(*, user: Any, **filters: Any) -> list[dict[str, Any]]:
    """The risk list as plain rows for exports (keys of ``ROW_FIELDS``)."""
    return _as_rows(risk_list(user=user, **filters))


def _as_rows(
    qs: QuerySet[PremisesRisk], *extra: str, limit: int | None = None
) -> list[dict[str, Any]]:
    keys = [key for key, _lookup in ROW_FIELDS] + list(extra)
    values = qs.values_list(*[lookup for _key, lookup in ROW_FIELDS], *extra)
    return [
        dict(zip(keys, row, strict=True)) for row in (values if limit is None else values[:limit])
    ]


def risk_for(*, user: Any, premises: Premises | Iterable[Any]) -> Any:
    """The user's risk row of one premises (None if the user cannot see it), or for
    several premises ids a dict of id → row of those the user can see."""
    if isinstance(premises, Premises):
        return risk_rows(user).filter(premises_id=premises.pk).first()
    return {row.premises_id: row for row in risk_rows(user).filter(premises_id__in=premises)}


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
    """Premises with coordinates as GeoJSON-ready rows (keys of ``ROW_FIELDS`` and
    ``is_target``), highest risk first; ``True`` when more premises matched than
    ``limit``."""
    qs = risk_list(
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
    from samverkan.ros.models import OperationTarget

    visible_operations = Operation.objects.restrict(user, Action.VIEW).values("pk")
    qs = qs.annotate(
        is_target=Exists(
            OperationTarget.objects.filter(
                premises=OuterRef("premises_id"), operation__in=visible_operations
            )
        )
    )
    if targets_only:
        qs = qs.filter(is_target=True)
    rows = _as_rows(qs, "is_target", limit=limit + 1)
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
