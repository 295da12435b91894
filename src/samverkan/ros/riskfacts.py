"""Gathering the facts for risk scores, and storing the scores.

A stored score is shown to everyone who can see the premises, so it may only be built
from facts that every one of them can see: a permit, signal, business or inspection
counts only if it is visible to all the organisations that see the premises, at a
confidentiality level no higher than the premises' own. A signal that the police share
with one municipality therefore never changes the score that a housing company sees.
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
    RiskIndicatorSetting,
    Signal,
)

LEVEL_RANK = {
    Confidentiality.INTERNAL: 0,
    Confidentiality.RESTRICTED: 1,
    Confidentiality.CONFIDENTIAL: 2,
}
CHUNK = 2000


@dataclass(frozen=True)
class Audience:
    """Who can see a record: its owner and the organisations it is shared with."""

    owner: int
    shared: frozenset[int]
    level: int

    @property
    def organisations(self) -> frozenset[int]:
        return self.shared | {self.owner}

    def covers(self, other: Audience) -> bool:
        """Everyone who sees ``other`` also sees this record, at no higher level."""
        return self.level <= other.level and other.organisations <= self.organisations


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


def facts_for(premises: Sequence[Premises], today: date) -> dict[Any, risk.PremisesFacts]:
    ids = [p.pk for p in premises]
    audience = _audiences(Premises, ids)
    permits = list(
        Permit.objects.filter(premises_id__in=ids).values(
            "id", "premises_id", "type", "status", "valid_to"
        )
    )
    permit_aud = _audiences(Permit, [p["id"] for p in permits])
    signals = list(
        Signal.objects.filter(premises_id__in=ids).values(
            "id", "premises_id", "observed_on", "reliability", "credibility"
        )
    )
    signal_aud = _audiences(Signal, [s["id"] for s in signals])
    through: Any = Business.premises.through
    links = list(
        through.objects.filter(premises_id__in=ids).values_list("business_id", "premises_id")
    )
    business_ids = {b for b, _ in links}
    business_aud = _audiences(Business, business_ids)
    # Every premises each business is registered at (to count addresses).
    all_links = list(
        through.objects.filter(business_id__in=business_ids).values_list(
            "business_id", "premises_id"
        )
    )
    linked_premises_aud = _audiences(Premises, {p for _, p in all_links})
    addresses: dict[Any, list[Any]] = defaultdict(list)
    for business_id, premises_id in all_links:
        addresses[business_id].append(premises_id)
    # Other premises linked through a business or a person (same identity number).
    persons = list(
        PersonRole.objects.filter(Q(premises_id__in=ids) | Q(business_id__in=business_ids))
        .exclude(person_number="")
        .values("id", "person_number", "premises_id", "business_id")
    )
    numbers = {p["person_number"] for p in persons}
    same_people = list(
        PersonRole.objects.filter(person_number__in=numbers).values(
            "id", "person_number", "premises_id", "business_id"
        )
    )
    person_aud = _audiences(PersonRole, {p["id"] for p in persons} | {p["id"] for p in same_people})
    people_businesses = {p["business_id"] for p in same_people if p["business_id"]}
    people_links = list(
        through.objects.filter(business_id__in=people_businesses).values_list(
            "business_id", "premises_id"
        )
    )
    premises_of_business: dict[Any, set[Any]] = defaultdict(set)
    for business_id, premises_id in [*all_links, *people_links]:
        premises_of_business[business_id].add(premises_id)
    premises_of_person: dict[str, set[Any]] = defaultdict(set)
    for p in same_people:
        if p["premises_id"]:
            premises_of_person[p["person_number"]].add(p["premises_id"])
        if p["business_id"]:
            premises_of_person[p["person_number"]] |= premises_of_business[p["business_id"]]
    linked_ids = {pid for group in premises_of_business.values() for pid in group}
    linked_ids |= {pid for group in premises_of_person.values() for pid in group}
    inspections = list(
        InspectionRecord.objects.filter(target__premises_id__in=set(ids) | linked_ids).values(
            "id", "target__premises_id", "findings", "sanctions"
        )
    )
    inspection_aud = _audiences(InspectionRecord, [i["id"] for i in inspections])
    findings_at: dict[Any, list[Any]] = defaultdict(list)
    for record in inspections:
        findings_at[record["target__premises_id"]].append(record)

    by_premises: dict[Any, dict[str, list[Any]]] = defaultdict(lambda: defaultdict(list))
    for p in permits:
        by_premises[p["premises_id"]]["permits"].append(p)
    for s in signals:
        by_premises[s["premises_id"]]["signals"].append(s)
    for b, p in links:
        by_premises[p]["businesses"].append(b)
    for i in inspections:
        by_premises[i["target__premises_id"]]["inspections"].append(i)
    people_at: dict[Any, list[Any]] = defaultdict(list)
    for p in persons:
        if p["premises_id"]:
            people_at[p["premises_id"]].append(p)
        if p["business_id"]:
            for premises_id in premises_of_business[p["business_id"]] & set(ids):
                people_at[premises_id].append(p)

    result: dict[Any, risk.PremisesFacts] = {}
    for item in premises:
        seen_by = audience[item.pk]
        rows = by_premises[item.pk]
        kind = item.kind
        visible_businesses = [b for b in rows["businesses"] if business_aud[b].covers(seen_by)]
        address_count = max(
            (
                sum(1 for p in addresses[b] if linked_premises_aud[p].covers(seen_by))
                for b in visible_businesses
            ),
            default=0,
        )
        visible_inspections = [
            i for i in rows["inspections"] if inspection_aud[i["id"]].covers(seen_by)
        ]
        # Earlier findings elsewhere, at premises linked through a business or a person
        # that everyone who sees this premises can see.
        linked: set[Any] = set()
        for business_id in visible_businesses:
            linked |= premises_of_business[business_id]
        for person in people_at[item.pk]:
            if person_aud[person["id"]].covers(seen_by):
                linked |= premises_of_person[person["person_number"]]
        linked.discard(item.pk)
        linked_findings = sum(
            len(record["findings"] or [])
            for premises_id in linked
            for record in findings_at[premises_id]
            if inspection_aud[record["id"]].covers(seen_by)
        )
        result[item.pk] = risk.PremisesFacts(
            premises_id=str(item.pk),
            kind_cash_intensive=bool(kind and kind.cash_intensive),
            required_permit_types=frozenset(kind.required_permits if kind else ()),
            permits=tuple(
                risk.PermitFact(type=p["type"], status=p["status"], valid_to=p["valid_to"])
                for p in rows["permits"]
                if permit_aud[p["id"]].covers(seen_by)
            ),
            signals=tuple(
                risk.SignalFact(
                    observed_on=s["observed_on"],
                    reliability=s["reliability"],
                    credibility=s["credibility"],
                )
                for s in rows["signals"]
                if signal_aud[s["id"]].covers(seen_by)
            ),
            business_address_count=address_count,
            linked_findings=linked_findings,
            earlier_sanctions=sum(len(i["sanctions"] or []) for i in visible_inspections),
            today=today,
            activity_kind=kind.name.lower() if kind else "",
        )
    return result


def recompute(
    *,
    premises_ids: Iterable[Any] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> int:
    """Score the given premises (or all) and store the result with its explanation."""
    config = indicator_config()
    today = timezone.localdate()
    now = timezone.now()
    qs = Premises.objects.select_related("kind").order_by("pk")
    if premises_ids is not None:
        qs = qs.filter(pk__in=list(premises_ids))
    total = qs.count()
    done = 0
    last = None
    while True:
        chunk_qs = qs if last is None else qs.filter(pk__gt=last)
        chunk = list(chunk_qs[:CHUNK])
        if not chunk:
            break
        facts = facts_for(chunk, today)
        with transaction.atomic():
            for item in chunk:
                assessment = risk.score(facts[item.pk], config)
                item.risk_score = round(assessment.score, 3)
                item.risk_level = assessment.level
                item.risk_fired = [
                    {
                        "key": f.key,
                        "contribution": round(f.contribution, 3),
                        "explanation": dict(f.explanation),
                    }
                    for f in assessment.fired
                ]
                item.risk_computed_at = now
            Premises.objects.bulk_update(
                chunk,
                ["risk_score", "risk_level", "risk_fired", "risk_computed_at"],
                batch_size=1000,
            )
        done += len(chunk)
        last = chunk[-1].pk
        if progress is not None:
            progress(done, total)
    return done
