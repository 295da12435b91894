"""The canary world: records of one organisation (Linköping) that it shares with nobody,
each carrying a unique canary string or number, built through the application's own
services so that every derived output (risk scores and their explanations, outcome
figures, audit entries, match numbers, job results) is what the application really
produces. The hidden records are linked to what other organisations can see, the way the
leaks of issue 9 were found:

* a case and a secret case (with a person and a status comment);
* a register: premises "KanarieCapella" with a business, a person and permits, and 13
  signals; the target "Torgkrogen" of Linköping's operation with the police, with a lapsed
  licence, 11 signals and Linköping's inspection record with 3 sanctions (all of which
  the briefing pack must not show the police: finding 1), and a person whose identity
  number Norrköping's own register also holds, while the police shared their record of 5
  findings there with Norrköping (finding 2);
* an operation Linköping plans alone, and its unshared record in Norrköping's operation;
* encoded datasets with 17 matches inside Linköping, found again by a run Norrköping
  starts, so that match numbers and run results would count them (finding 6), and a closed
  match with amounts;
* a survey, background jobs and a coordinator's API token (finding 5);
* and, from a partner, police signals about Norrköping's premises that the police share
  with Norrköping only (4) or with nobody (2).

Whether a viewer may see a canary is decided by the isolation mechanism itself: a canary
names the records it comes from, and a viewer may see it only if ``restrict()`` lets
the viewer see all of them (or all of one alternative set, for facts that are part of
several records, like a target's address that belongs to the operation too). Linköping's
own roles are held to the same rule, so its auditors may not read its secret records
(finding 4).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.contrib.auth import get_user_model
from django.utils import timezone

from matchkit import Person, encoded, person
from matchkit import Record as Encoded
from samverkan.cases import services as case_services
from samverkan.cases.workflow import CaseStatus
from samverkan.core.scoping import ScopedRecord
from samverkan.core.tabular import Row
from samverkan.jobs.models import Job
from samverkan.matching import services as match_services
from samverkan.matching.models import Match, MatchRun
from samverkan.matching.workflow import MatchStatus, Outcome
from samverkan.organisations.models import Collaboration
from samverkan.organisations.roles import Action, Confidentiality, Role
from samverkan.ros import operations, riskfacts
from samverkan.ros import services as ros_services
from samverkan.ros.models import ActivityKind, Business, Permit, PersonRole, Premises, Signal
from samverkan.surveys import services as survey_services
from samverkan.surveys.strata import municipality_value
from worldkit import World

HIDDEN = "linkoping"
PERIOD = (date(2026, 10, 1), date(2026, 10, 31))
PURPOSE = "Kontroll av åtkomst till personuppgifter"
SEARCH = "Kanarie"  # every text canary starts with it: one search finds them all

# Identity numbers (valid check digits). Only the hidden ones are canaries; LINKED is held
# by a person in Linköping's unshared register and by one in Norrköping's own register.
PNR_REGISTER = "198503149877"
PNR_CASE = "197911234560"
PNR_LINKED = "199006021233"
ORGNR_HIDDEN = "559123-4561"


# --------------------------------------------------------------------------- canaries


@dataclass(frozen=True)
class Canary:
    """A pattern that may appear only to viewers who can see where it comes from.

    ``sources`` holds alternatives: the viewer may see the canary if ``restrict()`` lets it
    see every record of one alternative. ``audience`` decides instead when the canary is
    not a record's content (a number that counts records). ``witness`` names the
    organisation some of whose members must see the canary somewhere, proving that the
    pattern really matches what the application shows; None for guards that only a leak
    would ever show."""

    name: str
    pattern: re.Pattern[str]
    sources: tuple[tuple[Any, ...], ...] = ()
    audience: Callable[[Viewer], bool] | None = None
    witness: str | None = HIDDEN
    hint: str | None = None  # lower-case text every match contains (a fast first test)

    def allowed(self, viewer: Viewer) -> bool:
        if self.audience is not None:
            return self.audience(viewer)
        return any(all(viewer.sees(record) for record in group) for group in self.sources)


def _flexible(literal: str) -> str:
    return r"\s+".join(re.escape(part) for part in literal.split())


def text(name: str, literal: str, *records: Any, witness: str | None = HIDDEN) -> Canary:
    pattern = re.compile(_flexible(literal), re.IGNORECASE)
    return Canary(name, pattern, ((*records,),), witness=witness, hint=literal.split()[0].lower())


def amount(name: str, value: int, *records: Any, witness: str | None = HIDDEN) -> Canary:
    """A SEK amount in every way it is written: 4731913, 4 731 913 (also with no-break
    spaces), 4,731,913, 4.731.913, 4 731 913,00."""
    digits = str(value)
    groups = []
    while digits:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    separator = r"[\s.,'’]?"
    pattern = r"(?<![\d.,])" + separator.join(groups) + r"(?![\d])"
    return Canary(name, re.compile(pattern), ((*records,),), witness=witness, hint=groups[-1])


def count(
    name: str, n: int, sv: str, en: str, records: Sequence[Any], *, witness: str | None = HIDDEN
) -> Canary:
    """A count in a sentence, e.g. "13 signaler" / "13 signals"."""
    pattern = rf"(?<![\d,.]){n}\s+(?:{sv}|{en})\b"
    compiled = re.compile(pattern, re.IGNORECASE)
    return Canary(name, compiled, (tuple(records),), witness=witness, hint=str(n))


def person_number(name: str, value: str, *records: Any, witness: str | None = HIDDEN) -> Canary:
    """A personnummer written with 12 or 10 digits, with or without the separator, and
    its masked form (which still gives the date of birth)."""
    century, rest, last = value[:2], value[2:8], value[8:]
    pattern = rf"(?<!\d)(?:{century})?{rest}(?:[-+ ]?{last}|-\*{{4}})(?!\d)"
    return Canary(name, re.compile(pattern), ((*records,),), witness=witness, hint=rest)


def organisation_number(name: str, value: str, *records: Any) -> Canary:
    first, last = value.split("-")
    pattern = rf"(?<!\d)(?:16)?{first}-?{last}(?!\d)"
    return Canary(name, re.compile(pattern), ((*records,),), hint=first)


def record_id(record: Any, *alternatives: Sequence[Any]) -> Canary:
    label = f"id of Linköping's {record._meta.verbose_name} “{record}” ({str(record.pk)[:8]})"
    groups = ((record,), *(tuple(a) for a in alternatives))
    pk = str(record.pk).lower()
    return Canary(label, re.compile(re.escape(pk), re.IGNORECASE), groups, witness=None, hint=pk)


# --------------------------------------------------------------------------- viewers


@dataclass
class Viewer:
    """Someone who requests pages: a member with one role, the platform superuser
    (no membership) or an anonymous visitor."""

    label: str
    user: Any | None
    org: str | None = None
    role: Role | None = None
    _visible: dict[type, set[Any]] = field(default_factory=dict)

    def sees(self, record: Any) -> bool:
        model = type(record)
        if model not in self._visible:
            if self.user is None or not issubclass(model, ScopedRecord):
                self._visible[model] = set()
            else:
                manager: Any = model.objects
                rows = manager.restrict(self.user, Action.VIEW).values_list("pk", flat=True)
                self._visible[model] = set(rows)
        return record.pk in self._visible[model]

    @property
    def levels(self) -> frozenset[str]:
        """The confidentiality levels the viewer's role reads."""
        from samverkan.organisations.roles import readable_levels

        return frozenset(readable_levels(self.role)) if self.role else frozenset()


