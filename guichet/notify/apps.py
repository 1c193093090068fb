from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NotifyConfig(AppConfig):
    name = "guichet.notify"
    verbose_name = _("Letters and notifications")

    def ready(self) -> None:
        from guichet.notify import reactions
        from guichet.ops import periodic

        reactions.register_all()
        periodic.register(
            "notify.deliver", "guichet.notify.tasks.deliver_outbox", timedelta(seconds=10)
        )
