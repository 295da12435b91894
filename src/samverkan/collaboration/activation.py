"""When a collaboration agreement is in force. Pure: no Django, no database.

A founding decision is typically valid "under förutsättning att [the other
municipality] fattar motsvarande beslut": an agreement is in force on a day only when
every party that is required and is a party on that day has taken its decision on or
before that day.

A party is a party from the day it joined up to, not including, the day it left. A party
that is not required never holds the agreement back; a party that has left never does
either. A decision counts from its own date, also when it was taken before the party
formally joined (a municipality often decides first and is then recorded as a party).
An agreement without any party on the day, or a day outside its period, is not in force.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class Party:
    key: Hashable
    required: bool
    joined_on: date
    left_on: date | None = None

    def active_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


@dataclass(frozen=True)
class Decision:
    party: Hashable
    decided_on: date


@dataclass(frozen=True)
class Status:
    in_force: bool
    # Required parties on the day whose decision is missing, in the order of the parties.
    missing: tuple[Hashable, ...]
    # Parties on the day, in the order of the parties.
    active: tuple[Hashable, ...]
    outside_period: bool = False

    @property
    def no_parties(self) -> bool:
        return not self.active


def status_on(
    day: date,
    parties: Sequence[Party],
    decisions: Iterable[Decision],
    *,
    period_start: date | None = None,
    period_end: date | None = None,
) -> Status:
    decided = {d.party for d in decisions if d.decided_on <= day}
    active = tuple(p.key for p in parties if p.active_on(day))
    missing = tuple(
        p.key for p in parties if p.active_on(day) and p.required and p.key not in decided
    )
    outside = (period_start is not None and day < period_start) or (
        period_end is not None and day > period_end
    )
    return Status(
        in_force=bool(active) and not missing and not outside,
        missing=missing,
        active=active,
        outside_period=outside,
    )
