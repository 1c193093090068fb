from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class IntakeConfig(AppConfig):
    name = "guichet.intake"
    verbose_name = _("Incoming messages")

    def ready(self) -> None:
        periodic.register(
            "intake.poll", "guichet.intake.email.imap.poll_mailboxes", timedelta(seconds=60)
        )
        periodic.register(
            "intake.pending", "guichet.intake.email.tasks.process_pending", timedelta(minutes=2)
        )
