"""A simulation's result as a plain-text report: the run, the traffic, the deadlines, the
escalations, the letters, the sellers and the returns, each section a table."""

from __future__ import annotations

import math
from collections.abc import Sequence
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guichet.sla.simulator.results import Result

# The rows of the letters and escalations tables, in this order.
LETTER_KINDS = ("acknowledgement", "level_changed", "delay_letter", "outcome", "ombudsman")
TRIGGERS = ("time", "agent", "customer")


def format_report(result: Result) -> str:
    """The result as a plain-text report (the same result gives the same text), in the
    active language. Short labels carry the context "simulation": the catalogues already
    hold "met", "level", "letter"… with other meanings (a date, a field)."""
    out = [
        *_run(result),
        "",
        *_traffic(result),
        "",
        *_deadlines(result),
        "",
        *_escalations(result),
        "",
        *_letters(result),
        "",
        *_sellers(result),
        "",
        *_returns(result),
    ]
    return "\n".join(out) + "\n"


def _run(result: Result) -> list[str]:
    """What was simulated, and how many tickets came and were closed."""
    return [
        _("Policy simulation: %(name)s (%(slug)s), policy version %(version)s")
        % {"name": result.brand_name, "slug": result.brand, "version": result.version},
        _(
            "%(days)s days from %(start)s 00:00 (%(timezone)s), about %(per_day)s tickets a "
            "day, seed %(seed)s"
        )
        % {
            "days": result.days,
            "start": result.start.isoformat(),
            "timezone": result.timezone,
            "per_day": result.per_day,
            "seed": result.seed,
        },
        _("Tickets: %(received)s received, %(closed)s closed, %(open)s still open at the end")
        % {"received": result.tickets, "closed": result.closed, "open": result.still_open},
    ]


def _traffic(result: Result) -> list[str]:
    """The tickets by contact type, channel and complexity, most frequent first."""
    out = [pgettext("simulation", "Traffic")]
    for title, counts in (
        (pgettext("simulation", "contact type"), result.by_contact_type),
        (pgettext("simulation", "channel"), result.by_channel),
        (pgettext("simulation", "complexity"), result.by_complexity),
    ):
        rows = [
            [key, str(n), _percent(n / result.tickets if result.tickets else None)]
            for key, n in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))
        ]
        out += _table(
            [title, pgettext("simulation", "tickets"), pgettext("simulation", "share")],
            rows,
            left=1,
        )
    return out


def _deadlines(result: Result) -> list[str]:
    """One row per deadline rule and level, what its columns mean, and the totals."""
    rows = []
    for g in result.groups:
        rows.append(
            [
                g.kind,
                _level(result, g.level) if g.level else "-",
                result.rule_labels.get(g.rule, g.rule),
                str(g.count),
                str(g.on_time),
                _percent(g.share_met),
                str(g.breached),
                str(g.late),
                str(g.warnings),
                str(g.cancelled),
                str(g.still_open),
                _hours(g.hours, 0.5),
                _hours(g.hours, 0.9),
                _hours(g.clock_hours, 0.5),
                _hours(g.clock_hours, 0.9),
            ]
        )
    table = _table(
        [
            pgettext("simulation", "deadline"),
            pgettext("simulation", "level"),
            pgettext("simulation", "rule"),
            pgettext("simulation", "count"),
            pgettext("simulation", "on time"),
            pgettext("simulation", "met"),
            pgettext("simulation", "breached"),
            pgettext("simulation", "late"),
            pgettext("simulation", "warnings"),
            pgettext("simulation", "cancelled"),
            pgettext("simulation", "open"),
            pgettext("simulation", "median h"),
            pgettext("simulation", "p90 h"),
            pgettext("simulation", "median clock h"),
            pgettext("simulation", "p90 clock h"),
        ],
        rows,
        left=3,
    )
    return [
        pgettext("simulation", "Deadlines"),
        *table,
        _(
            "met: on time / (on time + breached). late: met after a breach. Times run from a "
            "deadline's start to the moment it was met:"
        ),
        _(
            "h in calendar hours, clock h on the deadline's own clock (opening hours, or the "
            "hours of open days)."
        ),
        _("Breaches: %(breaches)s; warnings sent to staff: %(warnings)s")
        % {
            "breaches": sum(g.breached for g in result.groups),
            "warnings": sum(g.warnings for g in result.groups),
        },
    ]


def _escalations(result: Result) -> list[str]:
    """Escalations to each level above the first by trigger, and for all levels."""
    rows = []
    for number in range(2, len(result.level_keys) + 1):
        per_trigger = [result.escalations[(number, trigger)] for trigger in TRIGGERS]
        rows.append([_level(result, number), *(str(n) for n in per_trigger), str(sum(per_trigger))])
    totals = [
        sum(result.escalations[(n, t)] for n in range(2, len(result.level_keys) + 1))
        for t in TRIGGERS
    ]
    rows.append([pgettext("simulation", "all levels"), *(str(n) for n in totals), str(sum(totals))])
    table = _table(
        [
            pgettext("simulation", "to level"),
            pgettext("simulation", "by time"),
            pgettext("simulation", "by agent"),
            pgettext("simulation", "by customer"),
            pgettext("simulation", "total"),
        ],
        rows,
        left=1,
    )
    return [pgettext("simulation", "Escalations"), *table]


