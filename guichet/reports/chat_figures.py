"""The live chat's figures (docs/reports.md, "Live chat"; issue 20, RP-1): chats offered,
answered, abandoned, messages left, the wait for an agent (median, 90th percentile),
chats handled per agent, and the customers' ratings — per brand and period, with the
report's filters, from the read model's `ChatFact` rows (`reports.chats`) and the messages
left counted as they happened (`Tally`).

A chat belongs to the period it was offered in (entered the queue). The figures are a
section of their own on the dashboard and in the API, shown when the brand has chats (or
messages left) in the period, rather than KPIs a policy lists: a brand that offers chat
sees them without changing its policy."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.db import connection
from django.db.models import Avg, Count, Q, QuerySet, Sum
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.accounts.models import User
from guichet.reports.chats import KINDS, SATISFIED_FROM
from guichet.reports.dashboard import Number
from guichet.reports.figures import Cell, Figure, duration, number, percent, percentiles, share
from guichet.reports.models import ChatFact
from guichet.reports.scope import Scope
from guichet.tickets.choices import Verb

SCORES = range(5, 0, -1)
_POINTS = (0.5, 0.9, 1.0)


@dataclass
class Totals:
    """The period's chats counted per kind (`chats.KINDS`), their ratings, and the
    messages left through the widget."""

    offered: int = 0
    answered: int = 0
    answered_ended: int = 0
    abandoned: int = 0
    unanswered: int = 0
    waiting: int = 0
    transferred: int = 0
    rated: int = 0
    score_sum: int = 0
    satisfied: int = 0
    messages_left: int = 0

    @property
    def mean_score(self) -> float | None:
        return self.score_sum / self.rated if self.rated else None


def totals(scope: Scope) -> Totals:
    return scope.memo("chat_totals", lambda: _totals(scope))


def _totals(scope: Scope) -> Totals:
    counted = scope.chats().aggregate(
        **{kind: Count("pk", filter=q) for kind, q in KINDS.items()},
        score_sum=Sum("score"),
        satisfied=Count("pk", filter=Q(score__gte=SATISFIED_FROM)),
    )
    counted["score_sum"] = counted["score_sum"] or 0
    return Totals(**counted, messages_left=scope.tallies(Verb.CHAT_MESSAGE_LEFT).count())


def has_chats(scope: Scope) -> bool:
    """Whether the brand had chats, or messages left through the chat, in the period."""
    found = totals(scope)
    return bool(found.offered or found.messages_left)


def _link(**values: Any) -> dict[str, str]:
    """What the tickets behind a number are filtered on (`figures.behind`)."""
    return {key: str(value) for key, value in values.items()}


def _spread(rows: QuerySet[ChatFact], column: str) -> list[float | None]:
    """Median, 90th percentile and longest of a column."""
    return percentiles(rows, column, _POINTS)


def waits(scope: Scope) -> list[float | None]:
    """The wait of the answered chats before an agent took them: median, 90th percentile,
    longest."""
    return scope.memo(
        "chat_waits", lambda: _spread(scope.chats().filter(KINDS["answered"]), "wait_s")
    )


def wait_text(seconds: float | None) -> str:
    """A wait as a person reads it, to the second under ten minutes."""
    if seconds is None:
        return "—"
    whole = round(seconds)
    if whole < 60:
        return _("%(n)s s") % {"n": number(whole)}
    if whole < 600:
        minutes, rest = divmod(whole, 60)
        return _("%(m)s min %(s)s s") % {"m": minutes, "s": rest} if rest else duration(whole)
    return duration(whole)


# --- the figures ---------------------------------------------------------------------------


def chats(scope: Scope) -> Figure:
    """Chats offered, answered, abandoned, ended otherwise before an answer, still waiting,
    transferred; and the messages left instead."""
    found = totals(scope)
    figure = Figure(
        "chats",
        _("Live chats"),
        headers=[_("What"), _("Chats"), _("Share of the chats offered")],
    )

    def row(label: str, n: int, kind: str) -> list[Cell]:
        link = _link(chat=kind) if n else None
        return [
            Cell(label),
            Cell(number(n), n, link),
            Cell(percent(n, found.offered), share(n, found.offered)),
        ]

    figure.rows.append(row(_("Offered (entered the queue)"), found.offered, "offered"))
    figure.rows.append(row(_("Answered by an agent"), found.answered, "answered"))
    figure.rows.append(row(_("Abandoned before an agent answered"), found.abandoned, "abandoned"))
    if found.unanswered:
        figure.rows.append(
            row(
                _("Ended otherwise before an answer (idle, abusive)"),
                found.unanswered,
                "unanswered",
            )
        )
    if found.waiting:
        figure.rows.append(row(_("Still waiting"), found.waiting, "waiting"))
    figure.rows.append(row(_("Transferred"), found.transferred, "transferred"))
    left = found.messages_left
    figure.rows.append(
        [
            Cell(_("Messages left instead (outside hours or nobody available)")),
            Cell(
                number(left),
                left,
                _link(tally=Verb.CHAT_MESSAGE_LEFT.value) if left else None,
            ),
            Cell(""),
        ]
    )
    figure.summary = ngettext(
        "%(n)s chat offered, %(answered)s answered (%(share)s)",
        "%(n)s chats offered, %(answered)s answered (%(share)s)",
        found.offered,
    ) % {
        "n": number(found.offered),
        "answered": number(found.answered),
        "share": percent(found.answered, found.offered),
    }
    if not (found.offered or left):
        figure.empty = _("No live chat in this period.")
    return figure


def chat_wait(scope: Scope) -> Figure:
    """How long customers waited for an agent (answered chats), how long those who left
    waited before leaving, and how long the conversations lasted."""
    found = totals(scope)
    figure = Figure(
        "chat_wait",
        _("Live chat: the wait for an agent"),
        headers=[_("What"), _("Chats"), _("Median"), _("90th percentile"), _("Longest")],
    )
    answered = waits(scope)
    chats_of = scope.chats()
    abandoned = _spread(chats_of.filter(KINDS["abandoned"]), "wait_s")
    # The answered chats that have ended: their conversation's length.
    lengths = _spread(chats_of.filter(KINDS["answered_ended"]), "length_s")
    for label, n, spread, kind in (
        (_("Wait before an agent answered"), found.answered, answered, "answered"),
        (_("Wait before leaving, abandoned chats"), found.abandoned, abandoned, "abandoned"),
        (
            _("Length of the conversation, answered chats that ended"),
            found.answered_ended,
            lengths,
            "answered_ended",
        ),
    ):
        figure.rows.append(
            [
                Cell(label),
                Cell(number(n), n, _link(chat=kind) if n else None),
                *(Cell(wait_text(value), value) for value in spread),
            ]
        )
    median, p90, _longest = answered
    if median is not None:
        figure.summary = _("Median wait %(median)s; 9 chats in 10 answered within %(p90)s") % {
            "median": wait_text(median),
            "p90": wait_text(p90),
        }
    if not (found.answered or found.abandoned):
        figure.empty = _("No chat was answered or abandoned in this period.")
    return figure


@dataclass
class _Agent:
    answered: int = 0
    waits: list[float] = field(default_factory=list)
    median: float | None = None
    rated: int = 0
    mean: float | None = None


def _per_agent(scope: Scope) -> dict[int | None, _Agent]:
    """Per agent: the chats they answered and the median wait of those (PostgreSQL takes
    the medians itself; elsewhere the waits are read), and the ratings about them."""
    agents: dict[int | None, _Agent] = defaultdict(_Agent)
    answered = scope.chats().filter(KINDS["answered"])
    if connection.vendor == "postgresql":
        sub, params = answered.values("agent_id", "wait_s").query.sql_with_params()
        # The queryset's own SQL, wrapped.
        sql = f"""
            SELECT sub.agent_id, COUNT(*),
                   percentile_cont(0.5) WITHIN GROUP (ORDER BY sub.wait_s)
            FROM ({sub}) sub GROUP BY sub.agent_id
        """  # noqa: S608
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            for agent, n, median in cursor.fetchall():
                agents[agent].answered = n
                agents[agent].median = None if median is None else float(median)
    else:
        for agent, wait in answered.values_list("agent_id", "wait_s"):
            agents[agent].answered += 1
            if wait is not None:
                agents[agent].waits.append(wait)
        for found in agents.values():
            found.median = _median(sorted(found.waits))
    ratings = (
        scope.chats()
        .filter(KINDS["rated"])
        .values("rated_agent_id")
        .annotate(n=Count("pk"), mean=Avg("score"))
    )
    for rating in ratings:
        found = agents[rating["rated_agent_id"]]
        found.rated, found.mean = rating["n"], float(rating["mean"])
    return agents


def _median(values: Sequence[float]) -> float | None:
    if not values:
        return None
    middle = len(values) // 2
    if len(values) % 2:
        return float(values[middle])
    return (values[middle - 1] + values[middle]) / 2


def chats_per_agent(scope: Scope) -> Figure:
    """The chats each agent answered (took from the queue first), the median wait of
    those, and the customers' ratings of the chats they had when rated."""
    found = totals(scope)
    figure = Figure(
        "chats_per_agent",
        _("Live chats handled per agent"),
        headers=[
            _("Agent"),
            _("Chats answered"),
            _("Share"),
            _("Median wait"),
            _("Mean rating"),
            _("Ratings"),
        ],
    )
    agents = _per_agent(scope)
    names = {
        user.pk: user.get_full_name() or user.username
        for user in User.objects.filter(pk__in=[pk for pk in agents if pk is not None])
    }

    def name(pk: int | None) -> str:
        if pk is None:
            return _("(unknown)")
        return names.get(pk) or _("Agent %(id)s") % {"id": pk}

    ordered = sorted(agents.items(), key=lambda item: (-item[1].answered, name(item[0]).lower()))
    for pk, agent in ordered:
        mine = str(pk) if pk is not None else ""
        figure.rows.append(
            [
                Cell(name(pk)),
                Cell(
                    number(agent.answered),
                    agent.answered,
                    _link(chat="answered", chat_agent=mine) if agent.answered and mine else None,
                ),
                Cell(
                    percent(agent.answered, found.answered), share(agent.answered, found.answered)
                ),
                Cell(wait_text(agent.median), agent.median),
                Cell(number(agent.mean, 1), agent.mean),
                Cell(
                    number(agent.rated),
                    agent.rated,
                    _link(chat="rated", chat_rated_agent=mine) if agent.rated and mine else None,
                ),
            ]
        )
    answering = sum(1 for agent in agents.values() if agent.answered)
    figure.summary = ngettext(
        "%(n)s agent answered chats", "%(n)s agents answered chats", answering
    ) % {"n": number(answering)}
    if not agents:
        figure.empty = _("No chat was answered in this period.")
    return figure


