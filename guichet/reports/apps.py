from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReportsConfig(AppConfig):
    name = "guichet.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from guichet.reports import projection
        from guichet.tickets import reactions

        # Every event recorded updates the figures, in its transaction (docs/reports.md).
        reactions.project_with(projection.project)
