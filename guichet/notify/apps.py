from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class NotifyConfig(AppConfig):
    name = "guichet.notify"
    verbose_name = _("Letters and notifications")

    def ready(self) -> None:
        # Imported here: models and what uses them load once the apps are ready.
        from guichet.notify import reactions

        reactions.register_all()
        periodic.register(
            "notify.deliver", "guichet.notify.tasks.deliver_outbox", timedelta(seconds=10)
        )
