from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    name = "guichet.intake"
    verbose_name = _("Incoming messages")

    def ready(self) -> None:
        from guichet.ops import periodic

        periodic.register(
            "intake.poll", "guichet.intake.tasks.poll_mailboxes", timedelta(seconds=60)
        )
        periodic.register(
            "intake.pending", "guichet.intake.tasks.process_pending", timedelta(minutes=2)
        )
