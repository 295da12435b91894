"""Reads of the matching module, scoped to the user with restrict()."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.db.models import Case, Count, F, FloatField, Q, QuerySet, Sum, Value, When

from samverkan.core.scoping import get_scope
from samverkan.core.selectors import get_scoped
from samverkan.matching import priority
from samverkan.matching.models import EncodedDataset, Match, MatchEvent, MatchRun
from samverkan.matching.workflow import FINDING_OUTCOMES, MatchStatus
from samverkan.organisations.models import Collaboration
from samverkan.organisations.roles import Action, Role

VIEW_ROLES = (Role.COORDINATOR, Role.CASE_OFFICER)


def dataset_list(*, user: Any) -> QuerySet[EncodedDataset]:
    return (
        EncodedDataset.objects.restrict(user, Action.VIEW)
        .select_related("owner")
        .order_by("-created_at")
    )


def dataset_get(*, user: Any, pk: Any, action: Action = Action.VIEW) -> EncodedDataset:
    return get_scoped(EncodedDataset, user, pk, action)


def collaborations_for(
    *, user: Any, roles: tuple[Role, ...] = VIEW_ROLES
) -> QuerySet[Collaboration]:
    orgs = get_scope(user).orgs_with_role(*roles)
    return Collaboration.objects.filter(members__in=orgs).distinct().order_by("name")


def run_list(*, user: Any) -> QuerySet[MatchRun]:
    """Runs of the collaborations the user's organisation takes part in (coordinators and
    case officers). A run row holds no personal data; each organisation's matches are read
    through :func:`match_list`."""
    return (
        MatchRun.objects.filter(collaboration__in=collaborations_for(user=user))
        .select_related("organisation", "started_by", "job")
        .order_by("-created_at")
    )


def run_get(*, user: Any, pk: Any) -> MatchRun:
    from django.http import Http404

    run = run_list(user=user).filter(pk=pk).first()
    if run is None:
        raise Http404
    return run


def run_own_counts(*, user: Any, run: MatchRun) -> dict[str, int]:
    """Matches of the run per match type that the user can see (own organisation's)."""
    rows = (
        Match.objects.restrict(user, Action.VIEW)
        .filter(run=run)
        .values("match_type")
        .annotate(n=Count("pk"))
    )
    return {row["match_type"]: row["n"] for row in rows}


def type_statistics(
    *, user: Any, period: tuple[date, date] | None = None
) -> dict[str, priority.TypeStatistics]:
    """Per match type: matches, closed, closed with a finding and amounts, over the
    matches the user can see (optionally of runs overlapping ``period``)."""
    qs = Match.objects.restrict(user, Action.VIEW)
    if period is not None:
        qs = qs.filter(run__period_start__lte=period[1], run__period_end__gte=period[0])
    closed = Q(status=MatchStatus.CLOSED.value)
    rows = qs.values("match_type").annotate(
        matches=Count("pk"),
        closed=Count("pk", filter=closed),
        findings=Count("pk", filter=closed & Q(outcome__in=[o.value for o in FINDING_OUTCOMES])),
        recovered=Sum("amount_recovered", filter=closed),
        stopped=Sum("amount_stopped", filter=closed),
    )
    return {
        row["match_type"]: priority.TypeStatistics(
            matches=row["matches"],
            closed=row["closed"],
            findings=row["findings"],
            recovered=Decimal(row["recovered"] or 0),
            stopped=Decimal(row["stopped"] or 0),
        )
        for row in rows
    }


def outcome_counts(
    *, user: Any, period: tuple[date, date] | None = None
) -> dict[str, dict[str, int]]:
    """Closed matches per match type and outcome."""
    qs = Match.objects.restrict(user, Action.VIEW).filter(status=MatchStatus.CLOSED.value)
    if period is not None:
        qs = qs.filter(run__period_start__lte=period[1], run__period_end__gte=period[0])
    result: dict[str, dict[str, int]] = {}
    for row in qs.values("match_type", "outcome").annotate(n=Count("pk")):
        result.setdefault(row["match_type"], {})[row["outcome"]] = row["n"]
    return result


@dataclass(frozen=True)
class MatchFilters:
    status: str = ""
    match_type: str = ""
    band: str = ""
    mine: bool = False


def match_list(
    *, user: Any, filters: MatchFilters | None = None, weights: dict[str, float] | None = None
) -> QuerySet[Match]:
    """The work list: the user's organisation's matches, open ones first, then by the
    match type's effective weight (see :mod:`samverkan.matching.priority`)."""
    filters = filters or MatchFilters()
    qs = Match.objects.restrict(user, Action.VIEW).select_related(
        "counterpart", "assignee", "dataset"
    )
    if filters.status:
        qs = qs.filter(status=filters.status)
    if filters.match_type:
        qs = qs.filter(match_type=filters.match_type)
    if filters.band:
        qs = qs.filter(band=filters.band)
    if filters.mine:
        qs = qs.filter(assignee_id=getattr(user, "pk", None))
    whens = [When(match_type=key, then=Value(weight)) for key, weight in (weights or {}).items()]
    weight = (
        Case(*whens, default=6 - F("priority"), output_field=FloatField())
        if whens
        else (6 - F("priority")) * 1.0
    )
    return qs.annotate(
        weight=weight,
        closed_last=Case(When(status=MatchStatus.CLOSED.value, then=Value(1)), default=Value(0)),
    ).order_by("closed_last", "-weight", "-via_token", "number")


def effective_weights(
    stats: dict[str, priority.TypeStatistics], priorities: dict[str, int]
) -> dict[str, float]:
    return {
        key: priority.effective_weight(
            level,
            stats[key].closed if key in stats else 0,
            stats[key].findings if key in stats else 0,
        )
        for key, level in priorities.items()
    }


def match_get(*, user: Any, pk: Any, action: Action = Action.VIEW) -> Match:
    return get_scoped(Match, user, pk, action)


def match_events(*, match: Match) -> QuerySet[MatchEvent]:
    return match.events.select_related("actor").order_by("at", "pk")


def assignable_users(*, match: Match) -> QuerySet[Any]:
    from django.contrib.auth import get_user_model

    return (
        get_user_model()
        .objects.filter(
            is_active=True,
            memberships__organisation_id=match.owner_id,
            memberships__role__in=[r.value for r in VIEW_ROLES],
        )
        .distinct()
        .order_by("username")
    )
