"""Cost of the isolation mechanism: restrict(user, "view") against an unscoped query.

Creates N cases spread over six organisations (a quarter shared) in a throw-away
SQLite database (or DATABASE_URL), then times the first page of the case list for a
member of one organisation, scoped and unscoped, and counts queries.

    .venv/bin/python benchmarks/restrict_query.py [N]
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from typing import Any

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
os.environ.setdefault("SAMVERKAN_VAR_DIR", tempfile.mkdtemp(prefix="samverkan-bench-"))


def timed(fn: Any, repeat: int = 30) -> tuple[float, float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def main() -> None:
    import django

    django.setup()
    import random
    import uuid

    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from samverkan.cases.models import Case
    from samverkan.core.scoping import forget_scope
    from samverkan.organisations.models import Membership, Organisation

    n = int(sys.argv[1]) if len(sys.argv) > 1 else 50_000
    call_command("migrate", verbosity=0)
    from django.contrib.auth import get_user_model

    orgs = [
        Organisation.objects.create(name=f"Bench org {uuid.uuid4().hex[:6]}", type="kommun")
        for _ in range(6)
    ]
    user = get_user_model().objects.create_user(username=f"bench-{uuid.uuid4().hex[:6]}")
    Membership.objects.create(user=user, organisation=orgs[0], role="handlaggare")
    rng = random.Random(1)
    through = Case.shared_with.through
    batch, shares = [], []
    for index in range(n):
        case = Case(
            owner=orgs[index % 6],
            title=f"Ärende {index}",
            reference=f"B-{uuid.uuid4().hex[:12]}",
            confidentiality=rng.choice(["intern", "begransad", "sekretess"]),
        )
        batch.append(case)
        if index % 4 == 0:
            shares.append(through(case_id=case.pk, organisation_id=orgs[rng.randint(0, 5)].pk))
    Case.objects.bulk_create(batch, batch_size=2000)
    through.objects.bulk_create(shares, batch_size=2000)

    def scoped() -> None:
        forget_scope(user)
        list(Case.objects.restrict(user, "view").order_by("-created_at")[:25])

    def unscoped() -> None:
        list(Case.objects.all().order_by("-created_at")[:25])

    with CaptureQueriesContext(connection) as queries:
        scoped()
    base_median, base_p95 = timed(unscoped)
    median, p95 = timed(scoped)
    print(f"database: {connection.vendor}, cases: {n}")
    print(f"unscoped first page: median {base_median * 1000:.1f} ms, p95 {base_p95 * 1000:.1f} ms")
    print(f"restrict first page: median {median * 1000:.1f} ms, p95 {p95 * 1000:.1f} ms")
    print(f"ratio restrict/unscoped (median): {median / base_median:.2f}")
    print(f"queries for a scoped page: {len(queries)} (memberships + records)")


if __name__ == "__main__":
    main()
