"""What must happen, in the same transaction, after a change is saved.

A service records events while it changes a ticket; when its change is complete (the
ticket saved, its deadlines recomputed), the reactions registered for those verbs run —
still inside the transaction, so what they write (a letter to the customer, a message in
the outbox) commits or rolls back with the change that caused it. Reactions that reach
outside (sending mail, webhooks) must only queue work; delivery happens after commit.

Apps register in their AppConfig.ready():
- `register(Verb.ESCALATED, handler)`: `handler(event, ticket)` with the (locked, up to
  date) ticket; it may call the ticket services on that ticket;
- `register_many(Verb.REPLIED, handler)`: `handler([(event, ticket), …])` once for all
  the tickets a service changed together (opening a batch of emails); it writes in bulk
  and must not call the ticket services.

A new ticket's acknowledgement is part of its opening (one write instead of a second
change): the app that writes letters registers an `Acknowledger` with `acknowledge_with`.

A read model kept from the event log (the reports' figures) registers a `Projector` with
`project_with`: it is given every event as it is recorded, in the same transaction.

A ticket's deadlines are planned when it opens and kept in step with every change by the
`Timekeeper` the deadline app registers with `keep_time_with` (tickets know nothing of
how deadlines are computed; the app that computes them sits above tickets).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from contextvars import ContextVar
from datetime import datetime
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from guichet.tickets.models import Event, Ticket

Handler = Callable[["Event", "Ticket"], None]
ManyHandler = Callable[[list[tuple["Event", "Ticket"]]], None]

_handlers: dict[str, list[Handler]] = defaultdict(list)
_many: dict[str, list[ManyHandler]] = defaultdict(list)

# The ticket whose reactions are running: it is locked by this transaction and was just
# saved and refreshed, so a service a reaction calls on the same object need not lock it again.
reacting: ContextVar[Ticket | None] = ContextVar("reacting", default=None)


def register(verb: str, handler: Handler) -> None:
    if handler not in _handlers[verb]:
        _handlers[verb].append(handler)


def register_many(verb: str, handler: ManyHandler) -> None:
    if handler not in _many[verb]:
        _many[verb].append(handler)


def dispatch(changes: Sequence[tuple[Sequence[Event], Ticket]]) -> None:
    """Run the reactions to the events of each (events, ticket): per ticket first, in the
    order of the events, then the bulk handlers once for everything."""
    batches: dict[ManyHandler, list[tuple[Event, Ticket]]] = {}
    for events, ticket in changes:
        token = reacting.set(ticket)
        try:
            for event in events:
                for handler in _handlers.get(event.verb, ()):
                    handler(event, ticket)
                for many in _many.get(event.verb, ()):
                    batches.setdefault(many, []).append((event, ticket))
        finally:
            reacting.reset(token)
    for many, items in batches.items():
        many(items)


class Acknowledger(Protocol):
    def select(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """Which of these new tickets (unsaved; `auto_acknowledge` set) get their
        acknowledgement now; the others stay silent (a loop with a robot, a flood)."""
        ...

    def compose(self, ticket: Ticket) -> tuple[str, str]:
        """Subject and text of the acknowledgement of this ticket (saved, deadlines set)."""
        ...


_acknowledger: list[Acknowledger] = []


def acknowledge_with(acknowledger: Acknowledger) -> None:
    _acknowledger[:] = [acknowledger]


def acknowledger() -> Acknowledger | None:
    return _acknowledger[0] if _acknowledger else None


class Timekeeper(Protocol):
    def plan_opening(self, ticket: Ticket) -> None:
        """Plan the deadlines of a ticket about to be inserted and set its `next_due_at`,
        so the INSERT carries it."""
        ...

    def open(self, tickets: Sequence[Ticket]) -> list[Event]:
        """Save the deadlines planned for tickets just inserted; the events recording them
        (unsaved)."""
        ...

    def refresh(
        self, changed: Sequence[tuple[Ticket, datetime]], *, reuse: set[int]
    ) -> list[Event]:
        """Bring the deadlines of tickets just saved in step with their state, each at its
        moment; the events recording it (unsaved). `reuse`: tickets whose rows left on the
        instance by the previous refresh are current."""
        ...


_timekeeper: list[Timekeeper] = []


def keep_time_with(timekeeper: Timekeeper) -> None:
    _timekeeper[:] = [timekeeper]


def timekeeper() -> Timekeeper:
    if not _timekeeper:
        raise LookupError("no app keeps the tickets' deadlines: guichet.sla is not installed")
    return _timekeeper[0]


Projector = Callable[[Sequence["Event"]], None]
_projectors: list[Projector] = []


def project_with(projector: Projector) -> None:
    """Give every event recorded from now on to `projector`, in the transaction that records
    it (after the INSERT, so the events have their ids)."""
    if projector not in _projectors:
        _projectors.append(projector)


def project(events: Sequence[Event]) -> None:
    for projector in _projectors:
        projector(events)