def members(world: World, org: str) -> list[Viewer]:
    return [
        Viewer(f"{org}.{role.value}", world.user(org, role), org, role)
        for role in Role
        if (org, role) in world.users
    ]


def platform_viewers() -> list[Viewer]:
    root = get_user_model().objects.create_superuser(
        username="plattform.superuser", email="root@example.invalid", password="x"
    )
    return [Viewer("anonymous", None), Viewer("platform superuser", root)]


# --------------------------------------------------------------------------- the world


@dataclass
class CanaryWorld:
    """The world, its canaries, and what the crawler needs to know about its records."""

    world: World
    canaries: list[Canary] = field(default_factory=list)
    # Records of the hidden organisation per scoped model, the most telling first.
    hidden: dict[type, list[Any]] = field(default_factory=dict)
    # Records to request first when a viewer can see them (they carry derived content).
    telling: list[Any] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    records: dict[str, Any] = field(default_factory=dict)

    def add(self, *canaries: Canary) -> None:
        self.canaries.extend(canaries)

    def hide(self, *records: Any) -> None:
        for record in records:
            self.hidden.setdefault(type(record), []).append(record)

    def org(self, key: str) -> Any:
        return self.world.orgs[key]

    def user(self, key: str, role: Role = Role.COORDINATOR) -> Any:
        return self.world.user(key, role)


