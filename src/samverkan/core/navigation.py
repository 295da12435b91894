"""The module navigation. Each app registers its entries from its AppConfig.ready();
the shell shows those the user's roles allow."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.utils.functional import Promise

from samverkan.organisations.roles import Role


@dataclass(frozen=True)
class NavItem:
    key: str
    label: str | Promise
    url_name: str
    roles: frozenset[Role] = field(default_factory=lambda: frozenset(Role))
    order: int = 100


_REGISTRY: dict[str, NavItem] = {}


def register(item: NavItem) -> None:
    _REGISTRY[item.key] = item


def items_for(roles: frozenset[Role]) -> list[NavItem]:
    return sorted(
        (item for item in _REGISTRY.values() if item.roles & roles),
        key=lambda item: (item.order, item.key),
    )
