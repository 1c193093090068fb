from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class ApiConfig(AppConfig):
    name = "guichet.api"
    verbose_name = _("API")

    def ready(self) -> None:
        # Imported here: models and what uses them load once the apps are ready.
        from guichet.api.webhooks.services import on_event_committed, on_seller_status_committed
        from guichet.tickets.events import event_committed
        from guichet.tickets.events import on_seller_status_committed as seller_status_committed

        event_committed.connect(on_event_committed, dispatch_uid="api.webhooks")
        seller_status_committed(on_seller_status_committed)
        periodic.register(
            "api.webhooks",
            "guichet.api.webhooks.tasks.deliver_due_webhooks",
            timedelta(seconds=15),
        )
        periodic.register("api.purge", "guichet.api.tasks.purge_old_records", timedelta(hours=1))
