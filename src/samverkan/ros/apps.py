from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _score_unscored_premises(sender: Any, **kwargs: Any) -> None:
    """After migrating, premises without risk rows (an upgrade from one stored score per
    premises) get theirs, so the risk list never loses a premises."""
    from samverkan.ros import riskfacts

    riskfacts.compute_missing()


def _recompute_after_withdrawal(sender: Any, records: list[Any], **kwargs: Any) -> None:
    """Sharing withdrawn outside the ROS services (a party leaving a collaboration): the
    risk of every premises built on these records is rewritten for every viewer."""
    if sender._meta.app_label != "ros":
        return
    from samverkan.ros import riskfacts
    from samverkan.ros.services import affected_premises

    premises: set[Any] = set()
    for record in records:
        premises |= affected_premises(record)
    if premises:
        riskfacts.recompute(premises_ids=premises)


class RosConfig(AppConfig):
    name = "samverkan.ros"
    verbose_name = _("Regional operational cooperation")

    def ready(self) -> None:
        post_migrate.connect(_score_unscored_premises, sender=self)
        from samverkan.core.sharing import sharing_withdrawn

        sharing_withdrawn.connect(_recompute_after_withdrawal, dispatch_uid="ros-withdrawal")
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
