"""The purpose a user states before looking at person-level data, remembered in the
session for a short while (SAMVERKAN_PURPOSE_MINUTES) per record."""

from __future__ import annotations

import time

from django.conf import settings
from django.http import HttpRequest

SESSION_KEY = "samverkan_purposes"


def remember(request: HttpRequest, key: str, purpose: str) -> None:
    purposes = request.session.get(SESSION_KEY, {})
    purposes[key] = (purpose, time.time())
    request.session[SESSION_KEY] = purposes


def fresh(request: HttpRequest, key: str) -> str | None:
    """The purpose given for ``key`` if it is recent enough, else None."""
    granted = request.session.get(SESSION_KEY, {}).get(key)
    if not granted:
        return None
    purpose, stamp = granted
    if time.time() - float(stamp) > settings.AUDIT_PURPOSE_MINUTES * 60:
        return None
    return str(purpose)
