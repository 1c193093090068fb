"""The figures of RP-1, each from the read model through a scope (scope.py).

A figure is a small table: a title, column headers and rows of cells; a cell has the text a
person reads, the number behind it, and the link to the tickets it counts (`link`: what
`behind` filters on, added to the scope's parameters). `summary` is one line for the
dashboard's cards and the review's commentary; `empty` says why a figure has nothing to
show ("no data" is not zero). Every figure a policy may name in `[reports] kpis` is in
`KPIS`, whose keys are the policy schema's `KpiKey` (a test holds them equal).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Sum
from django.utils import formats
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext as _

from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.reports import calls
from guichet.reports.chats import KINDS
from guichet.reports.models import TicketFact
from guichet.reports.scope import Scope
from guichet.sla.models import DeadlineKind
from guichet.tickets.choices import Channel, ContactType, Outcome, Verb


@dataclass
class Cell:
    text: str
    value: float | None = None
    link: dict[str, str] | None = None
    # "met" or "missed" against the policy's goal; "" otherwise.
    status: str = ""


@dataclass
class Figure:
    key: str
    title: str
    headers: list[str] = field(default_factory=list)
    rows: list[list[Cell]] = field(default_factory=list)
    summary: str = ""
    empty: str = ""
    note: str = ""

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "title": self.title,
            "summary": self.summary,
            "empty": self.empty,
            "note": self.note,
            "headers": self.headers,
            "rows": [
                [
                    {"text": c.text, "value": c.value, "status": c.status, "link": c.link}
                    for c in row
                ]
                for row in self.rows
            ],
        }


# --- words and numbers ---------------------------------------------------------------------


def number(value: float | int | None, places: int = 0) -> str:
    if value is None:
        return "—"
    # Rounded here: number_format cuts the decimals it does not show (2/3 would be 66 %).
    return formats.number_format(round(value, places), places, use_l10n=True, force_grouping=True)


def percent(part: float, whole: float) -> str:
    if not whole:
        return "—"
    return _("%(value)s%%") % {"value": number(100 * part / whole, 0)}


def share(part: float, whole: float) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def duration(seconds: float | None) -> str:
    """A duration as a person reads it: minutes, hours, or days with one decimal."""
    if seconds is None:
        return "—"
    if seconds < 3600:
        return _("%(n)s min") % {"n": number(max(1, round(seconds / 60)))}
    if seconds < 2 * 86400:
        return _("%(n)s h") % {"n": number(seconds / 3600, 1)}
    return _("%(n)s d") % {"n": number(seconds / 86400, 1)}


def _label(choices: Any, key: str) -> str:
    try:
        return str(choices(key).label)
    except ValueError:
        return key or _("(none)")


def category_label(scope: Scope, key: str) -> str:
    category = scope.policy.category(key)
    return scope.policy.text(category.name, get_language() or "fr") if category else key or "—"


def level_label(scope: Scope, number: int) -> str:
    """The level's name in the policy, with its number unless the name says it."""
    levels = scope.policy.levels
    if 1 <= number <= len(levels):
        name = scope.policy.text(levels[number - 1].name, get_language() or "fr")
        if str(number) in name[:12]:
            return name
        return _("Level %(n)s — %(name)s") % {"n": number, "name": name}
    return _("Level %(n)s") % {"n": number}


def _link(**values: Any) -> dict[str, str]:
    return {k: str(v) for k, v in values.items()}


# --- where report queries run ------------------------------------------------------------


@contextmanager
def reading() -> Iterator[None]:
    """A page's or a document's figures, read together: on PostgreSQL in one transaction
    (every figure sees the same moment) with JIT compilation off — its tens of
    milliseconds of compiling cost more than they save on these sub-second aggregates
    (a year's dashboard at 1,000,000 tickets: about 100 ms) — and room for the hash tables
    and sorts of a year's rows in memory (work_mem)."""
    if connection.vendor != "postgresql":
        yield
        return
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL work_mem = '32MB'")
        yield


# --- percentiles ---------------------------------------------------------------------------


def percentiles(rows: QuerySet[Any], column: str, points: Sequence[float]) -> list[float | None]:
    """The percentiles of a column (PostgreSQL computes them; elsewhere, the values are read
    sorted, which is fine for the embedded default's sizes)."""
    rows = rows.filter(**{f"{column}__isnull": False})
    if connection.vendor == "postgresql":
        sql, params = rows.values(column).query.sql_with_params()
        name = rows.model._meta.get_field(column).column
        quoted = connection.ops.quote_name(name)
        wanted = ", ".join(
            f"percentile_cont({p}) WITHIN GROUP (ORDER BY sub.{quoted})" for p in points
        )
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT {wanted} FROM ({sql}) sub", params)  # noqa: S608
            found = cursor.fetchone()
        return [None if v is None else float(v) for v in found]
    values = sorted(rows.values_list(column, flat=True))
    return [_pick(values, p) for p in points]


def _pick(values: list[float], point: float) -> float | None:
    """Linear interpolation between the closest ranks, as percentile_cont does."""
    if not values:
        return None
    rank = point * (len(values) - 1)
    low, high = math.floor(rank), math.ceil(rank)
    return values[low] + (values[high] - values[low]) * (rank - low)


# --- number and nature of contacts ---------------------------------------------------------


# --- the period's tickets counted by what several figures group them by ----------------------

# The columns a page's ticket figures group by, each alone, and the day with the channel.
_GROUPED = ("category", "channel", "contact_type", "outcome")


