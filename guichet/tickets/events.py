"""Recording events: the spine of Guichet. Timeline, notifications, webhooks and reports
all read the Event table; `event_committed` tells in-process listeners after commit."""

from __future__ import annotations

import functools
from datetime import datetime
from typing import Any

from django.db import transaction
from django.dispatch import Signal

from guichet.lib import clock
from guichet.tickets.choices import Verb
from guichet.tickets.models import Event, Message, Ticket

# Sent after the recording transaction commits, with `event_id` and `verb`.
event_committed = Signal()

_KNOWN_VERBS = {v.value for v in Verb}


def register_verbs(*verbs: str) -> None:
    """Other apps (sla, conduct, marketplace) declare their own verbs here."""
    _KNOWN_VERBS.update(verbs)


def build_event(
    *,
    ticket: Ticket,
    verb: str,
    actor: Any = None,
    contact: Any = None,
    label: str = "",
    message: Message | None = None,
    data: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> Event:
    """An event, checked but not yet saved (a service saves its events together).

    `actor` is the staff user who acted, `contact` the customer; with neither, `label`
    names the system part that acted (default "system")."""
    if verb not in _KNOWN_VERBS:
        raise ValueError(f"unknown event verb {verb!r}")
    return Event(
        brand_id=ticket.brand_id,
        ticket=ticket,
        verb=verb,
        actor_user=actor if getattr(actor, "pk", None) else None,
        actor_contact=contact,
        actor_label=label or ("" if actor or contact else "system"),
        message=message,
        data=data or {},
        at=at or clock.now(),
    )


def record_event(**kwargs: Any) -> Event:
    """Append one event now (arguments as `build_event`). Call inside the transaction that
    made the change."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are recorded inside the transaction of the change they describe")
    event = build_event(**kwargs)
    event.save()
    transaction.on_commit(functools.partial(_announce, event.pk, event.verb), robust=True)
    return event


def record_events(events: list[Event]) -> list[Event]:
    """Append many events at once (the watcher's breaches): one INSERT, each event still
    announced after commit. The Event objects are built by the caller, unsaved."""
    if not events:
        return []
    for event in events:
        if event.verb not in _KNOWN_VERBS:
            raise ValueError(f"unknown event verb {event.verb!r}")
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("events are recorded inside the transaction of the change they describe")
    created = Event.objects.bulk_create(events)
    for event in created:
        transaction.on_commit(functools.partial(_announce, event.pk, event.verb), robust=True)
    return created


def _announce(event_id: int, verb: str) -> None:
    event_committed.send(sender=Event, event_id=event_id, verb=verb)
