from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class AccountsConfig(AppConfig):
    name = "guichet.accounts"
    verbose_name = _("People and roles")

    def ready(self) -> None:
        periodic.register(
            "accounts.purge",
            "guichet.accounts.tasks.purge_signin_records",
            timedelta(hours=1),
        )
