"""The matching service path at register size: upload (validate + store) of two encoded
tenant registers, then one run of "dual tenancy" (load the stored encodings, compare,
store one Match per side), against the linkage kernel alone on the same arrays.

Creates its own organisations in a throw-away SQLite database (or DATABASE_URL). The
encodings are random 1024-bit CLKs with identity tokens; a share of the second file's
people are planted from the first (half with their token, half as near copies without one).

    .venv/bin/python benchmarks/matching_service.py [--size N] [--planted F]
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import resource
import secrets
import tempfile
import time
from datetime import date

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "samverkan.settings")
os.environ.setdefault("SAMVERKAN_VAR_DIR", tempfile.mkdtemp(prefix="samverkan-bench-"))


def encoded_file(clks: list[bytes], tokens: list[str]) -> bytes:
    return json.dumps(
        {
            "format": "samverkan-clk-v1",
            "schema_fingerprint": "ab" * 32,
            "clk_bits": 1024,
            "count": len(clks),
            "invalid_rows": 0,
            "records": [
                {
                    "ref": secrets.token_hex(12),
                    "clk": base64.b64encode(clk).decode(),
                    "token": token or None,
                    "block": None,
                }
                for clk, token in zip(clks, tokens, strict=True)
            ],
        }
    ).encode()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=100_000, help="records per register")
    parser.add_argument("--planted", type=float, default=0.02, help="share planted in both")
    args = parser.parse_args()

    import django

    django.setup()
    import numpy as np
    from django.core.management import call_command

    from samverkan.matching import link, services
    from samverkan.organisations import services as org_services
    from samverkan.organisations.roles import Role

    call_command("migrate", verbosity=0)
    tag = secrets.token_hex(3)
    orgs, users = [], []
    for name in ("A", "B"):
        org = org_services.create_organisation(
            actor=None, name=f"Bostadsbolag {name} {tag}", type="bostadsbolag"
        )
        user = org_services.create_user(
            actor=None, username=f"bench-{name}-{tag}", password=secrets.token_urlsafe()
        )
        for role in (Role.COORDINATOR, Role.CASE_OFFICER):
            org_services.add_membership(actor=None, user=user, organisation=org, role=role)
        orgs.append(org)
        users.append(user)
    collaboration = org_services.create_collaboration(actor=None, name=f"Bench {tag}", members=orgs)

    rng = np.random.default_rng(1)
    n = args.size
    bits_a = rng.random((n, 1024)) < 0.3
    bits_b = rng.random((n, 1024)) < 0.3
    planted = int(n * args.planted)
    bits_b[:planted] = bits_a[:planted]
    flips = rng.random((planted, 1024)) < 0.02
    bits_b[:planted] ^= flips
    tokens_a = [secrets.token_hex(32) for _ in range(n)]
    tokens_b = [secrets.token_hex(32) for _ in range(n)]
    for i in range(planted):
        tokens_b[i] = tokens_a[i] if i % 2 == 0 else ""
    clks_a = [row.tobytes() for row in np.packbits(bits_a, axis=1)]
    clks_b = [row.tobytes() for row in np.packbits(bits_b, axis=1)]
    files = [encoded_file(clks_a, tokens_a), encoded_file(clks_b, tokens_b)]
    print(f"{n:,} × {n:,} records, {planted:,} planted; files {len(files[0]) / 1e6:.0f} MB each")

    period = (date(2026, 10, 1), date(2026, 10, 31))
    for org, user, content, code in zip(orgs, users, files, ("0580", "0581"), strict=True):
        start = time.perf_counter()
        dataset = services.upload_dataset(
            actor=user,
            owner=org,
            content=content,
            dataset_type="hyresgaster",
            period_start=period[0],
            period_end=period[1],
            municipality_code=code,
        )
        print(f"upload {org.name}: {time.perf_counter() - start:.1f} s ({dataset.record_count:,})")

    start = time.perf_counter()
    run = services.start_run(
        actor=users[0],
        collaboration=collaboration,
        period_start=period[0],
        period_end=period[1],
        match_type_keys=["dubbla_hyreskontrakt"],
    )
    steps: list[tuple[int, int]] = []
    summary = services.execute_run(run=run, progress=lambda c, t, _m: steps.append((c, t)))
    elapsed = time.perf_counter() - start
    print(
        f"run (load, compare at 0.85, store): {elapsed:.1f} s, {summary['matches']:,} matches "
        f"({summary['match_types']['dubbla_hyreskontrakt']['pairs']:,} pairs), "
        f"{len(steps)} progress reports"
    )

    words_a = link.as_words(np.packbits(bits_a, axis=1))
    words_b = link.as_words(np.packbits(bits_b, axis=1))
    start = time.perf_counter()
    pairs = link.candidate_pairs(words_a, words_b, 0.85)
    baseline = time.perf_counter() - start
    print(f"baseline kernel alone: {baseline:.1f} s, {len(pairs):,} pairs")
    print(f"ratio run / kernel: {elapsed / baseline:.2f}")
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak memory of this process: {peak:.0f} MB")


if __name__ == "__main__":
    main()