def chat_satisfaction(scope: Scope) -> Figure:
    """The customers' ratings of their chats (1 to 5): per score, the mean, and the share
    who gave 4 or 5."""
    found = totals(scope)
    figure = Figure(
        "chat_satisfaction",
        _("Live chat: customers' ratings"),
        headers=[_("Score"), _("Ratings"), _("Share")],
    )
    counted = dict(
        scope.chats().filter(KINDS["rated"]).values_list("score").annotate(n=Count("pk"))
    )
    for score in SCORES:
        n = counted.get(score, 0)
        figure.rows.append(
            [
                Cell(str(score), score),
                Cell(number(n), n, _link(chat="rated", chat_score=score) if n else None),
                Cell(percent(n, found.rated), share(n, found.rated)),
            ]
        )
    if found.rated:
        figure.summary = ngettext(
            "Mean %(mean)s out of 5 from %(n)s rating; %(share)s gave 4 or 5",
            "Mean %(mean)s out of 5 from %(n)s ratings; %(share)s gave 4 or 5",
            found.rated,
        ) % {
            "mean": number(found.mean_score, 1),
            "n": number(found.rated),
            "share": percent(found.satisfied, found.rated),
        }
    else:
        figure.empty = _("No chat was rated in this period.")
    return figure


FIGURES = (chats, chat_wait, chats_per_agent, chat_satisfaction)


