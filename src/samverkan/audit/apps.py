from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AuditConfig(AppConfig):
    name = "samverkan.audit"
    verbose_name = _("Audit log")

    def ready(self) -> None:
        from samverkan.audit import signals  # noqa: F401
        from samverkan.audit.jobs import register_jobs
        from samverkan.audit.panels import PANELS
        from samverkan.core import navigation, panels
        from samverkan.organisations.roles import Role

        register_jobs()
        navigation.register(
            navigation.NavItem(
                key="audit",
                label=_("Audit log"),
                url_name="audit:list",
                roles=frozenset({Role.AUDITOR}),
                order=900,
            )
        )
        for panel in PANELS:
            panels.register(panel)
