"""How the outcomes of earlier matches feed a match type's priority. Pure.

Each match type has a configured priority 1–5 (1 is highest). Its *weight* is 6 − priority.
Closed matches show how often the type finds something (an incorrect payment or a
suspected crime). The smoothed finding rate r = (findings + 1) / (closed + 2) starts at
one half with no history and moves towards the observed share as matches are closed. The
effective weight is weight × (0.5 + r): a type whose matches never lead anywhere drops
towards half its weight, one whose matches always do rises to one and a half times it. The
work list is ordered by effective weight, and the statistics page suggests the priority
that the effective weight corresponds to, so the coordinator can adjust the catalogue.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True)
class TypeStatistics:
    matches: int
    closed: int
    findings: int
    recovered: Decimal
    stopped: Decimal

    @property
    def finding_share(self) -> float | None:
        """Share of closed matches that found something; None before any is closed."""
        return self.findings / self.closed if self.closed else None

    @property
    def amount_per_closed(self) -> Decimal | None:
        if not self.closed:
            return None
        return ((self.recovered + self.stopped) / self.closed).quantize(Decimal("1"))


def smoothed_rate(closed: int, findings: int) -> float:
    if closed < 0 or findings < 0 or findings > closed:
        raise ValueError("findings must be between 0 and closed")
    return (findings + 1) / (closed + 2)


def effective_weight(priority: int, closed: int, findings: int) -> float:
    if not 1 <= priority <= 5:
        raise ValueError("priority must be 1–5")
    return (6 - priority) * (0.5 + smoothed_rate(closed, findings))


def suggested_priority(priority: int, closed: int, findings: int) -> int:
    """The priority 1–5 whose weight is closest to the effective weight."""
    weight = effective_weight(priority, closed, findings)
    return max(1, min(5, round(6 - weight)))
