"""The writes of reports: the record of each export (RP-2: who exported what, with which
filters, how many rows, when). The read model itself is written by `projection`, from the
event log only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guichet.accounts.permissions import Action, require
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.reports.exports import FORMATS
from guichet.reports.figures import KPIS
from guichet.reports.models import ReportExport

TICKETS = "tickets"


def record_export(
    *, brand: Brand, user: Any, what: str, format: str, filters: dict[str, str], rows: int
) -> ReportExport:
    """Record that `user` exports `what` (the tickets, or a KPI's table) of `brand` as
    `format`, with the scope's `filters`, `rows` rows, now. Checks that the person may
    export the brand's reports (`[reports] export_roles`): call it before a byte leaves."""
    require(user, Action.EXPORT_REPORTS, brand=brand)
    if what != TICKETS and what not in KPIS:
        raise InvalidRequest(_("Nothing of this name can be exported."), code="what")
    if format not in FORMATS:
        raise InvalidRequest(_("Exports are CSV or XLSX."), code="format")
    with brand_scope(brand):
        return ReportExport.objects.create(
            brand=brand,
            user=user,
            what=what,
            format=format,
            filters=dict(filters),
            rows=rows,
            at=clock.now(),
        )


def record_export_rows(*, export: ReportExport, rows: int) -> None:
    """Correct the rows of a streamed export once it ended, when they differ from those
    counted at its start (tickets received meanwhile, or a client that went away: the
    rows it was sent)."""
    if rows == export.rows:
        return
    with brand_scope(export.brand_id):
        ReportExport.objects.filter(pk=export.pk).update(rows=rows)
    export.rows = rows
