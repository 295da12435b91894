"""Roles and what each may do. Pure data: no Django models, no queries.

A role is held through a membership of one organisation. What a member may do with a
scoped record depends on the role and on the record's confidentiality level; the
tables below are the single source of that policy (see ADR 0002).
"""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMINISTRATOR = "administrator"
    COORDINATOR = "samordnare"
    CASE_OFFICER = "handlaggare"
    ANALYST = "analytiker"
    REPORTER = "rapportor"
    AUDITOR = "granskare"


class Confidentiality(StrEnum):
    INTERNAL = "intern"
    RESTRICTED = "begransad"
    CONFIDENTIAL = "sekretess"


class Action(StrEnum):
    VIEW = "view"
    CHANGE = "change"
    DELETE = "delete"
    SHARE = "share"


# Which confidentiality levels each role may read. Shared organisations' members read
# under the same rule as the owner's.
READABLE_LEVELS: dict[Role, frozenset[Confidentiality]] = {
    Role.ADMINISTRATOR: frozenset({Confidentiality.INTERNAL}),
    Role.COORDINATOR: frozenset(Confidentiality),
    Role.CASE_OFFICER: frozenset(Confidentiality),
    Role.ANALYST: frozenset({Confidentiality.INTERNAL, Confidentiality.RESTRICTED}),
    Role.REPORTER: frozenset({Confidentiality.INTERNAL}),
    Role.AUDITOR: frozenset({Confidentiality.INTERNAL, Confidentiality.RESTRICTED}),
}

# Which roles of the *owning* organisation may change, delete or share a record.
# Members of organisations a record is shared with may only read it.
OWNER_ACTIONS: dict[Action, frozenset[Role]] = {
    Action.CHANGE: frozenset({Role.COORDINATOR, Role.CASE_OFFICER}),
    Action.DELETE: frozenset({Role.COORDINATOR}),
    Action.SHARE: frozenset({Role.COORDINATOR, Role.CASE_OFFICER}),
}

# Roles that must sign in with a second factor.
TWO_FACTOR_ROLES: frozenset[Role] = frozenset({Role.ADMINISTRATOR, Role.COORDINATOR})

# Roles that may create scoped records for their organisation.
CREATOR_ROLES: frozenset[Role] = frozenset({Role.COORDINATOR, Role.CASE_OFFICER, Role.ANALYST})


def readable_levels(role: Role) -> frozenset[Confidentiality]:
    return READABLE_LEVELS[role]


def can_act_as_owner(role: Role, action: Action) -> bool:
    if action is Action.VIEW:
        return True
    return role in OWNER_ACTIONS[action]