@dataclass
class Groups:
    """The period's tickets counted per day and channel, per value of each of `_GROUPED`,
    per survey score (with the scales summed and the satisfied counted), per day of their
    full answer and of their resolution in the brand's time zone, and in all (`totals`:
    the dashboard's headline)."""

    by_day_channel: list[tuple[date, str, int]]
    by: dict[str, dict[str, int]]
    survey: list[dict[str, Any]]
    answered: dict[date, int]
    resolved: dict[date, int]
    totals: dict[str, Any]


def groups(scope: Scope) -> Groups:
    """Computed once per scope: on PostgreSQL in one pass over the period's tickets
    (GROUPING SETS: a year of a brand's tickets is read once, not once per figure);
    elsewhere one query per grouping."""
    return scope.memo("groups", lambda: _groups(scope))


_TOTALS = {
    "received": Count("pk"),
    "open": Count("pk", filter=Q(is_open=True)),
    "resolved": Count("pk", filter=Q(resolved_at__isnull=False, merged=False)),
    "escalated": Count("pk", filter=Q(top_level__gte=2)),
    "replies": Sum("staff_replies"),
}


def _groups(scope: Scope) -> Groups:
    tickets = scope.tickets()
    if connection.vendor != "postgresql":

        def on_days(column: str) -> dict[date, int]:
            rows = tickets.filter(**{f"{column}__isnull": False}).values_list(column)
            return dict(rows.annotate(n=Count("pk")))

        return Groups(
            by_day_channel=list(
                tickets.values_list("received_on", "channel").annotate(n=Count("pk"))
            ),
            by={
                column: dict(tickets.values_list(column).annotate(n=Count("pk")))
                for column in _GROUPED
            },
            survey=[
                dict(row)
                for row in tickets.filter(survey_score__isnull=False)
                .values("survey_score")
                .annotate(
                    k=Count("pk"),
                    scales=Sum("survey_scale"),
                    happy=Count("pk", filter=Q(survey_satisfied=True)),
                )
            ],
            answered=on_days("full_answer_on"),
            resolved=on_days("resolved_on"),
            totals=scope.tickets().aggregate(**_TOTALS),
        )
    keys = ["received_on", *_GROUPED, "survey_score", "full_answer_on", "resolved_on"]
    more = ["survey_scale", "survey_satisfied", "is_open", "resolved_at", "merged"]
    sub, params = tickets.values(*keys, *more, "top_level", "staff_replies").query.sql_with_params()
    sets = [("received_on", "channel"), *((c,) for c in _GROUPED)]
    sets += [("survey_score",), ("full_answer_on",), ("resolved_on",), ()]
    grouping = ", ".join("(" + ", ".join(f"t.{c}" for c in group) + ")" for group in sets)
    sql = f"""
        SELECT {", ".join(f"GROUPING(t.{c})" for c in keys)}, {", ".join(f"t.{c}" for c in keys)},
               COUNT(*), SUM(t.survey_scale), COUNT(*) FILTER (WHERE t.survey_satisfied),
               COUNT(*) FILTER (WHERE t.is_open),
               COUNT(*) FILTER (WHERE t.resolved_at IS NOT NULL AND NOT t.merged),
               COUNT(*) FILTER (WHERE t.top_level >= 2), SUM(t.staff_replies)
        FROM ({sub}) t GROUP BY GROUPING SETS ({grouping})
    """  # noqa: S608 - the queryset's own SQL and the model's column names
    found = Groups([], {c: {} for c in _GROUPED}, [], {}, {}, {})
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        for row in cursor.fetchall():
            flags, values = row[: len(keys)], row[len(keys) : 2 * len(keys)]
            n, scales, happy, still_open, resolved, escalated, replies = row[2 * len(keys) :]
            grouped = {c: v for c, v, flag in zip(keys, values, flags, strict=True) if not flag}
            if not grouped:
                found.totals = {
                    "received": n,
                    "open": still_open,
                    "resolved": resolved,
                    "escalated": escalated,
                    "replies": replies,
                }
            elif len(grouped) == 2:
                found.by_day_channel.append((grouped["received_on"], grouped["channel"], n))
            elif "survey_score" in grouped:
                if grouped["survey_score"] is not None:
                    score = grouped["survey_score"]
                    found.survey.append(
                        {"survey_score": score, "k": n, "scales": scales, "happy": happy}
                    )
            elif "full_answer_on" in grouped or "resolved_on" in grouped:
                column, day = next(iter(grouped.items()))
                if day is not None:
                    (found.answered if column == "full_answer_on" else found.resolved)[day] = n
            else:
                column, value = next(iter(grouped.items()))
                found.by[column][value] = n
    return found


def _counted_by(
    scope: Scope, key: str, column: str, title: str, label: Callable[[str], str]
) -> Figure:
    counted = groups(scope).by[column]
    rows = sorted(counted.items(), key=lambda item: (-item[1], item[0] or ""))
    total = sum(n for _value, n in rows)
    figure = Figure(key, title, headers=[_("What"), _("Tickets"), _("Share")])
    for value, n in rows:
        figure.rows.append(
            [
                Cell(label(value)),
                Cell(number(n), n, _link(**{column: value or "-"})),
                Cell(percent(n, total), share(n, total)),
            ]
        )
    figure.summary = ngettext("%(n)s ticket received", "%(n)s tickets received", total) % {
        "n": number(total)
    }
    if not total:
        figure.empty = _("No ticket received in this period.")
    return figure


def contacts_by_category(scope: Scope) -> Figure:
    return _counted_by(
        scope,
        "contacts_by_category",
        "category",
        _("Contacts by category"),
        lambda key: category_label(scope, key),
    )


def contacts_by_channel(scope: Scope) -> Figure:
    return _counted_by(
        scope,
        "contacts_by_channel",
        "channel",
        _("Contacts by channel"),
        lambda key: _label(Channel, key),
    )


