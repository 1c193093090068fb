from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "guichet.tickets"
    verbose_name = _("Tickets")

    def ready(self) -> None:
        # Imported here: models and what uses them load once the apps are ready.
        from guichet.brands.hooks import on_publish
        from guichet.contacts.services import on_merge
        from guichet.tickets.services import tickets_rerank
        from guichet.tickets.services.merging import tickets_follow_contact_merge

        on_merge("tickets", tickets_follow_contact_merge)
        # The categories served first may have changed: the tickets' stored rank follows
        # (the published version is the record of the change; nothing per ticket).
        on_publish("tickets", tickets_rerank)