def _kinds() -> None:
    ActivityKind.objects.get_or_create(
        key="restaurant",
        defaults={
            "name": "Restaurang",
            "cash_intensive": True,
            "required_permits": ["alcohol", "food"],
        },
    )


def _import(cw: CanaryWorld, org: str, rows: list[dict[str, str]]) -> None:
    defaults = {"municipality": cw.org(org).name, "kind": "restaurant"}
    ros_services.import_register(
        actor=cw.user(org, Role.CASE_OFFICER),
        owner=cw.org(org),
        rows=[Row(number + 2, {**defaults, **row}) for number, row in enumerate(rows)],
        commit=True,
    )


def _signals(
    cw: CanaryWorld, org: str, premises: Premises, n: int, description: str, **kwargs: Any
) -> list[Signal]:
    today = timezone.localdate()
    return [
        ros_services.record_signal(
            actor=cw.user(org, Role.CASE_OFFICER),
            owner=cw.org(org),
            premises=premises,
            description=description if i == 0 else f"Observation {i} vid lokalen.",
            observed_on=today - timedelta(days=3 + 4 * i),
            reliability="B",
            credibility="2",
            confidentiality=Confidentiality.INTERNAL,
            **kwargs,
        )
        for i in range(n)
    ]


def plant() -> CanaryWorld:
    """Build the world described in the module docstring; its canaries are in
    ``CanaryWorld.canaries``. The organisations' own records, which give every viewer
    pages with content, are built alongside."""
    from worldkit import build_world

    cw = CanaryWorld(build_world())
    for key, code in (("linkoping", "0580"), ("norrkoping", "0581")):
        cw.org(key).municipality_code = code
        cw.org(key).save()
    _kinds()
    _plant_cases(cw)
    _plant_register(cw)
    _plant_operations(cw)
    _plant_matching(cw)
    _plant_surveys(cw)
    _plant_jobs(cw)
    _plant_token(cw)
    _plant_agreement(cw)
    riskfacts.recompute()
    _plant_ids(cw)
    return cw


def _plant_agreement(cw: CanaryWorld) -> None:
    """The collaboration's agreement, in force: its pages are crawled like the others (an
    agreement holds no record data; see tests/collaboration for its isolation)."""
    from samverkan.collaboration import services as agreement_services
    from samverkan.organisations.models import Collaboration

    agreement = agreement_services.create_agreement(
        actor=cw.user("linkoping"),
        collaboration=Collaboration.objects.get(),
        title="Samverkansavtal",
        parties=[(cw.org("linkoping"), True), (cw.org("norrkoping"), True)],
        joined_on=date(2022, 5, 1),
        work_areas=["Otillåten påverkan"],
    )
    for key in ("linkoping", "norrkoping"):
        agreement_services.record_decision(
            actor=cw.user(key),
            agreement=agreement,
            organisation=cw.org(key),
            decided_on=date(2022, 6, 7),
            body="Kommunstyrelsen",
            paragraph="§ 1",
        )


def _plant_cases(cw: CanaryWorld) -> None:
    owner = cw.user(HIDDEN)
    case = case_services.create_case(
        actor=owner, owner=cw.org(HIDDEN), title="KanarieVega", description="KanarieAltair"
    )
    case_services.add_person(
        actor=owner, case=case, name="KanarieRigel Hemligsson", person_number=PNR_CASE
    )
    secret = case_services.create_case(
        actor=owner,
        owner=cw.org(HIDDEN),
        title="KanarieDeneb",
        confidentiality=Confidentiality.CONFIDENTIAL,
    )
    case_services.set_case_status(
        actor=owner, case=secret, status=CaseStatus.ON_HOLD, comment="KanarieSpica"
    )
    cw.hide(case, secret)
    cw.telling += [case, secret]
    cw.records |= {"case": case, "secret_case": secret}
    cw.add(
        text("title of Linköping's unshared case", "KanarieVega", case),
        text("description of Linköping's unshared case", "KanarieAltair", case),
        text("person in Linköping's unshared case", "KanarieRigel", case),
        person_number("identity number in Linköping's unshared case", PNR_CASE, case),
        text("reference of Linköping's unshared case", case.reference, case),
        text("title of Linköping's secret case", "KanarieDeneb", secret),
        text("status comment of Linköping's secret case", "KanarieSpica", secret),
        text("reference of Linköping's secret case", secret.reference, secret),
    )
    # Each other organisation has a case of its own, so that its pages have content.
    for org in ("norrkoping", "polis", "stangastaden"):
        cw.world.case(org, title=f"Eget ärende {cw.org(org).name}")


