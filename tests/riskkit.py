"""Reading stored risk rows in tests: the risk of a premises as one viewer sees it."""

from __future__ import annotations

from typing import Any

from samverkan.ros.models import Clearance, PremisesRisk


def risk_seen_by(
    premises: Any, organisation: Any = None, clearance: int = Clearance.CONFIDENTIAL
) -> PremisesRisk | None:
    """The stored risk of ``premises`` for members of ``organisation`` (default: the
    owner) who read up to ``clearance``; None when that viewer cannot see it."""
    org_id = premises.owner_id if organisation is None else organisation.pk
    return PremisesRisk.objects.filter(
        premises_id=premises.pk, organisation_id=org_id, clearance=clearance
    ).first()


def fired_keys(premises: Any, organisation: Any = None, clearance: int = 2) -> set[str]:
    row = risk_seen_by(premises, organisation, clearance)
    assert row is not None, "the viewer cannot see the premises"
    return {f["key"] for f in row.fired}
