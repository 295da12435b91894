from __future__ import annotations

from typing import Any

import pytest

from samverkan.ros.models import ActivityKind


@pytest.fixture
def kinds(db: Any) -> dict[str, ActivityKind]:
    return {
        "restaurant": ActivityKind.objects.create(
            key="restaurant",
            name="Restaurang",
            cash_intensive=True,
            required_permits=["alcohol", "food"],
        ),
        "kiosk": ActivityKind.objects.create(
            key="kiosk", name="Kiosk", cash_intensive=True, required_permits=["tobacco"]
        ),
        "office": ActivityKind.objects.create(key="office", name="Kontor"),
    }
