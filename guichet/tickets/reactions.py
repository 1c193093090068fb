"""What must happen, in the same transaction, after a change is saved.

A service records events while it changes a ticket; when its change is complete (the
ticket saved, its deadlines recomputed), the reactions registered for those verbs run —
still inside the transaction, so what they write (a letter to the customer, a message in
the outbox) commits or rolls back with the change that caused it. Reactions that reach
outside (sending mail, webhooks) must only queue work; delivery happens after commit.

Apps register in their AppConfig.ready(): `reactions.register(Verb.ESCALATED, handler)`;
a handler receives the Event and the (locked, up to date) Ticket.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from guichet.tickets.models import Event, Ticket

Handler = Callable[["Event", "Ticket"], None]

_handlers: dict[str, list[Handler]] = defaultdict(list)


def register(verb: str, handler: Handler) -> None:
    if handler not in _handlers[verb]:
        _handlers[verb].append(handler)


def dispatch(events: list[Event], ticket: Ticket) -> None:
    for event in events:
        for handler in _handlers.get(event.verb, ()):
            handler(event, ticket)