def _plant_register(cw: CanaryWorld) -> None:
    # Linköping's register, shared with nobody.
    _import(
        cw,
        HIDDEN,
        [
            {
                "address": "Kanariegatan 17",
                "name": "KanarieCapella",
                "property_designation": "KanarieFastighet 4:17",
                "organisation_number": ORGNR_HIDDEN,
                "business_name": "KanarieBolaget AB",
                "permit_type": "alcohol",
                "permit_status": "active",
                "valid_to": "2027-06-30",
                "reference": "KanarieDnr2024917",
                "person_name": "KanariePolaris Hemlig",
                "person_number": PNR_REGISTER,
                "person_role": "owner",
                "latitude": "58.41",
                "longitude": "15.62",
            },
            {"address": "Kanariegatan 17", "permit_type": "food", "permit_status": "active"},
            # A target of Linköping's operation with the police: its address is part of
            # the operation, its register facts are not.
            {
                "address": "Torggatan 2",
                "name": "Torgkrogen",
                "permit_type": "food",
                "permit_status": "active",
                "person_name": "Per Länkad",
                "person_number": PNR_LINKED,
                "person_role": "representative",
                "latitude": "58.42",
                "longitude": "15.61",
            },
            {
                "address": "Torggatan 2",
                "permit_type": "alcohol",
                "permit_status": "expired",
                "valid_from": "2022-03-18",
                "valid_to": "2025-03-17",
                "reference": "KanarieDnr2022318",
            },
        ],
    )
    hidden = Premises.objects.get(owner=cw.org(HIDDEN), name="KanarieCapella")
    target = Premises.objects.get(owner=cw.org(HIDDEN), name="Torgkrogen")
    business = Business.objects.get(owner=cw.org(HIDDEN))
    owner_person = PersonRole.objects.get(owner=cw.org(HIDDEN), person_number=PNR_REGISTER)
    linked_person = PersonRole.objects.get(owner=cw.org(HIDDEN), person_number=PNR_LINKED)
    licence = Permit.objects.get(premises=hidden, type="alcohol")
    lapsed = Permit.objects.get(premises=target, type="alcohol")
    sirius = _signals(cw, HIDDEN, hidden, 13, "KanarieSirius")
    procyon = _signals(cw, HIDDEN, target, 11, "KanarieProcyon")
    cw.records |= {"premises": hidden, "target": target, "linked_person": linked_person}
    cw.hide(hidden, target, sirius[0], procyon[0])
    cw.telling += [hidden, target]
    cw.add(
        text("name of Linköping's unshared premises", "KanarieCapella", hidden),
        text("address of Linköping's unshared premises", "Kanariegatan 17", hidden),
        text("property designation in Linköping's register", "KanarieFastighet", hidden),
        text("business in Linköping's register", "KanarieBolaget", business),
        organisation_number("organisation number in Linköping's register", ORGNR_HIDDEN, business),
        text("person in Linköping's register", "KanariePolaris", owner_person),
        person_number("identity number in Linköping's register", PNR_REGISTER, owner_person),
        text(
            "permit reference in Linköping's register", "KanarieDnr2024917", licence, witness=None
        ),
        text(
            "reference of a lapsed permit in Linköping's register",
            "KanarieDnr2022318",
            lapsed,
            witness=None,
        ),
        Canary(
            "end date of a lapsed permit in Linköping's register (risk explanation)",
            re.compile(r"2025-03-17|17 mars 2025|March 17,? 2025|17 March 2025"),
            ((lapsed,),),
        ),
        text("Linköping's signal about its unshared premises", "KanarieSirius", sirius[0]),
        count(
            "number of Linköping's signals (risk explanation)", 13, "signaler", "signals", sirius
        ),
        text("Linköping's signal about its target", "KanarieProcyon", procyon[0]),
        count(
            "number of Linköping's signals about its target (risk explanation)",
            11,
            "signaler",
            "signals",
            procyon,
        ),
        # Finding 2: the link from Norrköping's premises to the inspected target runs
        # through a person in Linköping's unshared register, so no sentence about earlier
        # findings "linked to the premises" may reach anyone who cannot see that person.
        Canary(
            "earlier findings linked through a person in Linköping's unshared register",
            re.compile(
                r"\d+\s+anmärkningar?\s+vid\s+tidigare\s+tillsyn"
                r"|\d+\s+findings?\s+at\s+earlier\s+inspections",
                re.IGNORECASE,
            ),
            ((linked_person,),),
            witness=None,
        ),
    )
    # Norrköping's own register: one premises held by a person with the same identity
    # number as the one in Linköping's register, and the target of its own operation,
    # which it shares with the police.
    _import(
        cw,
        "norrkoping",
        [
            {
                "address": "Norrgatan 1",
                "name": "Norrkrogen",
                "permit_type": "food",
                "permit_status": "active",
                "person_name": "Per Länkad",
                "person_number": PNR_LINKED,
                "person_role": "representative",
                "latitude": "58.59",
                "longitude": "16.18",
            },
            {
                "address": "Hamngatan 5",
                "name": "Hamnkrogen",
                "permit_type": "alcohol",
                "permit_status": "active",
                "latitude": "58.60",
                "longitude": "16.19",
            },
        ],
    )
    harbour = Premises.objects.get(owner=cw.org("norrkoping"), name="Hamnkrogen")
    ros_services.set_sharing(
        actor=cw.user("norrkoping"), record=harbour, organisations=[cw.org("polis")]
    )
    # The police's signals about it, shared with Norrköping only (finding 1: the
    # briefing pack showed their number to every participant of the operation).
    betelgeuse = _signals(
        cw, "polis", harbour, 4, "KanarieBetelgeuse", shared_with=[cw.org("norrkoping")]
    )
    # And two more that the police share with nobody: no count may include them for
    # anyone but the police.
    antares = _signals(cw, "polis", harbour, 2, "KanarieAntares")
    cw.records |= {"harbour": harbour, "norr": Premises.objects.get(name="Norrkrogen")}
    cw.telling += [harbour, cw.records["norr"]]
    cw.add(
        text(
            "signal the police shared with Norrköping only",
            "KanarieBetelgeuse",
            betelgeuse[0],
            witness="norrkoping",
        ),
        count(
            "number of police signals shared with Norrköping only (risk explanation)",
            4,
            "signaler",
            "signals",
            betelgeuse,
            witness="norrkoping",
        ),
        text("signal the police shared with nobody", "KanarieAntares", antares[0], witness="polis"),
        count(
            "number of police signals including those shared with nobody",
            6,
            "signaler",
            "signals",
            [*betelgeuse, *antares],
            witness=None,
        ),
    )
    _import(
        cw,
        "stangastaden",
        [{"address": "Stångågatan 3", "name": "Stångåkrogen", "municipality": "Linköping"}],
    )


