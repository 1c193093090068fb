"""The dashboard's charts and cards for a scope (the desk's reports page, the monthly
review): the series of `figures` drawn by `charts`, each with the numbers behind it and,
where `figures.behind` can list them, the link to their tickets (a dict added to the
scope's parameters, as a figure's cell has)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guichet.reports import charts, figures
from guichet.reports.scope import Scope
from guichet.tickets.choices import Channel, Outcome


@dataclass
class Number:
    """One number behind a chart or on a card: what it counts, how many, and the link to
    those tickets (None: not a list of tickets)."""

    label: str
    value: float
    link: dict[str, str] | None = None
    text: str = ""
    # What is said of them besides their number ("86 % on time").
    detail: str = ""

    def __post_init__(self) -> None:
        self.text = self.text or figures.number(self.value)


@dataclass
class Chart:
    key: str
    title: str
    svg: str
    numbers: list[Number] = field(default_factory=list)
    note: str = ""


def charts_of(scope: Scope) -> list[Chart]:
    """The five charts, in the dashboard's order."""
    colour = scope.brand.colour
    return [
        volumes_chart(scope, colour),
        attainment_chart(scope),
        backlog_chart(scope, colour),
        outcomes_chart(scope, colour),
        satisfaction_chart(scope, colour),
    ]


def volumes_chart(scope: Scope, colour: str | None = None) -> Chart:
    days, counts = figures.volumes_by_day(scope)
    monthly = bool(days) and scope.days > 62
    names = {key: _channel(key) for key in counts}
    series = [charts.Series(names[key], values) for key, values in counts.items()]
    title = (
        _("Tickets received per month and channel")
        if monthly
        else _("Tickets received per day and channel")
    )
    svg = charts.stacked_bars(
        [_day(day, monthly) for day in days],
        series,
        title=title,
        colours=charts.palette(colour, len(series)),
        ident="chart-volumes",
    )
    numbers = [
        Number(names[key], sum(values), {"channel": key or "-"})
        for key, values in sorted(counts.items(), key=lambda kv: -sum(kv[1]))
        if sum(values)
    ]
    return Chart("volumes", title, svg, numbers)


def attainment_chart(scope: Scope) -> Chart:
    """Each promise of the policy at each level: the share met on time against its goal."""
    figure = figures.deadlines_met_per_level(scope)
    rows, numbers = [], []
    for row in figure.rows:
        target, link = row[0].text, row[2].link or {}
        level = int(link.get("deadline_level") or 0)
        label = f"{target} · " + _("level %(n)s") % {"n": level} if level else target
        rows.append(charts.GoalBar(label, row[5].value or 0.0, row[6].value, row[5].status))
        detail = _("%(rate)s met on time") % {"rate": row[5].text}
        numbers.append(Number(label, row[2].value or 0, row[2].link, detail=detail))
    title = _("Deadlines met on time, per target and level")
    svg = charts.goal_bars(rows, title=title, ident="chart-attainment")
    return Chart("attainment", title, svg, numbers, note=figure.summary)


def backlog_chart(scope: Scope, colour: str | None = None) -> Chart:
    title = _("Open tickets by age")
    counted = figures.backlog_by_age(scope)
    items = [(figures.age_label(key), n) for key, n in counted]
    svg = charts.bars(items, title=title, colour=charts.brand_colour(colour), ident="chart-backlog")
    numbers = [Number(figures.age_label(key), n, {"age": key} if n else None) for key, n in counted]
    total = sum(n for _key, n in counted)
    note = _("%(n)s tickets open now, whenever they were received.") % {"n": figures.number(total)}
    return Chart("backlog", title, svg, numbers, note=note)


def outcomes_chart(scope: Scope, colour: str | None = None) -> Chart:
    title = _("Outcomes of the period's tickets")
    counted = figures.outcomes(scope)
    items = [(str(Outcome(key).label), n) for key, n in counted]
    svg = charts.bars(
        items, title=title, colour=charts.brand_colour(colour), ident="chart-outcomes"
    )
    return Chart("outcomes", title, svg, [Number(label, n) for label, n in items])


def satisfaction_chart(scope: Scope, colour: str | None = None) -> Chart:
    scores = figures.satisfaction_scores(scope)
    scale = scope.policy.survey.scale
    title = _("Satisfaction: answers per score (1 to %(n)s)") % {"n": scale}
    items = [(str(score), n) for score, n in scores]
    svg = charts.bars(
        items, title=title, colour=charts.brand_colour(colour), ident="chart-satisfaction"
    )
    numbers = [Number(label, n, {"score": label} if n else None) for label, n in items]
    return Chart("satisfaction", title, svg, numbers)


@dataclass
class Card:
    label: str
    number: Number
    before: str = ""  # the previous period's, as text


def cards(scope: Scope) -> list[Card]:
    """The headline: received, still open, resolved, escalated, with the period before."""
    now, before = figures.headline(scope), figures.headline(scope.previous())
    found = [
        (_("Received"), "received", {}),
        (_("Still open"), "open", {"open": "1"}),
        (_("Resolved"), "resolved", {"resolved": "1"}),
        (pgettext("tickets", "Escalated"), "escalated", None),
        (_("Replies by the staff"), "replies", None),
    ]
    return [
        Card(
            label,
            Number(label, now[key] or 0, link if now[key] else None),
            before=figures.number(before[key] or 0),
        )
        for label, key, link in found
    ]


def _channel(key: str) -> str:
    try:
        return str(Channel(key).label)
    except ValueError:
        return key or _("(none)")


def _day(day: date, monthly: bool) -> str:
    if monthly:
        return formats.date_format(day, "N Y")
    return formats.date_format(day, "j N")
