"""The help centre's figures (docs/help-centre.md, "Search, API and figures"; issue 21):
articles read, "was this helpful?" answers, suggestions opened before writing, requests
avoided (deflections), and the FAQ candidates found — per brand and period, read from the
knowledge app's counts (`ArticleDay` per article and day, `Suggestion`, `FaqCandidate`).

A section of its own on the dashboard and in the API, shown when the brand's help centre
had anything to count in the period (like the live chat's). The report's filters (team,
channel, category…) describe tickets and do not apply to it: the section says so."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.knowledge.models import Article, ArticleDay, CandidateState, FaqCandidate, Suggestion
from guichet.lib.scoping import brand_scope
from guichet.reports.dashboard import Number
from guichet.reports.figures import Cell, Figure, number, percent, share
from guichet.reports.scope import Scope

TOP_ARTICLES = 10


@dataclass
class Totals:
    views: int = 0
    helpful: int = 0
    unhelpful: int = 0
    suggested: int = 0  # readings opened from a suggestion (ArticleDay)
    deflections: int = 0
    suggestions_opened: int = 0  # Suggestion rows opened in the period
    suggestions_helpful: int = 0
    suggestions_wrote: int = 0  # the customer wrote anyway
    candidates_found: int = 0
    candidates_new: int = 0  # found in the period and not yet drafted nor dismissed

    @property
    def anything(self) -> bool:
        return bool(self.views or self.helpful or self.unhelpful or self.suggestions_opened)


def totals(scope: Scope) -> Totals:
    return scope.memo("help_totals", lambda: _totals(scope))


def _days(scope: Scope) -> Q:
    return Q(brand=scope.brand, day__gte=scope.start, day__lt=scope.end)


def _totals(scope: Scope) -> Totals:
    with brand_scope(scope.brand):
        days = ArticleDay.objects.filter(_days(scope)).aggregate(
            views=Sum("views"),
            helpful=Sum("helpful"),
            unhelpful=Sum("unhelpful"),
            suggested=Sum("suggested"),
            deflections=Sum("deflections"),
        )
        suggestions = Suggestion.objects.filter(
            brand=scope.brand, opened_at__gte=scope.since, opened_at__lt=scope.until
        ).aggregate(
            opened=Count("pk"),
            helpful=Count("pk", filter=Q(helpful=True)),
            wrote=Count("pk", filter=Q(wrote_at__isnull=False)),
        )
        candidates = FaqCandidate.objects.filter(
            brand=scope.brand, found_at__gte=scope.since, found_at__lt=scope.until
        ).aggregate(found=Count("pk"), new=Count("pk", filter=Q(state=CandidateState.NEW)))
    return Totals(
        views=days["views"] or 0,
        helpful=days["helpful"] or 0,
        unhelpful=days["unhelpful"] or 0,
        suggested=days["suggested"] or 0,
        deflections=days["deflections"] or 0,
        suggestions_opened=suggestions["opened"],
        suggestions_helpful=suggestions["helpful"],
        suggestions_wrote=suggestions["wrote"],
        candidates_found=candidates["found"],
        candidates_new=candidates["new"],
    )


# --- the figures ---------------------------------------------------------------------------


def help_centre(scope: Scope) -> Figure:
    """Readings, answers, suggestions, deflections and FAQ candidates of the period."""
    found = totals(scope)
    answers = found.helpful + found.unhelpful
    figure = Figure("help_centre", _("Help centre"), headers=[_("What"), _("Number"), _("Share")])

    def row(label: str, n: int, whole: int = 0) -> list[Cell]:
        return [
            Cell(label),
            Cell(number(n), n),
            Cell(percent(n, whole), share(n, whole)) if whole else Cell(""),
        ]

    figure.rows += [
        row(_("Articles read"), found.views),
        row(_("“Was this helpful?”: yes"), found.helpful, answers),
        row(_("“Was this helpful?”: no"), found.unhelpful, answers),
        row(_("Suggestions opened before writing"), found.suggestions_opened),
        row(_("… said it helped"), found.suggestions_helpful, found.suggestions_opened),
        row(_("… wrote anyway"), found.suggestions_wrote, found.suggestions_opened),
        row(_("Requests avoided (deflections)"), found.deflections, found.suggestions_opened),
        row(_("FAQ candidates found"), found.candidates_found),
        row(_("… still new"), found.candidates_new, found.candidates_found),
    ]
    figure.summary = ngettext(
        "%(n)s article read, %(d)s request avoided",
        "%(n)s articles read, %(d)s requests avoided",
        found.views,
    ) % {"n": number(found.views), "d": number(found.deflections)}
    if not (found.anything or found.candidates_found):
        figure.empty = _("Nothing was read in the help centre in this period.")
    if scope.filtered():
        figure.note = _("The help centre's figures are the whole brand's: filters do not apply.")
    return figure


def top_articles(scope: Scope) -> Figure:
    """The articles read most in the period, with their answers and deflections."""
    figure = Figure(
        "help_articles",
        _("Articles read most"),
        headers=[
            _("Article"),
            _("Language"),
            _("Read"),
            _("Helpful"),
            _("Not helpful"),
            _("Opened from a suggestion"),
            _("Requests avoided"),
        ],
    )
    with brand_scope(scope.brand):
        rows = list(
            ArticleDay.objects.filter(_days(scope))
            .values("article_id")
            .annotate(
                views=Sum("views"),
                helpful=Sum("helpful"),
                unhelpful=Sum("unhelpful"),
                suggested=Sum("suggested"),
                deflections=Sum("deflections"),
            )
            .order_by("-views", "-helpful", "article_id")[:TOP_ARTICLES]
        )
        articles = Article.objects.select_related("latest", "published").in_bulk(
            [r["article_id"] for r in rows]
        )
    for r in rows:
        article = articles.get(r["article_id"])
        if article is None:
            continue
        version = article.published or article.latest
        title = version.title if version else str(article)
        figure.rows.append(
            [Cell(title), Cell(article.language.upper())]
            + [
                Cell(number(r[k] or 0), r[k] or 0)
                for k in ("views", "helpful", "unhelpful", "suggested", "deflections")
            ]
        )
    if not figure.rows:
        figure.empty = _("No article was read in this period.")
    return figure


FIGURES = (help_centre, top_articles)


# --- the dashboard's section ---------------------------------------------------------------


@dataclass
class Section:
    """What the dashboard shows of the help centre: its cards and its figures."""

    cards: list[Number]
    figures: list[Figure]


def section(scope: Scope) -> Section | None:
    """The help centre's section of a report, or None when nothing of it was counted in
    the period (no reading, no suggestion, no FAQ candidate)."""
    found = totals(scope)
    if not (found.anything or found.candidates_found):
        return None
    answers = found.helpful + found.unhelpful
    cards = [
        Number(_("Articles read"), found.views),
        Number(
            _("Found it helpful"),
            found.helpful,
            detail=percent(found.helpful, answers),
        ),
        Number(_("Suggestions opened"), found.suggestions_opened),
        Number(
            _("Requests avoided"),
            found.deflections,
            detail=percent(found.deflections, found.suggestions_opened),
        ),
        Number(_("New FAQ candidates"), found.candidates_new),
    ]
    return Section(cards=cards, figures=[figure(scope) for figure in FIGURES])