def _plant_operations(cw: CanaryWorld) -> None:
    linkoping, police = cw.user(HIDDEN), cw.user("polis", Role.CASE_OFFICER)
    start = timezone.now() - timedelta(days=20)
    # An operation Linköping plans alone: shared with nobody.
    alone = operations.create_operation(
        actor=linkoping,
        owner=cw.org(HIDDEN),
        title="KanarieOrion",
        starts_at=start,
        ends_at=None,
        areas="KanarieOmrade",
        description="KanariePlan",
        participants=[(cw.org(HIDDEN), "environment_health")],
    )
    operations.add_targets(actor=linkoping, operation=alone, premises=[cw.records["premises"]])
    orion = operations.record_inspection(
        actor=linkoping,
        operation=alone,
        target=alone.targets.get(),
        participation=alone.participations.get(),
        inspected_on=start.date(),
        findings=["hygiene_deficiencies", "pests"],
        sanctions=["injunction"],
        notes="KanarieNotOrion",
        money_identified=Decimal(4731913),
    )
    operations.add_follow_up(
        actor=linkoping, inspection=orion, title="KanarieUppgift", owner=None, due_on=None
    )
    # An operation with the police: shared with the police, who see its targets'
    # addresses but not Linköping's register, signals or inspection records.
    joint = operations.create_operation(
        actor=linkoping,
        owner=cw.org(HIDDEN),
        title="KanarieLyra",
        starts_at=start,
        ends_at=None,
        areas="Centrum",
        description="Gemensam kontroll.",
        participants=[(cw.org(HIDDEN), "environment_health"), (cw.org("polis"), "police")],
    )
    operations.add_targets(actor=linkoping, operation=joint, premises=[cw.records["target"]])
    target = joint.targets.get()
    lyra = operations.record_inspection(
        actor=linkoping,
        operation=joint,
        target=target,
        participation=joint.participations.get(organisation=cw.org(HIDDEN)),
        inspected_on=start.date(),
        findings=["unsafe_food"],
        sanctions=["injunction", "sanction_charge", "fine"],
        notes="KanarieNotLyra",
        money_stopped=Decimal(5842026),
    )
    # The police's record of the same target, shared with Linköping and Norrköping: five
    # findings that Norrköping may see, but not linked to its own premises.
    operations.record_inspection(
        actor=police,
        operation=joint,
        target=target,
        participation=joint.participations.get(organisation=cw.org("polis")),
        inspected_on=start.date(),
        findings=[
            "disorder",
            "suspected_offence",
            "stolen_goods",
            "drug_possession",
            "illegal_weapon",
        ],
        sanctions=[],
        notes="Polisens protokoll.",
        shared_with=[cw.org(HIDDEN), cw.org("norrkoping")],
    )
    # Norrköping's operation in which Linköping takes part: Linköping's own inspection
    # record there is shared with nobody.
    norr = operations.create_operation(
        actor=cw.user("norrkoping"),
        owner=cw.org("norrkoping"),
        title="Tillsyn i hamnen",
        starts_at=start,
        ends_at=None,
        areas="Hamnen",
        description="Kontroll av restauranger i hamnen.",
        participants=[
            (cw.org("norrkoping"), "alcohol_licensing"),
            (cw.org(HIDDEN), "environment_health"),
            (cw.org("polis"), "police"),
            (cw.org("stangastaden"), "building"),
        ],
    )
    operations.add_targets(
        actor=cw.user("norrkoping"), operation=norr, premises=[cw.records["harbour"]]
    )
    norr_record = operations.record_inspection(
        actor=linkoping,
        operation=norr,
        target=norr.targets.get(),
        participation=norr.participations.get(organisation=cw.org(HIDDEN)),
        inspected_on=start.date(),
        findings=["hygiene_deficiencies", "pests", "unsafe_food"],
        sanctions=["injunction", "closure"],
        notes="KanarieNotNorr",
        money_identified=Decimal(6953137),
    )
    ros_services.set_sharing(actor=linkoping, record=norr_record, organisations=[])
    cw.records |= {"alone": alone, "joint": joint, "norr_operation": norr}
    cw.hide(alone, joint, orion, lyra, norr_record)
    cw.telling += [alone, joint, norr, orion, lyra, norr_record]
    cw.add(
        text("title of Linköping's unshared operation", "KanarieOrion", alone),
        text("areas of Linköping's unshared operation", "KanarieOmrade", alone),
        text("plan of Linköping's unshared operation", "KanariePlan", alone),
        text("notes of Linköping's record in its unshared operation", "KanarieNotOrion", orion),
        text("follow-up task of Linköping's inspection record", "KanarieUppgift", orion),
        amount("money identified in Linköping's inspection record", 4731913, orion),
        text("title of Linköping's operation with the police", "KanarieLyra", joint),
        text(
            "notes of Linköping's record in its operation with the police", "KanarieNotLyra", lyra
        ),
        amount("payments stopped in Linköping's inspection record", 5842026, lyra),
        count(
            "sanctions in Linköping's inspection record (risk explanation)",
            3,
            "sanktioner",
            "sanctions",
            [lyra],
        ),
        text(
            "notes of Linköping's unshared record in Norrköping's operation",
            "KanarieNotNorr",
            norr_record,
        ),
        amount(
            "money identified in Linköping's unshared record in Norrköping's operation",
            6953137,
            norr_record,
        ),
        count(
            "sanctions in Linköping's unshared record in Norrköping's operation",
            2,
            "sanktioner",
            "sanctions",
            [norr_record],
            witness=None,
        ),
    )


