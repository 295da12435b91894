from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.urls import NoReverseMatch, reverse

from samverkan.core import navigation
from samverkan.core.scoping import get_scope
from samverkan.organisations.selectors import primary_organisation, user_memberships


def shell(request: HttpRequest) -> dict[str, Any]:
    """What the base layout needs: navigation, the active organisation, the demo banner."""
    context: dict[str, Any] = {
        "demo_mode": settings.DEMO_MODE,
        "two_factor_relaxed": not settings.REQUIRE_2FA,
        "oidc_enabled": settings.OIDC_ENABLED,
        "nav_items": [],
    }
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return context
    scope = get_scope(user)
    items: list[dict[str, Any]] = []
    for item in navigation.items_for(scope.roles):
        try:
            url = reverse(item.url_name)
        except NoReverseMatch:
            continue
        items.append({"key": item.key, "label": item.label, "url": url, "active": False})
    # The entry whose address is the longest prefix of the current page is the active one.
    matches = [
        i
        for i in items
        if (request.path == "/" if i["url"] == "/" else request.path.startswith(i["url"]))
    ]
    if matches:
        max(matches, key=lambda i: len(i["url"]))["active"] = True
    context["nav_items"] = items
    context["active_organisation"] = primary_organisation(user)
    context["memberships"] = list(user_memberships(user))
    return context
