"""The periodic review as PDF (docs/reports.md, "The periodic review (PDF)"): a brand's
period — a week, a month or a quarter, as its policy's `[reports] review` says — in the
brand's language: a cover with the brand, the headline figures against the period before,
a short commentary of what changed, the charts, then every figure of the brand's report as
a table.

`review_pdf` makes it (the desk's download, `guichet reports review`, and the worker's
monthly email: `review_mail`). The page is HTML laid out on A4 by WeasyPrint, loaded where
a PDF is made (start-up time); without Pango, `PdfUnavailable` says so in plain words.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import TYPE_CHECKING, Any, Literal

from django.conf import settings
from django.db.models import Count, Q
from django.template.loader import render_to_string
from django.utils import formats, timezone, translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guichet.lib import clock
from guichet.lib.errors import InvalidRequest, ServiceError
from guichet.reports import dashboard, figures
from guichet.reports.figures import duration, number, percent
from guichet.reports.scope import Scope, next_month

if TYPE_CHECKING:
    from guichet.brands.models import Brand

COLOUR = re.compile(r"#[0-9a-fA-F]{6}")
Kind = Literal["weekly", "monthly", "quarterly"]
KINDS: tuple[Kind, ...] = ("weekly", "monthly", "quarterly")


class PdfUnavailable(ServiceError):
    """The PDF library or its system libraries (Pango) are missing on this machine."""

    code = "pdf_unavailable"
    status = 503


# --- the period ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    kind: Kind
    start: date  # its first day, in the brand's time zone
    end: date  # the day after its last

    @classmethod
    def of(cls, kind: Kind, day: date) -> Period:
        """The period of this kind that holds `day` (weeks start on Monday)."""
        if kind == "weekly":
            start = day - timedelta(days=day.weekday())
            return cls(kind, start, start + timedelta(days=7))
        if kind == "quarterly":
            start = date(day.year, (day.month - 1) // 3 * 3 + 1, 1)
            return cls(kind, start, next_month(next_month(next_month(start))))
        start = day.replace(day=1)
        return cls(kind, start, next_month(start))

    def previous(self) -> Period:
        return Period.of(self.kind, self.start - timedelta(days=1))

    def scope(self, brand: Brand) -> Scope:
        return Scope(brand=brand, start=self.start, end=self.end)

    @property
    def last_day(self) -> date:
        return self.end - timedelta(days=1)

    def label(self) -> str:
        """ "November 2026", "week of 23 November 2026", "Q4 2026", in the active language."""
        if self.kind == "weekly":
            return _("week of %(day)s") % {"day": formats.date_format(self.start, "DATE_FORMAT")}
        if self.kind == "quarterly":
            return _("Q%(n)s %(year)s") % {
                "n": (self.start.month - 1) // 3 + 1,
                "year": self.start.year,
            }
        return formats.date_format(self.start, "YEAR_MONTH_FORMAT")

    def dates(self) -> str:
        return _("%(first)s to %(last)s") % {
            "first": formats.date_format(self.start, "DATE_FORMAT"),
            "last": formats.date_format(self.last_day, "DATE_FORMAT"),
        }


TITLES = {
    "weekly": gettext_lazy("Weekly review"),
    "monthly": gettext_lazy("Monthly review"),
    "quarterly": gettext_lazy("Quarterly review"),
}

# The sectors the presets name, said in the reader's language; any other is shown as written.
SECTORS = {
    "travel": gettext_lazy("Travel"),
    "retail": gettext_lazy("Retail"),
    "marketplace": gettext_lazy("Online marketplace"),
    "telecom": gettext_lazy("Telecommunications"),
    "small business": gettext_lazy("Small business"),
}


def sector_label(sector: str) -> str:
    return str(SECTORS.get(sector.strip().lower(), sector))


def period_for(brand: Brand, day: date, kind: Kind | None = None) -> Period:
    """The brand's review period (its policy's `[reports] review`, unless `kind`) holding
    `day`."""
    return Period.of(kind or brand.get_policy().reports.review, day)


# --- the figures that the headline and the commentary compare ------------------------------


@dataclass
class Vitals:
    received: int = 0
    resolved: int = 0
    still_open: int = 0
    escalated: int = 0
    first_response: float | None = None  # median, seconds of calendar time
    deadlines_due: int = 0
    deadlines_met: int = 0
    answers: int = 0
    satisfied: int = 0
    categories: Counter[str] = field(default_factory=Counter)

    @property
    def deadline_rate(self) -> float | None:
        return 100 * self.deadlines_met / self.deadlines_due if self.deadlines_due else None

    @property
    def satisfied_rate(self) -> float | None:
        return 100 * self.satisfied / self.answers if self.answers else None


def vitals(scope: Scope) -> Vitals:
    head = figures.headline(scope)
    tickets = scope.tickets()
    due = scope.deadlines().filter(Q(met_at__isnull=False) | Q(breached=True))
    deadlines = due.aggregate(n=Count("pk"), late=Count("pk", filter=Q(breached=True)))
    survey = tickets.filter(survey_score__isnull=False).aggregate(
        n=Count("pk"), happy=Count("pk", filter=Q(survey_satisfied=True))
    )
    return Vitals(
        received=head["received"],
        resolved=head["resolved"],
        still_open=head["open"],
        escalated=head["escalated"],
        first_response=figures.percentiles(tickets, "first_response_s", (0.5,))[0],
        deadlines_due=deadlines["n"],
        deadlines_met=deadlines["n"] - deadlines["late"],
        answers=survey["n"],
        satisfied=survey["happy"],
        categories=Counter(
            dict(tickets.values_list("category").annotate(n=Count("pk")).order_by())
        ),
    )


@dataclass
class Card:
    label: str
    value: str
    before: str
    measured: bool = True


def headline_cards(now: Vitals, before: Vitals) -> list[Card]:
    """The cover's figures, each with the previous period's; "no data" where nothing was
    measured (never a zero that was not counted)."""
    none = _("no data")

    def rate(part: int, whole: int) -> str:
        return percent(part, whole) if whole else none

    def wait(seconds: float | None) -> str:
        return duration(seconds) if seconds is not None else none

    return [
        Card(_("Tickets received"), number(now.received), number(before.received)),
        Card(_("Tickets resolved"), number(now.resolved), number(before.resolved)),
        Card(_("Still open today"), number(now.still_open), number(before.still_open)),
        Card(
            _("Escalated beyond the first level"),
            number(now.escalated),
            number(before.escalated),
        ),
        Card(
            _("First response (median)"),
            wait(now.first_response),
            wait(before.first_response),
            measured=now.first_response is not None,
        ),
        Card(
            _("Deadlines met on time"),
            rate(now.deadlines_met, now.deadlines_due),
            rate(before.deadlines_met, before.deadlines_due),
            measured=bool(now.deadlines_due),
        ),
        Card(
            _("Satisfied customers"),
            rate(now.satisfied, now.answers),
            rate(before.satisfied, before.answers),
            measured=bool(now.answers),
        ),
    ]


# --- the commentary ------------------------------------------------------------------------


def commentary(scope: Scope, now: Vitals, before: Vitals) -> list[str]:
    """A few plain sentences on what changed against the previous period."""
    said = [_volumes(now, before), _first_response(now, before)]
    said.append(_deadlines(now, before))
    said.append(_satisfaction(now, before))
    category = _biggest_category_change(scope, now, before)
    if category:
        said.append(category)
    return said


def _volumes(now: Vitals, before: Vitals) -> str:
    n, b = now.received, before.received
    values = {"n": number(n), "before": number(b)}
    if not n and not b:
        return _("No ticket was received in this period, nor in the previous one.")
    if not b:
        return (
            ngettext(
                "%(n)s ticket received; none in the previous period.",
                "%(n)s tickets received; none in the previous period.",
                n,
            )
            % values
        )
    if n == b:
        return (
            ngettext(
                "%(n)s ticket received, as many as in the previous period.",
                "%(n)s tickets received, as many as in the previous period.",
                n,
            )
            % values
        )
    change = 100 * abs(n - b) / b
    values["change"] = _("%(value)s %%") % {"value": number(change, 0 if change >= 1 else 1)}
    if n > b:
        return (
            ngettext(
                "%(n)s ticket received, up %(change)s on the previous period (%(before)s).",
                "%(n)s tickets received, up %(change)s on the previous period (%(before)s).",
                n,
            )
            % values
        )
    return (
        ngettext(
            "%(n)s ticket received, down %(change)s on the previous period (%(before)s).",
            "%(n)s tickets received, down %(change)s on the previous period (%(before)s).",
            n,
        )
        % values
    )


def _first_response(now: Vitals, before: Vitals) -> str:
    if now.first_response is None:
        return _("No first response by a person was recorded in this period.")
    values = {"now": duration(now.first_response), "before": duration(before.first_response)}
    if before.first_response is None:
        return _("Median first response: %(now)s (none in the previous period).") % values
    if values["now"] == values["before"]:
        return _("Median first response: %(now)s, as in the previous period.") % values
    if now.first_response < before.first_response:
        return (
            _("Median first response: %(now)s, faster than in the previous period (%(before)s).")
            % values
        )
    return (
        _("Median first response: %(now)s, slower than in the previous period (%(before)s).")
        % values
    )


def _points(now: float, before: float) -> int:
    return round(now) - round(before)


def _deadlines(now: Vitals, before: Vitals) -> str:
    if now.deadline_rate is None:
        return _("No deadline fell due in this period.")
    values: dict[str, Any] = {
        "rate": percent(now.deadlines_met, now.deadlines_due),
        "n": number(now.deadlines_due),
        "before": percent(before.deadlines_met, before.deadlines_due),
    }
    if before.deadline_rate is None:
        return (
            _(
                "%(rate)s of deadlines met on time (%(n)s due); none fell due in the previous period."
            )
            % values
        )
    points = _points(now.deadline_rate, before.deadline_rate)
    values["points"] = number(abs(points))
    if points > 0:
        return (
            ngettext(
                "%(rate)s of deadlines met on time (%(n)s due), up %(points)s point on the previous period (%(before)s).",
                "%(rate)s of deadlines met on time (%(n)s due), up %(points)s points on the previous period (%(before)s).",
                abs(points),
            )
            % values
        )
    if points < 0:
        return (
            ngettext(
                "%(rate)s of deadlines met on time (%(n)s due), down %(points)s point on the previous period (%(before)s).",
                "%(rate)s of deadlines met on time (%(n)s due), down %(points)s points on the previous period (%(before)s).",
                abs(points),
            )
            % values
        )
    return _("%(rate)s of deadlines met on time (%(n)s due), as in the previous period.") % values


def _satisfaction(now: Vitals, before: Vitals) -> str:
    if now.satisfied_rate is None:
        return _("No satisfaction survey was answered for this period's tickets.")
    values: dict[str, Any] = {
        "share": percent(now.satisfied, now.answers),
        "n": number(now.answers),
        "before": percent(before.satisfied, before.answers),
    }
    if before.satisfied_rate is None:
        return (
            ngettext(
                "%(share)s of the customers who answered the survey were satisfied (%(n)s answer).",
                "%(share)s of the customers who answered the survey were satisfied (%(n)s answers).",
                now.answers,
            )
            % values
        )
    points = _points(now.satisfied_rate, before.satisfied_rate)
    values["points"] = number(abs(points))
    if points > 0:
        return (
            ngettext(
                "%(share)s of surveyed customers satisfied, up %(points)s point on the previous period (%(before)s).",
                "%(share)s of surveyed customers satisfied, up %(points)s points on the previous period (%(before)s).",
                abs(points),
            )
            % values
        )
    if points < 0:
        return (
            ngettext(
                "%(share)s of surveyed customers satisfied, down %(points)s point on the previous period (%(before)s).",
                "%(share)s of surveyed customers satisfied, down %(points)s points on the previous period (%(before)s).",
                abs(points),
            )
            % values
        )
    return _("%(share)s of surveyed customers satisfied, as in the previous period.") % values


def _biggest_category_change(scope: Scope, now: Vitals, before: Vitals) -> str:
    changes = [
        (abs(now.categories[key] - before.categories[key]), key)
        for key in set(now.categories) | set(before.categories)
    ]
    changes = [(size, key) for size, key in changes if size]
    if not changes:
        return ""
    _size, key = max(changes, key=lambda change: (change[0], change[1]))
    n, b = now.categories[key], before.categories[key]
    values = {
        "category": figures.category_label(scope, key),
        "now": number(n),
        "before": number(b),
    }
    if n > b:
        return (
            ngettext(
                "The biggest change by category: %(category)s rose to %(now)s ticket, from %(before)s.",
                "The biggest change by category: %(category)s rose to %(now)s tickets, from %(before)s.",
                n,
            )
            % values
        )
    return (
        ngettext(
            "The biggest change by category: %(category)s fell to %(now)s ticket, from %(before)s.",
            "The biggest change by category: %(category)s fell to %(now)s tickets, from %(before)s.",
            n,
        )
        % values
    )


# --- the document --------------------------------------------------------------------------


def review_context(brand: Brand, period: Period) -> dict[str, Any]:
    """What the template shows, in the active language and the brand's time zone."""
    policy = brand.get_policy()
    scope = period.scope(brand)
    before_scope = period.previous().scope(brand)
    with figures.reading():
        now, before = vitals(scope), vitals(before_scope)
        remarks = commentary(scope, now, before)
        # The dashboard's drawings (reports/dashboard.py), the same in the desk and the PDF.
        charts = [{"title": c.title, "svg": c.svg} for c in dashboard.charts_of(scope)]
        tables = [_table(figure) for figure in figures.report(scope)]
    made = clock.now().astimezone(scope.zone)
    return {
        "brand": brand,
        "legal_name": policy.brand.legal_name,
        "sector": sector_label(policy.brand.sector) if policy.brand.sector else "",
        "colour": brand.colour if COLOUR.fullmatch(brand.colour) else "#1f4e79",
        "title": TITLES[period.kind],
        "period_label": period.label(),
        "period_dates": period.dates(),
        "previous_label": period.previous().label(),
        "made": formats.date_format(made, "DATETIME_FORMAT"),
        "cards": headline_cards(now, before),
        "commentary": remarks,
        "charts": charts,
        "tables": tables,
        "page_of": mark_safe(  # noqa: S308 - the words escaped, then two empty spans
            escape(_("page %(n)s of %(total)s"))
            % {"n": '<span class="n"></span>', "total": '<span class="total"></span>'}
        ),
    }


