"""Demo data for matching: synthetic registers of both municipalities and both housing
companies, encoded with the shipped schema and a demo secret exactly as an owner would
(``samverkan match encode``), uploaded, compared in one finished run, and a few matches
investigated. Planted overlaps give matches of every shipped type, some written with errors
so that bands other than "exakt" occur."""

from __future__ import annotations

import csv
import random
import tempfile
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from samverkan.demo import synthetic
from samverkan.matching import localfiles
from samverkan.matching import services as match_services
from samverkan.matching.models import Match
from samverkan.organisations.models import Collaboration, Organisation

SECRET = b"demo-hemlighet-for-samverkan-matchning-2026"
SCHEMA = Path(localfiles.__file__).parent / "schemas" / "person-v1.json"


def _month_before(today: date) -> tuple[date, date]:
    last = today.replace(day=1) - timedelta(days=1)
    return last.replace(day=1), last


def _shown(person: synthetic.Person) -> dict[str, str]:
    return {
        "Personnummer": person.personnummer,
        "Namn": f"{person.fornamn} {person.efternamn}",
        "Födelsedatum": person.fodelsedatum.isoformat(),
        "Adress": f"{person.adress}, {person.postnummer} {person.ort}",
    }


def _misspelt(rng: random.Random, person: synthetic.Person) -> synthetic.Person:
    """The same person as another register writes them: a typo or no identity number."""
    if rng.random() < 0.5:
        return replace(person, personnummer="")
    name = person.efternamn
    i = rng.randrange(1, len(name))
    return replace(person, efternamn=name[:i] + name[i - 1] + name[i:])


def _upload(
    *,
    actor: Any,
    owner: Organisation,
    dataset_type: str,
    period: tuple[date, date],
    municipality: str,
    people: list[tuple[synthetic.Person, str, str]],
    description: str,
    folder: Path,
) -> None:
    register = folder / f"{owner.pk}-{dataset_type}.csv"
    with register.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([*synthetic.COLUMNS, "fran", "till"])
        writer.writerows([*p.values(), start, end] for p, start, end in people)
    encoded, mapping = register.with_suffix(".json"), register.with_suffix(".map.csv")
    localfiles.encode_file(
        schema_path=SCHEMA,
        secret=SECRET,
        input_path=register,
        output_path=encoded,
        mapping_path=mapping,
        identity_column="personnummer",
        from_column="fran",
        to_column="till",
        workers=1,
    )
    dataset = match_services.upload_dataset(
        actor=actor,
        owner=owner,
        content=encoded.read_bytes(),
        dataset_type=dataset_type,
        period_start=period[0],
        period_end=period[1],
        municipality_code=municipality,
        description=description,
    )
    with mapping.open(encoding="utf-8", newline="") as handle:
        rows = {int(r["row"]): r["ref"] for r in csv.DictReader(handle)}
    match_services.keep_demo_rows(
        dataset=dataset,
        rows={ref: _shown(people[number - 2][0]) for number, ref in rows.items()},
    )


def _leases(people: list[synthetic.Person]) -> list[tuple[synthetic.Person, str, str]]:
    return [(p, "2019-05-01", "") for p in people]


def load(
    *,
    coordinators: dict[str, Any],
    officers: dict[str, Any],
    orgs: dict[str, Organisation],
    seed: int = 31,
    today: date | None = None,
) -> None:
    rng = random.Random(seed)
    pop = synthetic.make_population(3000, seed=seed)
    month = _month_before(today or date.today())
    year_so_far = (month[0].replace(month=1), month[1])

    stangastaden = pop[0:600]
    hyresbostader = pop[600:1200] + [_misspelt(rng, p) for p in pop[0:4]] + pop[4:8]
    bistand_lkpg = pop[1200:1400] + pop[10:14] + pop[600:606]
    bistand_nkpg = pop[1400:1600] + [_misspelt(rng, p) for p in pop[1200:1203]] + pop[1203:1206]
    anstallda = pop[1700:2000] + pop[1210:1214]
    queue = pop[2000:2200] + pop[20:24] + pop[620:622]
    deaths = pop[2200:2240] + pop[30:33]
    with tempfile.TemporaryDirectory(prefix="samverkan-demo-") as tmp:
        folder = Path(tmp)
        uploads = [
            ("stangastaden", "hyresgaster", month, "0580", _leases(stangastaden), "Hyresgäster"),
            ("hyresbostader", "hyresgaster", month, "0581", _leases(hyresbostader), "Hyresgäster"),
            ("stangastaden", "bostadsko", month, "0580", _leases(queue), "Bostadskön"),
            (
                "linkoping",
                "ekonomiskt_bistand",
                month,
                "0580",
                [(p, "", "") for p in bistand_lkpg],
                "Utbetalningar ekonomiskt bistånd",
            ),
            (
                "norrkoping",
                "ekonomiskt_bistand",
                month,
                "0581",
                [(p, "", "") for p in bistand_nkpg],
                "Utbetalningar ekonomiskt bistånd",
            ),
            (
                "linkoping",
                "anstallda",
                month,
                "0580",
                [(p, "2024-01-01", "") for p in anstallda],
                "Anställda (lönesystemet)",
            ),
            (
                "linkoping",
                "avlidna",
                year_so_far,
                "0580",
                [
                    (p, (year_so_far[0] + timedelta(days=rng.randrange(200))).isoformat(), "")
                    for p in deaths
                ],
                "Avlidna enligt folkbokföringen",
            ),
        ]
        for slug, kind, period, code, people, text in uploads:
            _upload(
                actor=officers[slug],
                owner=orgs[slug],
                dataset_type=kind,
                period=period,
                municipality=code,
                people=people,
                description=f"{text} (syntetiska demodata)",
                folder=folder,
            )
    catalogue, _text = match_services.current_catalogue()
    run = match_services.start_run(
        actor=coordinators["linkoping"],
        collaboration=Collaboration.objects.get(members=orgs["linkoping"]),
        period_start=month[0],
        period_end=month[1],
        match_type_keys=[t.key for t in catalogue.match_types],
    )
    match_services.execute_run(run=run)
    _investigate(officers, orgs, rng)


def _investigate(
    officers: dict[str, Any], orgs: dict[str, Organisation], rng: random.Random
) -> None:
    """Close a few matches with outcomes and amounts, and record one exchange."""
    outcomes = ["felaktig_utbetalning", "ingen_atgard", "redan_kant", "misstankt_brott"]
    for slug in ("linkoping", "stangastaden"):
        officer = officers[slug]
        for index, match in enumerate(
            Match.objects.filter(owner=orgs[slug]).order_by("number")[:4]
        ):
            match_services.assign(actor=officer, match=match, assignee=officer)
            match_services.change_status(actor=officer, match=match, status="utreds")
            if index == 0:
                match_services.record_exchange(
                    actor=officer,
                    match=match,
                    legal_basis="osl_10_15a",
                    direction="sent",
                    text="Begärde uppgift om utbetalningsperiod från motparten.",
                )
                continue
            outcome = outcomes[index % len(outcomes)]
            finding = outcome in ("felaktig_utbetalning", "misstankt_brott")
            match_services.change_status(
                actor=officer,
                match=match,
                status="avslutad",
                outcome=outcome,
                amount_recovered=Decimal(rng.randrange(5, 60) * 1000) if finding else None,
                amount_stopped=Decimal(rng.randrange(2, 12) * 1000) if finding else None,
            )
