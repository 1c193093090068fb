"""The shape of every change to a ticket, and the only way an event is written.

A service opens a change (`changing`, or `changing_all` for several tickets of one brand
at once), checks, sets fields and records events on it; when the block ends the change is
finished in the same transaction:
1. the ticket is saved with its revision bumped (live pages and API clients see it moved);
2. its deadlines are brought in step with the plan (the timekeeper that `sla` registers,
   `tickets.reactions`), and the events that records are added;
3. the events are inserted, each announced by `event_committed` after commit (live
   updates, webhooks);
4. the reactions registered for their verbs run (letters, notifications), still inside
   the transaction.

Concurrency: the ticket row is locked first (SELECT … FOR UPDATE; SQLite serialises
writers with IMMEDIATE transactions) and the caller's instance refreshed in place by that
same statement; with `expected_revision`, a change made on a stale view is refused
(Conflict), so two agents taking the same ticket cannot both win.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guichet.lib import clock
from guichet.lib.bulk import save_fields
from guichet.lib.errors import Conflict
from guichet.lib.scoping import brand_scope
from guichet.tickets import reactions
from guichet.tickets.actors import Actor, event_fields, recorded_by
from guichet.tickets.choices import Status
from guichet.tickets.events import check_verb, event_committed
from guichet.tickets.models import Event, Message, Pause, Ticket


class Change:
    """One service call's change to one ticket: who acts, the moment, the fields to save,
    the events to record."""

    def __init__(self, ticket: Ticket, actor: Actor, now: datetime) -> None:
        self.ticket = ticket
        self.actor = actor
        self.now = now
        self.fields: set[str] = set()
        self.events: list[Event] = []

    def record(
        self,
        verb: str,
        *,
        data: dict[str, Any] | None = None,
        message: Message | None = None,
        actor: Actor | None = None,
        at: datetime | None = None,
    ) -> Event:
        """An event of this change, by the change's actor unless another is named, at the
        change's moment unless another is given; saved with the others when the change is
        complete."""
        event = build_event(
            ticket=self.ticket,
            verb=verb,
            actor=self.actor if actor is None else actor,
            message=message,
            data=data,
            at=at or self.now,
        )
        self.events.append(event)
        return event

    def set(self, **values: Any) -> None:
        for field, value in values.items():
            setattr(self.ticket, field, value)
            self.fields.add(field)

    def set_status(self, status: str) -> None:
        """Change status; entering or leaving "waiting on the customer" opens or closes a
        Pause, during which the ticket's deadline clocks stand still."""
        ticket = self.ticket
        waiting = Status.WAITING_CUSTOMER
        if ticket.status == waiting and status != waiting:
            Pause.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=self.now)
        if status == waiting and ticket.status != waiting:
            Pause.objects.create(brand_id=ticket.brand_id, ticket=ticket, started_at=self.now)
        self.set(status=status)


