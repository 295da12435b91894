"""Gathering the facts for risk scores, and storing the scores per viewer.

A risk score and its explanation are derived data: they may only be built from facts
the viewer can see, and they must count every fact the viewer can see (or they are
false). So there is no single score per premises. There is one per premises and
*viewer*: an organisation that can see the premises, reading up to a clearance level
(levels are nested, so the members of one organisation who read the same levels see the
same facts). A fact counts for a viewer when the viewer's organisation owns it or it is
shared with that organisation, and its confidentiality level is within the clearance.
Facts reached through links (another premises of the same business, a person with the
same identity number in another register, an inspection at a linked premises) count only
if every record on the way is visible to the viewer.

``recompute`` rewrites the rows (``PremisesRisk``) of the given premises for all their
viewers; the services call it inside the transaction of every change that can alter a
viewer's facts or who the viewers are, so a row exists exactly when its viewer can see
the premises.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from samverkan.organisations.roles import Confidentiality
from samverkan.ros import risk
from samverkan.ros.models import (
    Business,
    InspectionRecord,
    Permit,
    PersonRole,
    Premises,
    PremisesRisk,
    RiskIndicatorSetting,
    Signal,
)

LEVEL_RANK = {
    Confidentiality.INTERNAL: 0,
    Confidentiality.RESTRICTED: 1,
    Confidentiality.CONFIDENTIAL: 2,
}
HIGHEST_CLEARANCE = max(LEVEL_RANK.values())
CHUNK = 2000


@dataclass(frozen=True, order=True)
class Viewer:
    """An organisation and the highest confidentiality level (rank) its member reads."""

    organisation: int
    clearance: int


@dataclass(frozen=True)
class Audience:
    """Who can see a record: its owner and the organisations it is shared with, at the
    record's confidentiality level (rank)."""

    owner: int
    shared: frozenset[int]
    level: int

    @property
    def organisations(self) -> frozenset[int]:
        return self.shared | {self.owner}

    def visible_to(self, viewer: Viewer) -> bool:
        return self.level <= viewer.clearance and (
            viewer.organisation == self.owner or viewer.organisation in self.shared
        )

    def viewers(self) -> list[Viewer]:
        """Every viewer of the record itself."""
        return [
            Viewer(org, clearance)
            for org in sorted(self.organisations)
            for clearance in range(self.level, HIGHEST_CLEARANCE + 1)
        ]


def _audiences(model: Any, ids: Iterable[Any]) -> dict[Any, Audience]:
    ids = list(ids)
    if not ids:
        return {}
    through = model.shared_with.through
    fk = model._meta.get_field("shared_with").m2m_field_name()
    shared: dict[Any, set[int]] = defaultdict(set)
    for record_id, org_id in through.objects.filter(**{f"{fk}_id__in": ids}).values_list(
        f"{fk}_id", "organisation_id"
    ):
        shared[record_id].add(org_id)
    return {
        pk: Audience(owner, frozenset(shared[pk]), LEVEL_RANK[Confidentiality(level)])
        for pk, owner, level in model.objects.filter(pk__in=ids).values_list(
            "pk", "owner_id", "confidentiality"
        )
    }


def indicator_config() -> list[risk.IndicatorConfig]:
    """The administrators' settings, falling back to the shipped defaults."""
    settings = {s.key: s for s in RiskIndicatorSetting.objects.all()}
    config = []
    for definition in risk.load_default_config():
        setting = settings.get(definition.key)
        if setting is None:
            config.append(
                risk.IndicatorConfig(
                    definition.key, definition.weight, True, dict(definition.params)
                )
            )
        else:
            params = {**definition.params, **(setting.params or {})}
            config.append(
                risk.IndicatorConfig(setting.key, setting.weight, setting.enabled, params)
            )
    return config


@dataclass
class _Graph:
    """The records around a chunk of premises that their risk facts are built from, each
    with its audience."""

    premises: dict[Any, Audience]
    permits: dict[Any, list[dict[str, Any]]]
    signals: dict[Any, list[dict[str, Any]]]
    businesses_at: dict[Any, list[Any]]
    premises_of_business: dict[Any, set[Any]]
    persons_at: dict[Any, list[dict[str, Any]]]
    persons_of_business: dict[Any, list[dict[str, Any]]]
    persons_by_number: dict[str, list[dict[str, Any]]]
    inspections_at: dict[Any, list[dict[str, Any]]]
    business_aud: dict[Any, Audience]
    person_aud: dict[Any, Audience]
    permit_aud: dict[Any, Audience]
    signal_aud: dict[Any, Audience]
    inspection_aud: dict[Any, Audience]


