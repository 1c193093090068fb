"""Accounting of inbound email: every message received is in exactly one state."""

from __future__ import annotations

from typing import Any

from django.db.models import Count

from guichet.brands.models import Brand
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib.scoping import all_brands


def inbound_stats(brand: Brand | None = None) -> dict[str, Any]:
    with all_brands():
        rows = InboundEmail.objects.all()
        if brand is not None:
            rows = rows.filter(brand=brand)
        by_state = dict(rows.values_list("state").annotate(n=Count("id")).values_list("state", "n"))
        new_tickets = rows.filter(state=InboundState.TICKET_MESSAGE, new_ticket=True).count()
        reasons = {
            state: dict(
                rows.filter(state=state)
                .values_list("reason")
                .annotate(n=Count("id"))
                .values_list("reason", "n")
            )
            for state in (InboundState.IGNORED, InboundState.QUARANTINED)
        }
    received = sum(by_state.values())
    ticket_messages = by_state.get(InboundState.TICKET_MESSAGE, 0)
    ignored = by_state.get(InboundState.IGNORED, 0)
    quarantined = by_state.get(InboundState.QUARANTINED, 0)
    pending = by_state.get(InboundState.RECEIVED, 0)
    return {
        "brand": brand.slug if brand else None,
        "received": received,
        "ticket_messages": ticket_messages,
        "new_tickets": new_tickets,
        "threaded_replies": ticket_messages - new_tickets,
        "ignored": ignored,
        "ignored_reasons": reasons[InboundState.IGNORED],
        "quarantined": quarantined,
        "quarantined_reasons": reasons[InboundState.QUARANTINED],
        "pending": pending,
        "accounted": received == ticket_messages + ignored + quarantined + pending,
        "all_processed": pending == 0,
    }
