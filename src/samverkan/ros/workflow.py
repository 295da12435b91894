"""The operation workflow as a transition table. Pure data."""

from __future__ import annotations

from enum import StrEnum


class Stage(StrEnum):
    PLANNED = "planned"
    CARRIED_OUT = "carried_out"
    FOLLOWED_UP = "followed_up"


TRANSITIONS: dict[Stage, frozenset[Stage]] = {
    Stage.PLANNED: frozenset({Stage.CARRIED_OUT}),
    Stage.CARRIED_OUT: frozenset({Stage.FOLLOWED_UP, Stage.PLANNED}),
    Stage.FOLLOWED_UP: frozenset({Stage.CARRIED_OUT}),
}


def can_transition(current: Stage, target: Stage) -> bool:
    return target in TRANSITIONS[current]
