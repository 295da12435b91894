"""Fixtures for the matching service tests (helpers in matchkit.py)."""

from __future__ import annotations

from typing import Any

import pytest

from matchkit import MatchWorld, make_match_world


@pytest.fixture
def mw(world: Any) -> MatchWorld:
    """The conftest world plus Hyresbostäder, with municipality codes."""
    return make_match_world(world)
