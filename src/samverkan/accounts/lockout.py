"""Lock-out after failed sign-ins, by django-axes, with two limits.

django-axes counts failures per user name and IP address (``AXES_LOCKOUT_PARAMETERS``)
against one limit, ``AXES_FAILURE_LIMIT``. Password spraying (a few guesses each for many
user names) never reaches it, so this handler adds a second, higher limit for all failures
from one address within the same cool-off time (``LOCKOUT_IP_FAILURES``, 0: off). It is
higher so that one office behind a shared address is not locked out by one person's typos.

It also notes on the request whether the lock was already in force before this attempt
and which limit was reached, so that a lock-out is audited once, when it begins
(``audit/signals.py``).
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_cool_off, get_failure_limit
from axes.models import AccessAttempt
from django.conf import settings
from django.db.models import Sum
from django.utils import timezone

LOCK_EXISTED = "samverkan_lock_existed"
LOCK_SCOPE = "samverkan_lock_scope"


def address_failures(ip_address: str | None, request: Any = None) -> int:
    """Failed sign-ins from the address, over all user names, within the cool-off time."""
    if not ip_address:
        return 0
    attempts = AccessAttempt.objects.filter(ip_address=ip_address)
    cool_off = get_cool_off(request)
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    total = attempts.aggregate(total=Sum("failures_since_start"))["total"]
    return int(total or 0)


class LockoutHandler(AxesDatabaseHandler):
    def get_failures(self, request: Any, credentials: dict[str, Any] | None = None) -> int:
        """The failures that count against this attempt: the account's from this address,
        or, once the address as a whole reaches its limit, the account limit itself (so
        that django-axes locks every user name out from that address)."""
        account = int(super().get_failures(request, credentials))
        limit = int(get_failure_limit(request, credentials))
        setattr(request, LOCK_SCOPE, "account")
        address_limit = int(getattr(settings, "LOCKOUT_IP_FAILURES", 0) or 0)
        if account >= limit or address_limit <= 0:
            return account
        if address_failures(getattr(request, "axes_ip_address", None), request) >= address_limit:
            setattr(request, LOCK_SCOPE, "address")
            return limit
        return account

    def user_login_failed(
        self, sender: Any, credentials: dict[str, Any], request: Any = None, **kwargs: Any
    ) -> None:
        if request is not None:
            setattr(request, LOCK_EXISTED, self.is_locked(request, credentials))
        super().user_login_failed(sender, credentials, request, **kwargs)