def _select(
    model: Any, condition: Q, *fields: str
) -> tuple[list[dict[str, Any]], dict[Any, Audience]]:
    """Rows of ``model`` matching ``condition`` (with ``fields``) and their audiences, in
    two queries whatever the number of rows."""
    matching = model.objects.filter(condition)
    rows = list(matching.values("id", "owner_id", "confidentiality", *fields))
    through = model.shared_with.through
    fk = model._meta.get_field("shared_with").m2m_field_name()
    shared: dict[Any, set[int]] = defaultdict(set)
    for record_id, org_id in through.objects.filter(
        **{f"{fk}_id__in": matching.values("id")}
    ).values_list(f"{fk}_id", "organisation_id"):
        shared[record_id].add(org_id)
    audiences = {
        row["id"]: Audience(
            row["owner_id"],
            frozenset(shared[row["id"]]),
            LEVEL_RANK[Confidentiality(row["confidentiality"])],
        )
        for row in rows
    }
    return rows, audiences


def _grouped(rows: Iterable[dict[str, Any]], key: str) -> dict[Any, list[dict[str, Any]]]:
    groups: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        groups[row[key]].append(row)
    return groups


def _graph(ids: list[Any]) -> _Graph:
    through: Any = Business.premises.through
    chunk = Q(premises_id__in=ids)
    permits, permit_aud = _select(Permit, chunk, "premises_id", "type", "status", "valid_to")
    signals, signal_aud = _select(
        Signal, chunk, "premises_id", "observed_on", "reliability", "credibility"
    )
    businesses_at: dict[Any, list[Any]] = defaultdict(list)
    for business_id, premises_id in through.objects.filter(chunk).values_list(
        "business_id", "premises_id"
    ):
        businesses_at[premises_id].append(business_id)
    # Everyone with the identity number of a person at the premises or at a business there.
    numbers = (
        PersonRole.objects.filter(
            Q(premises_id__in=ids)
            | Q(business_id__in=through.objects.filter(chunk).values("business_id"))
        )
        .exclude(person_number="")
        .values("person_number")
    )
    same_people, person_aud = _select(
        PersonRole,
        Q(person_number__in=numbers) & ~Q(person_number=""),
        "person_number",
        "premises_id",
        "business_id",
    )
    persons_at: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    persons_of_business: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    persons_by_number: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for person in same_people:
        persons_by_number[person["person_number"]].append(person)
        if person["premises_id"]:
            persons_at[person["premises_id"]].append(person)
        if person["business_id"]:
            persons_of_business[person["business_id"]].append(person)
    business_ids = {b for group in businesses_at.values() for b in group}
    business_ids |= {p["business_id"] for p in same_people if p["business_id"]}
    premises_of_business: dict[Any, set[Any]] = defaultdict(set)
    for business_id, premises_id in through.objects.filter(
        business_id__in=business_ids
    ).values_list("business_id", "premises_id"):
        premises_of_business[business_id].add(premises_id)
    linked = {pid for group in premises_of_business.values() for pid in group}
    linked |= {p["premises_id"] for p in same_people if p["premises_id"]}
    linked -= set(ids)
    inspections, inspection_aud = _select(
        InspectionRecord,
        Q(target__premises_id__in=ids) | Q(target__premises_id__in=linked),
        "target__premises_id",
        "findings",
        "sanctions",
    )
    premises_aud = _audiences(Premises, ids)
    premises_aud.update(_audiences(Premises, linked))
    _rows, business_aud = _select(Business, Q(id__in=business_ids))
    return _Graph(
        premises=premises_aud,
        permits=_grouped(permits, "premises_id"),
        signals=_grouped(signals, "premises_id"),
        businesses_at=businesses_at,
        premises_of_business=premises_of_business,
        persons_at=persons_at,
        persons_of_business=persons_of_business,
        persons_by_number=persons_by_number,
        inspections_at=_grouped(inspections, "target__premises_id"),
        business_aud=business_aud,
        person_aud=person_aud,
        permit_aud=permit_aud,
        signal_aud=signal_aud,
        inspection_aud=inspection_aud,
    )


