"""What happens to a ticket without changing what it says — an email delivered or
bounced, a deadline's warning or breach, a survey answered, a referral — recorded through
the same change as every service's: the ticket locked, its revision bumped, the event
written, the reactions run, live pages and webhooks told after commit."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from guichet.tickets.actors import Actor
from guichet.tickets.models import Event, Message, Ticket
from guichet.tickets.services.change import changing, changing_all


def ticket_record(
    *,
    ticket: Ticket,
    actor: Actor,
    verb: str,
    data: dict[str, Any] | None = None,
    message: Message | None = None,
    at: datetime | None = None,
) -> Event:
    """Record `verb` on the ticket (a verb of `tickets.choices.Verb`, or one another app
    registered with `tickets.events.register_verbs`)."""
    with changing(ticket, actor, at=at) as change:
        return change.record(verb, data=data, message=message)


@dataclass(frozen=True)
class Record:
    ticket: Ticket
    verb: str
    data: dict[str, Any] = field(default_factory=dict)


def tickets_record(*, records: Sequence[Record], actor: Actor, at: datetime) -> list[Event]:
    """`ticket_record` for many records on tickets of one brand at once (the watcher's
    breaches): one lock statement, one save, one insert of events for the lot. A ticket
    may have several records; each is recorded in the order given."""
    if not records:
        return []
    tickets = list({record.ticket.pk: record.ticket for record in records}.values())
    events = []
    with changing_all(tickets, actor, at=at) as changes:
        by_ticket = {change.ticket.pk: change for change in changes}
        for record in records:
            events.append(by_ticket[record.ticket.pk].record(record.verb, data=record.data))
    return events