def _upload(
    cw: CanaryWorld, org: str, kind: str, people: Iterable[Person], description: str
) -> Any:
    return match_services.upload_dataset(
        actor=cw.user(org),
        owner=cw.org(org),
        content=encoded([Encoded(p) for p in people]),
        dataset_type=kind,
        period_start=PERIOD[0],
        period_end=PERIOD[1],
        municipality_code=cw.org(org).municipality_code or "0580",
        description=description,
    )


def _run(cw: CanaryWorld, org: str, types: list[str]) -> MatchRun:
    """Start a run as the application does and run its job to the end."""
    from samverkan.jobs.tasks import run_job

    run = match_services.start_run(
        actor=cw.user(org),
        collaboration=Collaboration.objects.get(),
        period_start=PERIOD[0],
        period_end=PERIOD[1],
        match_type_keys=types,
    )
    assert run.job is not None
    run_job.call(str(run.job.pk))
    run.refresh_from_db()
    assert run.status == "done", run.error
    return run


HIDDEN_MATCHES = 17


def _plant_matching(cw: CanaryWorld) -> None:
    employees = [person(1000 + i) for i in range(HIDDEN_MATCHES)]
    both, housed = person(2000), person(2001)
    benefits = _upload(cw, HIDDEN, "ekonomiskt_bistand", [*employees, both], "KanarieDataBistand")
    staff = _upload(cw, HIDDEN, "anstallda", employees, "KanarieDataAnstallda")
    _upload(cw, "norrkoping", "ekonomiskt_bistand", [both, housed], "Norrköpings bistånd")
    _upload(cw, "stangastaden", "hyresgaster", [housed, person(2002)], "Hyresgäster")
    # Linköping's own run: 17 matches between its own registers, seen by nobody else.
    first = _run(cw, HIDDEN, ["anstalld_med_bistand"])
    # Norrköping's runs: a pair with Linköping and one with Stångåstaden (match numbers
    # after Linköping's 17), and one that only finds Linköping's internal matches again.
    _run(cw, "norrkoping", ["bistand_tva_kommuner", "bistand_och_hyresgast_annan_kommun"])
    again = _run(cw, "norrkoping", ["anstalld_med_bistand"])
    coordinator = cw.user(HIDDEN)
    closed = Match.objects.filter(run=first).order_by("number").first()
    assert closed is not None
    match_services.add_note(actor=coordinator, match=closed, text="KanarieAnteckning")
    match_services.change_status(actor=coordinator, match=closed, status=MatchStatus.INVESTIGATING)
    match_services.change_status(
        actor=coordinator,
        match=closed,
        status=MatchStatus.CLOSED,
        outcome=Outcome.INCORRECT_PAYMENT,
        amount_recovered=Decimal(3918274),
        amount_stopped=Decimal(2807163),
        note="KanarieUtfall",
    )
    own_numbers = sorted(
        set(Match.objects.filter(run__in=[first, again]).values_list("number", flat=True))
    )
    cw.records |= {"closed_match": closed, "runs": [first, again]}
    cw.hide(closed, benefits, staff)
    cw.telling += [closed, benefits, staff]
    readers = {Role.COORDINATOR, Role.CASE_OFFICER}
    cw.add(
        text("description of Linköping's benefits dataset", "KanarieDataBistand", benefits),
        text("description of Linköping's employees dataset", "KanarieDataAnstallda", staff),
        text("note on Linköping's match", "KanarieAnteckning", closed),
        text("outcome note on Linköping's match", "KanarieUtfall", closed),
        amount("recovery claimed on Linköping's match", 3918274, closed),
        amount("payments stopped on Linköping's match", 2807163, closed),
        # Finding 6: the numbers of Linköping's own matches (also those found by a run
        # that Norrköping started) are Linköping's alone; numbers count nothing, so the
        # numbers others see say nothing about these (tests/matching/test_numbering.py).
        Canary(
            "numbers of Linköping's own matches",
            re.compile("|".join(re.escape(n) for n in own_numbers)),
            audience=lambda v: v.org == HIDDEN and v.role in readers,
        ),
        # The result of a run that Norrköping started, which found only Linköping's
        # matches, must not tell Norrköping how many there are.
        Canary(
            f"number of Linköping's {HIDDEN_MATCHES} matches in a run's result",
            re.compile(rf"""["']?(?:matches|pairs)["']?\s*:\s*{HIDDEN_MATCHES}\b"""),
            audience=lambda v: v.org == HIDDEN,
        ),
    )


