"""Synthetic survey waves for the demo: an earlier wave and the closed wave ``demo``,
run jointly by the two municipalities, with answers generated to look like a real
survey (about a third exposed, more often online and among chairs)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from django.utils import timezone

from samverkan.core.tabular import Row
from samverkan.organisations.models import Organisation
from samverkan.surveys import services
from samverkan.surveys.models import Invitee, Wave
from samverkan.surveys.periods import add_months
from samverkan.surveys.strata import municipality_value

FORMS = [
    ("exposure_threat", 0.16),
    ("exposure_harassment", 0.24),
    ("exposure_violence", 0.03),
    ("exposure_property", 0.05),
    ("exposure_bribe", 0.04),
    ("exposure_relatives", 0.03),
    ("exposure_online", 0.18),
]


def _answers(
    rng: random.Random, invitee: Invitee, municipality: str, level: float
) -> dict[str, Any]:
    elected = invitee.role in ("elected", "both")
    gender = invitee.gender if rng.random() > 0.03 else rng.choice(["other", "not_stated"])
    raw: dict[str, Any] = {
        "role": invitee.role,
        "municipality": municipality,
        "unit_type": rng.choice(
            ["council", "committee"] if elected else ["administration", "company", "other"]
        ),
        "gender": gender,
        "age_band": invitee.age_band or rng.choice(["30_49", "50_64"]),
        "worry": rng.choice(["not_at_all", "slightly", "slightly", "fairly", "very"]),
    }
    if elected:
        raw["chair"] = rng.choice(["chair", "vice_chair", "neither", "neither", "neither"])
    factor = level * (1.5 if elected else 1.0) * (1.15 if gender == "woman" else 1.0)
    exposed = False
    for item, base in FORMS:
        p = min(0.9, base * factor)
        if rng.random() < p:
            raw[item] = rng.choice(["once", "once", "few_times", "often"])
            exposed = True
        else:
            raw[item] = "never"
    if exposed:
        raw["perpetrator"] = rng.sample(
            ["criminal", "resident", "organisation", "unknown"], k=rng.randint(1, 2)
        )
        raw["channel"] = rng.sample(
            ["in_person", "phone", "email", "social_media"], k=rng.randint(1, 2)
        )
        for row, p in (
            ("hesitated", 0.35),
            ("decided_differently", 0.08),
            ("avoided_issue", 0.15),
            ("considered_leaving", 0.12),
            ("changed_routines", 0.1),
        ):
            raw[f"consequences__{row}"] = "yes" if rng.random() < p else "no"
        reported = [
            v
            for v, p in (("police", 0.2), ("employer_or_party", 0.4), ("security_function", 0.15))
            if rng.random() < p
        ]
        raw["reported_to"] = reported or ["nobody"]
        if not reported:
            raw["not_reported_reason"] = [
                rng.choice(["not_serious", "would_not_help", "fear", "did_not_know"])
            ]
    return raw


def invitee_rows(org: Organisation, count: int, *, tag: str, rng: random.Random) -> list[Row]:
    """Synthetic invitees of one organisation: a fifth elected officials, the rest staff."""
    rows = []
    for index in range(count):
        elected = index < count // 5
        ages = ["under_30", "30_49", "30_49", "50_64", "65_plus" if elected else "50_64"]
        rows.append(
            Row(
                index + 2,
                {
                    "email": f"{tag}.{municipality_value(org)}.{index}@demo.invalid",
                    "municipality": org.name,
                    "role": "elected" if elected else "employee",
                    "gender": "woman" if rng.random() < (0.45 if elected else 0.7) else "man",
                    "age_band": rng.choice(ages),
                },
            )
        )
    return rows


def _run_wave(
    *,
    coordinators: dict[str, Any],
    owner: Organisation,
    partner: Organisation,
    slug: str,
    name: str,
    period: tuple[date, date],
    invitees_per_org: int,
    level: float,
    rng: random.Random,
    previous: Wave | None = None,
) -> Wave:
    questionnaire = services.ensure_default_questionnaire(
        actor=coordinators[owner.name], organisation=owner
    )
    wave = services.create_wave(
        actor=coordinators[owner.name],
        owner=owner,
        name=name,
        slug=slug,
        questionnaire=questionnaire,
        partners=[partner],
        period_start=period[0],
        period_end=period[1],
        previous_wave=previous,
    )
    for org in (owner, partner):
        rows = invitee_rows(org, invitees_per_org, tag=slug, rng=rng)
        services.import_invitees(actor=coordinators[org.name], wave=wave, rows=rows)
    services.open_wave(actor=coordinators[owner.name], wave=wave)
    names = {o.pk: municipality_value(o) for o in (owner, partner)}
    for invitee in Invitee.objects.filter(wave=wave).order_by("email"):
        if rng.random() > 0.58:
            continue
        # As if invited by e-mail: a link, used at once. The answers go through the
        # buffer, and closing the wave rewrites them in random order.
        link = services.issue_link(invitee=invitee)
        Invitee.objects.filter(pk=invitee.pk).update(invited=True)
        services.submit_response(
            token=link.token,
            raw_answers=_answers(rng, invitee, names[invitee.organisation_id], level),
        )
    Invitee.objects.filter(wave=wave).update(invited=True)
    services.close_wave(actor=coordinators[owner.name], wave=wave)
    return wave


def load(
    *, coordinators: dict[str, Any], owner: Organisation, partner: Organisation, seed: int = 7
) -> None:
    rng = random.Random(seed)
    # The twelve whole months before this month, and the same months two years earlier.
    this_month = timezone.localdate().replace(day=1)
    latest = (add_months(this_month, -12), this_month - timedelta(days=1))
    first = (add_months(latest[0], -24), add_months(this_month, -24) - timedelta(days=1))
    earlier = _run_wave(
        coordinators=coordinators,
        owner=owner,
        partner=partner,
        slug="demo-2024",
        name="Otillåten påverkan 2024 (demo)",
        period=first,
        invitees_per_org=150,
        level=0.42,
        rng=rng,
    )
    _run_wave(
        coordinators=coordinators,
        owner=owner,
        partner=partner,
        slug="demo",
        name="Otillåten påverkan 2026 (demo)",
        period=latest,
        invitees_per_org=400,
        level=0.5,
        rng=rng,
        previous=earlier,
    )
