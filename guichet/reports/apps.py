from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from guichet.lib import periodic

if TYPE_CHECKING:
    from guichet.tickets.models import Event


def project(events: Sequence[Event]) -> None:
    # Start-up time: the projection needs the deadline engine and the policy schema, loaded
    # with the first event rather than when the apps start.
    from guichet.reports import projection

    projection.project(events)


class ReportsConfig(AppConfig):
    name = "guichet.reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        from guichet.tickets import reactions

        # Every event recorded updates the figures, in its transaction (docs/reports.md).
        reactions.project_with(project)
        # The periodic review, made and emailed from the first day of each brand's period
        # (review_mail): a quarter of an hour late at most.
        periodic.register(
            "reports.review", "guichet.reports.tasks.send_reviews", timedelta(minutes=15)
        )
