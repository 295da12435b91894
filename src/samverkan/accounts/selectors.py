"""Reads for accounts: a user's own API tokens (nobody else's, not even an administrator's)."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from samverkan.accounts.models import ApiToken


def own_api_tokens(user: Any) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user_id=user.pk)
