"""The reports in the desk (docs/reports.md): the dashboard of a brand (`/desk/reports/`:
cards, charts and the figures of the brand's report for a period and filters) and the list
of the tickets behind any of its numbers (`/desk/reports/tickets/`).

For the roles with Action.VIEW_REPORTS in the brand (team leads, directors, managers,
administrators); anyone else gets 404, as for another brand — a brand's reports are not
shown to be there. A person with several such brands picks one. The tickets behind a
number are read through the desk's access layer (`tickets_of`): the brand's tickets only,
never a complaint about the viewer, whatever the query string says. A query string the
pages cannot read answers 400 with what is wrong."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from guichet.accounts.access import staff_required
from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Brand
from guichet.desk import queries, reporting
from guichet.desk.shell import desk_of, shell_context, views_counted
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.reports import chat_figures, dashboard, figures, help_centre, review
from guichet.reports.scope import Scope
from guichet.tickets.queries import tickets_of


def _brand(request: HttpRequest, desk: StaffAccess) -> tuple[list[Brand], Brand | None]:
    """The brands whose reports the person may see and the one the request names: 404
    when it is none of them (or they have none)."""
    brands = reporting.report_brands(desk)
    try:
        return brands, reporting.chosen_brand(brands, request.GET.get("brand"))
    except reporting.NoSuchBrand as error:
        raise Http404 from error


def _refused(
    request: HttpRequest, desk: StaffAccess, brand: Brand | None, problems: list[str]
) -> HttpResponse:
    """A query string the page cannot read: 400, saying what is wrong."""
    context = shell_context(
        desk,
        desk_brand=brand,
        view="reports",
        problems=problems,
        back=reverse("desk:reports") + (f"?brand={brand.pk}" if brand else ""),
        **views_counted(desk),
    )
    return render(request, "desk/reports/refused.html", context, status=400)


@staff_required
@require_GET
def dashboard_page(request: HttpRequest) -> HttpResponse:
    desk = desk_of(request)
    try:
        brands, brand = _brand(request, desk)
    except InvalidRequest as refused:
        return _refused(request, desk, None, [str(refused)])
    if brand is None:  # several brands: the person picks one
        return render(
            request,
            "desk/reports/brands.html",
            shell_context(desk, view="reports", brands=brands, **views_counted(desk)),
        )
    form = reporting.ReportFilters(brand, request.GET)
    scope = form.scope() if form.is_valid() else None
    context = shell_context(
        desk,
        desk_brand=brand,
        view="reports",
        brands=brands,
        brand=brand,
        form=form,
        **views_counted(desk),
    )
    if scope is None:
        return render(request, "desk/reports/dashboard.html", context, status=400)
    with figures.reading():
        report = figures.report(scope)
        cards = dashboard.cards(scope)
        charts = dashboard.charts_of(scope)
        chat = chat_figures.section(scope)
        help_section = help_centre.section(scope)
    context.update(
        scope=scope,
        period=reporting.period_words(scope),
        cards=[_card(scope, card) for card in cards],
        charts=[_chart(scope, chart) for chart in charts],
        report=[_figure(scope, figure) for figure in report],
        # The live chat's section, when the brand had chats in the period.
        chat=_chat(scope, chat) if chat is not None else None,
        # The help centre's section, when anything of it was counted in the period.
        help_centre=_chat(scope, help_section) if help_section is not None else None,
        reset=f"{reverse('desk:reports')}?brand={brand.pk}",
        downloads=_downloads(desk, brand, scope),
    )
    return render(request, "desk/reports/dashboard.html", context)


def _downloads(desk: StaffAccess, brand: Brand, scope: Scope) -> dict[str, Any]:
    """The review of the period (its policy's review period holding the scope's start),
    and, for the roles that may export, the period's tickets as CSV and XLSX."""
    period = review.period_for(brand, scope.start)
    out: dict[str, Any] = {
        "review": f"{reverse('desk:report_review')}?"
        + urlencode({"brand": str(brand.pk), "period": period.start.isoformat()}),
        "review_period": period.label(),
    }
    if desk.can(Action.EXPORT_REPORTS, brand):
        query = urlencode({"brand": str(brand.pk), **scope.params()})
        out["exports"] = [
            (fmt.upper(), reverse("desk:report_export", args=["tickets", fmt]) + "?" + query)
            for fmt in ("csv", "xlsx")
        ]
    if desk.can(Action.MANAGE_PEOPLE, brand):
        out["record"] = reverse("desk:report_exports") + f"?brand={brand.pk}"
    return out


