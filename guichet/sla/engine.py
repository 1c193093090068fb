"""The deadline engine: from a brand's policy and a ticket's facts, the deadlines it must
meet and the moments the engine must act. Pure: no database, no clock.

The same engine serves the live system (services.py keeps Deadline rows in step with the
plan), the watcher (which acts when a planned moment comes)
and the simulator (which runs thousands of tickets in memory). What a ticket must meet
is decided here and nowhere else.

Selection: of the policy's rules of one kind, those whose non-empty selectors all match
the ticket apply; the most specific wins, ties go to the first written.

Pauses: while the ticket waits on the customer, every clock stands still except those of
the acknowledgement and the first response (which are ours to meet before we can wait on
anyone). A deadline that has not yet come when a pause starts is pushed back by the
pause's length *measured on its own clock*: a weekend's wait adds nothing to a
business-hours deadline. While a pause is open the deadline has no due moment.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

from guichet.policies.durations import Duration
from guichet.policies.schema import ClockKind, DeadlineRule, Policy
from guichet.sla.businesstime import (
    LOOKAHEAD_YEARS,
    BusinessCalendar,
    add_duration,
    clock_for,
    elapsed,
)

# Kinds whose clock keeps running while the ticket waits on the customer: ours to meet
# before we can wait on anyone, and those of another party (the seller's, the customer's
# return window) or of money owed (a refund).
UNPAUSED = {"acknowledgement", "first_response", "seller_response", "return_window", "refund"}
# Kinds that are not promises to the customer: they do not set the ticket's next deadline.
NOT_OURS = {"seller_response", "return_window"}
# Kinds that are moments to act, not promises to the customer.
ACTIONS = {"escalation", "delay_letter"}


@dataclass(frozen=True)
class Facts:
    """What the engine needs to know about a ticket."""

    received_at: datetime
    contact_type: str
    category: str
    priority: str
    complexity: str
    channel: str
    level: int
    level_started_at: datetime
    closed_at: datetime | None = None
    acknowledged_at: datetime | None = None
    first_responded_at: datetime | None = None
    answered_at: datetime | None = None
    last_update_at: datetime | None = None
    # False when no automatic acknowledgement is sent (a silent channel, a robot's mail).
    acknowledge: bool = True
    # The last time the ticket was reopened: its resolution is counted again from then.
    reopened_at: datetime | None = None
    # (start, end) of each wait on the customer; end None while it lasts.
    pauses: Sequence[tuple[datetime, datetime | None]] = ()
    # Due moments moved by a delay letter: (kind, level) -> new due moment.
    revised: Mapping[tuple[str, int], datetime] = field(default_factory=dict)
    # Deadlines (kind, level) a delay letter was already sent for.
    letters_sent: frozenset[tuple[str, int]] = frozenset()
    # The seller's side: when it was last asked, when it last answered.
    seller_asked_at: datetime | None = None
    seller_answered_at: datetime | None = None
    # A return: the item received by the customer, returned (or the return waived), paid back.
    item_received_at: datetime | None = None
    item_returned_at: datetime | None = None
    refunded_at: datetime | None = None


class TicketState(Protocol):
    """What the engine reads of a ticket: a Ticket, or the simulator's ticket in memory."""

    @property
    def created_at(self) -> datetime: ...
    @property
    def contact_type(self) -> str: ...
    @property
    def category(self) -> str: ...
    @property
    def priority(self) -> str: ...
    @property
    def complexity(self) -> str: ...
    @property
    def channel(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def level_started_at(self) -> datetime: ...
    @property
    def closed_at(self) -> datetime | None: ...
    @property
    def acknowledged_at(self) -> datetime | None: ...
    @property
    def first_responded_at(self) -> datetime | None: ...
    @property
    def answered_at(self) -> datetime | None: ...
    @property
    def last_update_at(self) -> datetime | None: ...
    @property
    def auto_acknowledge(self) -> bool: ...
    @property
    def reopened_at(self) -> datetime | None: ...
    @property
    def seller_asked_at(self) -> datetime | None: ...
    @property
    def seller_answered_at(self) -> datetime | None: ...
    @property
    def item_received_at(self) -> datetime | None: ...
    @property
    def item_returned_at(self) -> datetime | None: ...
    @property
    def refunded_at(self) -> datetime | None: ...


class RunningDeadline(Protocol):
    """A deadline as kept (a Deadline row, or the simulator's row) while it runs."""

    @property
    def kind(self) -> str: ...
    @property
    def level(self) -> int: ...
    @property
    def promised_due_at(self) -> datetime | None: ...


def facts_for(
    ticket: TicketState,
    running: Iterable[RunningDeadline],
    pauses: Sequence[tuple[datetime, datetime | None]],
) -> Facts:
    """The facts of a ticket, with its running deadlines (a delay letter moved these:
    their new due moments, and the letters already sent) and its waits on the customer.
    The live system and the simulator both plan from this."""
    revised = {
        (row.kind, row.level): row.promised_due_at
        for row in running
        if row.promised_due_at is not None
    }
    return Facts(
        received_at=ticket.created_at,
        contact_type=ticket.contact_type,
        category=ticket.category,
        priority=ticket.priority,
        complexity=ticket.complexity,
        channel=ticket.channel,
        level=ticket.level,
        level_started_at=ticket.level_started_at,
        closed_at=ticket.closed_at,
        acknowledged_at=ticket.acknowledged_at,
        first_responded_at=ticket.first_responded_at,
        answered_at=ticket.answered_at,
        last_update_at=ticket.last_update_at,
        acknowledge=ticket.auto_acknowledge,
        reopened_at=ticket.reopened_at,
        pauses=tuple(pauses),
        revised=revised,
        letters_sent=frozenset(revised),  # a delay letter was sent for these
        seller_asked_at=ticket.seller_asked_at,
        seller_answered_at=ticket.seller_answered_at,
        item_received_at=ticket.item_received_at,
        item_returned_at=ticket.item_returned_at,
        refunded_at=ticket.refunded_at,
    )


@dataclass(frozen=True)
class Planned:
    kind: str
    level: int  # the level it belongs to (level) or leads to (escalation); 0 otherwise
    rule: str  # where in the policy it comes from, e.g. "deadlines[2]"
    clock: ClockKind
    target: str
    started_at: datetime
    due_at: datetime | None  # None while paused
    warn_at: datetime | None = None
    met_at: datetime | None = None
    protects: tuple[str, int] | None = (
        None  # for a delay letter: the deadline it announces a delay of
    )

    @property
    def key(self) -> tuple[str, int]:
        return (self.kind, self.level)


class Engine:
    """A policy's deadline engine. Build one per policy version and reuse it: its
    calendars cache their days."""

    def __init__(self, policy: Policy) -> None:
        self.policy = policy
        self.calendar = BusinessCalendar.from_policy(policy.calendar)
        self.zone = ZoneInfo(policy.calendar.timezone)

    # --- time on a clock ------------------------------------------------------------------
    def add(self, clock: ClockKind, start: datetime, duration: Duration) -> datetime:
        return add_duration(clock, self.calendar, start, duration)

    def add_open_time(self, clock: ClockKind, start: datetime, amount: timedelta) -> datetime:
        return clock_for(clock, self.calendar).add(start, amount)

    def subtract(self, clock: ClockKind, end: datetime, duration: Duration) -> datetime:
        """The moment `duration` before `end` on `clock` (for warnings and letters that go
        out some time before a deadline)."""
        on_clock = clock_for(clock, self.calendar)
        if clock == "business_hours" and duration.days:
            end = _business_days_before(self.calendar, end, duration.days)
            return on_clock.subtract(end, timedelta(seconds=duration.seconds))
        return on_clock.subtract(end, duration.as_timedelta())

    def is_open_day(self, at: datetime) -> bool:
        return self.calendar.is_open_day(at.astimezone(self.zone).date())

    # --- selection ----------------------------------------------------------------------
    def _matches(self, rule: DeadlineRule, facts: Facts, level_key: str) -> bool:
        if rule.contact_types and facts.contact_type not in rule.contact_types:
            return False
        if rule.categories and facts.category not in rule.categories:
            return False
        if rule.priorities and facts.priority not in rule.priorities:
            return False
        if rule.complexity and facts.complexity not in rule.complexity:
            return False
        if rule.channels and facts.channel not in rule.channels:
            return False
        if rule.levels and level_key not in rule.levels:
            return False
        if rule.received_on != "any":
            open_day = self.is_open_day(facts.received_at)
            if open_day != (rule.received_on == "open_day"):
                return False
        return True

    def rule_for(self, kind: str, facts: Facts) -> tuple[str, DeadlineRule] | None:
        """The rule of `kind` that applies (with where the policy writes it), if any."""
        level_key = self.policy.level_at(facts.level).key
        best: tuple[str, DeadlineRule] | None = None
        for where, rule in self.policy.deadline_rules:
            if rule.kind != kind or not self._matches(rule, facts, level_key):
                continue
            if best is None or rule.specificity > best[1].specificity:
                best = (where, rule)
        return best

    # --- due moments --------------------------------------------------------------------
    def _due(
        self, clock: ClockKind, start: datetime, duration: Duration, facts: Facts, pausable: bool
    ) -> datetime | None:
        due = self.add(clock, start, duration)
        if not pausable:
            return due
        for pause_start, pause_end in sorted(facts.pauses):
            if pause_end is not None and pause_end <= start:
                continue
            if pause_start >= due:
                break
            if pause_end is None:
                return None
            counted_from = max(pause_start, start)
            due = self.add_open_time(
                clock, due, elapsed(clock, self.calendar, counted_from, pause_end)
            )
        return due

    def _start(self, rule: DeadlineRule, facts: Facts) -> datetime:
        if rule.kind == "seller_response" and facts.seller_asked_at is not None:
            return facts.seller_asked_at
        if rule.kind == "return_window":
            return facts.item_received_at or facts.received_at
        if rule.kind == "refund" and facts.item_returned_at is not None:
            return facts.item_returned_at
        if rule.start == "level_start":
            return facts.level_started_at
        if rule.start == "last_update":
            return max(
                t for t in (facts.received_at, facts.level_started_at, facts.last_update_at) if t
            )
        if rule.kind == "resolution" and facts.reopened_at is not None:
            return max(facts.received_at, facts.reopened_at)
        return facts.received_at

    def _target(
        self, kind: str, where: str, rule: DeadlineRule, facts: Facts, level: int
    ) -> Planned:
        start = self._start(rule, facts)
        due = self._due(rule.clock, start, rule.target, facts, pausable=kind not in UNPAUSED)
        revised = facts.revised.get((kind, level))
        if revised is not None and due is not None:
            due = max(due, revised)
        warn_at = None
        if rule.warn_before is not None and due is not None:
            warn_at = self.subtract(rule.clock, due, rule.warn_before)
        return Planned(
            kind=kind,
            level=level,
            rule=where,
            clock=rule.clock,
            target=str(rule.target),
            started_at=start,
            due_at=due,
            warn_at=warn_at,
            met_at=self._met(kind, facts),
        )

    @staticmethod
    def _met(kind: str, facts: Facts) -> datetime | None:
        if kind == "seller_response":
            answered, asked = facts.seller_answered_at, facts.seller_asked_at
            return answered if answered and asked and answered >= asked else None
        return {
            "acknowledgement": facts.acknowledged_at,
            "first_response": facts.first_responded_at,
            "full_answer": facts.answered_at,
            "resolution": facts.closed_at,
            "return_window": facts.item_returned_at,
            "refund": facts.refunded_at,
        }.get(kind)

    # --- the plan -----------------------------------------------------------------------
    def plan(self, facts: Facts) -> list[Planned]:
        """Every deadline the ticket has now. A deadline absent from the plan has ended:
        met (a level left, an escalation done, a letter sent) or no longer applicable."""
        closed = facts.closed_at is not None
        planned: list[Planned] = []
        for kind in ("acknowledgement", "first_response", "full_answer", "resolution"):
            if kind == "acknowledgement" and not facts.acknowledge:
                continue
            found = self.rule_for(kind, facts)
            if found is None:
                continue
            item = self._target(kind, found[0], found[1], facts, 0)
            if closed and item.met_at is None and kind != "resolution":
                continue  # closed without it: it no longer applies
            planned.append(item)
        if not closed:
            for kind in ("update", "level"):
                found = self.rule_for(kind, facts)
                if found is not None:
                    level = facts.level if kind == "level" else 0
                    planned.append(self._target(kind, found[0], found[1], facts, level))
            planned += self._parties(facts)
            planned += self._escalations(facts)
            planned += self._delay_letters(facts, planned)
        return planned

    def _parties(self, facts: Facts) -> list[Planned]:
        """The seller's deadline once it is asked; a return request's window, and its
        refund once the item is back (or the return waived). They end with the ticket."""
        out = []
        kinds = []
        if facts.seller_asked_at is not None:
            kinds.append("seller_response")
        kinds.append("return_window")
        if facts.item_returned_at is not None:
            kinds.append("refund")
        for kind in kinds:
            found = self.rule_for(kind, facts)
            if found is not None:
                out.append(self._target(kind, found[0], found[1], facts, 0))
        return out

    def _escalations(self, facts: Facts) -> list[Planned]:
        out = []
        for index, auto in enumerate(self.policy.escalation.automatic):
            target_level = self.policy.level_number(auto.to_level)
            if target_level <= facts.level:
                continue
            if auto.contact_types and facts.contact_type not in auto.contact_types:
                continue
            start = facts.level_started_at if auto.start == "level_start" else facts.received_at
            out.append(
                Planned(
                    kind="escalation",
                    level=target_level,
                    rule=f"escalation.automatic[{index}]",
                    clock=auto.clock,
                    target=str(auto.after),
                    started_at=start,
                    due_at=self._due(auto.clock, start, auto.after, facts, pausable=True),
                )
            )
            break  # only the next step of the ladder is pending at a time
        return out

    def _delay_letters(self, facts: Facts, planned: list[Planned]) -> list[Planned]:
        letter = self.policy.delay_letter
        if letter is None:
            return []
        out = []
        for item in planned:
            if item.kind != letter.deadline or item.met_at is not None or item.due_at is None:
                continue
            if item.key in facts.letters_sent:
                continue
            out.append(
                Planned(
                    kind="delay_letter",
                    level=item.level,
                    rule="delay_letter",
                    clock=letter.clock,
                    target=str(letter.lead),
                    started_at=item.started_at,
                    due_at=self.subtract(letter.clock, item.due_at, letter.lead),
                    protects=item.key,
                )
            )
        return out

    def extended_due(self, item_clock: ClockKind, due: datetime, rule_target: Duration) -> datetime:
        """The new due moment a delay letter announces: the original target again, counted
        from the moment that was missed (EJ: another 5 business days)."""
        return self.add(item_clock, due, rule_target)


def _business_days_before(calendar: BusinessCalendar, end: datetime, days: int) -> datetime:
    """The same local time `days` open days earlier; if that moment is closed, the last
    open moment before it (the mirror of BusinessCalendar.add_business_days)."""
    zone = ZoneInfo(calendar.timezone)
    local = end.astimezone(zone)
    day, time_of_day = local.date(), local.time()
    counted = 0
    for _ in range(366 * LOOKAHEAD_YEARS):  # a calendar with no open day must not hang us
        if counted == days:
            break
        day -= timedelta(days=1)
        if calendar.is_open_day(day):
            counted += 1
    else:
        raise ValueError("no open day found within the look-back window")
    moment = datetime.combine(day, time_of_day, tzinfo=zone)
    if calendar.is_open(moment):
        return moment.astimezone(UTC)
    return calendar.subtract(moment, timedelta(seconds=1)) + timedelta(seconds=1)
