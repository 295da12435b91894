from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RosConfig(AppConfig):
    name = "samverkan.ros"
    verbose_name = _("Regional operational cooperation")

    def ready(self) -> None:
        from samverkan.core import navigation
        from samverkan.organisations.roles import Role

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
