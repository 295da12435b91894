"""Outcome figures of joint operations, per municipality and jointly. Pure: no Django.

Computed only from the inspection records the reader can see, so the figures never
include another authority's record that has not been shared.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

JOINT = ""


@dataclass(frozen=True)
class InspectionRow:
    operation: str
    target: str
    municipality: str
    authority: str
    findings: tuple[str, ...]
    sanctions: tuple[str, ...]
    money_identified: Decimal
    money_stopped: Decimal


@dataclass
class Figures:
    operations: set[str] = field(default_factory=set)
    premises_visited: set[str] = field(default_factory=set)
    inspections: int = 0
    findings_by_authority: Counter[str] = field(default_factory=Counter)
    sanctions: Counter[str] = field(default_factory=Counter)
    closures: int = 0
    permits_revoked: int = 0
    money_identified: Decimal = Decimal(0)
    money_stopped: Decimal = Decimal(0)

    def as_dict(self) -> dict[str, Any]:
        return {
            "operations": len(self.operations),
            "premises_visited": len(self.premises_visited),
            "inspections": self.inspections,
            "findings_by_authority": dict(sorted(self.findings_by_authority.items())),
            "sanctions": dict(sorted(self.sanctions.items())),
            "closures": self.closures,
            "permits_revoked": self.permits_revoked,
            "money_identified": int(self.money_identified),
            "money_stopped": int(self.money_stopped),
        }


def compute(
    rows: Iterable[InspectionRow], *, outcome_of: Mapping[str, str | None]
) -> dict[str, Figures]:
    """Figures per municipality plus the joint figures under the key ``JOINT`` ("")."""
    figures: dict[str, Figures] = {JOINT: Figures()}
    for row in rows:
        for key in (row.municipality, JOINT):
            f = figures.setdefault(key, Figures())
            f.operations.add(row.operation)
            f.premises_visited.add(row.target)
            f.inspections += 1
            f.findings_by_authority[row.authority] += len(row.findings)
            f.sanctions.update(row.sanctions)
            f.closures += sum(1 for s in row.sanctions if outcome_of.get(s) == "closure")
            f.permits_revoked += sum(
                1 for s in row.sanctions if outcome_of.get(s) == "permit_revoked"
            )
            f.money_identified += row.money_identified
            f.money_stopped += row.money_stopped
    return figures
