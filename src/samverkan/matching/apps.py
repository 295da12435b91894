from typing import Any

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


def _purge_encodings(actor: Any, dry_run: bool) -> int:
    from samverkan.matching import services

    return services.delete_expired_encodings(actor=actor, dry_run=dry_run)


class MatchingConfig(AppConfig):
    name = "samverkan.matching"
    verbose_name = _("Data matching")

    def ready(self) -> None:
        from samverkan.core import navigation, panels, retention
        from samverkan.matching.jobs import register_jobs
        from samverkan.matching.panels import PANELS
        from samverkan.organisations.roles import Role

        register_jobs()
        retention.register_purge("matching.encodings", _purge_encodings)
        navigation.register(
            navigation.NavItem(
                "matching",
                _("Matching"),
                "matching:match_list",
                roles=frozenset({Role.COORDINATOR, Role.CASE_OFFICER}),
                order=40,
            )
        )
        for panel in PANELS:
            panels.register(panel)