def _table(figure: figures.Figure) -> dict[str, Any]:
    """A figure as the review's table: numbers aligned right, and "goal met" or "goal
    missed" written once per line, beside the first figure judged against the goal."""
    # A column of numbers is aligned right, its "—" (nothing measured) with them.
    numeric = {i for row in figure.rows for i, cell in enumerate(row) if cell.value is not None}
    rows = []
    for row in figure.rows:
        cells, judged = [], False
        for i, cell in enumerate(row):
            status = cell.status if cell.status and not judged else ""
            judged = judged or bool(cell.status)
            cells.append({"text": cell.text, "status": status, "num": i in numeric})
        rows.append(cells)
    return {
        "title": figure.title,
        "headers": figure.headers,
        "rows": rows,
        "numeric": numeric,
        "summary": figure.summary,
        "empty": figure.empty,
        "note": figure.note,
    }


def review_html(brand: Brand, period: Period, *, language: str | None = None) -> str:
    language = _language(brand, language)
    with translation.override(language), timezone.override(brand.timezone):
        context = review_context(brand, period)
        context["LANGUAGE_CODE"] = language
        return render_to_string("reports/review.html", context)


def review_pdf(
    brand: Brand, period_start: date, *, language: str | None = None, kind: Kind | None = None
) -> bytes:
    """The review of the brand's period holding `period_start` (its policy's `[reports]
    review` — monthly unless it says weekly or quarterly — or `kind`), in `language` (the
    brand's default language unless given: fr or en), as PDF.

    Raises `InvalidRequest` for a language Guichet does not speak, `PdfUnavailable` when
    this machine cannot make PDFs (WeasyPrint's system libraries missing)."""
    period = period_for(brand, period_start, kind)
    return render_pdf(review_html(brand, period, language=language))


