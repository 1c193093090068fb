"""The event log: the spine of Guichet. Timeline, notifications, webhooks and reports all
read the Event table, which only the ticket services write (`tickets.services`, through
the change every service makes); `event_committed` tells in-process listeners after commit.
"""

from __future__ import annotations

from collections.abc import Callable

from django.dispatch import Signal

from guichet.tickets.choices import Verb

# Sent after the recording transaction commits, with `event_id` and `verb`.
event_committed = Signal()

# Told after commit when a seller's status changed (`tickets.services.sellers`): (seller id,
# SellerStatusChange id). Here, with the signal, so that a listener registers at start-up
# without importing the services (the API's webhooks: `seller.restricted`…).
seller_status_listeners: list[Callable[[int, int], None]] = []


def on_seller_status_committed(listener: Callable[[int, int], None]) -> None:
    if listener not in seller_status_listeners:
        seller_status_listeners.append(listener)


_KNOWN_VERBS = {v.value for v in Verb}


def register_verbs(*verbs: str) -> None:
    """Other apps (sla, conduct, marketplace) declare their own verbs here."""
    _KNOWN_VERBS.update(verbs)


def check_verb(verb: str) -> None:
    if verb not in _KNOWN_VERBS:
        raise ValueError(f"unknown event verb {verb!r}")
