"""The simulation itself: a heap of (moment, sequence, ticket, what) with one moving clock.
After each change to a ticket the engine's plan (`Engine.plan`) is asked for and the
ticket's deadline rows are kept in step with it, as `sla.services.deadlines_refresh` keeps
Deadline rows; when a planned moment comes the simulation does what `sla.watcher` does.
Staff, customers and sellers act as their ticket's `Script` says; a seller's missed
deadline is a strike, and enough strikes restrict it (`Simulation.strike`); the figures
are counted at the end (`Simulation.finish`)."""

from __future__ import annotations

import heapq
import random
from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta

from guichet.policies.schema import DeadlineRule, Policy
from guichet.sla.businesstime import BusinessCalendar, elapsed
from guichet.sla.engine import ACTIONS, Engine, Planned, facts_for
from guichet.sla.simulator.model import (
    ASKS_NEXT_LEVEL,
    CLOSE_AFTER_WINDOW_DAYS,
    DECIDED_TYPES,
    FIRST_IN_QUEUE_FACTOR,
    FOLLOW_UP,
    GIVE_UP_DAYS,
    LIVE,
    PRIORITY_FACTOR,
    SELLER_NEVER_ANSWERS,
)
from guichet.sla.simulator.results import GroupStats, Result, Returns, SellerStats
from guichet.sla.simulator.traffic import Arrival, Script, Traffic

DEFAULT_START = date(2026, 1, 5)  # a Monday

# The order of the deadlines in the result: the promises first, then the levels' own.
PROMISE_ORDER = ("acknowledgement", "first_response", "full_answer", "resolution", "update")

# The deadlines of the parties and of money, after the levels' own.
PARTY_ORDER = ("seller_response", "return_window", "refund")

# Heap events. A seller's answer and an item's return come whatever staff do meanwhile.
_ARRIVE, _STAFF, _CUSTOMER, _ENGINE, _SELLER, _ITEM = 0, 1, 2, 3, 4, 5
# Where a ticket's handling stands: first response, work, waiting on the customer's
# answer, closed; waiting for the returned item, refunding it.
_FIRST, _WORK, _WAITING, _CLOSED, _RETURN, _REFUND = 0, 1, 2, 3, 4, 5

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
        "item_received_at",
        "item_returned_at",
        "last_update_at",
        "level",
        "level_started_at",
        "met_keys",
        "outcome",
        "pauses",
        "priority",
        "refunded_at",
        "reopened_at",
        "running",
        "script",
        "seller_answered_at",
        "seller_asked_at",
        "stage",
        "version",
        "waiting_seller",
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
        script: Script,
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
        self.seller_asked_at: datetime | None = None
        self.seller_answered_at: datetime | None = None
        self.item_received_at: datetime | None = None
        self.item_returned_at: datetime | None = None
        self.refunded_at: datetime | None = None
        self.pauses: list[tuple[datetime, datetime | None]] = []
        self.outcome = ""
        self.stage = _FIRST
        self.version = 0  # of the pending staff or customer event
        self.engine_version = 0
        self.engine_at: datetime | None = None
        self.running: dict[tuple[str, int], _Row] = {}
        self.met_keys: set[tuple[str, int]] = set()
        self.agent_escalation_due = script.agent_escalates
        self.waiting_seller = False  # the decision waits for the seller or its deadline


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
    return Simulation(policy, days=days, per_day=per_day, seed=seed, start=start).run()