def _linked_premises(graph: _Graph, premises_id: Any, viewer: Viewer) -> set[Any]:
    """Other premises linked to this one through a business or a person (the same
    identity number), where every record on the way is visible to the viewer."""

    def sees(audiences: dict[Any, Audience], pk: Any) -> bool:
        audience = audiences.get(pk)
        return audience is not None and audience.visible_to(viewer)

    def premises_of(business_id: Any) -> set[Any]:
        return {pid for pid in graph.premises_of_business[business_id] if sees(graph.premises, pid)}

    linked: set[Any] = set()
    persons = [p for p in graph.persons_at[premises_id] if sees(graph.person_aud, p["id"])]
    for business_id in graph.businesses_at[premises_id]:
        if sees(graph.business_aud, business_id):
            linked |= premises_of(business_id)
            persons += [
                p for p in graph.persons_of_business[business_id] if sees(graph.person_aud, p["id"])
            ]
    for person in persons:
        for other in graph.persons_by_number[person["person_number"]]:
            if not sees(graph.person_aud, other["id"]):
                continue
            if other["premises_id"] and sees(graph.premises, other["premises_id"]):
                linked.add(other["premises_id"])
            if other["business_id"] and sees(graph.business_aud, other["business_id"]):
                linked |= premises_of(other["business_id"])
    linked.discard(premises_id)
    return linked


def _facts(graph: _Graph, item: Premises, viewer: Viewer, today: date) -> risk.PremisesFacts:
    def visible(audiences: dict[Any, Audience], rows: Iterable[Any], key: str = "id") -> list[Any]:
        return [r for r in rows if audiences[r[key] if key else r].visible_to(viewer)]

    pk = item.pk
    kind = item.kind
    businesses = visible(graph.business_aud, graph.businesses_at[pk], key="")
    address_count = max(
        (
            sum(1 for p in graph.premises_of_business[b] if graph.premises[p].visible_to(viewer))
            for b in businesses
        ),
        default=0,
    )
    linked_findings = sum(
        len(record["findings"] or [])
        for linked_id in _linked_premises(graph, pk, viewer)
        for record in visible(graph.inspection_aud, graph.inspections_at[linked_id])
    )
    return risk.PremisesFacts(
        premises_id=str(pk),
        kind_cash_intensive=bool(kind and kind.cash_intensive),
        required_permit_types=frozenset(kind.required_permits if kind else ()),
        permits=tuple(
            risk.PermitFact(type=p["type"], status=p["status"], valid_to=p["valid_to"])
            for p in visible(graph.permit_aud, graph.permits[pk])
        ),
        signals=tuple(
            risk.SignalFact(
                observed_on=s["observed_on"],
                reliability=s["reliability"],
                credibility=s["credibility"],
            )
            for s in visible(graph.signal_aud, graph.signals[pk])
        ),
        business_address_count=address_count,
        linked_findings=linked_findings,
        earlier_sanctions=sum(
            len(i["sanctions"] or [])
            for i in visible(graph.inspection_aud, graph.inspections_at[pk])
        ),
        today=today,
        activity_kind=kind.name.lower() if kind else "",
    )


def facts_for(
    premises: Sequence[Premises], today: date
) -> dict[Any, dict[Viewer, risk.PremisesFacts]]:
    """For each premises, the facts each of its viewers can see."""
    graph = _graph([p.pk for p in premises])
    return {
        item.pk: {
            viewer: _facts(graph, item, viewer, today)
            for viewer in graph.premises[item.pk].viewers()
        }
        for item in premises
    }


def _fired(assessment: risk.RiskAssessment) -> list[dict[str, Any]]:
    return [
        {
            "key": f.key,
            "contribution": round(f.contribution, 3),
            "explanation": dict(f.explanation),
        }
        for f in assessment.fired
    ]


