"""ROS at scale: the risk list, the map's data endpoint and the register search against
PostgreSQL with 200,000 premises and 1,000,000 signals.

Creates a fresh PostgreSQL database (dropped at the end), six organisations in one
collaboration (two municipalities, two police areas, two housing companies) and two case
officers: one in the first municipality (sees its own register and what is shared with
it) and one in the first housing company (sees only what is shared with it). Then it
loads, with COPY:

* ``--premises`` premises split between the municipalities (owner = municipality), with
  random coordinates around Linköping and Norrköping, a kind of activity, and one stored
  risk row per viewer (each organisation that sees the premises, at each clearance from
  the premises' level up) with a score, level and explanation taken from a pool of real
  ``risk.score`` results (the recompute itself is measured by ``ros_risk.py``); about
  25 % shared with the municipality's police, 5 % with its housing company, 2 % with the
  other municipality;
* about one permit per premises (owner = municipality, shared like its premises);
* ``--signals`` signals owned by the police of the premises' city, dated in the last two
  years, 85 % shared with the municipality (5 % also with the housing company);

and runs ``VACUUM (ANALYZE)`` on the tables. Through ``django.test.Client`` (force_login,
two-factor sign-in off, CONN_MAX_AGE 60, DEBUG off, so the timings include middleware,
the session write and template rendering) each user then sends ``--requests`` requests
to each of, interleaved:

* ``list p1``: the risk list ``/ros/``, first page;
* ``list later``: ``/ros/?page=N``, N a random later page of that user's list;
* ``map``: ``/ros/karta/data.geojson?bbox=…``, a city-sized box (about 11 × 11 km)
  around the user's city with a random offset (at most 5,000 features);
* ``search``: ``/ros/?q=…``, a random fragment of a street name;
* ``permit filter``: ``/ros/?permit_status=…`` (extra: the filter that joins permits);

and, as the baseline in the same run, ``/healthz`` (one ``SELECT 1``). It prints median
and 95th percentile per endpoint and user, the SQL time within them, the number of SQL
queries per request and the rows in the database. Where the 95th percentile misses the
target (300 ms), it prints ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest query of that
endpoint (``--explain`` prints it for every endpoint). Timings are never asserted.

    .venv/bin/python benchmarks/ros_scale.py [--premises N] [--signals N] [--requests N]
        [--seed N] [--explain] [--keep-database] [--admin-url postgresql://…/postgres]
        [--pg-setting NAME=VALUE]… [--sql STATEMENT]…

``--pg-setting`` (``ALTER DATABASE … SET`` before connecting, e.g. ``jit=off``) and ``--sql``
(run after loading, e.g. a candidate ``CREATE INDEX``) try a remedy without changing the
application.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

from survey_load import create_database, drop_database, percentile  # also puts src/ on the path

TARGET_MS = 300.0
LEVEL_RANK = {"intern": 0, "begransad": 1, "sekretess": 2}
CENTRES = {"linkoping": (58.4108, 15.6214), "norrkoping": (58.5877, 16.1924)}
POSTAL = {"linkoping": "58", "norrkoping": "60"}
CITY_NAMES = {"linkoping": "Linköping", "norrkoping": "Norrköping"}
STEMS = [
    "Stor",
    "Drottning",
    "Kungs",
    "Hamn",
    "Kloster",
    "Trädgårds",
    "Järnvägs",
    "Ryds",
    "Skäggetorps",
    "Berga",
    "Lambohovs",
    "Valla",
    "Tannefors",
    "Vasa",
    "Ny",
    "Ban",
    "Repslagar",
    "Platens",
    "Djurgårds",
    "Navestads",
    "Hageby",
    "Söder",
    "Norra",
    "Östra",
    "Västra",
    "Gamla",
    "Skol",
    "Kyrko",
    "Bryggare",
    "Linné",
    "Sandgärdes",
    "Ekholms",
    "Johannelunds",
    "Vidinge",
    "Marielunds",
    "Skärblacka",
    "Lindö",
    "Ljura",
    "Klinga",
    "Eneby",
]
SUFFIXES = ["gatan", "vägen", "gatan", "allén", "leden", "stigen", "torget", "gränd"]
NAME_WORDS = ["Nord", "Syd", "Öst", "Väst", "City", "Aros", "Stjärnan", "Hörnet", "Centrum"]
BLOCKS = ["Druvan", "Ekoxen", "Gripen", "Hunden", "Järnet", "Kvarnen", "Lejonet", "Mården"]
PERMIT_TYPES = ["alcohol", "food", "tobacco", "building", "fire"]
PERMIT_STATUSES = ["active"] * 6 + ["expired", "expired", "revoked", "applied", "denied"]
GRADES = [(r, c) for r in "ABCDEF" for c in "123456"]
SIGNAL_TEXTS = [
    "Uppgift om svartarbete i lokalen.",
    "Många kontanta betalningar observerade.",
    "Okänd verksamhet efter stängning.",
    "Tips om personal utan arbetstillstånd.",
    "Observation vid tillsyn.",
]
LEVELS = [("intern", 85), ("begransad", 12), ("sekretess", 3)]


# --- Data ------------------------------------------------------------------------------


@dataclass
class World:
    municipalities: dict[str, Any]
    police: dict[str, Any]
    housing: dict[str, Any]
    users: dict[str, Any]  # label -> user
    user_city: dict[str, str]
    kinds: list[Any]


def build_world(tag: str) -> World:
    from samverkan.demo.ros import KINDS
    from samverkan.organisations import services as org_services
    from samverkan.organisations.models import OrganisationType
    from samverkan.organisations.roles import Role
    from samverkan.ros.models import ActivityKind

    def org(name: str, type_: str) -> Any:
        return org_services.create_organisation(actor=None, name=f"{name} {tag}", type=type_)

    municipalities = {
        "linkoping": org("Linköpings kommun", OrganisationType.MUNICIPALITY),
        "norrkoping": org("Norrköpings kommun", OrganisationType.MUNICIPALITY),
    }
    police = {
        "linkoping": org("Polisen LPO Linköping", OrganisationType.POLICE),
        "norrkoping": org("Polisen LPO Norrköping", OrganisationType.POLICE),
    }
    housing = {
        "linkoping": org("Stångåstaden", OrganisationType.HOUSING),
        "norrkoping": org("Hyresbostäder", OrganisationType.HOUSING),
    }
    members = [*municipalities.values(), *police.values(), *housing.values()]
    org_services.create_collaboration(actor=None, name=f"ROS bench {tag}", members=members)
    users = {}
    for label, organisation in (
        ("municipality A", municipalities["linkoping"]),
        ("housing company", housing["linkoping"]),
    ):
        user = org_services.create_user(
            actor=None, username=f"ros-{tag}-{label.split()[0]}", password=None
        )
        org_services.add_membership(
            actor=None, user=user, organisation=organisation, role=Role.CASE_OFFICER
        )
        users[label] = user
    kinds = [
        ActivityKind.objects.get_or_create(
            key=key, defaults={"name": name, "cash_intensive": cash, "required_permits": permits}
        )[0]
        for key, name, cash, permits in KINDS
    ]
    return World(
        municipalities,
        police,
        housing,
        users,
        {"municipality A": "linkoping", "housing company": "linkoping"},
        kinds,
    )


def risk_pool(kinds: list[Any], rng: random.Random, per_kind: int = 400) -> dict[int, list[Any]]:
    """Per kind of activity, ``per_kind`` real risk results (score, level, stored
    explanation) for random facts: permits, signals, business addresses, findings."""
    from samverkan.ros import risk

    config = risk.default_configs()
    today = date.today()
    pool: dict[int, list[Any]] = {}
    for kind in kinds:
        results = []
        for n in range(per_kind):
            permits = tuple(
                risk.PermitFact(
                    rng.choice([*kind.required_permits, *PERMIT_TYPES]),
                    rng.choice(PERMIT_STATUSES),
                    None if rng.random() < 0.3 else today + timedelta(days=rng.randint(-700, 700)),
                )
                for _ in range(rng.choice((0, 1, 1, 1, 2)))
            )
            signals = tuple(
                risk.SignalFact(today - timedelta(days=rng.randint(0, 720)), *rng.choice(GRADES))
                for _ in range(rng.choice((0, 0, 0, 1, 2, 3, 5, 8)))
            )
            facts = risk.PremisesFacts(
                premises_id=str(n),
                kind_cash_intensive=kind.cash_intensive,
                required_permit_types=frozenset(kind.required_permits),
                permits=permits,
                signals=signals,
                business_address_count=rng.choice((0, 1, 1, 1, 2, 2, 3, 4, 7)),
                linked_findings=rng.choice((0, 0, 0, 0, 1, 2)),
                earlier_sanctions=rng.choice((0, 0, 0, 0, 0, 1)),
                today=today,
                activity_kind=kind.name.lower(),
            )
            assessment = risk.score(facts, config)
            fired = [
                {
                    "key": f.key,
                    "contribution": round(f.contribution, 3),
                    "explanation": dict(f.explanation),
                }
                for f in assessment.fired
            ]
            results.append(
                (
                    round(assessment.score, 3),
                    assessment.level,
                    json.dumps(fired, ensure_ascii=False),
                )
            )
        pool[kind.pk] = results
    return pool


def new_id(rng: random.Random) -> str:
    return uuid.UUID(int=rng.getrandbits(128), version=4).hex


def weighted_level(rng: random.Random) -> str:
    roll = rng.randrange(100)
    for level, weight in LEVELS:
        if roll < weight:
            return level
        roll -= weight
    return LEVELS[0][0]


@dataclass
class Loaded:
    premises: int = 0
    risk_rows: int = 0
    permits: int = 0
    signals: int = 0
    shares: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def load(
    world: World,
    *,
    database_url: str,
    premises: int,
    signals: int,
    seed: int,
    extra_sql: list[str],
) -> Loaded:
    """COPY the premises, permits, signals and their sharing rows; then run ``extra_sql``
    (``--sql``) and VACUUM (ANALYZE) the tables."""
    import psycopg

    rng = random.Random(seed)
    pool = risk_pool(world.kinds, rng)
    now = datetime.now().astimezone()
    today = date.today()
    streets = {city: [s + rng.choice(SUFFIXES) for s in STEMS] for city in CENTRES}
    loaded = Loaded()
    share_rows: dict[str, list[tuple[str, int]]] = defaultdict(list)
    premises_meta: dict[str, tuple[str, str, set[int]]] = {}  # id -> city, level, shared
    risk_rows: list[tuple[Any, ...]] = []
    cities = list(CENTRES)
    other = {"linkoping": "norrkoping", "norrkoping": "linkoping"}

    with psycopg.connect(database_url) as conn, conn.cursor() as cur:
        columns = (
            "id, owner_id, confidentiality, created_at, updated_at, name, address, "
            "postal_code, municipality_id, latitude, longitude, property_designation, "
            "kind_id, normalised_address"
        )
        from samverkan.ros.importing import normalise_address

        used: set[tuple[str, str]] = set()
        with cur.copy(f"COPY ros_premises ({columns}) FROM STDIN") as copy:
            for index in range(premises):
                city = cities[index % 2]
                municipality = world.municipalities[city]
                while True:
                    street = rng.choice(streets[city])
                    address = f"{street} {rng.randint(1, 150)}"
                    if rng.random() < 0.2:
                        address += rng.choice("ABCD")
                    postal = f"{POSTAL[city]}{rng.randint(100, 999)}"
                    key = normalise_address(address, postal)
                    if (city, key) not in used:
                        used.add((city, key))
                        break
                kind = rng.choice(world.kinds)
                lat, lon = CENTRES[city]
                latitude, longitude = lat + rng.gauss(0, 0.025), lon + rng.gauss(0, 0.045)
                pk = new_id(rng)
                confidentiality = weighted_level(rng)
                copy.write_row(
                    (
                        pk,
                        municipality.pk,
                        confidentiality,
                        now,
                        now,
                        f"{kind.name} {rng.choice(NAME_WORDS)}" if rng.random() < 0.8 else "",
                        address,
                        postal,
                        municipality.pk,
                        latitude,
                        longitude,
                        f"{CITY_NAMES[city]} {rng.choice(BLOCKS)} {rng.randint(1, 40)}:"
                        f"{rng.randint(1, 30)}",
                        kind.pk,
                        key,
                    )
                )
                shared: set[int] = set()
                if rng.random() < 0.25:
                    shared.add(world.police[city].pk)
                if rng.random() < 0.05:
                    shared.add(world.housing[city].pk)
                if rng.random() < 0.02:
                    shared.add(world.municipalities[other[city]].pk)
                for org_id in shared:
                    share_rows["premises"].append((pk, org_id))
                premises_meta[pk] = (city, confidentiality, shared)
                # One risk row per viewer: each organisation that sees the premises, at each
                # clearance from the premises' level up (see ros.riskfacts).
                for org_id in (municipality.pk, *sorted(shared)):
                    score, level_name, fired = rng.choice(pool[kind.pk])
                    for clearance in range(LEVEL_RANK[confidentiality], 3):
                        row = (pk, org_id, clearance, score, level_name, fired, address, now)
                        risk_rows.append((*row, latitude, longitude))
        loaded.premises = premises
        print(f"  premises copied: {premises:,}", flush=True)
        columns = (
            "premises_id, organisation_id, clearance, score, level, fired, address, computed_at, "
            "latitude, longitude"
        )
        with cur.copy(f"COPY ros_premisesrisk ({columns}) FROM STDIN") as copy:
            for row in risk_rows:
                copy.write_row(row)
        loaded.risk_rows = len(risk_rows)
        risk_rows.clear()
        print(f"  risk rows copied: {loaded.risk_rows:,}", flush=True)

        columns = (
            "id, owner_id, confidentiality, created_at, updated_at, premises_id, type, "
            "status, valid_from, valid_to, issuer, reference"
        )
        with cur.copy(f"COPY ros_permit ({columns}) FROM STDIN") as copy:
            for pk, (city, confidentiality, shared) in premises_meta.items():
                for _ in range(rng.choice((0, 1, 1, 1, 2))):
                    permit = new_id(rng)
                    start = today - timedelta(days=rng.randint(100, 2000))
                    copy.write_row(
                        (
                            permit,
                            world.municipalities[city].pk,
                            confidentiality,
                            now,
                            now,
                            pk,
                            rng.choice(PERMIT_TYPES),
                            rng.choice(PERMIT_STATUSES),
                            start,
                            start + timedelta(days=rng.randint(365, 1500)),
                            world.municipalities[city].name,
                            f"{city[:3].upper()}-{rng.randint(1000, 99999)}",
                        )
                    )
                    loaded.permits += 1
                    for org_id in shared:
                        share_rows["permit"].append((permit, org_id))
        print(f"  permits copied: {loaded.permits:,}", flush=True)

        ids = list(premises_meta)
        columns = (
            "id, owner_id, confidentiality, created_at, updated_at, premises_id, kind, "
            "description, observed_on, reliability, credibility"
        )
        with cur.copy(f"COPY ros_signal ({columns}) FROM STDIN") as copy:
            for _ in range(signals):
                premises_id = rng.choice(ids)
                city = premises_meta[premises_id][0]
                signal = new_id(rng)
                reliability, credibility = rng.choice(GRADES)
                copy.write_row(
                    (
                        signal,
                        world.police[city].pk,
                        rng.choice(("begransad",) * 6 + ("intern",) * 3 + ("sekretess",)),
                        now,
                        now,
                        premises_id,
                        rng.choice(("tip", "observation", "observation", "intelligence")),
                        rng.choice(SIGNAL_TEXTS),
                        today - timedelta(days=rng.randint(0, 730)),
                        reliability,
                        credibility,
                    )
                )
                if rng.random() < 0.85:
                    share_rows["signal"].append((signal, world.municipalities[city].pk))
                    if rng.random() < 0.05:
                        share_rows["signal"].append((signal, world.housing[city].pk))
        loaded.signals = signals
        print(f"  signals copied: {signals:,}", flush=True)

        for table, rows in share_rows.items():
            with cur.copy(
                f"COPY ros_{table}_shared_with ({table}_id, organisation_id) FROM STDIN"
            ) as copy:
                for row in rows:
                    copy.write_row(row)
            loaded.shares[table] = len(rows)
        conn.commit()
        print(f"  sharing rows copied: {dict(loaded.shares)}", flush=True)
    with psycopg.connect(database_url, autocommit=True) as conn:
        for statement in extra_sql:
            print(f"  --sql: {statement}", flush=True)
            conn.execute(statement)
        for table in (
            "ros_premises",
            "ros_premisesrisk",
            "ros_permit",
            "ros_signal",
            "ros_premises_shared_with",
            "ros_permit_shared_with",
            "ros_signal_shared_with",
        ):
            conn.execute(f"VACUUM (ANALYZE) {table}")
    return loaded


# --- Measurement -------------------------------------------------------------------------


@dataclass
class Samples:
    total: list[float] = field(default_factory=list)
    sql: list[float] = field(default_factory=list)
    queries: list[int] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=lambda: defaultdict(int))
    slowest_sql: tuple[float, str] = (0.0, "")
    notes: list[int] = field(default_factory=list)


def bbox_around(city: str, rng: random.Random) -> str:
    lat, lon = CENTRES[city]
    lat += rng.uniform(-0.01, 0.01)
    lon += rng.uniform(-0.02, 0.02)
    half_lat, half_lon = 0.05, 0.09  # about 11 × 11 km
    return f"{lon - half_lon:.5f},{lat - half_lat:.5f},{lon + half_lon:.5f},{lat + half_lat:.5f}"


def street_fragment(rng: random.Random) -> str:
    stem = rng.choice(STEMS).lower()
    if len(stem) <= 4:
        return stem + rng.choice(SUFFIXES)[:3]
    start = rng.randint(0, max(0, len(stem) - 5))
    return stem[start : start + rng.randint(4, 7)]


def measure(client: Any, url: str, samples: Samples, *, count_features: bool = False) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        start = time.perf_counter()
        response = client.get(url)
        elapsed = time.perf_counter() - start
    samples.total.append(elapsed)
    samples.statuses[response.status_code] += 1
    samples.queries.append(len(captured))
    samples.sql.append(sum(float(q["time"]) for q in captured.captured_queries))
    for query in captured.captured_queries:
        if not query["sql"].lstrip().upper().startswith("SELECT"):
            continue  # session writes and COMMIT count in the SQL time, not for EXPLAIN
        if float(query["time"]) > samples.slowest_sql[0]:
            samples.slowest_sql = (float(query["time"]), query["sql"])
    if count_features and response.status_code == 200:
        samples.notes.append(len(json.loads(response.content)["features"]))


def ms(seconds: float) -> float:
    return seconds * 1000


def explain(sql: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN (ANALYZE, BUFFERS) {sql}")
        return "\n".join(row[0] for row in cursor.fetchall())


def run_requests(world: World, *, requests: int, seed: int) -> dict[tuple[str, str], Samples]:
    from django.test import Client

    from samverkan.core.scoping import forget_scope
    from samverkan.ros import selectors

    rng = random.Random(seed + 1)
    results: dict[tuple[str, str], Samples] = defaultdict(Samples)
    permit_statuses = ["expired", "revoked", "applied", "denied"]
    for label, user in world.users.items():
        client = Client()
        client.force_login(user)
        forget_scope(user)
        visible = selectors.risk_list(user=user).count()
        pages = max(1, -(-visible // selectors.PAGE_SIZE))
        city = world.user_city[label]
        print(f"  {label}: sees {visible:,} premises ({pages:,} pages)", flush=True)

        def urls(label: str = label, pages: int = pages, city: str = city) -> Iterator[Any]:
            yield "list p1", "/ros/", False
            later = rng.randint(2, pages) if pages > 1 else 1
            yield "list later", f"/ros/?page={later}", False
            yield (
                "map",
                "/ros/karta/data.geojson?" + urlencode({"bbox": bbox_around(city, rng)}),
                True,
            )
            yield "search", "/ros/?" + urlencode({"q": street_fragment(rng)}), False
            yield (
                "permit filter",
                "/ros/?" + urlencode({"permit_status": rng.choice(permit_statuses)}),
                False,
            )

        for _ in range(3):  # warm-up: connection, templates, caches; not counted
            client.get("/healthz")
            for _name, url, _features in urls():
                client.get(url)
        for _ in range(requests):
            measure(client, "/healthz", results[(label, "healthz (baseline)")])
            for name, url, features in urls():
                measure(client, url, results[(label, name)], count_features=features)
    return results


def report(results: dict[tuple[str, str], Samples], *, explain_all: bool) -> None:
    print()
    print(
        f"{'user':<16} {'endpoint':<19} {'median':>8} {'p95':>8} {'max':>8} "
        f"{'SQL med':>8} {'SQL p95':>8} {'queries':>8}  target p95 < {TARGET_MS:.0f} ms"
    )
    missed = []
    for (label, name), s in results.items():
        median = ms(statistics.median(s.total))
        p95 = ms(percentile(s.total, 0.95))
        queries = (
            f"{min(s.queries)}"
            if min(s.queries) == max(s.queries)
            else f"{min(s.queries)}–{max(s.queries)}"
        )
        verdict = "" if name.startswith("healthz") else ("OK" if p95 < TARGET_MS else "MISSED")
        print(
            f"{label:<16} {name:<19} {median:7.1f}  {p95:7.1f}  {ms(max(s.total)):7.1f}  "
            f"{ms(statistics.median(s.sql)):7.1f}  {ms(percentile(s.sql, 0.95)):7.1f}  "
            f"{queries:>8}  {verdict}"
        )
        if set(s.statuses) != {200}:
            print(f"    statuses: {dict(s.statuses)}")
        if s.notes:
            print(
                f"    features per response: median {statistics.median(s.notes):.0f}, "
                f"min {min(s.notes)}, max {max(s.notes)}"
            )
        if verdict == "MISSED" or (explain_all and verdict):
            missed.append((label, name, s))
    for label, name, s in missed:
        seconds, sql = s.slowest_sql
        if not sql:
            continue
        print()
        print(f"--- {label}, {name}: slowest query {ms(seconds):.1f} ms ---")
        print(sql if len(sql) <= 3000 else sql[:3000] + " …")
        print("EXPLAIN (ANALYZE, BUFFERS):")
        print(explain(sql))


def table_rows() -> dict[str, int]:
    from django.db import connection

    tables = [
        "ros_premises",
        "ros_premisesrisk",
        "ros_premises_shared_with",
        "ros_permit",
        "ros_permit_shared_with",
        "ros_signal",
        "ros_signal_shared_with",
    ]
    counts = {}
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT count(*) FROM {table}")  # noqa: S608 - fixed names
            counts[table] = cursor.fetchone()[0]
        cursor.execute("SELECT pg_size_pretty(pg_database_size(current_database()))")
        counts["database size"] = cursor.fetchone()[0]
    return counts


# --- Main -------------------------------------------------------------------------------


def measure_recompute(world: World, *, sample: int, seed: int) -> None:
    """The cost of keeping one risk row per viewer: recompute a random sample of premises
    (read the facts, score each viewer, rewrite the rows), beside reading the same facts
    only; then sharing changes through the service, which recomputes in its
    transaction."""
    from django.db import transaction

    from samverkan.organisations.roles import Role
    from samverkan.ros import riskfacts, services
    from samverkan.ros.models import Premises, PremisesRisk

    rng = random.Random(seed)
    ids = list(Premises.objects.values_list("pk", flat=True))
    chosen = rng.sample(ids, min(sample, len(ids)))
    premises = list(Premises.objects.filter(pk__in=chosen).select_related("kind").order_by("pk"))
    started = time.perf_counter()
    for start in range(0, len(premises), riskfacts.CHUNK):
        riskfacts.facts_for(premises[start : start + riskfacts.CHUNK], date.today())
    read = time.perf_counter() - started
    started = time.perf_counter()
    with transaction.atomic():
        riskfacts.recompute(premises_ids=chosen)
    full = time.perf_counter() - started
    rows = PremisesRisk.objects.filter(premises_id__in=chosen).count()
    print(
        f"recompute, {len(chosen):,} random premises ({rows:,} risk rows, "
        f"{rows / len(chosen):.2f} per premises):"
    )
    print(f"  baseline (read the facts of every viewer): {read:6.2f} s")
    print(
        f"  recompute (read, score, rewrite rows):     {full:6.2f} s  "
        f"{len(chosen) / full:8,.0f} premises/s  ratio {full / read:.2f}"
    )
    owner = world.municipalities["linkoping"]
    coordinator = org_user(owner, Role.COORDINATOR)
    targets = list(Premises.objects.filter(owner=owner).order_by("pk")[:20])
    timings = []
    for item in targets:
        shared = list(item.shared_with.all())
        started = time.perf_counter()
        services.set_sharing(
            actor=coordinator, record=item, organisations=[*shared, world.housing["linkoping"]]
        )
        timings.append((time.perf_counter() - started) * 1000)
        services.set_sharing(actor=coordinator, record=item, organisations=shared)
    print(
        f"  one sharing change with its recompute (service call, {len(timings)} changes): "
        f"median {statistics.median(timings):.1f} ms, p95 {percentile(timings, 0.95):.1f} ms"
    )


def org_user(organisation: Any, role: Any) -> Any:
    from samverkan.organisations import services as org_services

    user = org_services.create_user(
        actor=None, username=f"ros-bench-{uuid.uuid4().hex[:8]}", password=None
    )
    org_services.add_membership(actor=None, user=user, organisation=organisation, role=role)
    return user


def main() -> None:
    import psycopg
    from psycopg import sql

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--premises", type=int, default=200_000)
    parser.add_argument("--signals", type=int, default=1_000_000)
    parser.add_argument("--requests", type=int, default=60)
    parser.add_argument(
        "--recompute-sample",
        type=int,
        default=10_000,
        help="premises whose risk rows are recomputed to measure the cost (0: skip)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--explain", action="store_true", help="EXPLAIN the slowest query of every endpoint"
    )
    parser.add_argument(
        "--pg-setting",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="ALTER DATABASE … SET NAME = VALUE before connecting (e.g. jit=off); repeatable",
    )
    parser.add_argument(
        "--sql",
        action="append",
        default=[],
        metavar="STATEMENT",
        help="run after loading, before VACUUM (ANALYZE), e.g. a candidate CREATE INDEX; "
        "repeatable",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="do not drop the database at the end"
    )
    parser.add_argument(
        "--admin-url",
        default=os.environ.get(
            "SAMVERKAN_BENCH_PG_ADMIN", "postgresql://postgres@127.0.0.1:5432/postgres"
        ),
        help="a PostgreSQL database to connect to for CREATE/DROP DATABASE",
    )
    args = parser.parse_args()

    var_dir = tempfile.mkdtemp(prefix="samverkan-bench-")
    os.makedirs(os.path.join(var_dir, "static"))  # WhiteNoise warns without it
    db_name, database_url = create_database(args.admin_url)
    settings_applied = []
    for setting in args.pg_setting:
        name, _sep, value = setting.partition("=")
        if not name.replace("_", "").isalnum() or not value:
            drop_database(args.admin_url, db_name)
            raise SystemExit(f"--pg-setting must be NAME=VALUE, not {setting!r}")
        with psycopg.connect(args.admin_url, autocommit=True) as conn:
            conn.execute(
                sql.SQL("ALTER DATABASE {} SET {} = {}").format(
                    sql.Identifier(db_name), sql.Identifier(name), sql.Literal(value)
                )
            )
        settings_applied.append(f"{name} = {value}")
    os.environ.update(
        {
            "DATABASE_URL": database_url,
            "SAMVERKAN_VAR_DIR": var_dir,
            "SAMVERKAN_DEBUG": "false",
            "SAMVERKAN_REQUIRE_2FA": "false",
            "SAMVERKAN_DB_CONN_MAX_AGE": "60",
            "SAMVERKAN_ALLOWED_HOSTS": "testserver",
            "SAMVERKAN_LOG_LEVEL": "WARNING",
        }
    )
    try:
        import django

        django.setup()
        from django.core.management import call_command
        from django.db import connection

        started = time.perf_counter()
        call_command("migrate", verbosity=0)
        world = build_world(uuid.uuid4().hex[:6])
        print(
            f"database: PostgreSQL {db_name}; loading {args.premises:,} premises and "
            f"{args.signals:,} signals",
            flush=True,
        )
        load(
            world,
            database_url=database_url,
            premises=args.premises,
            signals=args.signals,
            seed=args.seed,
            extra_sql=args.sql,
        )
        print(f"setup (migrate, load, VACUUM ANALYZE): {time.perf_counter() - started:.1f} s")
        with connection.cursor() as cursor:
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
            cursor.execute("SHOW jit")
            jit = cursor.fetchone()[0]
            cursor.execute("SHOW shared_buffers")
            buffers = cursor.fetchone()[0]
        print(
            f"{version}; jit {jit}; shared_buffers {buffers}; database settings: "
            f"{', '.join(settings_applied) or 'server defaults'}"
        )
        print(
            "rows: "
            + ", ".join(
                f"{k} {v:,}" if isinstance(v, int) else f"{k} {v}" for k, v in table_rows().items()
            )
        )
        print(
            f"measuring: django.test.Client, {args.requests} requests per endpoint and user "
            f"(after 3 warm-up rounds), DEBUG off, CONN_MAX_AGE 60; CPUs: {os.cpu_count()}",
            flush=True,
        )
        started = time.perf_counter()
        results = run_requests(world, requests=args.requests, seed=args.seed)
        print(f"measured in {time.perf_counter() - started:.1f} s")
        report(results, explain_all=args.explain)
        if args.recompute_sample:
            measure_recompute(world, sample=args.recompute_sample, seed=args.seed)
    finally:
        if "django" in sys.modules:
            from django.db import connections

            connections.close_all()
        if args.keep_database:
            print(f"kept database {db_name}: {database_url}")
        else:
            drop_database(args.admin_url, db_name)
        shutil.rmtree(var_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
