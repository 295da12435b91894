"""Synthetic ROS register for the demo: kinds of activity, premises with businesses and
permits in both cities (loaded through the real import), and signals from the police
shared with one municipality only."""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from samverkan.core.identity import luhn_checksum_ok
from samverkan.core.tabular import Row
from samverkan.organisations.models import Organisation
from samverkan.organisations.roles import Confidentiality
from samverkan.ros import riskfacts, services
from samverkan.ros.models import ActivityKind, Clearance, Premises, PremisesRisk

KINDS = [
    ("restaurant", "Restaurang", True, ["alcohol", "food"]),
    ("cafe", "Kafé", True, ["food"]),
    ("kiosk", "Kiosk", True, ["tobacco", "food"]),
    ("social_club", "Föreningslokal", True, ["fire"]),
    ("car_wash", "Biltvätt", True, []),
    ("hair_salon", "Frisör", True, []),
    ("nail_salon", "Nagelsalong", True, []),
    ("office", "Kontor", False, []),
]
STREETS = {
    "linkoping": [
        "Storgatan",
        "Ågatan",
        "Drottninggatan",
        "Hamngatan",
        "Klostergatan",
        "Skäggetorp centrum",
        "Ryds allé",
    ],
    "norrkoping": [
        "Drottninggatan",
        "Hamngatan",
        "Kungsgatan",
        "Navestadsgatan",
        "Hageby centrum",
        "Söderleden",
    ],
}
CENTRES = {"linkoping": (58.4108, 15.6214), "norrkoping": (58.5877, 16.1924)}
POSTAL = {"linkoping": "582", "norrkoping": "602"}


def _organisation_number(rng: random.Random) -> str:
    while True:
        body = f"55{rng.randint(2, 9)}{rng.randint(0, 999_999):06d}"
        for check in range(10):
            if luhn_checksum_ok(body + str(check)):
                return f"{body[:6]}-{body[6:]}{check}"


def load(
    *,
    users: dict[str, Any],
    coordinators: dict[str, Any],
    orgs: dict[str, Organisation],
    seed: int = 11,
) -> None:
    rng = random.Random(seed)
    for key, name, cash, permits in KINDS:
        ActivityKind.objects.get_or_create(
            key=key, defaults={"name": name, "cash_intensive": cash, "required_permits": permits}
        )
    today = date.today()
    for city in ("linkoping", "norrkoping"):
        rows: list[Row] = []
        prefixes = ["Nord", "Syd", "Öst", "Väst", "City", "Aros"]
        trades = ["Handel", "Service", "Restaurang", "Invest"]
        businesses = [
            (_organisation_number(rng), f"{rng.choice(prefixes)} {rng.choice(trades)} AB")
            for _ in range(25)
        ]
        for index in range(60):
            _key, kind_name, _cash, required = rng.choice(KINDS)
            street = rng.choice(STREETS[city])
            number, business_name = rng.choice(businesses)
            lat, lon = CENTRES[city]
            base = {
                "address": f"{street} {rng.randint(1, 60)}",
                "postal_code": f"{POSTAL[city]}{rng.randint(10, 99)}",
                "municipality": orgs[city].name,
                "kind": kind_name,
                "name": f"{kind_name} {index + 1}",
                "organisation_number": number,
                "business_name": business_name,
                "legal_form": "Aktiebolag",
                "latitude": f"{lat + rng.uniform(-0.03, 0.03):.5f}",
                "longitude": f"{lon + rng.uniform(-0.05, 0.05):.5f}",
            }
            if not required or rng.random() < 0.25:
                rows.append(Row(len(rows) + 2, base))
                continue
            for permit in required:
                if rng.random() < 0.15:
                    continue  # missing permit
                expired = rng.random() < 0.15
                rows.append(
                    Row(
                        len(rows) + 2,
                        {
                            **base,
                            "permit_type": permit,
                            "permit_status": "expired" if expired else "active",
                            "valid_from": (
                                today - timedelta(days=rng.randint(400, 1500))
                            ).isoformat(),
                            "valid_to": (
                                today
                                + timedelta(
                                    days=(
                                        -rng.randint(10, 300) if expired else rng.randint(60, 900)
                                    )
                                )
                            ).isoformat(),
                            "issuer": orgs[city].name,
                            "reference": f"{city[:3].upper()}-{rng.randint(1000, 9999)}",
                        },
                    )
                )
        services.import_register(actor=users[city], owner=orgs[city], rows=rows, commit=True)
        premises = list(Premises.objects.filter(owner=orgs[city]))
        # Each municipality shares its register with its police district.
        for item in premises:
            item.shared_with.add(orgs[f"polis-{city}"])
        police = users[f"polis-{city}"]
        for item in rng.sample(premises, k=12):
            for _ in range(rng.randint(1, 3)):
                services.record_signal(
                    actor=police,
                    owner=orgs[f"polis-{city}"],
                    premises=item,
                    kind=rng.choice(["tip", "observation", "intelligence"]),
                    description=rng.choice(
                        [
                            "Uppgift om kontanthantering utan kassaregister.",
                            "Personer med kopplingar till kriminellt nätverk ses ofta i lokalen.",
                            "Lokalen hålls öppen långt efter tillåten tid.",
                            "Tips om svart arbetskraft.",
                        ]
                    ),
                    observed_on=today - timedelta(days=rng.randint(5, 300)),
                    reliability=rng.choice("ABBCCD"),
                    credibility=rng.choice("122334"),
                    shared_with=[orgs[city]],
                    confidentiality=rng.choice(
                        [Confidentiality.INTERNAL, Confidentiality.RESTRICTED]
                    ),
                )
    riskfacts.recompute()
    _operation(users=users, coordinators=coordinators, orgs=orgs, today=today)


