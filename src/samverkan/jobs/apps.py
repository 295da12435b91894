from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "samverkan.jobs"
    verbose_name = _("Background jobs")

    def ready(self) -> None:
        from samverkan.core import navigation

        navigation.register(
            navigation.NavItem("jobs", _("Background jobs"), "jobs:list", order=800)
        )
