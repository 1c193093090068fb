"""Keeping a ticket's Deadline rows in step with the engine's plan.

`deadlines_refresh` runs at the end of every ticket service (tickets.services._finish),
inside its transaction, so a ticket's deadlines always match its state. Each change of a
deadline is an Event: set (or moved), met, cancelled. Breaches, warnings and the engine's
own actions are the watcher's (watcher.py).
"""

from __future__ import annotations

import threading
from collections.abc import Iterable
from datetime import datetime
from typing import TYPE_CHECKING

from guichet.sla.engine import ACTIONS, Engine, Facts, Planned
from guichet.sla.models import Deadline
from guichet.tickets.choices import Status, Verb
from guichet.tickets.models import Event, Pause, Ticket

if TYPE_CHECKING:
    from guichet.brands.models import Brand

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


def facts_for(ticket: Ticket, rows: list[Deadline]) -> Facts:
    # A new ticket has never waited on anyone: no need to look for pauses.
    pauses = (
        []
        if ticket.status == Status.NEW
        else [
            (p.started_at, p.ended_at)
            for p in Pause.objects.filter(ticket=ticket).only("started_at", "ended_at")
        ]
    )
    revised = {
        (row.kind, row.level): row.promised_due_at
        for row in rows
        if row.is_running and row.promised_due_at is not None
    }
    letters = frozenset(revised)  # a delay letter was sent for these
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
        pauses=pauses,
        revised=revised,
        letters_sent=letters,
    )


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
    cached = ticket.__dict__.get("deadline_rows") if reuse else None
    rows = list(cached) if cached is not None else list(Deadline.objects.filter(ticket=ticket))
    running = {(row.kind, row.level): row for row in rows if row.is_running}
    met = {(row.kind, row.level) for row in rows if row.met_at is not None}
    facts = facts_for(ticket, list(running.values()))
    planned = {item.key: item for item in engine_for(ticket.brand).plan(facts)}
    events: list[Event] = []

    for key, row in list(running.items()):
        item = planned.get(key)
        # A periodic update restarts from each message to the customer: the old one is met.
        restarted = item is not None and row.kind == "update" and item.started_at != row.started_at
        if item is not None and not restarted:
            continue
        events.append(
            _end(ticket, row, met=restarted or _ended_as_met(row, ticket, facts), now=now)
        )
        del running[key]

    created: list[Deadline] = []
    for key, item in planned.items():
        current = running.get(key)
        if current is not None:
            events += _update(ticket, current, item, now)
        elif item.met_at is None or key not in met:
            row = _new_row(ticket, item)
            created.append(row)
            if row.is_running:
                running[key] = row
    if created:
        Deadline.objects.bulk_create(created)
        for row in created:
            events.append(_event(ticket, Verb.DEADLINE_SET, row, now))
            if row.met_at is not None:
                events.append(
                    _event(ticket, Verb.DEADLINE_MET, row, now, met=row.met_at.isoformat())
                )
    ticket.deadline_rows = [*rows, *created]  # type: ignore[attr-defined]
    ticket.running_deadlines = {  # type: ignore[attr-defined]
        key: row for key, row in running.items() if row.is_running
    }
    _set_next_due(ticket, running.values())
    return events


def _event(ticket: Ticket, verb: str, row: Deadline, now: datetime, **extra: object) -> Event:
    return Event(
        brand_id=ticket.brand_id,
        ticket=ticket,
        verb=verb,
        actor_label="sla",
        data=_event_data(row, **extra),
        at=now,
    )


def _end(ticket: Ticket, row: Deadline, *, met: bool, now: datetime) -> Event:
    if met:
        row.met_at = now
    else:
        row.cancelled_at = now
    row.next_action_at = None
    row.save(update_fields=["met_at", "cancelled_at", "next_action_at"])
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


def _update(ticket: Ticket, row: Deadline, item: Planned, now: datetime) -> list[Event]:
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
    row.save(update_fields=fields)
    events = []
    if row.due_at != previous_due:
        previous = previous_due.isoformat() if previous_due else None
        events.append(_event(ticket, Verb.DEADLINE_SET, row, now, previous=previous))
    if "met_at" in fields and row.met_at is not None:
        events.append(_event(ticket, Verb.DEADLINE_MET, row, now, met=row.met_at.isoformat()))
    return events


def _set_next_due(ticket: Ticket, rows: Iterable[Deadline]) -> None:
    """The earliest running promise to the customer, for lists and sorting."""
    dues = [
        row.due_at
        for row in rows
        if row.is_running and row.due_at is not None and row.kind not in ACTIONS
    ]
    due = min(dues) if dues else None
    if due != ticket.next_due_at:
        ticket.next_due_at = due
        Ticket._base_manager.filter(pk=ticket.pk).update(next_due_at=due)
