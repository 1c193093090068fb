"""Keeping a ticket's Deadline rows in step with the engine's plan.

The tickets' timekeeper (`timekeeper.Deadlines`, registered in apps.py) calls it: every
ticket change that sets a field of its ticket ends with `deadlines_refresh_many`,
inside its transaction, so a ticket's deadlines always match its state. Each change of a
deadline is an Event: set (or moved), met, cancelled. Breaches, warnings and the engine's
own actions are the watcher's (watcher.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime

from guichet.brands.models import Brand
from guichet.lib.bulk import save_fields
from guichet.sla.engine import ACTIONS, NOT_OURS, Engine, Facts, Planned, facts_for
from guichet.sla.models import Deadline
from guichet.tickets.choices import Status, Verb
from guichet.tickets.models import Event, Pause, Ticket

_engines: dict[int, Engine] = {}
_lock = threading.Lock()


def engine_for(brand: Brand) -> Engine:
    """The engine of the brand's policy in force (cached per immutable policy version)."""
    policy_id = brand.policy_id
    assert policy_id is not None
    engine = _engines.get(policy_id)
    if engine is None or engine.policy is not brand.get_policy():
        engine = Engine(brand.get_policy())
        with _lock:
            _engines[policy_id] = engine
    return engine


def pauses_of(tickets: list[Ticket]) -> dict[int, list[tuple[datetime, datetime | None]]]:
    """The pauses of these tickets (one query; a new ticket has never waited on anyone)."""
    found: dict[int, list[tuple[datetime, datetime | None]]] = {t.pk: [] for t in tickets}
    ids = [t.pk for t in tickets if t.status != Status.NEW]
    if ids:
        for ticket_id, started, ended in (
            Pause.objects.filter(ticket_id__in=ids)
            .order_by("started_at", "pk")
            .values_list("ticket_id", "started_at", "ended_at")
        ):
            found[ticket_id].append((started, ended))
    return found


def ticket_facts(
    ticket: Ticket,
    rows: list[Deadline],
    pauses: list[tuple[datetime, datetime | None]] | None = None,
) -> Facts:
    """The engine's facts of a ticket, from its deadline rows (the running ones count)
    and its pauses (read if not given)."""
    if pauses is None:
        pauses = pauses_of([ticket])[ticket.pk]
    return facts_for(ticket, [row for row in rows if row.is_running], pauses)


def next_action_at(row: Deadline) -> datetime | None:
    """When the watcher must next look at this deadline: its warning, then its due moment."""
    if not row.is_running or row.due_at is None:
        return None
    moments = []
    if row.warn_at is not None and row.warned_at is None:
        moments.append(row.warn_at)
    if row.breached_at is None:
        moments.append(row.due_at)
    return min(moments) if moments else None


def _event_data(row: Deadline | Planned, **extra: object) -> dict[str, object]:
    data: dict[str, object] = {
        "kind": row.kind,
        "level": row.level,
        "due": row.due_at.isoformat() if row.due_at else None,
        "target": row.target,
        "clock": row.clock,
        "rule": row.rule,
        "start": row.started_at.isoformat() if row.started_at else None,
    }
    data.update(extra)
    return data


def _ended_as_met(row: Deadline, ticket: Ticket, facts: Facts) -> bool:
    """A running deadline the plan no longer has: was it met, or does it no longer apply?"""
    if row.kind == "level":
        return ticket.level > row.level or facts.closed_at is not None
    if row.kind == "escalation":
        return ticket.level >= row.level
    if row.kind == "delay_letter":
        return False  # a sent letter is marked met by the watcher when it sends it
    if row.kind == "update":
        return facts.closed_at is not None
    return False


