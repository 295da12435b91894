from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CasesConfig(AppConfig):
    name = "samverkan.cases"
    verbose_name = _("Cases")

    def ready(self) -> None:
        from samverkan.cases.panels import PANELS
        from samverkan.core import navigation, panels

        navigation.register(navigation.NavItem("cases", _("Cases"), "cases:list", order=10))
        for panel in PANELS:
            panels.register(panel)