def _plant_surveys(cw: CanaryWorld) -> None:
    owner = cw.user(HIDDEN)
    questionnaire = survey_services.ensure_default_questionnaire(
        actor=owner, organisation=cw.org(HIDDEN)
    )
    wave = survey_services.create_wave(
        actor=owner,
        owner=cw.org(HIDDEN),
        name="KanarieEnkat",
        slug="kanarieenkat",
        questionnaire=questionnaire,
        partners=[],
        reference_period="de senaste tolv månaderna",
    )
    survey_services.import_invitees(
        actor=owner, wave=wave, rows=_invitees(cw.org(HIDDEN).name, "kanarie.svarande", 6)
    )
    survey_services.open_wave(actor=owner, wave=wave)
    # Paper answers, each with an invitee's answer code.
    from samverkan.surveys.models import Invitee

    codes = [
        survey_services.issue_link(invitee=invitee).code
        for invitee in Invitee.objects.filter(wave=wave).order_by("email")
    ]
    survey_services.import_responses(
        actor=owner,
        wave=wave,
        rows=[Row(i + 2, {**_answers(cw.org(HIDDEN)), "code": c}) for i, c in enumerate(codes)],
    )
    # Norrköping's survey with Linköping taking part: each imports its own invitees.
    norr = survey_services.create_wave(
        actor=cw.user("norrkoping"),
        owner=cw.org("norrkoping"),
        name="Norrköpings enkät",
        slug="norrkoping-enkat",
        questionnaire=questionnaire,
        partners=[cw.org(HIDDEN)],
        reference_period="de senaste tolv månaderna",
    )
    survey_services.import_invitees(
        actor=owner, wave=norr, rows=_invitees(cw.org(HIDDEN).name, "kanarie.inbjuden", 5)
    )
    survey_services.import_invitees(
        actor=cw.user("norrkoping"),
        wave=norr,
        rows=_invitees(cw.org("norrkoping").name, "inbjuden", 5),
    )
    survey_services.open_wave(actor=cw.user("norrkoping"), wave=norr)
    cw.hide(wave)
    cw.telling += [wave, norr]
    cw.records |= {"wave": wave}
    cw.add(
        text("name of Linköping's unshared survey", "KanarieEnkat", wave),
        text("invitee of Linköping's unshared survey", "kanarie.svarande", wave, witness=None),
        Canary(
            "invitee Linköping imported into Norrköping's survey",
            re.compile(r"kanarie\.inbjuden", re.IGNORECASE),
            audience=lambda v: v.org == HIDDEN,
            witness=None,
        ),
    )


