from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "samverkan.core"
    verbose_name = _("Platform")

    def ready(self) -> None:
        from samverkan.core import imports, navigation, retention

        retention.register_purge("imports.previews", imports.purge_previews)
        navigation.register(navigation.NavItem("home", _("Start"), "core:home", order=0))
