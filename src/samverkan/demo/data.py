"""Synthetic demo data: organisations, one account per role and organisation, cases.

All names and identity numbers are generated; identity numbers are valid in form but
use serial numbers in the 9xx range to stay clear of most real ones.
"""

from __future__ import annotations

import random
from datetime import date

from django.db import transaction

from samverkan.cases import services as case_services
from samverkan.core.identity import luhn_checksum_ok
from samverkan.core.models import RetentionPolicy
from samverkan.organisations import services as org_services
from samverkan.organisations.models import Organisation, OrganisationType
from samverkan.organisations.roles import Confidentiality, Role

DEMO_PASSWORD = "demo-Samverkan-2026"

ORGANISATIONS = [
    (
        "Linköpings kommun",
        "linkoping",
        OrganisationType.MUNICIPALITY,
        "0580",
        ["Kommunledningsförvaltningen", "Socialförvaltningen", "Miljö- och samhällsbyggnad"],
    ),
    (
        "Norrköpings kommun",
        "norrkoping",
        OrganisationType.MUNICIPALITY,
        "0581",
        ["Kommunstyrelsens kontor", "Socialkontoret", "Miljö- och hälsoskyddskontoret"],
    ),
    ("Polisen LPO Linköping", "polis-linkoping", OrganisationType.POLICE, "", ["Kommunpolis"]),
    ("Polisen LPO Norrköping", "polis-norrkoping", OrganisationType.POLICE, "", ["Kommunpolis"]),
    ("Stångåstaden", "stangastaden", OrganisationType.HOUSING, "", ["Trygghet och säkerhet"]),
    ("Hyresbostäder", "hyresbostader", OrganisationType.HOUSING, "", ["Områdesförvaltning"]),
]

ROLE_LABELS = {
    Role.ADMINISTRATOR: "administratör",
    Role.COORDINATOR: "samordnare",
    Role.CASE_OFFICER: "handläggare",
    Role.ANALYST: "analytiker",
    Role.REPORTER: "rapportör",
    Role.AUDITOR: "granskare",
}

FIRST = [
    "Anna",
    "Erik",
    "Maria",
    "Johan",
    "Sara",
    "Ali",
    "Fatima",
    "Lars",
    "Emma",
    "Omar",
    "Karin",
    "Mikael",
    "Elin",
    "Hassan",
    "Ida",
    "Per",
]
LAST = [
    "Lindqvist",
    "Berg",
    "Nyström",
    "Åkesson",
    "Hassan",
    "Karlsson",
    "Öberg",
    "Sundin",
    "Holm",
    "Yilmaz",
    "Ekström",
    "Dahl",
]

CASE_TITLES = [
    "Lokal med misstänkt olovlig verksamhet",
    "Oro för otillåten påverkan mot handläggare",
    "Upprepad skadegörelse i trapphus",
    "Misstänkt felaktig utbetalning",
    "Ansamling som skapar otrygghet vid centrum",
    "Kontroll av tillstånd inför gemensam insats",
    "Hot mot personal i bostadsområde",
    "Misstänkt olovlig andrahandsuthyrning",
]


def synthetic_person_number(rng: random.Random) -> str:
    """A 12-digit personnummer with a valid check digit and a 9xx serial number."""
    while True:
        born = date(rng.randint(1950, 2004), rng.randint(1, 12), rng.randint(1, 28))
        serial = f"9{rng.randint(0, 99):02d}"
        body = f"{born:%y%m%d}{serial}"
        for check in range(10):
            if luhn_checksum_ok(body + str(check)):
                return f"{born:%Y%m%d}{serial}{check}"