def deadlines_refresh(*, ticket: Ticket, now: datetime, reuse: bool = False) -> list[Event]:
    """Bring the ticket's Deadline rows and `next_due_at` in step with the engine's plan,
    and return the events that record it, for the caller to save with its own. Call inside
    the transaction that changed the ticket, after saving it.

    All the rows are left on the ticket instance (`deadline_rows`, and the running ones in
    `running_deadlines`, which letters quote). With `reuse`, they are taken from there
    instead of the database — only right after a refresh of the same instance in the same
    transaction, with no other write to them in between."""
    return deadlines_refresh_many([(ticket, now)], reuse={ticket.pk} if reuse else set())


def deadlines_refresh_many(
    changed: list[tuple[Ticket, datetime]], *, reuse: set[int] | frozenset[int] = frozenset()
) -> list[Event]:
    """`deadlines_refresh` for tickets changed together, each at its moment: a few
    statements for all of them (their rows and pauses read at once, the changes written at
    once)."""
    rows: dict[int, list[Deadline]] = {}
    unknown = []
    for ticket, _now in changed:
        cached = ticket.__dict__.get("deadline_rows") if ticket.pk in reuse else None
        if cached is None:
            unknown.append(ticket.pk)
            rows[ticket.pk] = []
        else:
            rows[ticket.pk] = list(cached)
    if unknown:
        for row in Deadline.objects.filter(ticket_id__in=unknown):
            rows[row.ticket_id].append(row)
    pauses = pauses_of([ticket for ticket, _now in changed])
    writes = _Writes()
    events: list[Event] = []
    for ticket, now in changed:
        events += _refresh(ticket, rows[ticket.pk], pauses[ticket.pk], now, writes)
    writes.flush()
    return events


class _Writes:
    """What a refresh changes, written at the end in a few statements."""

    def __init__(self) -> None:
        self.saved: list[tuple[Deadline, list[str]]] = []
        self.created: list[Deadline] = []
        self.due: list[Ticket] = []

    def flush(self) -> None:
        save_fields(self.saved)
        Deadline.objects.bulk_create(self.created)
        save_fields((ticket, ["next_due_at"]) for ticket in self.due)


def _refresh(
    ticket: Ticket,
    rows: list[Deadline],
    pauses: list[tuple[datetime, datetime | None]],
    now: datetime,
    writes: _Writes,
) -> list[Event]:
    running = {(row.kind, row.level): row for row in rows if row.is_running}
    met = {(row.kind, row.level) for row in rows if row.met_at is not None}
    facts = ticket_facts(ticket, list(running.values()), pauses)
    planned = {item.key: item for item in engine_for(ticket.brand).plan(facts)}
    events: list[Event] = []

    for key, row in list(running.items()):
        item = planned.get(key)
        # A periodic update restarts from each message to the customer: the old one is met.
        restarted = item is not None and row.kind == "update" and item.started_at != row.started_at
        if item is not None and not restarted:
            continue
        met_now = restarted or _ended_as_met(row, ticket, facts)
        events.append(_end(ticket, row, met=met_now, now=now, writes=writes))
        del running[key]

    created: list[Deadline] = []
    for key, item in planned.items():
        current = running.get(key)
        if current is not None:
            events += _update(ticket, current, item, now, writes)
        elif item.met_at is None or key not in met:
            row = _new_row(ticket, item)
            created.append(row)
            if row.is_running:
                running[key] = row
    writes.created += created
    events += _created_events(ticket, created, now)
    _keep(ticket, [*rows, *created], running)
    due = _next_due(running.values())
    if due != ticket.next_due_at:
        ticket.next_due_at = due
        writes.due.append(ticket)
    return events


def plan_opening(ticket: Ticket) -> None:
    """Plan the deadlines of a ticket about to be inserted, and set its `next_due_at`, so the
    INSERT carries it. `deadlines_open` makes the rows once the ticket has its id."""
    planned = engine_for(ticket.brand).plan(ticket_facts(ticket, []))
    rows = [_new_row(ticket, item) for item in planned]
    ticket.planned_deadlines = rows  # type: ignore[attr-defined]
    ticket.next_due_at = _next_due(rows)


