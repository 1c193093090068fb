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

from django.db.models import Q

from guichet.brands.models import Brand
from guichet.contacts.models import ContactEmail
from guichet.tickets.choices import Direction
from guichet.tickets.models import Message, MessageReference, Ticket, reference_key


@dataclass(frozen=True)
class Thread:
    ticket: Ticket
    by: str  # "header", "subject" or "answered" (a reply to this message arrived first)
    participant: bool  # whether the sender may write on it
    also: tuple[Ticket, ...] = ()  # other tickets answering this message, to link to it


def reference_pattern(prefix: str) -> re.Pattern[str]:
    return re.compile(
        rf"(?<![A-Za-z0-9]){re.escape(prefix)}-\d{{2}}-\d{{5,}}(?![0-9])", re.IGNORECASE
    )


def _candidates(
    brand: Brand, message_ids: list[str], subject: str, own_id: str
) -> list[tuple[Ticket, str]]:
    """Tickets this email may belong to, best evidence first."""
    found: list[tuple[Ticket, str]] = []
    ids = [i for i in message_ids if i]
    if ids:
        for message in (
            Message.objects.filter(brand=brand, external_id__in=ids)
            .select_related("ticket")
            .only("ticket")  # the ticket, not the text of the message
            .order_by("-created_at", "-pk")[:20]
        ):
            found.append((message.ticket, "header"))
    match = reference_pattern(brand.reference_prefix).search(subject or "")
    if match:
        ticket = Ticket.objects.filter(brand=brand, reference=match.group(0).upper()).first()
        if ticket is not None:
            found.append((ticket, "subject"))
    if own_id:
        for ref in (
            MessageReference.objects.filter(brand=brand, key=reference_key(own_id))
            .select_related("message__ticket")
            .only("message__ticket")
            .order_by("message__created_at", "pk")[:20]
        ):
            found.append((ref.message.ticket, "answered"))
    unique: dict[int, tuple[Ticket, str]] = {}
    for ticket, by in found:
        ticket.brand = brand  # spares the services reading it again
        unique.setdefault(ticket.pk, (ticket, by))
    return list(unique.values())


def find_thread(
    brand: Brand, *, message_ids: list[str], subject: str, sender: str, own_id: str = ""
) -> Thread | None:
    """The brand's ticket this email belongs to.

    Candidates come from its headers, then the reference in its subject, then — mail is not
    always delivered in order — replies to this very email that arrived first ("answered").
    The first candidate on which the sender is a participant wins; else the first that
    answers it (that evidence comes from the ticket's own messages, not from the newcomer,
    so the original joins, never as the requester); else the first candidate, with
    `participant` False (the caller opens a new ticket linked to it). Other tickets that
    answer it are returned in `also`, to be linked: they are branches of one conversation.
    Call inside the brand's scope."""
    candidates = _candidates(brand, message_ids, subject, own_id)
    if not candidates:
        return None
    address = sender.lower()
    answered = [ticket for ticket, by in candidates if by == "answered"]
    chosen = next(
        ((ticket, by) for ticket, by in candidates if address in participants(ticket)), None
    )
    participant = True
    if chosen is None and answered:
        chosen = (answered[0], "answered")
    if chosen is None:
        chosen, participant = candidates[0], False
    also = tuple(t for t in answered if t.pk != chosen[0].pk) if participant else ()
    return Thread(chosen[0], chosen[1], participant, also)


def participants(ticket: Ticket) -> set[str]:
    """Addresses that may write on the ticket: its customer's, and those of people whose
    messages are already on it."""
    writers = Message.objects.filter(
        ticket=ticket, direction=Direction.INBOUND, author_contact__isnull=False
    ).values("author_contact_id")
    return set(
        ContactEmail.objects.filter(Q(contact_id=ticket.contact_id) | Q(contact_id__in=writers))
        .values_list("address", flat=True)
        .distinct()
    )