def contacts_by_contact_type(scope: Scope) -> Figure:
    return _counted_by(
        scope,
        "contacts_by_contact_type",
        "contact_type",
        _("Contacts by nature"),
        lambda key: _label(ContactType, key),
    )


def received_and_answered_dates(scope: Scope) -> Figure:
    """Per day (per month over a long period): received, answered in full, resolved, and the
    median time from receipt to the full answer."""
    monthly = scope.days > 62
    figure = Figure(
        "received_and_answered_dates",
        _("Dates received and answered"),
        headers=[
            _("Month") if monthly else _("Day"),
            _("Received"),
            _("Answered in full"),
            _("Resolved"),
            _("Median time to a full answer"),
        ],
    )
    received, answered, resolved, median_wait = _dates(scope, monthly)
    days = sorted(set(received) | set(answered) | set(resolved))
    for day in days:
        if not (scope.start <= day < scope.end) and day not in received:
            continue
        link = _link(start=day, end=_after(day, monthly))
        wait = median_wait.get(day)
        figure.rows.append(
            [
                Cell(
                    formats.date_format(
                        day, "YEAR_MONTH_FORMAT" if monthly else "SHORT_DATE_FORMAT"
                    )
                ),
                Cell(number(received[day]), received[day], link),
                Cell(number(answered[day]), answered[day]),
                Cell(number(resolved[day]), resolved[day]),
                Cell(duration(wait), wait),
            ]
        )
    # Every ticket answered in full is counted once, on its answer's day.
    total_in, total_answered = sum(received.values()), sum(answered.values())
    figure.summary = _("%(received)s received, %(answered)s answered in full") % {
        "received": number(total_in),
        "answered": number(total_answered),
    }
    if not total_in:
        figure.empty = _("No ticket received in this period.")
    return figure


def _dates(
    scope: Scope, monthly: bool
) -> tuple[Counter[date], Counter[date], Counter[date], dict[date, float | None]]:
    """Per day (or month) in the brand's time zone: tickets received, answered in full,
    resolved, and the median time from receipt to the full answer of those received then
    (PostgreSQL takes the medians itself; elsewhere the waits are read)."""
    tickets = scope.tickets()

    def fold(rows: Iterable[tuple[date, int]]) -> Counter[date]:
        counted: Counter[date] = Counter()
        for day, n in rows:
            counted[day.replace(day=1) if monthly else day] += n
        return counted

    received = fold((on, n) for on, _channel, n in groups(scope).by_day_channel)
    counted = groups(scope)
    answered, resolved = fold(counted.answered.items()), fold(counted.resolved.items())
    answers = tickets.filter(full_answer_at__isnull=False)
    if connection.vendor == "postgresql":
        sub, params = answers.values(
            "received_on", "received_at", "full_answer_at"
        ).query.sql_with_params()
        # The first of the month by date arithmetic: no time zone on the way.
        day = (
            "t.received_on - (EXTRACT(DAY FROM t.received_on)::int - 1)"
            if monthly
            else "t.received_on"
        )
        sql = f"""
            SELECT {day}, percentile_cont(0.5) WITHIN GROUP
                   (ORDER BY EXTRACT(EPOCH FROM t.full_answer_at - t.received_at))
            FROM ({sub}) t GROUP BY 1
        """  # noqa: S608 - the queryset's own SQL; values are parameters
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            waits = {on: None if wait is None else float(wait) for on, wait in cursor.fetchall()}
        return received, answered, resolved, waits
    seconds: dict[date, list[float]] = {}
    for on, at, answered_at in answers.values_list("received_on", "received_at", "full_answer_at"):
        assert answered_at is not None  # filtered above
        key = on.replace(day=1) if monthly else on
        seconds.setdefault(key, []).append((answered_at - at).total_seconds())
    return received, answered, resolved, {k: _pick(sorted(v), 0.5) for k, v in seconds.items()}


