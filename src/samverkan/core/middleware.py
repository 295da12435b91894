from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from samverkan.core.scoping import get_scope
from samverkan.organisations.models import Organisation
from samverkan.organisations.selectors import ACTIVE_ORG_ATTR

SESSION_KEY = "samverkan_active_organisation"


class ActiveOrganisationMiddleware:
    """Attach the organisation the user acts for (chosen in the header) to the user,
    so audit entries name it. Only organisations the user belongs to are accepted."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            org_id = request.session.get(SESSION_KEY)
            if org_id is not None and org_id in get_scope(user).organisation_ids:
                setattr(user, ACTIVE_ORG_ATTR, Organisation.objects.filter(pk=org_id).first())
        return self.get_response(request)
