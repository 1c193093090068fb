from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TelephonyConfig(AppConfig):
    name = "guichet.telephony"
    verbose_name = _("Telephony")

    def ready(self) -> None:
        # Light modules only: every process loads them (docs/architecture.md, "Start-up").
        from guichet.contacts.services import on_merge
        from guichet.telephony import hooks

        # Two records of one customer merged: their calls and callbacks are one person's.
        on_merge("telephony", hooks.on_contacts_merged)