def deadlines_open(tickets: list[Ticket]) -> list[Event]:
    """The Deadline rows planned by `plan_opening` for tickets just inserted (one INSERT for
    all of them), and the events that record them, at each ticket's opening."""
    created: list[Deadline] = []
    events: list[Event] = []
    for ticket in tickets:
        rows: list[Deadline] = ticket.__dict__.pop("planned_deadlines")
        for row in rows:
            row.ticket = ticket
        created += rows
        events += _created_events(ticket, rows, ticket.created_at)
        _keep(ticket, rows, {(row.kind, row.level): row for row in rows})
    Deadline.objects.bulk_create(created)
    return events


def _created_events(ticket: Ticket, rows: list[Deadline], now: datetime) -> list[Event]:
    events = []
    for row in rows:
        events.append(_event(ticket, Verb.DEADLINE_SET, row, now))
        if row.met_at is not None:
            events.append(_event(ticket, Verb.DEADLINE_MET, row, now, met=row.met_at.isoformat()))
    return events


def _keep(ticket: Ticket, rows: list[Deadline], running: dict[tuple[str, int], Deadline]) -> None:
    """Leave the rows on the instance, for the letters and a later refresh with `reuse`."""
    ticket.deadline_rows = rows  # type: ignore[attr-defined]
    ticket.running_deadlines = {  # type: ignore[attr-defined]
        key: row for key, row in running.items() if row.is_running
    }


def _event(ticket: Ticket, verb: str, row: Deadline, now: datetime, **extra: object) -> Event:
    return Event(
        brand_id=ticket.brand_id,
        ticket=ticket,
        verb=verb,
        actor_label="sla",
        data=_event_data(row, **extra),
        at=now,
    )


def _end(ticket: Ticket, row: Deadline, *, met: bool, now: datetime, writes: _Writes) -> Event:
    if met:
        row.met_at = now
    else:
        row.cancelled_at = now
    row.next_action_at = None
    writes.saved.append((row, ["met_at", "cancelled_at", "next_action_at"]))
    return _event(ticket, Verb.DEADLINE_MET if met else Verb.DEADLINE_CANCELLED, row, now)


def _new_row(ticket: Ticket, item: Planned) -> Deadline:
    row = Deadline(
        brand_id=ticket.brand_id,
        ticket=ticket,
        kind=item.kind,
        level=item.level,
        rule=item.rule,
        clock=item.clock,
        target=item.target,
        started_at=item.started_at,
        due_at=item.due_at,
        warn_at=item.warn_at,
        met_at=item.met_at,
    )
    row.next_action_at = next_action_at(row)
    return row


def _update(
    ticket: Ticket, row: Deadline, item: Planned, now: datetime, writes: _Writes
) -> list[Event]:
    fields = []
    previous_due = row.due_at
    for name in ("rule", "clock", "target", "started_at", "due_at", "warn_at"):
        value = getattr(item, name)
        if getattr(row, name) != value:
            setattr(row, name, value)
            fields.append(name)
    if item.met_at is not None and row.met_at is None:
        row.met_at = item.met_at
        fields.append("met_at")
    action = next_action_at(row)
    if action != row.next_action_at:
        row.next_action_at = action
        fields.append("next_action_at")
    if not fields:
        return []
    writes.saved.append((row, fields))
    events = []
    if row.due_at != previous_due:
        previous = previous_due.isoformat() if previous_due else None
        events.append(_event(ticket, Verb.DEADLINE_SET, row, now, previous=previous))
    if "met_at" in fields and row.met_at is not None:
        events.append(_event(ticket, Verb.DEADLINE_MET, row, now, met=row.met_at.isoformat()))
    return events


def _next_due(rows: Iterable[Deadline]) -> datetime | None:
    """The earliest running promise to the customer, for lists and sorting."""
    dues = [
        row.due_at
        for row in rows
        if row.is_running
        and row.due_at is not None
        and row.kind not in ACTIONS
        and row.kind not in NOT_OURS
    ]
    return min(dues) if dues else None