def render_pdf(html: str) -> bytes:
    """HTML laid out as PDF, fetching nothing but `data:` addresses."""
    try:
        # Start-up time: WeasyPrint (and Pango through it) is loaded where a PDF is made.
        import weasyprint
    except (ImportError, OSError) as error:  # OSError: Pango's libraries cannot be loaded
        raise PdfUnavailable(
            gettext_lazy(
                "PDF documents cannot be made on this server: WeasyPrint or the Pango "
                "libraries it needs are missing (Debian: libpango-1.0-0 libpangoft2-1.0-0). "
                "Details: %(error)s"
            ),
            error=str(error)[:300],
        ) from error
    fetcher = weasyprint.URLFetcher(allowed_protocols=["data"])
    pdf = weasyprint.HTML(string=html, url_fetcher=fetcher).write_pdf()
    assert pdf is not None
    return bytes(pdf)


def _language(brand: Brand, language: str | None) -> str:
    spoken = [code for code, _name in settings.LANGUAGES]
    if not language:
        return brand.default_language if brand.default_language in spoken else spoken[0]
    if language not in spoken:
        raise InvalidRequest(
            gettext_lazy("The review is written in %(languages)s."),
            code="language",
            languages=", ".join(spoken),
        )
    return language


def filename(brand: Brand, period: Period) -> str:
    """review-ej-2026-11.pdf, review-ej-2026-w48.pdf, review-ej-2026-q4.pdf."""
    if period.kind == "weekly":
        year, week, _day = period.start.isocalendar()
        name = f"{year}-w{week:02d}"
    elif period.kind == "quarterly":
        name = f"{period.start.year}-q{(period.start.month - 1) // 3 + 1}"
    else:
        name = f"{period.start:%Y-%m}"
    return f"review-{brand.slug}-{name}.pdf"
