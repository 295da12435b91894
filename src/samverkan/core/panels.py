"""The start page's panels. Each app registers its panels from its AppConfig.ready();
the core renders those whose roles the user has and whose data callable returns
something. The core imports no feature app: a panel brings its own data (read through
its app's scoped selectors) and its own template."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.utils.functional import Promise

from samverkan.core.scoping import get_scope
from samverkan.organisations.roles import Role


@dataclass(frozen=True)
class PanelData:
    """What one panel shows to one user: ``items`` (already scoped to what the user's
    organisations may see), an optional ``count`` of all of them (the list may be
    cut short) and anything else the panel's template needs in ``extra``."""

    items: Sequence[Any] = ()
    count: int | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Panel:
    """A start-page panel. ``data(user)`` returns the panel's content for ``user``, or
    None when the panel has nothing to say to that user (it is then left out).
    ``template`` renders the panel's body; the core gives it a section and a heading
    with ``title``."""

    key: str
    title: str | Promise
    template: str
    data: Callable[[Any], PanelData | None]
    roles: frozenset[Role] = field(default_factory=lambda: frozenset(Role))
    order: int = 100


@dataclass(frozen=True)
class ShownPanel:
    panel: Panel
    data: PanelData

    @property
    def key(self) -> str:
        return self.panel.key

    @property
    def title(self) -> str | Promise:
        return self.panel.title

    @property
    def template(self) -> str:
        return self.panel.template


_REGISTRY: dict[str, Panel] = {}


def register(panel: Panel) -> None:
    """Add a panel; a second, different panel under the same key is a configuration
    error (two apps would silently hide each other's panel)."""
    existing = _REGISTRY.get(panel.key)
    if existing is not None and existing != panel:
        raise ImproperlyConfigured(f"A start-page panel {panel.key!r} is already registered.")
    _REGISTRY[panel.key] = panel


def registered() -> list[Panel]:
    return sorted(_REGISTRY.values(), key=lambda panel: (panel.order, panel.key))


def panels_for(user: Any) -> list[ShownPanel]:
    """The panels the user's roles allow, with their data, in order."""
    roles = get_scope(user).roles
    shown = []
    for panel in registered():
        if not panel.roles & roles:
            continue
        data = panel.data(user)
        if data is not None:
            shown.append(ShownPanel(panel, data))
    return shown
