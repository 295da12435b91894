"""The audit log's hash chain. Pure computation: imports no Django.

Each entry's hash covers its own fields and the previous entry's hash, so editing,
inserting or deleting an entry anywhere breaks every later link. The head (last
sequence number and hash) is kept separately, so removing entries from the end is
detected too.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

GENESIS = "0" * 64

# The fields of an entry covered by its hash, in a fixed order.
HASHED_FIELDS = (
    "seq",
    "timestamp",
    "actor_id",
    "actor_username",
    "organisation_id",
    "organisation_name",
    "subject_organisation_id",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "purpose",
    "details",
    "ip_address",
)

# Fields added later. Each is hashed only when it has a value, after the fields above, so
# entries written before it existed keep their hash and the whole chain still verifies.
OPTIONAL_HASHED_FIELDS = ("subject_confidentiality",)


def canonical(entry: Mapping[str, Any]) -> bytes:
    payload = [entry.get(name) for name in HASHED_FIELDS]
    payload += [{name: entry[name]} for name in OPTIONAL_HASHED_FIELDS if entry.get(name)]
    return json.dumps(
        payload, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str
    ).encode("utf-8")


def entry_hash(entry: Mapping[str, Any], prev_hash: str) -> str:
    digest = hashlib.sha256()
    digest.update(prev_hash.encode("ascii"))
    digest.update(b"\x1f")
    digest.update(canonical(entry))
    return digest.hexdigest()


@dataclass(frozen=True)
class ChainProblem:
    seq: int | None
    kind: str  # "hash", "link", "gap", "head"
    detail: str


def verify_chain(
    entries: Iterable[Mapping[str, Any]],
    *,
    head_seq: int,
    head_hash: str,
) -> list[ChainProblem]:
    """Check a whole chain, ordered by ``seq``. Returns the problems found (none: intact).

    Each entry mapping holds the hashed fields plus ``prev_hash`` and ``hash``.
    """
    problems: list[ChainProblem] = []
    expected_prev = GENESIS
    expected_seq = 1
    last_seq = 0
    last_hash = GENESIS
    for entry in entries:
        seq = int(entry["seq"])
        if seq != expected_seq:
            problems.append(ChainProblem(seq, "gap", f"expected entry {expected_seq}, found {seq}"))
        if entry["prev_hash"] != expected_prev:
            problems.append(ChainProblem(seq, "link", "previous-hash link is broken"))
        recomputed = entry_hash(entry, entry["prev_hash"])
        if recomputed != entry["hash"]:
            problems.append(ChainProblem(seq, "hash", "entry content does not match its hash"))
        expected_prev = entry["hash"]
        expected_seq = seq + 1
        last_seq = seq
        last_hash = entry["hash"]
    if last_seq != head_seq or last_hash != head_hash:
        problems.append(
            ChainProblem(
                None,
                "head",
                f"chain ends at entry {last_seq} but the head records entry {head_seq}",
            )
        )
    return problems