def build_event(
    *,
    ticket: Ticket,
    verb: str,
    actor: Actor,
    message: Message | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """An event, checked but not saved (a change saves its events together). A request
    recorded for the customer names its recorder in `data["recorded_by"]`."""
    check_verb(verb)
    return Event(
        brand_id=ticket.brand_id,
        ticket=ticket,
        verb=verb,
        message=message,
        data={**(data or {}), **recorded_by(actor)},
        at=at or clock.now(),
        **event_fields(actor),
    )


def record_events(events: list[Event]) -> list[Event]:
    """Append events (one INSERT), each announced after commit. Only a change finishing
    calls this: it is the one place events are written."""
    if not events:
        return []
    for event in events:
        check_verb(event.verb)
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are recorded inside the transaction of the change they describe")
    created = Event.objects.bulk_create(events)
    reactions.project(created)
    for event in created:
        transaction.on_commit(functools.partial(_announce, event.pk, event.verb), robust=True)
    return created


def _announce(event_id: int, verb: str) -> None:
    event_committed.send(sender=Event, event_id=event_id, verb=verb)


def lock(tickets: Sequence[Ticket]) -> None:
    """Lock the tickets' rows for this transaction (in the order of their ids, so two
    transactions locking several never deadlock) and bring the instances up to date in
    place — one SELECT … FOR UPDATE for all. A ticket whose reactions are running is
    locked and current already."""
    stale = [t for t in tickets if reactions.reacting.get() is not t]
    if not stale:
        return
    fresh = {
        row.pk: row
        for row in Ticket._base_manager.select_for_update()
        .filter(pk__in=[t.pk for t in stale])
        .order_by("pk")
    }
    for ticket in stale:
        row = fresh.get(ticket.pk)
        if row is None:
            raise Ticket.DoesNotExist(f"ticket {ticket.pk} does not exist")
        # Setting a foreign key's id drops the related object loaded only if it changed:
        # the brand, the contact… read by the services stay.
        for field in Ticket._meta.concrete_fields:
            setattr(ticket, field.attname, getattr(row, field.attname))


def check_revision(ticket: Ticket, expected_revision: int | None) -> None:
    if expected_revision is not None and ticket.revision != expected_revision:
        raise Conflict(
            _("Someone else changed this ticket in the meantime. Reload it before trying again."),
            code="stale",
        )


def finish(changes: Sequence[Change]) -> None:
    """Save the changed tickets, bring their deadlines in step, record the events and run
    the reactions — a few statements however many tickets changed together. A change that
    set no field of its ticket leaves its deadlines as they are: they follow from the
    ticket's fields (and its pauses, which change with its status) alone."""
    saves = []
    for change in changes:
        if change.fields or change.events:
            ticket = change.ticket
            ticket.updated_at = change.now
            ticket.revision += 1
            saves.append((ticket, [*change.fields, "updated_at", "revision"]))
    save_fields(saves)
    moved = [c for c in changes if c.fields]
    # Within a reaction, the rows the previous refresh of this instance left are current.
    reuse = {c.ticket.pk for c in moved if reactions.reacting.get() is c.ticket}
    settle(changes, reactions.timekeeper().refresh([(c.ticket, c.now) for c in moved], reuse=reuse))


def settle(changes: Sequence[Change], timings: list[Event]) -> None:
    """The end of every change, and of every opening: the events of the changes, each
    ticket's followed by those of its deadlines (`timings`), inserted at once; then the
    reactions to them."""
    by_ticket: dict[int, list[Event]] = {}
    for event in timings:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    record_events([e for c in changes for e in [*c.events, *by_ticket.get(c.ticket.pk, [])]])
    try:
        reactions.dispatch([(change.events, change.ticket) for change in changes])
    finally:
        for change in changes:
            if reactions.reacting.get() is not change.ticket:
                change.ticket.__dict__.pop("deadline_rows", None)


@contextmanager
def changing(
    ticket: Ticket,
    actor: Actor,
    *,
    expected_revision: int | None = None,
    at: datetime | None = None,
) -> Iterator[Change]:
    """One ticket's change by `actor`: locked, checked against `expected_revision`,
    finished."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        lock([ticket])
        check_revision(ticket, expected_revision)
        change = Change(ticket, actor, at or clock.now())
        yield change
        finish([change])


@contextmanager
def changing_all(
    tickets: Sequence[Ticket], actor: Actor, *, at: datetime | None = None
) -> Iterator[list[Change]]:
    """Changes to several distinct tickets of one brand, made together (a batch of emails,
    the watcher's breaches): locked at once, finished at once. Each change's actor and
    moment may be set before it is finished."""
    if len({t.pk for t in tickets}) != len(tickets):
        raise ValueError("each ticket once in a batch of changes")
    if len({t.brand_id for t in tickets}) > 1:
        raise ValueError("a batch of changes is for one brand")
    with brand_scope(tickets[0].brand_id), transaction.atomic():
        lock(tickets)
        now = at or clock.now()
        changes = [Change(ticket, actor, now) for ticket in tickets]
        yield changes
        finish(changes)
