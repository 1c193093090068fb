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
        # Staff notifications by email: within a minute, or at each person's digest hour.
        periodic.register(
            "notify.staff_email", "guichet.notify.tasks.email_staff", timedelta(seconds=30)
        )
