from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AccountsConfig(AppConfig):
    name = "samverkan.accounts"
    verbose_name = _("Accounts")

    def ready(self) -> None:
        from samverkan.accounts import openapi, signals

        signals.connect()
        del openapi  # registers the OpenAPI descriptions of the authentication classes
