"""The investigation of a match as a transition table, and its outcomes. Pure data."""

from __future__ import annotations

from enum import StrEnum


class MatchStatus(StrEnum):
    NEW = "ny"
    INVESTIGATING = "utreds"
    WAITING = "vantar"
    CLOSED = "avslutad"


class Outcome(StrEnum):
    INCORRECT_PAYMENT = "felaktig_utbetalning"
    SUSPECTED_CRIME = "misstankt_brott"
    NO_ACTION = "ingen_atgard"
    ALREADY_KNOWN = "redan_kant"


#: Outcomes that count as the match having found something (for the statistics that
#: feed a match type's priority).
FINDING_OUTCOMES: frozenset[Outcome] = frozenset(
    {Outcome.INCORRECT_PAYMENT, Outcome.SUSPECTED_CRIME}
)

TRANSITIONS: dict[MatchStatus, frozenset[MatchStatus]] = {
    MatchStatus.NEW: frozenset({MatchStatus.INVESTIGATING, MatchStatus.CLOSED}),
    MatchStatus.INVESTIGATING: frozenset({MatchStatus.WAITING, MatchStatus.CLOSED}),
    MatchStatus.WAITING: frozenset({MatchStatus.INVESTIGATING, MatchStatus.CLOSED}),
    MatchStatus.CLOSED: frozenset({MatchStatus.INVESTIGATING}),
}


def can_transition(current: MatchStatus, target: MatchStatus) -> bool:
    return target in TRANSITIONS[current]


def needs_outcome(target: MatchStatus) -> bool:
    """Closing a match records what it led to."""
    return target is MatchStatus.CLOSED