@staff_required
@require_GET
def review_download(request: HttpRequest) -> HttpResponse:
    """The brand's review of a period as PDF (`?period=` a day in it; the period just
    ended by default), in the brand's language or `?language=`."""
    desk = desk_of(request)
    try:
        _brands, brand = _brand(request, desk)
    except InvalidRequest as refused:
        return _refused(request, desk, None, [str(refused)])
    if brand is None:
        raise Http404
    try:
        day = date.fromisoformat(request.GET.get("period") or "")
    except ValueError:
        day = review.period_for(brand, clock.now().date()).previous().start
    period = review.period_for(brand, day)
    try:
        pdf = review.review_pdf(brand, period.start, language=request.GET.get("language") or None)
    except review.PdfUnavailable as missing:
        answer = _refused(request, desk, brand, [str(missing)])
        answer.status_code = 503
        return answer
    except InvalidRequest as refused:
        return _refused(request, desk, brand, [str(refused)])
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{review.filename(brand, period)}"'
    return response


def _figure(scope: Scope, figure: figures.Figure) -> dict[str, Any]:
    rows = reporting.shown_rows(scope, figure)
    return {"figure": figure, "rows": rows, "headers": reporting.shown_headers(figure, rows)}


def _chat(scope: Scope, chat: chat_figures.Section | help_centre.Section) -> dict[str, Any]:
    """A section of its own (the live chat's, the help centre's): cards and figures."""
    return {
        "cards": [
            {
                "label": n.label,
                "text": n.text,
                "detail": n.detail,
                "url": reporting.tickets_url(scope, n.link) if n.link is not None else "",
            }
            for n in chat.cards
        ],
        "report": [_figure(scope, figure) for figure in chat.figures],
    }


def _card(scope: Scope, card: dashboard.Card) -> dict[str, Any]:
    link = card.number.link
    return {
        "label": card.label,
        "text": card.number.text,
        "before": card.before,
        "url": reporting.tickets_url(scope, link) if link is not None else "",
    }


def _chart(scope: Scope, chart: dashboard.Chart) -> dict[str, Any]:
    return {
        "key": chart.key,
        "title": chart.title,
        "svg": chart.svg,
        "note": chart.note,
        # An empty chart says "No data": its zeros are not listed under it.
        "shown": any(n.value for n in chart.numbers),
        "numbers": [
            (n.label, n.text, reporting.tickets_url(scope, n.link) if n.link else "", n.detail)
            for n in chart.numbers
        ],
    }


@staff_required
@require_GET
def report_tickets(request: HttpRequest) -> HttpResponse:
    """The tickets a number of the dashboard counts: the scope of its query string (the
    period and filters) narrowed by what the number counts (`figures.behind`)."""
    desk = desk_of(request)
    try:
        _brands, brand = _brand(request, desk)
        if brand is None:
            raise InvalidRequest(_("Name the brand."), code="brand")
        # "-" names the tickets without a value (no category): the scope would look for
        # the value "-"; `behind` reads it from the link itself.
        params = {k: v for k, v in request.GET.items() if v != "-"}
        scope = Scope.from_params(brand, params)
        ids = figures.behind(scope, request.GET)
        counted = ids.count()
    except InvalidRequest as refused:
        return _refused(request, desk, None, [_problem(refused)])
    except ValueError:  # a number that is not one (?score=high)
        return _refused(request, desk, brand, [_("A number of the address is not a number.")])
    tickets = (
        tickets_of(desk)
        .filter(brand=brand, pk__in=ids)
        .select_related("contact", "assignee", "brand", "team")
        .order_by("-created_at", "-pk")
    )
    page = Paginator(tickets, queries.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = shell_context(
        desk,
        desk_brand=brand,
        view="reports",
        scope=scope,
        period=reporting.period_words(scope),
        criteria=reporting.criteria(scope, request.GET),
        page=page,
        rows=queries.rows(page, desk.now),
        counted=counted,
        # Erased since (retention) or a complaint about the viewer: counted, not listed.
        unlisted=max(0, counted - page.paginator.count),
        # Promises (deadlines) and events (escalations, flags) count a ticket once each.
        per_event=any(
            request.GET.get(k) for k in ("deadline", "tally", "escalated", "trigger", "chat")
        ),
        query=query.urlencode(),
        back=f"{reverse('desk:reports')}?{urlencode(reporting.filters_for(scope))}",
        **views_counted(desk),
    )
    return render(request, "desk/reports/tickets.html", context)


def _problem(refused: InvalidRequest) -> str:
    return {
        "month": _("The month is written 2026-11."),
        "dates": _(
            "The dates are written 2026-11-23, the period ends after it starts and lasts "
            "five years at most."
        ),
        "team": _("The team is not a number."),
        "level": _("The level is not a number."),
    }.get(refused.code, str(refused))
