"""Exports of reports from the desk (docs/reports.md, "Exports and the API"):
`/desk/reports/export/tickets.csv|xlsx` and `/desk/reports/export/<kpi>.csv|xlsx`, with the
dashboard's parameters (`Scope.from_params`: period and filters), and the list of a brand's
recent exports for its managers (`/desk/reports/exports/`).

An export is for one brand: the person's only brand, or the one `?brand=<id>` names among
theirs (another brand answers 404, as one that does not exist). Only the roles the brand's
policy lists in `[reports] export_roles` may export (403 otherwise); each export is
recorded (`reports.services.record_export`) before a byte of it leaves."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase, QueryDict
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guichet.accounts.access import staff_required
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand
from guichet.desk import queries
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.lib.errors import InvalidRequest
from guichet.reports import exports, services
from guichet.reports.figures import KPIS
from guichet.reports.queries import exports_of
from guichet.reports.scope import Scope


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    html = render_to_string(
        "refused.html",
        {
            "language": get_language(),
            "title": _("This export cannot be made"),
            "message": message,
            "back": reverse("desk:home"),
        },
    )
    return HttpResponse(html, status=status)


def _brand(desk: StaffAccess, params: QueryDict) -> Brand:
    """The brand an export is for: `?brand=<id>` among the person's brands, or their only
    brand. Raises Http404 for a brand out of reach, InvalidRequest when it must be named."""
    given = params.get("brand", "")
    if given:
        found = desk.brand(int(given)) if given.isdigit() and len(given) < 12 else None
        if found is None:
            raise Http404
        return found
    if len(desk.brands) == 1:
        return desk.brands[0]
    raise InvalidRequest(_("Say which brand to export: add ?brand= and the brand's number."))


@staff_required
@require_GET
def export(request: HttpRequest, what: str, fmt: str) -> HttpResponseBase:
    """The scope's tickets (`what` = tickets) or one KPI's table, as CSV (`?bom=1`: with
    the byte order mark Excel wants; `?sep=;`: semicolons) or XLSX."""
    if fmt not in exports.FORMATS or (what != services.TICKETS and what not in KPIS):
        raise Http404
    desk = desk_of(request)
    try:
        brand = _brand(desk, request.GET)
    except InvalidRequest as error:
        return _refused(request, str(error))
    if not desk.can(Action.EXPORT_REPORTS, brand):
        raise PermissionDenied(Action.EXPORT_REPORTS.value)
    try:
        scope = Scope.from_params(brand, request.GET)
    except InvalidRequest as error:
        return _refused(
            request, _("The period or a filter is not valid (%(detail)s).") % {"detail": error}
        )
    table = (
        exports.ticket_table(scope)
        if what == services.TICKETS
        else exports.figure_table(KPIS[what](scope))
    )
    if fmt == "xlsx" and table.count >= exports.XLSX_MAX_ROWS:
        return _refused(
            request,
            _("Too many rows for a spreadsheet (%(rows)s): export them as CSV.")
            % {"rows": table.count},
        )
    record = services.record_export(
        brand=brand,
        user=desk.user,
        what=what,
        format=fmt,
        filters=scope.params(),
        rows=table.count,
    )
    name = exports.filename(scope, what, fmt)
    if fmt == "xlsx":
        return exports.xlsx_response(table, name)
    return exports.csv_response(
        table,
        name,
        bom=request.GET.get("bom") == "1",
        delimiter=";" if request.GET.get("sep") == ";" else ",",
        written=lambda rows: services.record_export_rows(export=record, rows=rows),
    )


def _day(value: Any) -> date | None:
    try:
        return date.fromisoformat(str(value))
    except ValueError:
        return None


@staff_required
@require_GET
def export_list(request: HttpRequest) -> HttpResponse:
    """The recent exports of the brands the person manages (`manage_people`): who, what,
    when, how many rows, with which period and filters."""
    desk = desk_of(request)
    brands = [b for b in desk.brands if desk.can(Action.MANAGE_PEOPLE, b)]
    if not brands:
        raise PermissionDenied(Action.MANAGE_PEOPLE.value)
    page = Paginator(exports_of(b.pk for b in brands), queries.PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    titles: dict[int, dict[str, str]] = {}
    rows: list[dict[str, Any]] = []
    for made in page.object_list:
        if made.what == services.TICKETS:
            what = _("Tickets")
        else:
            if made.brand_id not in titles:
                titles[made.brand_id] = exports.kpi_titles(made.brand)
            what = titles[made.brand_id].get(made.what, made.what)
        filters = dict(made.filters)
        start, end = _day(filters.pop("start", None)), _day(filters.pop("end", None))
        rows.append(
            {
                "export": made,
                "what": what,
                "start": start,
                # The scope's end is the day after its last.
                "last": end - timedelta(days=1) if end else None,
                "filters": ", ".join(f"{k}: {v}" for k, v in sorted(filters.items())),
            }
        )
    return render(
        request,
        "desk/exports.html",
        shell_context(
            desk,
            page=page,
            rows=rows,
            several=len(brands) > 1,
            desk_brand=brands[0] if len(brands) == 1 else None,
            **views_counted(desk),
        ),
    )