class Simulation:
    """One run of a policy: `run()` once, then read its `result` (and, in tests, its
    `rows` and `tickets`)."""

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
            rule_labels={where: _rule_label(rule) for where, rule in policy.deadline_rules},
        )
        market = policy.marketplace
        if market is not None:
            self.result.sellers = [SellerStats(n + 1) for n in range(len(SELLER_NEVER_ANSWERS))]
            self.result.strikes_before_restriction = market.strikes_before_restriction
            self.result.strikes_within = str(market.strikes_within or "")
        self.strike_times: list[list[datetime]] = [[] for _seller in self.result.sellers]
        if policy.returns is not None:
            self.result.returns = Returns()
            returns = policy.returns
            self.result.returns_rule = (
                f"window={returns.window} refund_within={returns.refund_within} {returns.clock}"
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
    def run(self, arrivals: Sequence[Arrival] | None = None) -> Result:
        """Run the traffic (or the given arrivals, in time order) to its end."""
        if arrivals is None:
            arrivals = Traffic(self.policy, self.calendar, self.rng).generate(
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
            if what == _SELLER:
                self.seller_answers(ticket, now)
            elif what == _ITEM:
                self.item_back(ticket, now)
            elif what == _ENGINE:
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
                if row.kind == "seller_response":
                    self.strike(ticket, now)
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
    def arrive(self, arrival: Arrival, now: datetime) -> None:
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
            if script.seller is not None and self.result.sellers:
                self.ask_seller(ticket, now)
            if script.returns_item and self.result.returns is not None:
                self.await_item(ticket, now)
                return
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
            elif self.seller_pending(ticket):
                ticket.waiting_seller = True  # seller_answers or strike goes on
            else:
                self.reply(ticket, now, full_answer=True)
                self.decide(ticket, now)
        elif ticket.stage == _WAITING:  # the customer never answered
            ticket.outcome = "unresolved"
            self.close(ticket, now)
        elif ticket.stage == _RETURN:  # the window passed without the item
            assert self.result.returns is not None
            self.result.returns.never_sent += 1
            self.close(ticket, now)
        elif ticket.stage == _REFUND:  # the item is back: the refund, with the full answer
            assert self.result.returns is not None
            self.result.returns.refunded += 1
            ticket.refunded_at = now
            self.refresh(ticket, now)  # as ticket_record_payment: the refund deadline met
            self.reply(ticket, now, full_answer=True)
            self.decide(ticket, now)

    # --- the seller's side (as tickets.services.sellers) ----------------------------------
    def ask_seller(self, ticket: _Ticket, now: datetime) -> None:
        """As seller_contact: the seller's deadline starts; the seller answers when its
        script says, or never. The caller refreshes the plan."""
        script = ticket.script
        assert script.seller is not None
        ticket.seller_asked_at = now
        self.result.sellers[script.seller].asked += 1
        if not script.seller_never:
            self.push(now + timedelta(hours=script.seller_hours), ticket.id, _SELLER, 0)

    def seller_pending(self, ticket: _Ticket) -> bool:
        """Asked, and neither answered nor past its deadline: the decision waits."""
        row = ticket.running.get(("seller_response", 0))
        return ticket.seller_answered_at is None and row is not None and not row.breached

    def seller_answers(self, ticket: _Ticket, now: datetime) -> None:
        """As seller_receive: it meets the seller's deadline (unless the ticket closed
        meanwhile: nobody reads it then); the decision follows."""
        if ticket.closed_at is not None or ticket.seller_answered_at is not None:
            return
        script = ticket.script
        assert script.seller is not None
        row = ticket.running.get(("seller_response", 0))
        stats = self.result.sellers[script.seller]
        if row is not None and row.breached:
            stats.late += 1
        else:
            stats.on_time += 1
        ticket.seller_answered_at = now
        self.refresh(ticket, now)
        self.after_seller(ticket, now)

    def strike(self, ticket: _Ticket, now: datetime) -> None:
        """As sla.strikes and strike_record: a strike at the breach of the seller's
        deadline; at the policy's threshold (within its window) an active seller is
        restricted. The decision no longer waits for the seller."""
        market = self.policy.marketplace
        seller = ticket.script.seller
        assert market is not None and seller is not None
        stats = self.result.sellers[seller]
        stats.strikes += 1
        times = self.strike_times[seller]
        times.append(now)
        window = market.strikes_within
        since = now - window.as_timedelta() if window is not None else None
        counted = sum(1 for at in times if since is None or at >= since)
        if counted >= market.strikes_before_restriction and stats.restricted_at is None:
            stats.restricted_at = now
        self.after_seller(ticket, now)

    def after_seller(self, ticket: _Ticket, now: datetime) -> None:
        if ticket.waiting_seller:
            ticket.waiting_seller = False
            days = ticket.script.after_seller_days
            self.schedule(ticket, self.staff_after(now, days), _STAFF)

    # --- a return (as tickets.services.money) ----------------------------------------------
    def await_item(self, ticket: _Ticket, now: datetime) -> None:
        """With the instructions, the agent records the delivery (the return window counts
        from it) and the ticket waits on the customer; the item comes back when the script
        says, or the request closes after the window."""
        assert self.result.returns is not None
        script = ticket.script
        self.result.returns.requests += 1
        ticket.item_received_at = ticket.created_at - timedelta(days=script.delivered_days)
        ticket.stage = _RETURN
        ticket.pauses.append((now, None))
        self.refresh(ticket, now)
        if not script.never_sends:
            self.push(now + timedelta(hours=script.sends_back_hours), ticket.id, _ITEM, 0)
            return
        window = ticket.running.get(("return_window", 0))
        end = window.due_at if window is not None and window.due_at is not None else now
        self.schedule(ticket, self.staff_after(max(end, now), CLOSE_AFTER_WINDOW_DAYS), _STAFF)

    def item_back(self, ticket: _Ticket, now: datetime) -> None:
        """The item came back (recorded by the agent): the window is met, the refund
        deadline starts, staff pay it."""
        if ticket.stage != _RETURN:
            return
        assert self.result.returns is not None
        self.result.returns.returned += 1
        self.end_pause(ticket, now)
        ticket.item_returned_at = now
        ticket.stage = _REFUND
        self.refresh(ticket, now)
        self.schedule(ticket, self.staff_after(now, ticket.script.refund_days), _STAFF)

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
        if ticket.stage in (_FIRST, _RETURN, _REFUND):
            self.refresh(ticket, now)  # the pending step still comes
            return True
        ticket.stage = _WORK
        ticket.waiting_seller = False  # the new level's team starts over
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
        order = {kind: n for n, kind in enumerate((*PROMISE_ORDER, "level", *PARTY_ORDER))}
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
