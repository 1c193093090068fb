"""/api/v1/reports: a brand's figures as JSON (`reports.figures`, as the dashboard shows
them), the names of the figures, and the export of its tickets as CSV (docs/reports.md,
"Exports and the API").

The figures need a role that sees the reports (`view_reports`); the export, a role the
brand's policy lists in `[reports] export_roles` (`export_reports`), and it is recorded
like every export. The period and filters are the dashboard's (`Scope.from_params`); a
period that ends before it starts or is longer than five years is 400 `dates`."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, StreamingHttpResponse
from ninja import Query, Router

from guichet.accounts.permissions import Action
from guichet.api.principal import Principal, principal
from guichet.api.schemas import ERRORS
from guichet.api.schemas.reports import (
    FiguresOut,
    FiguresQuery,
    KpiOut,
    ReportQuery,
    TicketExportQuery,
)
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.reports import chat_figures, exports, help_centre, services
from guichet.reports.figures import KPIS, kpis_of, reading, report
from guichet.reports.scope import FILTERS, Scope

router = Router(tags=["reports"])

_SCOPE_PARAMS = ("start", "end", "month", "period", *FILTERS)


def _brand(who: Principal, query: ReportQuery, action: Action) -> Brand:
    who.require_read()
    brand = who.brand_for(query.brand)
    if not who.can(action, brand):
        raise PermissionDenied(action.value)
    return brand


def _scope(brand: Brand, query: ReportQuery) -> Scope:
    params = {name: getattr(query, name) for name in _SCOPE_PARAMS}
    return Scope.from_params(brand, {k: v for k, v in params.items() if v is not None})


@router.get(
    "/kpis", response={200: list[KpiOut], **ERRORS}, summary="The figures a report can show"
)
def list_kpis(request: HttpRequest, query: Query[ReportQuery]) -> list[dict[str, Any]]:
    """Every figure's name (`kpi`) and title in the caller's language, and whether the
    brand's report shows it (`[reports] kpis`, in its order first)."""
    brand = _brand(principal(request), query, Action.VIEW_REPORTS)
    day = clock.now().date()
    chosen = kpis_of(Scope(brand=brand, start=day, end=day))
    titles = exports.kpi_titles(brand)
    order = chosen + [key for key in KPIS if key not in chosen]
    return [{"key": key, "title": titles[key], "in_report": key in chosen} for key in order]


@router.get(
    "/figures", response={200: FiguresOut, **ERRORS}, summary="A brand's figures for a period"
)
def read_figures(request: HttpRequest, query: Query[FiguresQuery]) -> dict[str, Any]:
    """The figures named by `kpi` (all those of the brand's report without it), each as
    the dashboard shows it: title, headers, rows of cells (text, number, status against
    the policy's goal, the filters of the tickets behind it), summary; and the live chat's
    figures (`chat`) when the brand had chats in the period; the help centre's
    (`help_centre`) when anything of it was counted in the period."""
    brand = _brand(principal(request), query, Action.VIEW_REPORTS)
    scope = _scope(brand, query)
    with reading():
        figures = [KPIS[key](scope) for key in query.kpi] if query.kpi else report(scope)
        chat = chat_figures.section(scope)
        help_section = help_centre.section(scope)
    params = scope.params()
    return {
        "brand": brand.slug,
        "start": scope.start,
        "end": scope.end,
        "filters": {k: v for k, v in params.items() if k not in ("start", "end")},
        "figures": [figure.as_json() for figure in figures],
        "chat": [figure.as_json() for figure in chat.figures] if chat is not None else [],
        "help_centre": (
            [figure.as_json() for figure in help_section.figures] if help_section else []
        ),
    }


@router.get(
    "/tickets.csv",
    response={200: None, **ERRORS},
    summary="Export the tickets of a period as CSV (streamed, recorded)",
    openapi_extra={
        "responses": {
            200: {
                "description": "one row per ticket, headers in the caller's language",
                "content": {"text/csv": {"schema": {"type": "string"}}},
            }
        }
    },
)
def export_tickets(request: HttpRequest, query: Query[TicketExportQuery]) -> StreamingHttpResponse:
    """The tickets received in the period that pass the filters, one row each, oldest
    first (what the read model knows: no personal data). Recorded as an export of the
    key's user."""
    who = principal(request)
    brand = _brand(who, query, Action.EXPORT_REPORTS)
    scope = _scope(brand, query)
    table = exports.ticket_table(scope)
    record = services.record_export(
        brand=brand,
        user=who.user,
        what=services.TICKETS,
        format="csv",
        filters=scope.params(),
        rows=table.count,
    )
    return exports.csv_response(
        table,
        exports.filename(scope, services.TICKETS, "csv"),
        bom=query.bom,
        delimiter=query.sep,
        written=lambda rows: services.record_export_rows(export=record, rows=rows),
    )
