from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class SlaConfig(AppConfig):
    name = "guichet.sla"
    verbose_name = _("Deadlines and levels")

    def ready(self) -> None:
        # Imported here: models and what uses them load once the apps are ready.
        from guichet.sla.timekeeper import Deadlines
        from guichet.tickets import reactions

        reactions.keep_time_with(Deadlines())
        from guichet.sla.strikes import strike_on_breach
        from guichet.tickets.choices import Verb

        reactions.register(Verb.DEADLINE_BREACHED, strike_on_breach)
        periodic.register("sla.sweep", "guichet.sla.tasks.sweep", timedelta(seconds=30))
        periodic.register("sla.absences", "guichet.sla.tasks.apply_absences", timedelta(minutes=1))
