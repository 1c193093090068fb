from datetime import timedelta

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic


class ReportsConfig(AppConfig):
    name = "guichet.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from guichet.reports import projection
        from guichet.tickets import reactions

        # Every event recorded updates the figures, in its transaction (docs/reports.md).
        reactions.project_with(projection.project)
        # The periodic review, made and emailed from the first day of each brand's period
        # (review_mail): a quarter of an hour late at most.
        periodic.register(
            "reports.review", "guichet.reports.tasks.send_reviews", timedelta(minutes=15)
        )
