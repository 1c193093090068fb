"""The policy simulator (docs/requirements.md PL-5): run a policy against a period of made-up
traffic before it goes live, and see which promises it keeps.

`simulate(policy, days=…, per_day=…, seed=…)` is a discrete-event simulation in memory (no
database, no clock): a heap of (moment, sequence, ticket, what) with one moving clock.
Every deadline comes from the live system's `Engine.plan` — after each change to a ticket
the simulator asks the engine for the plan and keeps per-deadline rows in step with it,
the way `sla.services.deadlines_refresh` keeps Deadline rows; when a planned moment comes
it does what `sla.watcher` does (warn, record a breach, escalate by time, send the delay
letter and move the protected deadline by `Engine.extended_due`). Nothing about a
deadline is computed here. `format_report(result)` prints the outcome as a plain table.

The same policy, options and seed give the same result, byte for byte: one
`random.Random(seed)`, a fixed start (default Monday 2026-01-05, 00:00 in the brand's time
zone), ties in the heap broken by a sequence number, nothing iterated in hash order.

What the model assumes (the constants below hold the figures):

Traffic.
- Each day brings a Poisson number of tickets whose mean is `per_day` times a weekday
  factor (Monday busiest, Sunday quietest; the factors average 1 over a week) times 0.6 on
  the brand's public holidays and closures.
- The hour of arrival follows a day-time profile (quiet at night, peaks late morning and
  mid-afternoon), twice as likely in an hour when the brand is open.
- Contact types, channels and categories are drawn with fixed weights among those the
  policy has: complaints and questions are the most frequent; email and the web form
  bring most tickets, then phone and chat. Only channels that bring tickets count
  (email, web, chat, phone, social, sms, letter). Phone and chat calls, and postal letters
  (opened at the office), arrive only while the channel is open; a call drawn when it is
  closed goes to another channel. The priority is the category's.
- About 70 % of requests are simple (complaints and disputes are complex more often).

Handling. Staff work only during the brand's opening hours (`Engine.calendar`): their
delays are lognormal amounts of *open* time — open hours for the first response, open days
of the brand for the rest (a brand open 12 hours a day gets through a "day" of work in 12
open hours). There is no queue: staff are never short, so the figures show what the
policy's targets make of normal handling times, not of a backlog. Customers answer in
calendar time.
- The acknowledgement goes out at once on channels whose policy says `acknowledge`; on the
  others, the first reply acknowledges.
- Phone and chat are answered live: the first response is given within minutes, and most
  simple requests are solved during the call.
- Otherwise the first response takes a median of 3 open hours (less for high and urgent
  priorities and first-in-queue categories); it often answers a simple request in full,
  and always a compliment the policy thanks and forwards.
- Some tickets then wait on the customer (a pause, which stops the pausable clocks); the
  customer answers after a median of 20 calendar hours, or never (the agent closes the
  ticket 10 open days later).
- The full answer comes a median of 0.8 open day (simple) or 2.5 open days (complex) after
  the first response. It is the decision: the ticket closes with it; complaints and
  disputes get a written outcome (upheld, partly upheld, not upheld, unresolved).
- Some requests are escalated by an agent (complex complaints most often); the team of the
  new level decides after a median of 1.5 open days (2 at the final level). After a
  decision below the final level, some customers ask for the next level where the policy
  allows it (mostly after "not upheld"), after a median of two calendar days; the ticket
  reopens at that level.
- When the engine's escalation moment comes before the ticket is solved, it moves to that
  level (like the watcher) and the new level's team starts over. Comments that need no
  reply, and contact types whose policy says `reply = "none"`, are closed without one.
- Not simulated: marketplace sellers (`seller_response`), "another person, please",
  returns to a lower level, customers writing again after a close, staff absences.

Measured. Per deadline rule and level: deadlines set, met on time, share met (on time /
(on time + breached); deadlines cancelled or still running before their due moment are
not counted), breaches, warnings, cancelled and still-open ones, and the median and 90th
percentile of the time from the deadline's start to the moment it was met, in calendar
hours and on the deadline's own clock. Escalations per level by trigger, and the letters
sent. Tickets received in the period are followed to their end (up to a year after it).
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from guichet.policies.schema import DeadlineRule, Policy
from guichet.sla.businesstime import BusinessCalendar, elapsed
from guichet.sla.engine import ACTIONS, Engine, Planned, facts_for

__all__ = ["DEFAULT_START", "GroupStats", "Result", "format_report", "simulate"]

DEFAULT_START = date(2026, 1, 5)  # a Monday

# --- traffic --------------------------------------------------------------------------------

# Monday … Sunday; normalised to average 1 over a week.
WEEKDAY_WEIGHTS = (1.2, 1.15, 1.1, 1.05, 1.0, 0.8, 0.7)
HOLIDAY_FACTOR = 0.6
# Local hours 0 … 23: when people write or call.
HOUR_WEIGHTS = (
    0.15, 0.1, 0.08, 0.08, 0.1, 0.2, 0.4, 0.8, 1.3, 1.8, 2.0, 2.0,
    1.6, 1.6, 1.9, 1.9, 1.7, 1.4, 1.1, 1.0, 0.9, 0.7, 0.45, 0.25,
)  # fmt: skip
OPEN_HOUR_FACTOR = 2.0
CONTACT_TYPE_WEIGHTS = {
    "complaint": 35.0,
    "question": 30.0,
    "service_request": 12.0,
    "return_refund": 8.0,
    "dispute": 6.0,
    "comment": 4.0,
    "compliment": 2.0,
    "data_rights": 1.0,
}
CHANNEL_WEIGHTS = {
    "email": 35.0,
    "web": 25.0,
    "phone": 18.0,
    "chat": 12.0,
    "social": 6.0,
    "sms": 3.0,
    "letter": 1.0,
}
OFFICE_ONLY = frozenset({"phone", "chat", "letter"})  # arrive only while the channel is open
LIVE = frozenset({"phone", "chat"})  # answered during the contact
# Share of complex requests by contact type (overall about 30 %).
COMPLEX_SHARE = {"complaint": 0.4, "dispute": 0.5, "question": 0.15}
COMPLEX_SHARE_OTHERS = 0.3
DECIDED_TYPES = frozenset({"complaint", "dispute"})  # closed with a written outcome

# --- handling (staff delays in open days of the brand, customers' in calendar hours) -------

FIRST_RESPONSE_HOURS, FIRST_RESPONSE_SIGMA = 3.0, 1.0  # open hours
ANSWER_DAYS = {"simple": 0.8, "complex": 2.5}
ANSWER_SIGMA = 0.8
AFTER_PAUSE_DAYS = {"simple": 0.5, "complex": 1.5}
PRIORITY_FACTOR = {"urgent": 0.3, "high": 0.6, "normal": 1.0, "low": 1.3}
FIRST_IN_QUEUE_FACTOR = 0.7
LIVE_MINUTES, LIVE_SIGMA = 7.0, 0.6
# Solved during a call or chat; answered in full by the first written reply.
SOLVED_LIVE = {("simple", False): 0.65, ("complex", False): 0.2, ("simple", True): 0.3}
ANSWERED_AT_ONCE = {("simple", False): 0.55, ("complex", False): 0.1, ("simple", True): 0.15}
PAUSE_SHARE = {"data_rights": 0.5, "return_refund": 0.35, "complaint": 0.25, "dispute": 0.3}
PAUSE_SHARE_OTHERS = 0.15
CUSTOMER_ANSWER_HOURS, CUSTOMER_ANSWER_SIGMA = 20.0, 1.0
CUSTOMER_NEVER_ANSWERS = 0.1
GIVE_UP_DAYS = 10.0
COMMENT_NEEDS_REPLY = 0.3
# Escalated by an agent at the first level: (decided type?, complexity) -> share.
AGENT_ESCALATES = {
    (True, "simple"): 0.06,
    (True, "complex"): 0.25,
    (False, "simple"): 0.02,
    (False, "complex"): 0.15,
}
AGENT_ESCALATION_DAYS = 0.5
LEVEL_DAYS, FINAL_LEVEL_DAYS, LEVEL_SIGMA = 1.5, 2.0, 0.7
OUTCOMES = ("upheld", "partly_upheld", "not_upheld", "unresolved")
OUTCOME_WEIGHTS = (0.35, 0.25, 0.33, 0.07)
# After a decision below the final level: the share of customers who ask for the next one.
ASKS_NEXT_LEVEL = {"upheld": 0.03, "partly_upheld": 0.12, "not_upheld": 0.3, "unresolved": 0.3}
ASK_HOURS, ASK_SIGMA = 48.0, 0.8

# How long after the period tickets are followed before the simulation stops.
FOLLOW_UP = timedelta(days=365)

PROMISE_ORDER = ("acknowledgement", "first_response", "full_answer", "resolution", "update")
LETTER_KINDS = ("acknowledgement", "level_changed", "delay_letter", "outcome", "ombudsman")
TRIGGERS = ("time", "agent", "customer")

# Heap events.
_ARRIVE, _STAFF, _CUSTOMER, _ENGINE = 0, 1, 2, 3
# Where a ticket's handling stands.
_FIRST, _WORK, _WAITING, _CLOSED = 0, 1, 2, 3


# --- results --------------------------------------------------------------------------------


@dataclass
class GroupStats:
    """The deadlines one policy rule set at one level."""

    kind: str
    level: int
    rule: str
    count: int = 0
    on_time: int = 0
    late: int = 0
    breached: int = 0
    warnings: int = 0
    cancelled: int = 0
    still_open: int = 0
    hours: list[float] = field(default_factory=list)
    clock_hours: list[float] = field(default_factory=list)

    @property
    def share_met(self) -> float | None:
        decided = self.on_time + self.breached
        return self.on_time / decided if decided else None


@dataclass
class Result:
    brand: str
    brand_name: str
    version: str
    timezone: str
    start: date
    days: int
    per_day: int
    seed: int
    tickets: int = 0
    closed: int = 0
    by_contact_type: Counter[str] = field(default_factory=Counter)
    by_channel: Counter[str] = field(default_factory=Counter)
    by_complexity: Counter[str] = field(default_factory=Counter)
    groups: list[GroupStats] = field(default_factory=list)
    # (level, trigger) -> count
    escalations: Counter[tuple[int, str]] = field(default_factory=Counter)
    letters: Counter[str] = field(default_factory=Counter)
    level_keys: list[str] = field(default_factory=list)
    rule_labels: dict[str, str] = field(default_factory=dict)

    @property
    def still_open(self) -> int:
        return self.tickets - self.closed

    def group(self, kind: str, level: int = 0) -> list[GroupStats]:
        return [g for g in self.groups if g.kind == kind and g.level == level]


# --- the simulated ticket ---------------------------------------------------------------------


class _Row:
    """One deadline as the live system keeps it (a Deadline row)."""

    __slots__ = (
        "breached",
        "cancelled",
        "clock",
        "due_at",
        "key",
        "kind",
        "level",
        "met_at",
        "original_due",
        "promised_due_at",
        "rule",
        "started_at",
        "warn_at",
        "warned",
        "warnings",
    )

    def __init__(self, item: Planned) -> None:
        self.kind = item.kind
        self.level = item.level
        self.key = item.key
        self.rule = item.rule
        self.clock = item.clock
        self.started_at = item.started_at
        self.due_at = item.due_at
        self.warn_at = item.warn_at
        self.met_at: datetime | None = item.met_at
        self.cancelled = False
        self.warned = False
        self.warnings = 0
        self.breached = False
        self.original_due: datetime | None = None  # set when a delay letter moved it
        self.promised_due_at: datetime | None = None  # the date the delay letter promised

    def next_action(self) -> datetime | None:
        """As sla.services.next_action_at: the warning, then the due moment."""
        if self.due_at is None or self.met_at is not None or self.cancelled:
            return None
        if self.warn_at is not None and not self.warned:
            return self.warn_at if self.breached else min(self.warn_at, self.due_at)
        return None if self.breached else self.due_at


@dataclass
class _Script:
    """What will happen to a ticket, drawn when it arrives (so the draws do not depend on
    what the engine does with it)."""

    first_hours: float
    live_minutes: float
    solved_live: bool
    answered_at_once: bool
    pauses: bool
    customer_hours: float
    never_answers: bool
    after_pause_days: float
    answer_days: float
    agent_escalates: bool
    agent_escalation_days: float
    needs_reply: bool
    level_days: list[float]  # per level (index 0 = level 1, unused)
    outcomes: list[str]  # per level
    asks_next: list[float]  # per level: uniform draw compared with ASKS_NEXT_LEVEL
    ask_hours: list[float]


class _Ticket:
    __slots__ = (
        "acknowledged_at",
        "agent_escalation_due",
        "answered_at",
        "auto_acknowledge",
        "category",
        "channel",
        "closed_at",
        "complexity",
        "contact_type",
        "created_at",
        "engine_at",
        "engine_version",
        "first_responded_at",
        "id",
        "last_update_at",
        "level",
        "level_started_at",
        "met_keys",
        "outcome",
        "pauses",
        "priority",
        "reopened_at",
        "running",
        "script",
        "stage",
        "version",
    )

    def __init__(
        self,
        ticket_id: int,
        received_at: datetime,
        contact_type: str,
        category: str,
        priority: str,
        complexity: str,
        channel: str,
        script: _Script,
    ) -> None:
        self.id = ticket_id
        self.created_at = received_at
        self.contact_type = contact_type
        self.category = category
        self.priority = priority
        self.complexity = complexity
        self.channel = channel
        self.script = script
        self.level = 1
        self.level_started_at = received_at
        self.closed_at: datetime | None = None
        self.reopened_at: datetime | None = None
        self.auto_acknowledge = True
        self.acknowledged_at: datetime | None = None
        self.first_responded_at: datetime | None = None
        self.answered_at: datetime | None = None
        self.last_update_at: datetime | None = None
        self.pauses: list[tuple[datetime, datetime | None]] = []
        self.outcome = ""
        self.stage = _FIRST
        self.version = 0  # of the pending staff or customer event
        self.engine_version = 0
        self.engine_at: datetime | None = None
        self.running: dict[tuple[str, int], _Row] = {}
        self.met_keys: set[tuple[str, int]] = set()
        self.agent_escalation_due = script.agent_escalates


@dataclass(frozen=True)
class _Arrival:
    at: datetime
    contact_type: str
    channel: str
    category: str
    complexity: str
    script: _Script


# --- the simulation -----------------------------------------------------------------------


def simulate(
    policy: Policy,
    *,
    days: int = 90,
    per_day: int = 200,
    seed: int = 1,
    start: date = DEFAULT_START,
) -> Result:
    """Simulate `days` days of traffic from `start` (00:00 in the brand's time zone) with
    about `per_day` tickets a day. Raises ValueError if the policy has no channel that
    brings tickets, or for days < 1 or per_day < 0."""
    if days < 1:
        raise ValueError("simulate at least one day")
    if per_day < 0:
        raise ValueError("the number of tickets a day cannot be negative")
    return _Simulation(policy, days=days, per_day=per_day, seed=seed, start=start).run()


class _Simulation:
    def __init__(self, policy: Policy, *, days: int, per_day: int, seed: int, start: date):
        self.policy = policy
        self.engine = Engine(policy)
        self.calendar = self.engine.calendar
        self.rng = random.Random(seed)  # noqa: S311 — a simulation, not a secret
        self.days = days
        self.per_day = per_day
        self.start = start
        self.final_level = policy.final_level
        self.result = Result(
            brand=policy.brand.slug,
            brand_name=policy.brand.name,
            version=policy.version,
            timezone=policy.calendar.timezone,
            start=start,
            days=days,
            per_day=per_day,
            seed=seed,
            level_keys=list(policy.level_keys),
            rule_labels={f"deadlines[{i}]": _rule_label(r) for i, r in enumerate(policy.deadlines)},
        )
        self.heap: list[tuple[datetime, int, int, int, int]] = []
        self.sequence = 0
        self.tickets: list[_Ticket] = []
        self.rows: list[_Row] = []
        self.day_hours = _open_hours_per_day(self.calendar)

    # --- scheduling ----------------------------------------------------------------------
    def push(self, at: datetime, ticket_id: int, what: int, version: int) -> None:
        self.sequence += 1
        heapq.heappush(self.heap, (at, self.sequence, ticket_id, what, version))

    def staff_after(self, now: datetime, open_days: float) -> datetime:
        """When staff working only in opening hours have spent `open_days` on it."""
        amount = timedelta(hours=max(open_days * self.day_hours, 1 / 60))
        return self.calendar.add(now, amount)

    def schedule(self, ticket: _Ticket, at: datetime, what: int) -> None:
        ticket.version += 1
        self.push(at, ticket.id, what, ticket.version)

    # --- the run -------------------------------------------------------------------------
    def run(self, arrivals: Sequence[_Arrival] | None = None) -> Result:
        """Run the traffic (or the given arrivals, in time order) to its end."""
        if arrivals is None:
            arrivals = _Traffic(self.policy, self.calendar, self.rng).generate(
                self.start, self.days, self.per_day
            )
        for index, arrival in enumerate(arrivals):
            self.push(arrival.at, index, _ARRIVE, 0)
        zone = self.engine.zone
        end = datetime.combine(self.start + timedelta(days=self.days), time(), zone)
        stop = end.astimezone(UTC) + FOLLOW_UP
        heap = self.heap
        while heap:
            now, _seq, ticket_id, what, version = heapq.heappop(heap)
            if now > stop:
                break
            if what == _ARRIVE:
                self.arrive(arrivals[ticket_id], now)
                continue
            ticket = self.tickets[ticket_id]
            if what == _ENGINE:
                if version == ticket.engine_version:
                    self.watch(ticket, now)
            elif version == ticket.version:
                if what == _STAFF:
                    self.staff(ticket, now)
                else:
                    self.customer(ticket, now)
        return self.finish()

    # --- the engine's side: rows in step with the plan, the watcher's actions -------------
    def refresh(self, ticket: _Ticket, now: datetime) -> None:
        """As sla.services.deadlines_refresh, then the ticket's next moment to act."""
        planned = {
            item.key: item
            for item in self.engine.plan(facts_for(ticket, ticket.running.values(), ticket.pauses))
        }
        running = ticket.running
        for key, row in list(running.items()):
            item = planned.get(key)
            restarted = (
                item is not None and row.kind == "update" and item.started_at != row.started_at
            )
            if item is not None and not restarted:
                continue
            self.end(ticket, row, met=restarted or self.ended_as_met(ticket, row), now=now)
        for key, item in planned.items():
            current = running.get(key)
            if current is not None:
                current.rule, current.clock = item.rule, item.clock
                current.started_at, current.due_at = item.started_at, item.due_at
                current.warn_at = item.warn_at
                if item.met_at is not None:
                    current.met_at = item.met_at
                    ticket.met_keys.add(key)
                    del running[key]
            elif item.met_at is None or key not in ticket.met_keys:
                created = _Row(item)
                self.rows.append(created)
                if item.met_at is None:
                    running[key] = created
                else:
                    ticket.met_keys.add(key)
        self.watch_next(ticket, now)

    @staticmethod
    def ended_as_met(ticket: _Ticket, row: _Row) -> bool:
        """As sla.services._ended_as_met."""
        if row.kind == "level":
            return ticket.level > row.level or ticket.closed_at is not None
        if row.kind == "escalation":
            return ticket.level >= row.level
        if row.kind == "update":
            return ticket.closed_at is not None
        return False

    @staticmethod
    def end(ticket: _Ticket, row: _Row, *, met: bool, now: datetime) -> None:
        if met:
            row.met_at = now
            ticket.met_keys.add(row.key)
        else:
            row.cancelled = True
        del ticket.running[row.key]

    def watch_next(self, ticket: _Ticket, now: datetime) -> None:
        moments = [m for row in ticket.running.values() if (m := row.next_action()) is not None]
        moment = min(moments) if moments else None
        if moment == ticket.engine_at:
            return
        ticket.engine_version += 1
        ticket.engine_at = moment
        if moment is not None:
            self.push(max(moment, now), ticket.id, _ENGINE, ticket.engine_version)

    def watch(self, ticket: _Ticket, now: datetime) -> None:
        """As sla.watcher: act on every row whose moment has come, earliest first."""
        ticket.engine_at = None
        due = sorted(
            (
                (moment, n, row)
                for n, row in enumerate(ticket.running.values())
                if (moment := row.next_action()) is not None and moment <= now
            ),
            key=lambda entry: (entry[0], entry[1]),
        )
        for _moment, _n, row in due:
            if ticket.running.get(row.key) is not row:
                continue  # ended by an earlier action
            action = row.next_action()
            if action is None or action > now:
                continue
            if row.warn_at is not None and not row.warned and row.warn_at <= now:
                row.warned = True
                row.warnings += 1
            if row.due_at is None or row.due_at > now or row.breached:
                continue
            if row.kind == "escalation":
                if not self.escalate(ticket, row.level, "time", now):
                    self.end(ticket, row, met=False, now=now)  # as the watcher's _cancel
            elif row.kind == "delay_letter":
                self.delay_letter(ticket, row, now)
            else:
                row.breached = True
        self.watch_next(ticket, now)

    def delay_letter(self, ticket: _Ticket, row: _Row, now: datetime) -> None:
        """As sla.watcher.send_delay_letter: once per deadline, the protected deadline
        moves to its target again counted from the moment that would have been missed."""
        letter = self.policy.delay_letter
        assert letter is not None
        protected = next((r for r in ticket.running.values() if r.kind == letter.deadline), None)
        if protected is None or protected.due_at is None or protected.original_due is not None:
            # Cancelled, as the watcher does (no refresh: the next change plans it again).
            self.end(ticket, row, met=False, now=now)
            return
        rule = self.policy.deadlines[int(protected.rule.removeprefix("deadlines[").rstrip("]"))]
        previous = protected.due_at
        new_due = self.engine.extended_due(rule.clock, previous, rule.target)
        protected.original_due = previous
        protected.promised_due_at = new_due
        protected.due_at = new_due
        protected.warn_at = (
            self.engine.subtract(rule.clock, new_due, rule.warn_before)
            if rule.warn_before
            else None
        )
        protected.warned = False
        for other in list(ticket.running.values()):
            if other.kind == "delay_letter":
                self.end(ticket, other, met=True, now=now)
        self.send(ticket, "delay_letter", now)
        self.refresh(ticket, now)

    # --- what the customer is told ---------------------------------------------------------
    def send(self, ticket: _Ticket, kind: str, now: datetime) -> None:
        """An automatic letter: a message to the customer (as ticket_reply(automatic=True))."""
        self.result.letters[kind] += 1
        ticket.last_update_at = now
        if ticket.acknowledged_at is None:
            ticket.acknowledged_at = now

    def reply(self, ticket: _Ticket, now: datetime, *, full_answer: bool = False) -> None:
        """A person's reply (ticket_reply): the first meets the first response."""
        ticket.last_update_at = now
        if ticket.acknowledged_at is None:
            ticket.acknowledged_at = now
        if ticket.first_responded_at is None:
            ticket.first_responded_at = now
        if full_answer and ticket.answered_at is None:
            ticket.answered_at = now

    def end_pause(self, ticket: _Ticket, now: datetime) -> None:
        if ticket.pauses and ticket.pauses[-1][1] is None:
            ticket.pauses[-1] = (ticket.pauses[-1][0], now)

    # --- the ticket's life ---------------------------------------------------------------
    def arrive(self, arrival: _Arrival, now: datetime) -> None:
        category = self.policy.category(arrival.category)
        ticket = _Ticket(
            len(self.tickets),
            now,
            arrival.contact_type,
            arrival.category,
            category.priority if category else "normal",
            arrival.complexity,
            arrival.channel,
            arrival.script,
        )
        self.tickets.append(ticket)
        result = self.result
        result.tickets += 1
        result.by_contact_type[ticket.contact_type] += 1
        result.by_channel[ticket.channel] += 1
        result.by_complexity[ticket.complexity] += 1
        channel = self.policy.channel(ticket.channel)
        ticket.auto_acknowledge = channel is None or channel.acknowledge
        if ticket.auto_acknowledge:
            self.send(ticket, "acknowledgement", now)
        self.refresh(ticket, now)
        script = ticket.script
        if ticket.channel in LIVE:
            self.schedule(ticket, now + timedelta(minutes=script.live_minutes), _STAFF)
        else:
            factor = PRIORITY_FACTOR.get(ticket.priority, 1.0) if script.needs_reply else 0.5
            if category is not None and category.first_in_queue:
                factor *= FIRST_IN_QUEUE_FACTOR
            later = self.calendar.add(now, timedelta(hours=script.first_hours * factor))
            self.schedule(ticket, later, _STAFF)

    def staff(self, ticket: _Ticket, now: datetime) -> None:
        script = ticket.script
        if ticket.stage == _FIRST:
            if not script.needs_reply:
                self.close(ticket, now)
                return
            live = ticket.channel in LIVE
            if (script.solved_live if live else script.answered_at_once) and ticket.level == 1:
                self.reply(ticket, now, full_answer=True)
                self.decide(ticket, now)
                return
            self.reply(ticket, now)
            if script.pauses:
                ticket.stage = _WAITING
                ticket.pauses.append((now, None))
                if script.never_answers:
                    self.schedule(ticket, self.staff_after(now, GIVE_UP_DAYS), _STAFF)
                else:
                    later = now + timedelta(hours=script.customer_hours)
                    self.schedule(ticket, later, _CUSTOMER)
                self.refresh(ticket, now)
                return
            ticket.stage = _WORK
            self.refresh(ticket, now)
            self.next_step(ticket, now, script.answer_days)
        elif ticket.stage == _WORK:
            if ticket.agent_escalation_due and self.may_escalate(ticket):
                self.escalate(ticket, ticket.level + 1, "agent", now)
            else:
                self.reply(ticket, now, full_answer=True)
                self.decide(ticket, now)
        elif ticket.stage == _WAITING:  # the customer never answered
            ticket.outcome = "unresolved"
            self.close(ticket, now)

    def next_step(self, ticket: _Ticket, now: datetime, answer_days: float) -> None:
        """After the first response or the customer's answer: an agent escalation, or the
        full answer."""
        script = ticket.script
        if ticket.agent_escalation_due and self.may_escalate(ticket):
            self.schedule(ticket, self.staff_after(now, script.agent_escalation_days), _STAFF)
            return
        days = answer_days * PRIORITY_FACTOR.get(ticket.priority, 1.0)
        if ticket.level > 1:
            days = script.level_days[ticket.level - 1]
        self.schedule(ticket, self.staff_after(now, days), _STAFF)

    def may_escalate(self, ticket: _Ticket) -> bool:
        return self.policy.escalation.agent_may_escalate and ticket.level < self.final_level

    def customer(self, ticket: _Ticket, now: datetime) -> None:
        if ticket.stage == _WAITING:  # the customer answers: the clocks run again
            self.end_pause(ticket, now)
            ticket.stage = _WORK
            self.refresh(ticket, now)
            self.next_step(ticket, now, ticket.script.after_pause_days)
        elif ticket.stage == _CLOSED:  # the customer asks for the next level
            self.escalate(ticket, ticket.level + 1, "customer", now)

    def decide(self, ticket: _Ticket, now: datetime) -> None:
        """The full answer was given: close, with a written outcome for complaints and
        disputes; some customers then ask for the next level."""
        script = ticket.script
        if ticket.contact_type in DECIDED_TYPES:
            ticket.outcome = script.outcomes[ticket.level - 1]
        self.close(ticket, now)
        policy = self.policy
        if (
            ticket.contact_type in DECIDED_TYPES
            and ticket.level < self.final_level
            and policy.escalation.customer_may_request
            and script.asks_next[ticket.level - 1] < ASKS_NEXT_LEVEL[ticket.outcome]
        ):
            later = now + timedelta(hours=script.ask_hours[ticket.level - 1])
            self.schedule(ticket, later, _CUSTOMER)

    def close(self, ticket: _Ticket, now: datetime) -> None:
        """As ticket_close and notify's tell_outcome."""
        self.end_pause(ticket, now)
        ticket.stage = _CLOSED
        ticket.closed_at = now
        ticket.version += 1  # nothing pending any more
        if ticket.outcome and ticket.contact_type in DECIDED_TYPES:
            if ticket.answered_at is None:
                ticket.answered_at = now
            self.send(ticket, "outcome", now)
            if self.policy.ombudsman is not None and ticket.level == self.final_level:
                self.send(ticket, "ombudsman", now)
        self.refresh(ticket, now)

    def escalate(self, ticket: _Ticket, to_level: int, trigger: str, now: datetime) -> bool:
        """As ticket_escalate (and notify's tell_new_level): reopen if the customer asks
        after a decision, move to the level, and the new level's team starts over. False
        when the service would refuse."""
        if not ticket.level < to_level <= self.final_level:
            return False
        if ticket.closed_at is not None and trigger != "customer":
            return False
        if ticket.closed_at is not None:
            ticket.reopened_at = now
        ticket.closed_at = None
        ticket.level = to_level
        ticket.level_started_at = now
        ticket.agent_escalation_due = False
        self.end_pause(ticket, now)
        self.result.escalations[(to_level, trigger)] += 1
        if self.policy.escalation.notify_customer:
            self.send(ticket, "level_changed", now)
        if ticket.stage == _FIRST:
            self.refresh(ticket, now)  # the pending first response still comes
            return True
        ticket.stage = _WORK
        self.refresh(ticket, now)
        self.schedule(ticket, self.staff_after(now, ticket.script.level_days[to_level - 1]), _STAFF)
        return True

    # --- the figures -----------------------------------------------------------------------
    def finish(self) -> Result:
        result = self.result
        result.closed = sum(1 for t in self.tickets if t.closed_at is not None)
        groups: dict[tuple[str, int, str], GroupStats] = {}
        calendar = self.calendar
        for row in self.rows:
            if row.kind in ACTIONS:
                continue
            key = (row.kind, row.level, row.rule)
            stats = groups.get(key)
            if stats is None:
                stats = groups[key] = GroupStats(row.kind, row.level, row.rule)
            stats.count += 1
            stats.warnings += row.warnings
            if row.breached:
                stats.breached += 1
            if row.met_at is not None:
                if row.breached:
                    stats.late += 1
                else:
                    stats.on_time += 1
                seconds = (row.met_at - row.started_at).total_seconds()
                stats.hours.append(seconds / 3600)
                if row.clock == "calendar":
                    stats.clock_hours.append(seconds / 3600)
                else:
                    spent = elapsed(row.clock, calendar, row.started_at, row.met_at)
                    stats.clock_hours.append(spent.total_seconds() / 3600)
            elif row.cancelled:
                stats.cancelled += 1
            else:
                stats.still_open += 1
        order = {kind: n for n, kind in enumerate((*PROMISE_ORDER, "level"))}
        result.groups = sorted(
            groups.values(),
            key=lambda g: (order.get(g.kind, 99), g.level, _rule_number(g.rule)),
        )
        for stats in result.groups:
            stats.hours.sort()
            stats.clock_hours.sort()
        return result


def _rule_number(rule: str) -> int:
    return int(rule.removeprefix("deadlines[").rstrip("]")) if rule.startswith("deadlines[") else -1


def _open_hours_per_day(calendar: BusinessCalendar) -> float:
    """The brand's average opening hours on a day it opens (by its weekly hours)."""
    days = [sum(end - start for start, end in spans) for spans in calendar.hours.values() if spans]
    return sum(days) / len(days) / 60 if days else 8.0


def _rule_label(rule: DeadlineRule) -> str:
    """A deadline rule as the policy file says it: target, clock and selectors."""
    parts = [f"{rule.target} {rule.clock}"]
    if rule.start != "received":
        parts.append(f"from {rule.start}")
    if rule.received_on != "any":
        parts.append(f"received_on={rule.received_on}")
    for name in ("contact_types", "categories", "priorities", "complexity", "channels"):
        values: list[str] = getattr(rule, name)
        if values:
            parts.append(f"{name}={','.join(values)}")
    return " ".join(parts)


# --- traffic ----------------------------------------------------------------------------


class _Traffic:
    """Arrivals: when, by which channel, what kind of request; and each ticket's script."""

    def __init__(self, policy: Policy, calendar: BusinessCalendar, rng: random.Random) -> None:
        self.policy = policy
        self.calendar = calendar
        self.rng = rng
        self.zone = calendar.timezone
        kinds: list[str] = []
        for channel in policy.channels:
            if channel.kind in CHANNEL_WEIGHTS and channel.kind not in kinds:
                kinds.append(channel.kind)
        if not kinds:
            raise ValueError(
                "the policy has no channel that brings tickets "
                f"({', '.join(sorted(CHANNEL_WEIGHTS))})"
            )
        self.channels = kinds
        self.channel_cum = list(accumulate(CHANNEL_WEIGHTS[k] for k in kinds))
        self.anytime = [k for k in kinds if k not in OFFICE_ONLY]
        self.anytime_cum = list(accumulate(CHANNEL_WEIGHTS[k] for k in self.anytime))
        # A channel's own opening hours decide when it takes calls; otherwise the brand's.
        self.channel_hours: dict[str, BusinessCalendar] = {}
        for kind in kinds:
            own = policy.channel(kind)
            if own is not None and own.hours is not None:
                self.channel_hours[kind] = BusinessCalendar.from_policy(
                    policy.calendar, hours=own.hours
                )
        self.types = [c.type for c in policy.contact_types]
        self.type_cum = list(accumulate(CONTACT_TYPE_WEIGHTS.get(t, 1.0) for t in self.types))
        self.categories = [c.key for c in policy.categories]
        self.category_cum = list(accumulate(1 / (1 + 0.3 * i) for i in range(len(self.categories))))
        self.levels = len(policy.levels)

    def generate(self, start: date, days: int, per_day: int) -> list[_Arrival]:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.zone)
        rng = self.rng
        mean_weight = sum(WEEKDAY_WEIGHTS) / 7
        arrivals: list[_Arrival] = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            rate = per_day * WEEKDAY_WEIGHTS[day.weekday()] / mean_weight
            if not self.calendar.is_open_day(day) and self.calendar.hours[day.weekday()]:
                rate *= HOLIDAY_FACTOR  # a holiday or closure on a usual opening day
            hour_cum = list(
                accumulate(
                    weight
                    * (
                        OPEN_HOUR_FACTOR
                        if self.calendar.is_open(datetime.combine(day, time(hour, 30), zone))
                        else 1.0
                    )
                    for hour, weight in enumerate(HOUR_WEIGHTS)
                )
            )
            moments = []
            for _arrival in range(_poisson(rng, rate)):
                hour = bisect_right(hour_cum, rng.random() * hour_cum[-1])
                local = datetime.combine(day, time(min(hour, 23)), zone)
                moments.append(local.astimezone(UTC) + timedelta(seconds=rng.random() * 3600))
            moments.sort()
            for at in moments:
                arrivals.append(self.arrival(at))
        arrivals.sort(key=lambda a: a.at)
        return arrivals

    def pick(self, items: Sequence[str], cum: Sequence[float]) -> str:
        return items[bisect_right(cum, self.rng.random() * cum[-1])]

    def arrival(self, at: datetime) -> _Arrival:
        rng = self.rng
        channel = self.pick(self.channels, self.channel_cum)
        if channel in OFFICE_ONLY:
            hours = self.channel_hours.get(channel, self.calendar)
            if not hours.is_open(at):
                if self.anytime:
                    channel = self.pick(self.anytime, self.anytime_cum)
                else:
                    at = hours.next_open(at)
        contact_type = self.pick(self.types, self.type_cum)
        category = self.pick(self.categories, self.category_cum)
        share = COMPLEX_SHARE.get(contact_type, COMPLEX_SHARE_OTHERS)
        complexity = "complex" if rng.random() < share else "simple"
        return _Arrival(
            at, contact_type, channel, category, complexity, self.script(contact_type, complexity)
        )

    def script(self, contact_type: str, complexity: str) -> _Script:
        """Every draw a ticket may need, in a fixed number and order."""
        rng = self.rng
        decided = contact_type in DECIDED_TYPES
        rule = self.policy.contact_type(contact_type)
        reply = rule.reply if rule is not None else "required"
        service_issue = rng.random() < COMMENT_NEEDS_REPLY
        needs_reply = service_issue if reply == "if_service" else reply != "none"
        thanks = rule is not None and rule.thank_and_forward
        final = self.levels
        return _Script(
            first_hours=_lognormal(rng, FIRST_RESPONSE_HOURS, FIRST_RESPONSE_SIGMA),
            live_minutes=_lognormal(rng, LIVE_MINUTES, LIVE_SIGMA),
            solved_live=rng.random() < SOLVED_LIVE.get((complexity, decided), 0.0),
            answered_at_once=rng.random() < ANSWERED_AT_ONCE.get((complexity, decided), 0.0)
            or thanks,
            pauses=rng.random() < PAUSE_SHARE.get(contact_type, PAUSE_SHARE_OTHERS),
            customer_hours=_lognormal(rng, CUSTOMER_ANSWER_HOURS, CUSTOMER_ANSWER_SIGMA),
            never_answers=rng.random() < CUSTOMER_NEVER_ANSWERS,
            after_pause_days=_lognormal(rng, AFTER_PAUSE_DAYS[complexity], ANSWER_SIGMA),
            answer_days=_lognormal(rng, ANSWER_DAYS[complexity], ANSWER_SIGMA),
            agent_escalates=rng.random() < AGENT_ESCALATES[(decided, complexity)],
            agent_escalation_days=_lognormal(rng, AGENT_ESCALATION_DAYS, ANSWER_SIGMA),
            needs_reply=needs_reply,
            level_days=[
                _lognormal(rng, FINAL_LEVEL_DAYS if n == final else LEVEL_DAYS, LEVEL_SIGMA)
                for n in range(1, final + 1)
            ],
            outcomes=[rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0] for _level in range(final)],
            asks_next=[rng.random() for _level in range(final)],
            ask_hours=[_lognormal(rng, ASK_HOURS, ASK_SIGMA) for _level in range(final)],
        )


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (counting exponential gaps in a unit interval: O(mean))."""
    if mean <= 0:
        return 0
    count, total = 0, rng.expovariate(mean)
    while total < 1.0:
        count += 1
        total += rng.expovariate(mean)
    return count


# --- the report ---------------------------------------------------------------------------


def format_report(result: Result) -> str:
    """The result as a plain-text report (the same result gives the same text), in the
    active language. Short labels carry the context "simulation": the catalogues already
    hold "met", "level", "letter"… with other meanings (a date, a field)."""
    out: list[str] = [
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
        "",
        pgettext("simulation", "Traffic"),
    ]
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

    out += ["", pgettext("simulation", "Deadlines")]
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
    out += _table(
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
    out += [
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
        "",
        pgettext("simulation", "Escalations"),
    ]
    rows = []
    for number in range(2, len(result.level_keys) + 1):
        per_trigger = [result.escalations[(number, trigger)] for trigger in TRIGGERS]
        rows.append([_level(result, number), *(str(n) for n in per_trigger), str(sum(per_trigger))])
    totals = [
        sum(result.escalations[(n, t)] for n in range(2, len(result.level_keys) + 1))
        for t in TRIGGERS
    ]
    rows.append([pgettext("simulation", "all levels"), *(str(n) for n in totals), str(sum(totals))])
    out += _table(
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

    out += ["", pgettext("simulation", "Letters sent")]
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
    out += _table([pgettext("simulation", "letter"), pgettext("simulation", "count")], rows, left=1)
    return "\n".join(out) + "\n"


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