def recompute(
    *,
    premises_ids: Iterable[Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Rewrite the risk rows of the given premises (or all) for every viewer. Call it in
    the transaction of the change that made it necessary."""
    config = indicator_config()
    today = timezone.localdate()
    now = timezone.now()
    qs = Premises.objects.select_related("kind").order_by("pk")
    if premises_ids is not None:
        requested = list({pk for pk in premises_ids if pk is not None})
        if not requested:
            return 0
        qs = qs.filter(pk__in=requested)
    total = qs.count() if progress is not None else 0
    done = 0
    last = None
    while True:
        chunk_qs = qs if last is None else qs.filter(pk__gt=last)
        chunk = list(chunk_qs[:CHUNK])
        if not chunk:
            break
        facts = facts_for(chunk, today)
        wanted: dict[tuple[Any, int, int], Stored] = {}
        # Viewers who see the same facts get the same assessment: score each set once.
        assessed: dict[risk.PremisesFacts, tuple[float, str, list[Any]]] = {}
        for item in chunk:
            for viewer, seen in facts[item.pk].items():
                if seen not in assessed:
                    assessment = risk.score(seen, config)
                    assessed[seen] = (
                        round(assessment.score, 3),
                        assessment.level,
                        _fired(assessment),
                    )
                key = (item.pk, viewer.organisation, viewer.clearance)
                wanted[key] = (*assessed[seen], item.address, item.latitude, item.longitude)
        with transaction.atomic():
            _store(wanted, [p.pk for p in chunk], now)
        done += len(chunk)
        last = chunk[-1].pk
        if progress is not None:
            progress(done, total)
    return done


# What a risk row holds besides its key: the assessment, and copies of the premises'
# address and coordinates so that the list and the map are walks of the viewer's rows.
STORED = ("score", "level", "fired", "address", "latitude", "longitude")
Stored = tuple[Any, ...]


def _store(wanted: dict[tuple[Any, int, int], Stored], premises_ids: list[Any], now: Any) -> None:
    """Make the stored rows of these premises exactly ``wanted`` (values of ``STORED``),
    writing only what changed (a recompute after a change leaves most rows as they were)."""
    stale = []
    for pk, premises_id, org, clearance, *stored in PremisesRisk.objects.filter(
        premises_id__in=premises_ids
    ).values_list("pk", "premises_id", "organisation_id", "clearance", *STORED):
        key = (premises_id, org, clearance)
        if wanted.get(key) == tuple(stored):
            del wanted[key]
        else:
            stale.append(pk)
    if stale:
        PremisesRisk.objects.filter(pk__in=stale).delete()
    PremisesRisk.objects.bulk_create(
        [
            PremisesRisk(
                premises_id=premises_id,
                organisation_id=org,
                clearance=clearance,
                computed_at=now,
                **dict(zip(STORED, stored, strict=True)),
            )
            for (premises_id, org, clearance), stored in wanted.items()
        ],
        batch_size=1000,
    )


def neighbourhood(premises_ids: Iterable[Any]) -> set[Any]:
    """The premises whose risk can depend on facts about these premises: themselves and
    those linked to them through a business or a person with the same identity number
    (for any viewer)."""
    ids = {pk for pk in premises_ids if pk is not None}
    if not ids:
        return set()
    through: Any = Business.premises.through
    business_ids = set(
        through.objects.filter(premises_id__in=ids).values_list("business_id", flat=True)
    )
    numbers = set(
        PersonRole.objects.filter(Q(premises_id__in=ids) | Q(business_id__in=business_ids))
        .exclude(person_number="")
        .values_list("person_number", flat=True)
    )
    if numbers:
        for premises_id, business_id in PersonRole.objects.filter(
            person_number__in=numbers
        ).values_list("premises_id", "business_id"):
            if premises_id:
                ids.add(premises_id)
            if business_id:
                business_ids.add(business_id)
    ids |= set(
        through.objects.filter(business_id__in=business_ids).values_list("premises_id", flat=True)
    )
    return ids


def compute_missing() -> int:
    """Score the premises that have no risk row at all (after an upgrade from stored
    shared scores, or for premises written past the services)."""
    from django.db.models import Exists, OuterRef

    missing = Premises.objects.filter(
        ~Exists(PremisesRisk.objects.filter(premises_id=OuterRef("pk")))
    ).values_list("pk", flat=True)
    ids = list(missing)
    return recompute(premises_ids=ids) if ids else 0
