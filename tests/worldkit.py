"""The small world the tests share: organisations in one collaboration and one user per
role and organisation, built through the same services the application uses."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from samverkan.cases import services as case_services
from samverkan.cases.models import Case
from samverkan.organisations import services as org_services
from samverkan.organisations.models import Organisation, OrganisationType
from samverkan.organisations.roles import Confidentiality, Role

PASSWORD = "correct-horse-battery-staple"


@dataclass
class World:
    orgs: dict[str, Organisation] = field(default_factory=dict)
    users: dict[tuple[str, Role], Any] = field(default_factory=dict)

    def user(self, org: str, role: Role = Role.COORDINATOR) -> Any:
        return self.users[(org, role)]

    def case(
        self,
        org: str,
        *,
        title: str = "Ärende",
        confidentiality: Confidentiality = Confidentiality.INTERNAL,
        shared_with: tuple[str, ...] = (),
        role: Role = Role.COORDINATOR,
    ) -> Case:
        return case_services.create_case(
            actor=self.user(org, role),
            owner=self.orgs[org],
            title=title,
            confidentiality=confidentiality,
            shared_with=[self.orgs[name] for name in shared_with],
        )


ORGS = {
    "linkoping": ("Linköpings kommun", OrganisationType.MUNICIPALITY),
    "norrkoping": ("Norrköpings kommun", OrganisationType.MUNICIPALITY),
    "polis": ("Polisen LPO Linköping", OrganisationType.POLICE),
    "stangastaden": ("Stångåstaden", OrganisationType.HOUSING),
}


def build_world() -> World:
    """Create the organisations, their collaboration and one user per role in each."""
    w = World()
    for key, (name, org_type) in ORGS.items():
        w.orgs[key] = org_services.create_organisation(actor=None, name=name, type=org_type.value)
    org_services.create_collaboration(actor=None, name="Samverkan", members=list(w.orgs.values()))
    for key, org in w.orgs.items():
        for role in Role:
            user = org_services.create_user(
                actor=None,
                username=f"{key}.{role.value}",
                password=PASSWORD,
                first_name=role.value.title(),
                last_name=key.title(),
                email=f"{key}.{role.value}@example.invalid",
            )
            org_services.add_membership(actor=None, user=user, organisation=org, role=role)
            w.users[(key, role)] = user
    return w


def api_token(user: Any) -> str:
    """A new API token for ``user``: the one place the tests make one, so that they follow
    when tokens change."""
    from samverkan.accounts.services import create_api_token

    _token, key = create_api_token(user=user, name="Test")
    return key