def _letters(result: Result) -> list[str]:
    """The automatic letters sent, by kind."""
    names = {
        "acknowledgement": pgettext("simulation", "acknowledgement"),
        "level_changed": pgettext("simulation", "change of level"),
        "delay_letter": pgettext("simulation", "delay letter"),
        "outcome": pgettext("simulation", "written outcome"),
        "ombudsman": pgettext("simulation", "ombudsman referral"),
    }
    rows = [[names[kind], str(result.letters[kind])] for kind in LETTER_KINDS]
    rows.append(
        [pgettext("simulation", "total"), str(sum(result.letters[kind] for kind in LETTER_KINDS))]
    )
    table = _table(
        [pgettext("simulation", "letter"), pgettext("simulation", "count")], rows, left=1
    )
    return [pgettext("simulation", "Letters sent"), *table]


def _sellers(result: Result) -> list[str]:
    """Per seller of the pool: disputes that asked it, answers on time and late, no
    answer, strikes, the day it was restricted; then the totals."""
    title = pgettext("simulation", "Sellers")
    if not result.sellers:
        return [title, "  " + _("None: the policy has no [marketplace] section.")]
    zone = ZoneInfo(result.timezone)
    rows = [
        [
            str(seller.number),
            str(seller.asked),
            str(seller.on_time),
            str(seller.late),
            str(seller.unanswered),
            str(seller.strikes),
            seller.restricted_at.astimezone(zone).date().isoformat()
            if seller.restricted_at
            else "-",
        ]
        for seller in result.sellers
    ]
    sellers = result.sellers
    met, missed = sum(s.on_time for s in sellers), sum(s.strikes for s in sellers)
    restricted = sum(1 for s in sellers if s.restricted_at is not None)
    rows.append(
        [
            pgettext("simulation", "all sellers"),
            str(sum(s.asked for s in sellers)),
            str(met),
            str(sum(s.late for s in sellers)),
            str(sum(s.unanswered for s in sellers)),
            str(missed),
            str(restricted),
        ]
    )
    table = _table(
        [
            pgettext("simulation", "seller"),
            pgettext("simulation", "asked"),
            pgettext("simulation", "on time"),
            pgettext("simulation", "late"),
            pgettext("simulation", "no answer"),
            pgettext("simulation", "strikes"),
            pgettext("simulation", "restricted"),
        ],
        rows,
        left=1,
    )
    if result.strikes_within:
        rule = _("A strike at each missed deadline; restricted at %(count)s within %(window)s.") % {
            "count": result.strikes_before_restriction,
            "window": result.strikes_within,
        }
    else:
        rule = _("A strike at each missed deadline; restricted at %(count)s.") % {
            "count": result.strikes_before_restriction
        }
    return [
        title,
        *table,
        rule,
        _(
            "Seller deadlines: %(met)s met, %(missed)s missed (%(share)s met); "
            "sellers restricted: %(restricted)s of %(pool)s"
        )
        % {
            "met": met,
            "missed": missed,
            "share": _percent(met / (met + missed) if met + missed else None),
            "restricted": restricted,
            "pool": len(sellers),
        },
    ]


def _returns(result: Result) -> list[str]:
    """The return requests where an item comes back, and their two deadlines."""
    title = pgettext("simulation", "Returns and refunds")
    returns = result.returns
    if returns is None:
        return [title, "  " + _("None: the policy has no [returns] section.")]
    rows = []
    for kind in ("return_window", "refund"):
        groups = [g for g in result.groups if g.kind == kind]
        on_time, breached = sum(g.on_time for g in groups), sum(g.breached for g in groups)
        rows.append(
            [
                kind,
                str(sum(g.count for g in groups)),
                str(on_time),
                _percent(on_time / (on_time + breached) if on_time + breached else None),
                str(breached),
                str(sum(g.late for g in groups)),
                str(sum(g.cancelled for g in groups)),
                str(sum(g.still_open for g in groups)),
            ]
        )
    table = _table(
        [
            pgettext("simulation", "deadline"),
            pgettext("simulation", "count"),
            pgettext("simulation", "on time"),
            pgettext("simulation", "met"),
            pgettext("simulation", "breached"),
            pgettext("simulation", "late"),
            pgettext("simulation", "cancelled"),
            pgettext("simulation", "open"),
        ],
        rows,
        left=1,
    )
    return [
        title,
        *table,
        _("The policy's returns: %(rule)s.") % {"rule": result.returns_rule},
        _(
            "Return requests with an item: %(requests)s; sent back: %(returned)s, refunded: "
            "%(refunded)s, never sent back: %(never)s"
        )
        % {
            "requests": returns.requests,
            "returned": returns.returned,
            "refunded": returns.refunded,
            "never": returns.never_sent,
        },
    ]


def _level(result: Result, number: int) -> str:
    return f"{number} {result.level_keys[number - 1]}"


def _percent(share: float | None) -> str:
    return "-" if share is None else f"{share * 100:.1f} %"


def _hours(values: Sequence[float], quantile: float) -> str:
    """Nearest-rank quantile of sorted values, in hours with one decimal."""
    if not values:
        return "-"
    return f"{values[max(0, math.ceil(quantile * len(values)) - 1)]:.1f}"


def _table(header: list[str], rows: list[list[str]], *, left: int) -> list[str]:
    """Columns padded to their widest cell: the first `left` ones to the left, the
    numbers to the right."""
    widths = [max(len(row[i]) for row in (header, *rows)) for i in range(len(header))]
    lines = []
    for row in (header, *rows):
        cells = [
            cell.ljust(width) if i < left else cell.rjust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        lines.append(("  " + "  ".join(cells)).rstrip())
    return lines
