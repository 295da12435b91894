"""The case workflow as a transition table. Pure data."""

from __future__ import annotations

from enum import StrEnum


class CaseStatus(StrEnum):
    OPEN = "open"
    ON_HOLD = "on_hold"
    CLOSED = "closed"


TRANSITIONS: dict[CaseStatus, frozenset[CaseStatus]] = {
    CaseStatus.OPEN: frozenset({CaseStatus.ON_HOLD, CaseStatus.CLOSED}),
    CaseStatus.ON_HOLD: frozenset({CaseStatus.OPEN, CaseStatus.CLOSED}),
    CaseStatus.CLOSED: frozenset({CaseStatus.OPEN}),
}


def can_transition(current: CaseStatus, target: CaseStatus) -> bool:
    return target in TRANSITIONS[current]