def _after(day: date, monthly: bool) -> date:
    if monthly:
        return (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return day + timedelta(days=1)


def frequent_request_types(scope: Scope) -> Figure:
    """The most frequent (nature, category) pairs, against the period before."""
    figure = Figure(
        "frequent_request_types",
        _("Frequent request types"),
        headers=[_("Nature"), _("Category"), _("Tickets"), _("Previous period")],
    )
    now = Counter(
        {
            (r["contact_type"], r["category"]): r["n"]
            for r in scope.tickets().values("contact_type", "category").annotate(n=Count("pk"))
        }
    )
    before = Counter(
        {
            (r["contact_type"], r["category"]): r["n"]
            for r in scope.previous()
            .tickets()
            .values("contact_type", "category")
            .annotate(n=Count("pk"))
        }
    )
    for (kind, category), n in now.most_common(10):
        figure.rows.append(
            [
                Cell(_label(ContactType, kind)),
                Cell(category_label(scope, category)),
                Cell(number(n), n, _link(contact_type=kind, category=category or "-")),
                Cell(number(before[(kind, category)]), before[(kind, category)]),
            ]
        )
    if now:
        (kind, category), n = now.most_common(1)[0]
        figure.summary = _("Most frequent: %(what)s (%(n)s)") % {
            "what": f"{_label(ContactType, kind)} · {category_label(scope, category)}",
            "n": number(n),
        }
    else:
        figure.empty = _("No ticket received in this period.")
    return figure


# --- levels --------------------------------------------------------------------------------


def handled_per_level(scope: Scope) -> Figure:
    figure = Figure(
        "handled_per_level",
        _("Handled at each level"),
        headers=[_("Level"), _("Tickets"), _("Still there"), _("Closed there")],
    )
    stays = scope.stays()
    rows = (
        stays.values("level")
        .annotate(
            n=Count("ticket_id", distinct=True),
            open=Count("ticket_id", distinct=True, filter=Q(left_at__isnull=True)),
            closed=Count("ticket_id", distinct=True, filter=Q(closed_here=True)),
        )
        .order_by("level")
    )
    for r in rows:
        figure.rows.append(
            [
                Cell(level_label(scope, r["level"])),
                Cell(number(r["n"]), r["n"], _link(at_level=r["level"])),
                Cell(number(r["open"]), r["open"], _link(at_level=r["level"], still=1)),
                Cell(number(r["closed"]), r["closed"], _link(at_level=r["level"], closed_here=1)),
            ]
        )
    if figure.rows:
        figure.summary = ", ".join(f"L{r['level']}: {number(r['n'])}" for r in rows)
    else:
        figure.empty = _("No ticket received in this period.")
    return figure


def time_at_levels_2_3(scope: Scope) -> Figure:
    """Time spent at each level above the first (EJ: levels 2 and 3), counting the stays
    still running up to now."""
    figure = Figure(
        "time_at_levels_2_3",
        _("Time spent at levels 2 and 3"),
        headers=[_("Level"), _("Stays"), _("Median"), _("90th percentile"), _("Longest")],
    )
    now = clock.now()
    durations: dict[int, list[float]] = {}
    for level, seconds, entered in (
        scope.stays().filter(level__gte=2).values_list("level", "seconds", "entered_at")
    ):
        value = seconds if seconds is not None else (now - entered).total_seconds()
        durations.setdefault(level, []).append(float(value))
    for level in sorted(durations):
        values = sorted(durations[level])
        median, p90 = _pick(values, 0.5), _pick(values, 0.9)
        figure.rows.append(
            [
                Cell(level_label(scope, level)),
                Cell(number(len(values)), len(values), _link(at_level=level)),
                Cell(duration(median), median),
                Cell(duration(p90), p90),
                Cell(duration(values[-1]), values[-1]),
            ]
        )
    if figure.rows:
        figure.summary = " · ".join(
            f"L{level}: {row[2].text}"
            for level, row in zip(sorted(durations), figure.rows, strict=True)
        )
    else:
        figure.empty = _("No ticket went beyond the first level in this period.")
    return figure


def outcome_per_level(scope: Scope) -> Figure:
    outcomes = list(Outcome)
    figure = Figure(
        "outcome_per_level",
        _("Outcome at each level"),
        headers=[_("Level"), *[str(o.label) for o in outcomes], _("Decided")],
    )
    counted: dict[int, Counter[str]] = {}
    for r in (
        scope.stays()
        .exclude(outcome="")
        .values("level", "outcome")
        .annotate(n=Count("ticket_id", distinct=True))
    ):
        counted.setdefault(r["level"], Counter())[r["outcome"]] += r["n"]
    for level in sorted(counted):
        total = sum(counted[level].values())
        figure.rows.append(
            [
                Cell(level_label(scope, level)),
                *[
                    Cell(
                        number(counted[level][o]),
                        counted[level][o],
                        _link(at_level=level, level_outcome=o.value),
                    )
                    for o in outcomes
                ],
                Cell(number(total), total),
            ]
        )
    if counted:
        all_levels: Counter[str] = sum(counted.values(), Counter())
        decided = sum(all_levels.values())
        figure.summary = _("%(upheld)s upheld or partly upheld of %(n)s decided") % {
            "upheld": percent(
                all_levels[Outcome.UPHELD] + all_levels[Outcome.PARTLY_UPHELD], decided
            ),
            "n": number(decided),
        }
    else:
        figure.empty = _("No outcome recorded for this period's tickets yet.")
    return figure


def auto_escalations(scope: Scope) -> Figure:
    figure = Figure(
        "auto_escalations",
        _("Automatic escalations"),
        headers=[_("To level"), _("Escalated by time"), _("Escalated in all")],
    )
    rows = (
        scope.stays()
        .exclude(trigger__in=["opened", "reopened", "returned", "routing"])
        .values("level")
        .annotate(auto=Count("pk", filter=Q(trigger="time")), n=Count("pk"))
        .order_by("level")
    )
    for r in rows:
        figure.rows.append(
            [
                Cell(level_label(scope, r["level"])),
                Cell(number(r["auto"]), r["auto"], _link(at_level=r["level"], trigger="time")),
                Cell(number(r["n"]), r["n"], _link(at_level=r["level"], escalated=1)),
            ]
        )
    counted = scope.tickets().aggregate(
        n=Count("pk"), auto=Count("pk", filter=Q(auto_escalations__gt=0))
    )
    figure.summary = ngettext(
        "%(n)s ticket escalated by time (%(share)s of tickets)",
        "%(n)s tickets escalated by time (%(share)s of tickets)",
        counted["auto"],
    ) % {"n": number(counted["auto"]), "share": percent(counted["auto"], counted["n"])}
    if not figure.rows:
        figure.empty = _("No escalation in this period.")
    return figure


# --- deadlines -----------------------------------------------------------------------------


def deadlines_met_per_level(scope: Scope) -> Figure:
    """Each promise of the policy (rule) at each level: met on time, missed, against the
    rule's own attainment goal; the aim, when the rule has one."""
    figure = Figure(
        "deadlines_met_per_level",
        _("Deadlines met per target and level"),
        headers=[
            _("Target"),
            _("Level"),
            _("Due"),
            _("Met on time"),
            _("Missed"),
            _("Met"),
            _("Goal"),
            _("Within the aim"),
        ],
    )
    policy, lang = scope.policy, get_language() or "fr"
    rules = dict(policy.deadline_rules)
    rows = scope.memo(
        "deadlines_due",
        lambda: list(
            scope.deadlines()
            .filter(Q(met_at__isnull=False) | Q(breached=True))
            .values("rule", "kind", "level")
            .annotate(
                n=Count("pk"),
                late=Count("pk", filter=Q(breached=True)),
                aimed=Count("pk", filter=Q(within_aim__isnull=False)),
                in_aim=Count("pk", filter=Q(within_aim=True)),
            )
            .order_by("rule", "level")
        ),
    )
    met_all = due_all = 0
    missed_goals = 0
    for r in rows:
        rule = rules.get(r["rule"])
        on_time = r["n"] - r["late"]
        met_all += on_time
        due_all += r["n"]
        goal = rule.attainment if rule and rule.attainment else None
        rate = share(on_time, r["n"])
        status = ""
        if goal is not None and rate is not None:
            status = "met" if rate >= goal else "missed"
            missed_goals += status == "missed"
        name = (
            policy.text(rule.label, lang)
            if rule and rule.label
            else _label(DeadlineKind, r["kind"])
        )
        target = f"{name} ({rule.target} · {_clock(rule.clock)})" if rule else name
        link = _link(deadline=r["rule"], deadline_level=r["level"])
        figure.rows.append(
            [
                Cell(target),
                Cell(level_label(scope, r["level"]) if r["level"] else _("All levels")),
                Cell(number(r["n"]), r["n"], link),
                Cell(number(on_time), on_time, {**link, "late": "0"}),
                Cell(number(r["late"]), r["late"], {**link, "late": "1"}),
                Cell(percent(on_time, r["n"]), rate, status=status),
                Cell(_("%(n)s%%") % {"n": goal} if goal else "—", goal, status=status),
                Cell(
                    percent(r["in_aim"], r["aimed"]) if r["aimed"] else "—",
                    share(r["in_aim"], r["aimed"]),
                ),
            ]
        )
    if due_all:
        figure.summary = _("%(rate)s of deadlines met on time") % {
            "rate": percent(met_all, due_all)
        }
        if missed_goals:
            figure.summary += " · " + _("%(n)s goal(s) missed") % {"n": missed_goals}
    else:
        figure.empty = _("No deadline fell due in this period.")
    return figure


def _clock(kind: str) -> str:
    return {
        "calendar": _("calendar time"),
        "business_hours": _("opening hours"),
        "business_days": _("business days"),
    }.get(kind, kind)


# --- answering and resolving ---------------------------------------------------------------


def first_response_time(scope: Scope) -> Figure:
    figure = Figure(
        "first_response_time",
        _("First response time"),
        headers=[_("Counted in"), _("Answered"), _("Median"), _("90th percentile")],
    )
    tickets = scope.tickets()
    answered = tickets.filter(first_response_s__isnull=False).count()
    calendar_p = percentiles(tickets, "first_response_s", (0.5, 0.9))
    business_p = percentiles(tickets, "first_response_bs", (0.5, 0.9))
    link = _link(responded=1)
    figure.rows = [
        [
            Cell(_("Calendar time")),
            Cell(number(answered), answered, link),
            Cell(duration(calendar_p[0]), calendar_p[0]),
            Cell(duration(calendar_p[1]), calendar_p[1]),
        ],
        [
            Cell(_("Opening hours")),
            Cell(number(answered), answered, link),
            Cell(duration(business_p[0]), business_p[0]),
            Cell(duration(business_p[1]), business_p[1]),
        ],
    ]
    waiting = tickets.filter(first_response_s__isnull=True, is_open=True).count()
    if answered:
        figure.summary = _("Median %(median)s (%(business)s of opening hours)") % {
            "median": duration(calendar_p[0]),
            "business": duration(business_p[0]),
        }
    else:
        figure.empty = _("No response by a person in this period yet.")
    if waiting:
        figure.note = ngettext(
            "%(n)s ticket still waits for a first response.",
            "%(n)s tickets still wait for a first response.",
            waiting,
        ) % {"n": number(waiting)}
    return figure


def first_contact_resolution(scope: Scope) -> Figure:
    figure = Figure(
        "first_contact_resolution",
        _("First-contact resolution"),
        headers=[_("Resolved"), _("At first contact"), _("Share")],
        note=_("Resolved at the first close, with one reply at most, never escalated or reopened."),
    )
    tickets = scope.tickets().filter(first_contact__isnull=False, merged=False)
    n = tickets.count()
    first = tickets.filter(first_contact=True).count()
    figure.rows = [
        [
            Cell(number(n), n, _link(resolved=1)),
            Cell(number(first), first, _link(first_contact=1)),
            Cell(percent(first, n), share(first, n)),
        ]
    ]
    if n:
        figure.summary = _("%(share)s resolved at first contact") % {"share": percent(first, n)}
    else:
        figure.empty = _("No ticket of this period resolved yet.")
    return figure


def _resolved_within(
    scope: Scope, key: str, title: str, column: str, limit: int, **only: str
) -> Figure:
    figure = Figure(
        key, title, headers=[_("Resolved"), _("Within the time"), _("Share"), _("Goal")]
    )
    tickets = scope.tickets().filter(resolved_at__isnull=False, merged=False, **only)
    n = tickets.count()
    within = tickets.filter(**{f"{column}__lte": limit}).count()
    goal = _goal_for(scope, only)
    rate = share(within, n)
    status = "" if goal is None or rate is None else ("met" if rate >= goal else "missed")
    figure.rows = [
        [
            Cell(number(n), n, _link(resolved=1, **only)),
            Cell(number(within), within, _link(resolved=1, **{f"{column}_max": limit}, **only)),
            Cell(percent(within, n), rate, status=status),
            Cell(_("%(n)s%%") % {"n": goal} if goal else "—", goal, status=status),
        ]
    ]
    if n:
        figure.summary = percent(within, n)
    else:
        figure.empty = _("No ticket of this period resolved yet.")
    return figure


def _goal_for(scope: Scope, only: dict[str, str]) -> int | None:
    """The attainment goal of the policy's resolution rule for these tickets, if any."""
    for _where, rule in scope.policy.deadline_rules:
        if (
            rule.kind == "resolution"
            and rule.attainment
            and only.get("complexity") in rule.complexity
        ):
            return rule.attainment
    return None


def simple_solved_within_2_business_days(scope: Scope) -> Figure:
    return _resolved_within(
        scope,
        "simple_solved_within_2_business_days",
        _("Simple requests solved within 2 business days"),
        "resolution_bd_s",
        2 * 86400,
        complexity="simple",
    )


def resolved_within_5_days(scope: Scope) -> Figure:
    return _resolved_within(
        scope, "resolved_within_5_days", _("Resolved within 5 days"), "resolution_s", 5 * 86400
    )


# --- customers -----------------------------------------------------------------------------


def satisfaction(scope: Scope) -> Figure:
    figure = Figure(
        "satisfaction",
        _("Satisfaction with the handling"),
        headers=[_("Score"), _("Answers"), _("Share")],
    )
    scores = survey_scores(scope)
    n = sum(r["k"] for r in scores)
    for r in scores:
        figure.rows.append(
            [
                Cell(str(r["survey_score"])),
                Cell(number(r["k"]), r["k"], _link(score=r["survey_score"])),
                Cell(percent(r["k"], n), share(r["k"], n)),
            ]
        )
    if n:
        mean = sum(r["survey_score"] * r["k"] for r in scores) / n
        scale = sum(r["scales"] or 0 for r in scores) / n
        figure.summary = _("%(share)s satisfied · mean %(mean)s / %(scale)s (%(n)s answers)") % {
            "share": percent(sum(r["happy"] for r in scores), n),
            "mean": number(mean, 1),
            "scale": number(scale),
            "n": number(n),
        }
    else:
        figure.empty = _("No survey answered for this period's tickets.")
    return figure


def survey_scores(scope: Scope) -> list[dict[str, Any]]:
    """Per score given, highest first: the answers (k), their scales summed, how many said
    they were satisfied."""
    return sorted(groups(scope).survey, key=lambda row: -row["survey_score"])


def returning(rows: QuerySet[TicketFact]) -> QuerySet[TicketFact]:
    """Tickets whose customer had written to the brand before."""
    earlier = TicketFact._base_manager.filter(
        brand_id=OuterRef("brand_id"),
        contact_id=OuterRef("contact_id"),
        received_at__lt=OuterRef("received_at"),
    )
    return rows.filter(contact_id__isnull=False).filter(Exists(earlier))


def retention(scope: Scope) -> Figure:
    figure = Figure(
        "retention",
        _("Returning customers"),
        headers=[_("Customers"), _("Returning"), _("Share")],
        note=_("A returning customer had written to the brand before."),
    )
    tickets = scope.tickets().filter(contact_id__isnull=False)
    customers = tickets.values("contact_id").distinct().count()
    back = returning(tickets).values("contact_id").distinct().count()
    figure.rows = [
        [
            Cell(number(customers), customers),
            Cell(number(back), back, _link(returning=1)),
            Cell(percent(back, customers), share(back, customers)),
        ]
    ]
    if customers:
        figure.summary = _("%(share)s returning customers") % {"share": percent(back, customers)}
    else:
        figure.empty = _("No customer wrote in this period.")
    return figure


def phone_answered_within(scope: Scope) -> Figure:
    """Inbound calls answered within the phone channel's `answer_within` (else 30 s), answered
    later and missed, from the telephony's calls (reports/calls.py): the brand's, begun in
    the period. The share answered in time is of the calls counted (those with a known
    wait). Calls are not tickets: no link, and the filters of tickets (team, category,
    type, level) do not apply to them; the channel filter leaves them out unless it is the
    phone's."""
    channel = scope.policy.channel("phone")
    limit = (
        channel.answer_within.as_timedelta().total_seconds()
        if channel and channel.answer_within
        else 30
    )
    seconds = {"n": number(limit)}
    figure = Figure(
        "phone_answered_within",
        _("Calls answered within %(n)s s") % seconds,
        headers=[
            _("Inbound calls"),
            _("Answered within %(n)s s") % seconds,
            _("Answered later"),
            _("Missed"),
            _("Answered in time"),
            _("Target"),
        ],
    )
    if scope.channel and scope.channel != Channel.PHONE:
        figure.empty = _("No data: calls are counted on the phone channel only.")
        return figure
    counted = calls.answering(scope, limit)
    notes = [
        _(
            "Inbound calls whose waiting time is known (the telephone system's, or written "
            "down with the call); a missed call ended without an answer."
        )
    ]
    if scope.team is not None or scope.category or scope.contact_type or scope.level:
        notes.append(_("The team, category, type and level filters do not apply to calls."))
    if counted.unmeasured:
        notes.append(
            ngettext(
                "%(n)s call without a known waiting time is not counted.",
                "%(n)s calls without a known waiting time are not counted.",
                counted.unmeasured,
            )
            % {"n": number(counted.unmeasured)}
        )
    figure.note = " ".join(notes)
    n = counted.counted
    if not n:
        figure.empty = _("No data: no inbound call with its waiting time in this period.")
        return figure
    figure.rows = [
        [
            Cell(number(n), n),
            Cell(number(counted.within), counted.within),
            Cell(number(counted.later), counted.later),
            Cell(number(counted.missed), counted.missed),
            Cell(percent(counted.within, n), share(counted.within, n)),
            Cell(_("%(n)s s") % seconds, limit),
        ]
    ]
    figure.summary = _("%(share)s answered within %(n)s s") % {
        "share": percent(counted.within, n),
        **seconds,
    }
    return figure


# --- counted events ------------------------------------------------------------------------


def _tallied(
    scope: Scope,
    key: str,
    title: str,
    whats: Iterable[str],
    detail_label: Callable[[str], str] | None = None,
) -> Figure:
    figure = Figure(key, title, headers=[_("What"), _("Count")])
    labels = {v.value: str(v.label) for v in Verb}
    rows = (
        scope.tallies(*whats)
        .values("what", "detail")
        .annotate(n=Count("pk"))
        .order_by("what", "detail")
    )
    total = 0
    for r in rows:
        label = labels.get(r["what"], r["what"])
        if detail_label is not None and r["detail"]:
            label = f"{label} — {detail_label(r['detail'])}"
        total += r["n"]
        figure.rows.append(
            [
                Cell(label),
                Cell(
                    number(r["n"]),
                    r["n"],
                    _link(
                        tally=r["what"],
                        **({"detail": r["detail"]} if detail_label and r["detail"] else {}),
                    ),
                ),
            ]
        )
    figure.summary = number(total)
    if not total:
        figure.empty = _("None in this period.")
    return figure


def _severity(key: str) -> str:
    """A flag's severity as the conduct app records it (1 insult … 4 threat)."""
    return {
        "1": _("insult"),
        "2": _("harassment"),
        "3": _("discrimination"),
        "4": _("threat"),
    }.get(key, key)


def abuse_flags(scope: Scope) -> Figure:
    return _tallied(
        scope,
        "abuse_flags",
        _("Abusive messages"),
        [Verb.ABUSE_FLAGGED, Verb.ABUSE_CONFIRMED, Verb.ABUSE_DISMISSED],
        _severity,
    )


def blocks(scope: Scope) -> Figure:
    return _tallied(
        scope, "blocks", _("Customers blocked"), [Verb.CONTACT_BLOCKED, Verb.CONDUCT_REFERRED], str
    )


def agent_conduct_complaints(scope: Scope) -> Figure:
    return _tallied(
        scope,
        "agent_conduct_complaints",
        _("Complaints about a team member"),
        [Verb.AGENT_CONCERNED],
    )


def ombudsman_referrals(scope: Scope) -> Figure:
    return _tallied(
        scope, "ombudsman_referrals", _("Referrals to the ombudsman"), [Verb.OMBUDSMAN_REFERRED]
    )


def seller_strikes(scope: Scope) -> Figure:
    return _tallied(
        scope,
        "seller_strikes",
        _("Strikes against sellers"),
        [Verb.STRIKE_RECORDED, Verb.STRIKE_WITHDRAWN],
    )


# --- the registry --------------------------------------------------------------------------

KPIS: dict[str, Callable[[Scope], Figure]] = {
    "contacts_by_category": contacts_by_category,
    "contacts_by_channel": contacts_by_channel,
    "contacts_by_contact_type": contacts_by_contact_type,
    "received_and_answered_dates": received_and_answered_dates,
    "frequent_request_types": frequent_request_types,
    "handled_per_level": handled_per_level,
    "time_at_levels_2_3": time_at_levels_2_3,
    "outcome_per_level": outcome_per_level,
    "auto_escalations": auto_escalations,
    "deadlines_met_per_level": deadlines_met_per_level,
    "first_response_time": first_response_time,
    "first_contact_resolution": first_contact_resolution,
    "simple_solved_within_2_business_days": simple_solved_within_2_business_days,
    "resolved_within_5_days": resolved_within_5_days,
    "satisfaction": satisfaction,
    "retention": retention,
    "phone_answered_within": phone_answered_within,
    "abuse_flags": abuse_flags,
    "blocks": blocks,
    "agent_conduct_complaints": agent_conduct_complaints,
    "ombudsman_referrals": ombudsman_referrals,
    "seller_strikes": seller_strikes,
}

# Shown when a policy names no KPI: the figures of RP-1 every brand has.
DEFAULT_KPIS = [
    "contacts_by_category",
    "contacts_by_channel",
    "handled_per_level",
    "deadlines_met_per_level",
    "first_response_time",
    "satisfaction",
]


def kpis_of(scope: Scope) -> list[str]:
    return list(scope.policy.reports.kpis) or list(DEFAULT_KPIS)


def report(scope: Scope) -> list[Figure]:
    """The brand's report for this scope: its policy's KPIs, in its order."""
    return [KPIS[key](scope) for key in kpis_of(scope)]


# --- the tickets behind a figure -----------------------------------------------------------


def behind(scope: Scope, params: Any) -> QuerySet[Any]:
    """The ids of the tickets a figure's cell counts: the scope, then what the link adds.
    Unknown parameters are ignored (the scope's own are read by Scope.from_params)."""
    get = params.get
    if get("chat"):
        return _chats_behind(scope, params)
    tickets = scope.tickets()
    for name in ("complexity", "priority"):
        if get(name):
            tickets = tickets.filter(**{name: get(name)})
    if get("responded"):
        tickets = tickets.filter(first_response_at__isnull=False)
    if get("resolved"):
        tickets = tickets.filter(resolved_at__isnull=False, merged=False)
    if get("first_contact"):
        tickets = tickets.filter(first_contact=True)
    for column in ("resolution_s", "resolution_bd_s"):
        if get(f"{column}_max"):
            tickets = tickets.filter(**{f"{column}__lte": _whole(get(f"{column}_max"))})
    if get("score"):
        tickets = tickets.filter(survey_score=_whole(get("score")))
    if get("returning"):
        tickets = returning(tickets)
    if get("open"):
        tickets = tickets.filter(is_open=True)
    ids: QuerySet[Any] = tickets.values("ticket_id")
    if get("at_level"):
        stays = scope.stays().filter(level=_whole(get("at_level")))
        if get("still"):
            stays = stays.filter(left_at__isnull=True)
        if get("closed_here"):
            stays = stays.filter(closed_here=True)
        if get("level_outcome"):
            stays = stays.filter(outcome=get("level_outcome"))
        if get("trigger"):
            stays = stays.filter(trigger=get("trigger"))
        if get("escalated"):
            stays = stays.exclude(trigger__in=["opened", "reopened", "returned", "routing"])
        ids = stays.filter(ticket_id__in=ids).values("ticket_id")
    if get("deadline"):
        promises = (
            scope.deadlines()
            .filter(rule=get("deadline"))
            .filter(Q(met_at__isnull=False) | Q(breached=True))
        )
        if get("deadline_level"):
            promises = promises.filter(level=_whole(get("deadline_level")))
        if get("late") in ("0", "1"):
            promises = promises.filter(breached=get("late") == "1")
        ids = promises.filter(ticket_id__in=ids).values("ticket_id")
    if get("tally"):
        counted = scope.tallies(get("tally"))
        if get("detail"):
            counted = counted.filter(detail=get("detail"))
        ids = counted.filter(ticket_id__in=ids).values("ticket_id")
    if get("age"):
        # The backlog is the tickets open now, whenever received (`backlog_by_age`).
        ids = backlog(scope).filter(**_age_filter(get("age"))).values("ticket_id")
    return ids.distinct()


def _chats_behind(scope: Scope, params: Any) -> QuerySet[Any]:
    """The tickets of the live chats a number counts: the chats offered in the period
    (whenever their ticket was received), of a kind (`chats.KINDS`), an agent's, or
    rated with a score."""
    kind = KINDS.get(params.get("chat"))
    if kind is None:
        raise InvalidRequest(
            _("No such count of chats: %(value)s") % {"value": str(params.get("chat"))[:20]},
            code="chat",
        )
    chats = scope.chats().filter(kind)
    for name, column in (
        ("chat_agent", "agent_id"),
        ("chat_rated_agent", "rated_agent_id"),
        ("chat_score", "score"),
    ):
        if params.get(name):
            value = _whole(params.get(name))
            if not 0 < value < 2**31:  # what the columns hold
                raise InvalidRequest(f"{name}: a number", code="number")
            chats = chats.filter(**{column: value})
    return chats.values("ticket_id").distinct()


def _whole(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError) as error:
        raise InvalidRequest(
            _("A whole number is expected: %(value)s") % {"value": str(value)[:20]}, code="number"
        ) from error


# --- the dashboard's series ----------------------------------------------------------------

AGES = (
    ("1d", 0, 1),
    ("3d", 1, 3),
    ("7d", 3, 7),
    ("14d", 7, 14),
    ("30d", 14, 30),
    ("more", 30, None),
)


def backlog(scope: Scope) -> QuerySet[TicketFact]:
    """The tickets open now (whenever they came), with the scope's filters."""
    everything = Scope(
        brand=scope.brand,
        start=date(1970, 1, 1),
        end=date(9999, 1, 1),
        team=scope.team,
        channel=scope.channel,
        category=scope.category,
        contact_type=scope.contact_type,
        level=scope.level,
    )
    return everything.tickets().filter(is_open=True)


def _age_filter(key: str) -> dict[str, Any]:
    now = clock.now()
    for name, low, high in AGES:
        if name == key:
            found: dict[str, Any] = {"received_at__lte": now - timedelta(days=low)}
            if high is not None:
                found["received_at__gt"] = now - timedelta(days=high)
            return found
    return {}


def backlog_by_age(scope: Scope) -> list[tuple[str, int]]:
    now = clock.now()
    open_rows = backlog(scope)
    out = []
    for name, low, high in AGES:
        rows = open_rows.filter(received_at__lte=now - timedelta(days=low))
        if high is not None:
            rows = rows.filter(received_at__gt=now - timedelta(days=high))
        out.append((name, rows.count()))
    return out


def age_label(key: str) -> str:
    return {
        "1d": _("under a day"),
        "3d": _("1–3 days"),
        "7d": _("3–7 days"),
        "14d": _("1–2 weeks"),
        "30d": _("2–4 weeks"),
        "more": _("over 4 weeks"),
    }[key]


def volumes_by_day(scope: Scope) -> tuple[list[date], dict[str, list[int]]]:
    """Tickets received per day (per month beyond two months) and channel."""
    monthly = scope.days > 62
    counted: dict[str, Counter[date]] = {}
    for on, channel, n in groups(scope).by_day_channel:
        day = on.replace(day=1) if monthly else on
        counted.setdefault(channel, Counter())[day] += n
    days: list[date] = []
    day = scope.start.replace(day=1) if monthly else scope.start
    while day < scope.end:
        days.append(day)
        day = _after(day, monthly)
    return days, {channel: [c[d] for d in days] for channel, c in sorted(counted.items())}


def outcomes(scope: Scope) -> list[tuple[str, int]]:
    counted = groups(scope).by["outcome"]
    return [(o.value, counted.get(o.value, 0)) for o in Outcome]


def satisfaction_scores(scope: Scope) -> list[tuple[int, int]]:
    scale = scope.policy.survey.scale
    counted = {r["survey_score"]: r["k"] for r in survey_scores(scope)}
    return [(score, counted.get(score, 0)) for score in range(1, scale + 1)]


def headline(scope: Scope) -> dict[str, Any]:
    """The dashboard's cards: received, still open, resolved, escalated, replies (from the
    page's `groups` when its figures counted them already)."""
    if scope.memoised("groups"):
        return dict(groups(scope).totals)
    return scope.tickets().aggregate(**_TOTALS)
