from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _score_unscored_premises(sender: Any, **kwargs: Any) -> None:
    """After migrating, premises without risk rows (an upgrade from one stored score per
    premises) get theirs, so the risk list never loses a premises."""
    from samverkan.ros import riskfacts

    riskfacts.compute_missing()


class RosConfig(AppConfig):
    name = "samverkan.ros"
    verbose_name = _("Regional operational cooperation")

    def ready(self) -> None:
        post_migrate.connect(_score_unscored_premises, sender=self)
        from samverkan.core import navigation, panels
        from samverkan.organisations.roles import Role
        from samverkan.ros.panels import PANELS

        navigation.register(
            navigation.NavItem(
                "ros",
                _("Premises"),
                "ros:premises_list",
                roles=frozenset(
                    {Role.COORDINATOR, Role.CASE_OFFICER, Role.ANALYST, Role.ADMINISTRATOR}
                ),
                order=30,
            )
        )
        navigation.register(
            navigation.NavItem(
                "ros_operations",
                _("Joint operations"),
                "ros:operation_list",
                roles=frozenset(
                    {Role.COORDINATOR, Role.CASE_OFFICER, Role.ANALYST, Role.ADMINISTRATOR}
                ),
                order=31,
            )
        )
        for panel in PANELS:
            panels.register(panel)
