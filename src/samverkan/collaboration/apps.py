from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CollaborationConfig(AppConfig):
    name = "samverkan.collaboration"
    verbose_name = _("Collaboration")

    def ready(self) -> None:
        from samverkan.collaboration.guard import agreement_check
        from samverkan.core import navigation
        from samverkan.organisations import collaboration_guard

        collaboration_guard.register("agreement", agreement_check)
        navigation.register(
            navigation.NavItem("collaboration", _("Agreements"), "collaboration:list", order=60)
        )
