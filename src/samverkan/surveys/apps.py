from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SurveysConfig(AppConfig):
    name = "samverkan.surveys"
    verbose_name = _("Surveys")

    def ready(self) -> None:
        from samverkan.core import navigation, panels
        from samverkan.organisations.roles import Role
        from samverkan.surveys.jobs import register_jobs
        from samverkan.surveys.panels import PANELS

        register_jobs()
        navigation.register(
            navigation.NavItem(
                "surveys",
                _("Surveys"),
                "surveys:wave_list",
                roles=frozenset({Role.COORDINATOR, Role.ANALYST, Role.ADMINISTRATOR}),
                order=20,
            )
        )
        for panel in PANELS:
            panels.register(panel)