@transaction.atomic
def load(seed: int = 2026) -> list[tuple[str, str, str]]:
    """Create the demo data once; returns the demo accounts (user name, organisation, role)."""
    from django.contrib.auth import get_user_model

    rng = random.Random(seed)
    user_model = get_user_model()
    accounts: list[tuple[str, str, str]] = []
    if Organisation.objects.filter(name=ORGANISATIONS[0][0]).exists():
        for name, slug, *_ in ORGANISATIONS:
            for label in ROLE_LABELS.values():
                accounts.append((f"{slug}.{label_ascii(label)}", name, label))
        return accounts

    orgs: dict[str, Organisation] = {}
    for name, slug, org_type, code, units in ORGANISATIONS:
        org = org_services.create_organisation(
            actor=None,
            name=name,
            type=org_type.value,
            short_name=slug,
            municipality_code=code,
        )
        for unit in units:
            org_services.create_unit(actor=None, organisation=org, name=unit)
        orgs[slug] = org
    org_services.create_collaboration(
        actor=None,
        name="Samverkan mot brott Linköping–Norrköping",
        description="Samverkansavtal om gemensamt arbete mot organiserad brottslighet.",
        members=list(orgs.values()),
    )
    users_by_org: dict[str, dict[Role, object]] = {}
    for name, slug, *_ in ORGANISATIONS:
        users_by_org[slug] = {}
        for role, label in ROLE_LABELS.items():
            username = f"{slug}.{label_ascii(label)}"
            user = org_services.create_user(
                actor=None,
                username=username,
                password=DEMO_PASSWORD,
                first_name=rng.choice(FIRST),
                last_name=rng.choice(LAST),
                email=f"{username}@demo.invalid",
            )
            org_services.add_membership(actor=None, user=user, organisation=orgs[slug], role=role)
            users_by_org[slug][role] = user
            accounts.append((username, name, label))
    superuser = user_model.objects.create_superuser(
        username="plattformsadmin", password=DEMO_PASSWORD, email="admin@demo.invalid"
    )
    accounts.append((superuser.get_username(), "–", "teknisk administratör (/admin)"))

    from samverkan.demo import collaboration as demo_collaboration

    demo_collaboration.load(
        coordinators={slug: users_by_org[slug][Role.COORDINATOR] for slug in users_by_org},
        orgs=orgs,
    )
    slugs = list(orgs)
    for slug in slugs:
        author = users_by_org[slug][Role.COORDINATOR]
        for index in range(4):
            partners = [orgs[s] for s in slugs if s != slug]
            shared = rng.sample(partners, k=rng.choice([0, 0, 1, 2]))
            level = rng.choice(list(Confidentiality))
            case = case_services.create_case(
                actor=author,
                owner=orgs[slug],
                title=f"{rng.choice(CASE_TITLES)} ({orgs[slug].short_name} {index + 1})",
                description="Syntetiskt demoärende.",
                confidentiality=level,
                shared_with=shared,
            )
            for _ in range(rng.randint(1, 3)):
                case_services.add_person(
                    actor=author,
                    case=case,
                    name=f"{rng.choice(FIRST)} {rng.choice(LAST)}",
                    person_number=synthetic_person_number(rng),
                    role=rng.choice(["Företrädare", "Hyresgäst", "Anmälare", "Ägare"]),
                )
    from samverkan.demo import surveys as demo_surveys

    demo_surveys.load(
        coordinators={
            orgs[slug].name: users_by_org[slug][Role.COORDINATOR]
            for slug in ("linkoping", "norrkoping")
        },
        owner=orgs["linkoping"],
        partner=orgs["norrkoping"],
    )
    from samverkan.demo import ros as demo_ros

    demo_ros.load(
        users={slug: users_by_org[slug][Role.CASE_OFFICER] for slug in users_by_org},
        coordinators={slug: users_by_org[slug][Role.COORDINATOR] for slug in users_by_org},
        orgs=orgs,
    )
    from samverkan.demo import matching as demo_matching

    demo_matching.load(
        coordinators={slug: users_by_org[slug][Role.COORDINATOR] for slug in users_by_org},
        officers={slug: users_by_org[slug][Role.CASE_OFFICER] for slug in users_by_org},
        orgs=orgs,
    )
    RetentionPolicy.objects.get_or_create(
        record_type="matching.match",
        defaults={"months": 36, "legal_basis": "Gallring av avslutade matchningsträffar (demo)"},
    )
    RetentionPolicy.objects.get_or_create(
        record_type="ros.signal",
        defaults={"months": 36, "legal_basis": "Gallring av signaler (demo)"},
    )
    RetentionPolicy.objects.get_or_create(
        record_type="cases.case",
        defaults={"months": 24, "legal_basis": "Gallringsbeslut för samverkansärenden (demo)"},
    )
    return accounts


def label_ascii(label: str) -> str:
    return label.translate(str.maketrans("åäöÅÄÖ", "aaoAAO"))
