"""A seller that lets its deadline pass gets a strike (docs/requirements.md MK-2): the
reaction to the watcher's breach of a `seller_response` deadline. The strike, and the
restriction it may bring, are the ticket services' (`tickets.services.sellers`)."""

from __future__ import annotations

from datetime import datetime

from guichet.marketplace.models import StrikeReason
from guichet.tickets import services
from guichet.tickets.actors import System
from guichet.tickets.models import Event, Ticket

# The watcher, as its events name it (watcher.SLA; not imported here: the apps' hooks
# register without loading the deadline engine).
SLA = System("sla")


def strike_on_breach(event: Event, ticket: Ticket) -> None:
    if event.data.get("kind") != "seller_response" or ticket.seller_id is None:
        return
    due = event.data.get("due")
    services.strike_record(
        ticket=ticket,
        actor=SLA,
        reason=StrikeReason.NO_ANSWER,
        due_at=datetime.fromisoformat(due) if isinstance(due, str) else None,
    )