def _invitees(municipality: str, local: str, n: int) -> list[Row]:
    return [
        Row(
            i + 2,
            {
                "email": f"{local}{i}@example.invalid",
                "municipality": municipality,
                "role": "elected",
                "gender": "woman" if i % 2 else "man",
                "age_band": "30_49",
            },
        )
        for i in range(n)
    ]


def _answers(organisation: Any) -> dict[str, Any]:
    never = "never"
    return {
        "role": "elected",
        "municipality": municipality_value(organisation),
        "unit_type": "council",
        "gender": "woman",
        "age_band": "30_49",
        "chair": "neither",
        "exposure_threat": never,
        "exposure_harassment": never,
        "exposure_violence": never,
        "exposure_property": never,
        "exposure_bribe": never,
        "exposure_relatives": never,
        "exposure_online": never,
        "worry": "slightly",
    }


def _plant_jobs(cw: CanaryWorld) -> None:
    """Linköping's own jobs (an audit check and its survey e-mails), beside its runs."""
    from samverkan.jobs.services import start_job
    from samverkan.jobs.tasks import run_job

    for actor, kind, params in (
        (cw.user(HIDDEN, Role.AUDITOR), "audit_verify", {}),
        (
            cw.user(HIDDEN),
            "survey_invitations",
            {"wave": str(cw.records["wave"].pk), "base_url": "http://testserver/"},
        ),
    ):
        job = start_job(actor=actor, kind=kind, params=params)
        run_job.call(str(job.pk))
        cw.jobs.append(job)
    cw.jobs += [run.job for run in MatchRun.objects.filter(started_by=cw.user(HIDDEN))]


def _plant_token(cw: CanaryWorld) -> None:
    """A coordinator's API token: a credential that only its holder may ever read."""
    from worldkit import api_token

    holder = cw.user(HIDDEN)
    key = api_token(holder)
    cw.add(
        Canary(
            "API token of Linköping's coordinator",
            re.compile(re.escape(key)),
            audience=lambda v: v.user is not None and v.user.pk == holder.pk,
            witness=None,
            hint=key.lower(),
        )
    )


def _plant_ids(cw: CanaryWorld) -> None:
    """Every hidden record's id is a canary too; a target's id also belongs to the
    operations that target it."""
    from samverkan.ros.models import OperationTarget

    for records in cw.hidden.values():
        for record in records:
            alternatives: list[list[Any]] = []
            if isinstance(record, Premises):
                alternatives = [
                    [t.operation] for t in OperationTarget.objects.filter(premises=record)
                ]
            cw.add(record_id(record, *alternatives))


__all__ = [
    "HIDDEN",
    "PERIOD",
    "PURPOSE",
    "SEARCH",
    "Canary",
    "CanaryWorld",
    "Viewer",
    "members",
    "plant",
    "platform_viewers",
]