def _operation(
    *,
    users: dict[str, Any],
    coordinators: dict[str, Any],
    orgs: dict[str, Organisation],
    today: date,
) -> None:
    """A carried-out joint operation in both cities with two authorities' records."""
    from datetime import datetime, time

    from django.utils import timezone

    from samverkan.ros import operations
    from samverkan.ros.workflow import Stage

    planner = coordinators["linkoping"]

    def riskiest(org: Organisation, n: int) -> list[Premises]:
        """The owner's own view of its riskiest premises."""
        rows = PremisesRisk.objects.filter(
            organisation=org, clearance=Clearance.CONFIDENTIAL, premises__owner=org
        ).select_related("premises")
        return [row.premises for row in rows.order_by("-score", "address")[:n]]

    shared = riskiest(orgs["norrkoping"], 2)
    for item in shared:
        services.set_sharing(
            actor=coordinators["norrkoping"],
            record=item,
            organisations=[*item.shared_with.all(), orgs["linkoping"]],
        )
    targets = [*riskiest(orgs["linkoping"], 3), *shared]
    operation = operations.create_operation(
        actor=planner,
        owner=orgs["linkoping"],
        title="Gemensam kontroll av serveringsställen",
        starts_at=timezone.make_aware(datetime.combine(today - timedelta(days=14), time(18, 0))),
        ends_at=timezone.make_aware(datetime.combine(today - timedelta(days=14), time(23, 30))),
        areas="Linköping centrum, Norrköping centrum",
        description="Samordnad tillsyn av restauranger och kaféer med förhöjd risk.",
        participants=[
            (orgs["linkoping"], "environment_health"),
            (orgs["polis-linkoping"], "police"),
            (orgs["norrkoping"], "alcohol_licensing"),
        ],
    )
    operations.add_targets(actor=planner, operation=operation, premises=targets)
    toolbox = operations.operation_toolbox(operation)
    health = operation.participations.get(authority="environment_health")
    police = operation.participations.get(authority="police")
    finding = toolbox.authority("environment_health").findings[0].key
    for index, target in enumerate(operation.targets.order_by("pk")):
        operations.record_inspection(
            actor=users["linkoping"],
            operation=operation,
            target=target,
            participation=health,
            inspected_on=today - timedelta(days=14),
            findings=[finding] if index % 2 == 0 else [],
            sanctions=["injunction"] if index % 2 == 0 else [],
            notes="Brister i livsmedelshanteringen." if index % 2 == 0 else "",
        )
        if index < 2:
            operations.record_inspection(
                actor=users["polis-linkoping"],
                operation=operation,
                target=target,
                participation=police,
                inspected_on=today - timedelta(days=14),
                findings=[],
                sanctions=["police_report"],
                notes="Polisanmälan om misstänkt svartarbete.",
                money_identified=Decimal(40000 * (index + 1)),
            )
    operations.set_stage(actor=planner, operation=operation, stage=Stage.CARRIED_OUT)
