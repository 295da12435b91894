"""Helpers for the matching service tests: synthetic encodings like ``samverkan match encode``
writes them, and a world of two municipalities and two housing companies."""

from __future__ import annotations

import base64
import json
import secrets
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np

from samverkan.matching import localfiles
from samverkan.matching import services as match_services
from samverkan.matching.models import EncodedDataset
from samverkan.organisations import services as org_services
from samverkan.organisations.models import Collaboration, OrganisationType
from samverkan.organisations.roles import Role

FINGERPRINT = "ab" * 32
MONTH = (date(2026, 10, 1), date(2026, 10, 31))


@dataclass
class Person:
    """A person as the encoder would see them: a CLK and an identity token."""

    clk: np.ndarray
    token: str

    def noisy(self, flips: int, seed: int = 0) -> Person:
        """The same person written slightly differently (about ``flips`` bits differ)."""
        rng = np.random.default_rng(seed)
        bits = np.unpackbits(self.clk)
        on = np.flatnonzero(bits)
        off = np.flatnonzero(bits == 0)
        bits[rng.choice(on, flips // 2, replace=False)] = 0
        bits[rng.choice(off, flips - flips // 2, replace=False)] = 1
        return Person(np.packbits(bits), self.token)


def person(seed: int) -> Person:
    rng = np.random.default_rng(seed)
    bits = np.zeros(1024, dtype=np.uint8)
    bits[rng.choice(1024, 300, replace=False)] = 1
    return Person(np.packbits(bits), secrets.token_hex(32))


@dataclass
class Record:
    who: Person
    token: bool = True
    start: str | None = None
    end: str | None = None


def encoded(records: list[Record], *, fingerprint: str = FINGERPRINT) -> bytes:
    rows: list[dict[str, Any]] = []
    for record in records:
        row: dict[str, Any] = {
            "ref": secrets.token_hex(12),
            "clk": base64.b64encode(record.who.clk.tobytes()).decode(),
            "token": record.who.token if record.token else None,
            "block": None,
        }
        if record.start:
            row["from"] = record.start
        if record.end:
            row["to"] = record.end
        rows.append(row)
    return json.dumps(
        {
            "format": localfiles.FORMAT,
            "schema_fingerprint": fingerprint,
            "clk_bits": 1024,
            "count": len(rows),
            "invalid_rows": 0,
            "records": rows,
        }
    ).encode()


@dataclass
class MatchWorld:
    world: Any
    codes: dict[str, str] = field(default_factory=dict)

    def org(self, key: str) -> Any:
        return self.world.orgs[key]

    def user(self, key: str, role: Role = Role.COORDINATOR) -> Any:
        return self.world.user(key, role)

    def upload(
        self,
        key: str,
        dataset_type: str,
        records: list[Record],
        *,
        period: tuple[date, date] = MONTH,
        municipality: str | None = None,
        fingerprint: str = FINGERPRINT,
    ) -> EncodedDataset:
        return match_services.upload_dataset(
            actor=self.user(key),
            owner=self.org(key),
            content=encoded(records, fingerprint=fingerprint),
            dataset_type=dataset_type,
            period_start=period[0],
            period_end=period[1],
            municipality_code=municipality or self.codes[key],
        )

    def run(
        self, types: list[str], *, period: tuple[date, date] = MONTH, key: str = "linkoping"
    ) -> Any:
        run = match_services.start_run(
            actor=self.user(key),
            collaboration=Collaboration.objects.get(),
            period_start=period[0],
            period_end=period[1],
            match_type_keys=types,
        )
        match_services.execute_run(run=run)
        run.refresh_from_db()
        return run


def make_match_world(world: Any) -> MatchWorld:
    """The conftest world plus Hyresbostäder, with municipality codes."""
    world.orgs["linkoping"].municipality_code = "0580"
    world.orgs["linkoping"].save()
    world.orgs["norrkoping"].municipality_code = "0581"
    world.orgs["norrkoping"].save()
    hyresbostader = org_services.create_organisation(
        actor=None, name="Hyresbostäder", type=OrganisationType.HOUSING.value
    )
    world.orgs["hyresbostader"] = hyresbostader
    Collaboration.objects.get().members.add(hyresbostader)
    for role in Role:
        user = org_services.create_user(
            actor=None,
            username=f"hyresbostader.{role.value}",
            password="correct-horse-battery-staple",
            email=f"hyresbostader.{role.value}@example.invalid",
        )
        org_services.add_membership(actor=None, user=user, organisation=hyresbostader, role=role)
        world.users[("hyresbostader", role)] = user
    codes = {"linkoping": "0580", "norrkoping": "0581", "stangastaden": "0580"}
    codes["hyresbostader"] = "0581"
    codes["polis"] = "0580"
    return MatchWorld(world, codes)
