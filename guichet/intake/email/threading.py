"""Which ticket an email belongs to, and whether its sender may join it.

In order: any Message-ID of In-Reply-To and References that we know on the brand (inbound
or outbound — letters and replies get their Message-ID when queued), then the reference
tag in the subject. A reply joins a ticket only if its sender is a participant of that
ticket (its customer's addresses, or a sender already on it); otherwise it opens a new
ticket related to the first — a third party never replaces the requester, and a
newsletter's recipients are never merged into one conversation.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from guichet.brands.models import Brand
from guichet.contacts.models import ContactEmail
from guichet.tickets.choices import Direction
from guichet.tickets.models import Message, Ticket


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    by: str  # "header" or "subject"


def reference_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![A-Za-z0-9]){re.escape(prefix)}-\d{{2}}-\d{{5,}}(?![0-9])", re.IGNORECASE
    )


def find_thread(brand: Brand, *, message_ids: list[str], subject: str) -> Thread | None:
    """The brand's ticket this email answers, if any. Call inside the brand's scope."""
    ids = [i for i in message_ids if i]
    if ids:
        known = (
            Message.objects.filter(brand=brand, external_id__in=ids)
            .select_related("ticket")
            .order_by("-created_at", "-pk")
            .first()
        )
        if known is not None:
            return Thread(known.ticket, "header")
    match = reference_pattern(brand.reference_prefix).search(subject or "")
    if match:
        ticket = Ticket.objects.filter(brand=brand, reference=match.group(0).upper()).first()
        if ticket is not None:
            return Thread(ticket, "subject")
    return None


def participants(ticket: Ticket) -> set[str]:
    """Addresses that may write on the ticket: its customer's, and those of people whose
    messages are already on it."""
    contact_ids = {ticket.contact_id} | set(
        Message.objects.filter(
            ticket=ticket, direction=Direction.INBOUND, author_contact__isnull=False
        )
        .values_list("author_contact_id", flat=True)
        .distinct()
    )
    return set(
        ContactEmail.objects.filter(contact_id__in=contact_ids).values_list("address", flat=True)
    )
