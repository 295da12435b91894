"""Verify speed of the audit hash chain (pure module, no Django).

Prints entries per second for chain verification beside a baseline of plain SHA-256
over the same serialised entries, measured in the same run.

    .venv/bin/python benchmarks/audit_chain.py [N]
"""

from __future__ import annotations

import hashlib
import sys
import time
from typing import Any

sys.path.insert(0, "src")

from samverkan.audit.chain import GENESIS, canonical, entry_hash, verify_chain


def build(n: int) -> list[dict[str, Any]]:
    entries = []
    prev = GENESIS
    for seq in range(1, n + 1):
        entry: dict[str, Any] = {
            "seq": seq,
            "timestamp": f"2026-11-27T10:{seq % 60:02d}:00+00:00",
            "actor_id": seq % 40,
            "actor_username": f"user{seq % 40}",
            "organisation_id": seq % 6,
            "organisation_name": "Organisation",
            "subject_organisation_id": seq % 6,
            "subject_confidentiality": ("intern", "begransad", "sekretess")[seq % 3],
            "action": "view",
            "object_type": "cases.case",
            "object_id": f"{seq:032x}",
            "object_repr": f"SA-2026-{seq:06d}",
            "purpose": "Uppföljning",
            "details": {"count": seq % 3},
            "ip_address": "",
            "prev_hash": prev,
        }
        entry["hash"] = entry_hash(entry, prev)
        prev = entry["hash"]
        entries.append(entry)
    return entries


def main() -> None:
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 200_000
    entries = build(n)
    head_seq, head_hash = n, entries[-1]["hash"]

    start = time.perf_counter()
    for entry in entries:
        hashlib.sha256(canonical(entry)).hexdigest()
    baseline = time.perf_counter() - start

    start = time.perf_counter()
    problems = verify_chain(entries, head_seq=head_seq, head_hash=head_hash)
    elapsed = time.perf_counter() - start
    assert problems == []

    print(f"entries: {n}")
    print(f"baseline (serialise + sha256): {n / baseline:,.0f} entries/s")
    print(f"verify_chain:                  {n / elapsed:,.0f} entries/s")
    print(f"ratio verify/baseline time:    {elapsed / baseline:.2f}")


if __name__ == "__main__":
    main()