# --- the dashboard's section ---------------------------------------------------------------


@dataclass
class Section:
    """What the dashboard shows of the live chat: its cards and its figures."""

    cards: list[Number]
    figures: list[Figure]


def section(scope: Scope) -> Section | None:
    """The live chat's section of a report, or None when the brand had neither chats nor
    messages left through the chat in the period."""
    if not has_chats(scope):
        return None
    found = totals(scope)
    median, p90, _longest = waits(scope)
    mean = found.mean_score
    cards = [
        Number(_("Chats offered"), found.offered, _link(chat="offered") if found.offered else None),
        Number(
            _("Answered"),
            found.answered,
            _link(chat="answered") if found.answered else None,
            detail=percent(found.answered, found.offered),
        ),
        Number(
            _("Abandoned"),
            found.abandoned,
            _link(chat="abandoned") if found.abandoned else None,
            detail=percent(found.abandoned, found.offered),
        ),
        Number(_("Median wait"), median or 0, text=wait_text(median)),
        Number(_("Wait, 90th percentile"), p90 or 0, text=wait_text(p90)),
        Number(
            _("Messages left"),
            found.messages_left,
            _link(tally=Verb.CHAT_MESSAGE_LEFT.value) if found.messages_left else None,
        ),
        Number(
            _("Mean rating"),
            mean or 0,
            text=_("%(mean)s / 5") % {"mean": number(mean, 1)} if mean is not None else "—",
            detail=ngettext("%(n)s rating", "%(n)s ratings", found.rated)
            % {"n": number(found.rated)},
        ),
    ]
    return Section(cards=cards, figures=[figure(scope) for figure in FIGURES])
