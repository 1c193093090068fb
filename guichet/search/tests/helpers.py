"""What the search tests share: a way to open tickets and to read what a search returns."""

from __future__ import annotations

from typing import Any

from guichet.search.queries import search_tickets
from guichet.tickets import services
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket


def found(query: str, *brands: Any, limit: int = 50) -> list[int]:
    """Ids of the tickets `query` finds in these brands (none given: every brand)."""
    brand_ids = [b.pk for b in brands] if brands else None
    return [hit.ticket_id for hit in search_tickets(query=query, brand_ids=brand_ids, limit=limit)]


def open_ticket(
    world: Any, *, subject: str, text: str, jamla: bool = False, **extra: Any
) -> Ticket:
    """A new ticket of EJ (by world.customer) or of Jamla24 (by world.other_customer)."""
    if jamla:
        opening = {
            "brand": world.jamla,
            "contact": world.other_customer,
            "contact_type": "question",
        }
    else:
        opening = {
            "brand": world.ej,
            "contact": world.customer,
            "contact_type": "complaint",
            "category": "billing",
        }
    return services.ticket_open(
        **opening, subject=subject, text=text, channel=Channel.EMAIL, **extra
    )
