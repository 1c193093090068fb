"""The seller portal's reads: the disputes that involve a seller, and what it may see of
each (docs/marketplace.md).

Every read is narrowed to one brand and one seller first: another seller's dispute,
another brand's and a missing one are the same "not found" (404). Of a ticket, the seller
sees its reference, subject, order reference and category; the messages to and from this
seller; and the customer's messages an agent chose to share, with their files — never the
customer's name or addresses, the agents' notes or other sellers' messages.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel.numbers import format_currency
from django.conf import settings
from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.http import Http404
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from guichet.brands.models import Brand, BrandLogo
from guichet.contacts.models import Contact
from guichet.marketplace.models import Proposal, Seller
from guichet.sla.models import Deadline, DeadlineKind
from guichet.tickets.choices import Direction
from guichet.tickets.masking import CustomerMask
from guichet.tickets.models import Attachment, Message, Ticket

REFERENCE_MAX = 20

# What looks like a phone number or an email address in a customer's words: masked before
# a seller reads them, whatever the agent shared (the customer's details are not the
# seller's). International (+212 6…, 0033 6…) and national ten-digit numbers (06 12 34 56
# 78): order numbers and dates rarely have that shape.


def brand_logo(brand: Brand) -> dict[str, Any] | None:
    """The brand's logo as a page places it (digest and size), or None. In its scope."""
    found = BrandLogo.objects.filter(brand=brand).values("digest", "width", "height").first()
    return dict(found) if found else None


def seller_disputes(seller: Seller) -> QuerySet[Ticket]:
    """The tickets that name the seller and that it was written to about (they have a
    message of its side), the latest asked first. Evaluate inside the brand's scope."""
    written = Message.objects.filter(ticket=OuterRef("pk"), seller=seller)
    return (
        Ticket.objects.filter(brand_id=seller.brand_id, seller=seller)
        .filter(Exists(written))
        .select_related("contact")
        .order_by("-seller_asked_at", "-pk")
    )


def seller_dispute(seller: Seller, reference: str) -> Ticket:
    """One of the seller's disputes, or 404 — the same for another seller's, another
    brand's, a malformed and a missing reference."""
    if not isinstance(reference, str) or len(reference) > REFERENCE_MAX:
        raise Http404
    ticket = seller_disputes(seller).filter(reference=reference.upper()).first()
    if ticket is None:
        raise Http404
    return ticket


def visible_messages(ticket: Ticket, seller: Seller) -> QuerySet[Message]:
    """The messages of the ticket the seller may read: to and from this seller, and the
    customer's messages shared with the seller (never a note, never another seller's)."""
    shared = Q(
        seller__isnull=True,
        is_internal=False,
        direction=Direction.INBOUND,
        shared_with_seller_at__isnull=False,
    )
    return Message.objects.filter(ticket=ticket).filter(Q(seller=seller) | shared)


def seller_attachment(ticket: Ticket, seller: Seller, pk: int) -> Attachment:
    """A file of a message the seller may read, or 404. A file of the customer's carries
    a name with the customer's details masked."""
    found = (
        Attachment.objects.filter(pk=pk, message__in=visible_messages(ticket, seller))
        .select_related("message", "message__ticket__contact")
        .first()
    )
    if found is None:
        raise Http404
    message = found.message
    if message is not None and message.seller_id is None:
        found.filename = masked(found.filename, message.ticket.contact)
    return found


def subject_of(ticket: Ticket) -> str:
    """The ticket's subject as the seller reads it (the customer may have named themself
    in it): `masked`."""
    return masked(ticket.subject, ticket.contact)


def masked(text: str, contact: Contact | None) -> str:
    """`text` as the seller may read it (`tickets.masking`, as in the seller's email)."""
    return CustomerMask(contact)(text)


@dataclass
class Entry:
    """One message as the seller reads it."""

    message: Message
    at: datetime
    side: str  # "brand" (to the seller), "seller" (from it), "customer" (shared with it)
    text: str
    attachments: list[Attachment] = field(default_factory=list)
    proposal: Proposal | None = None

    @property
    def proposal_amount(self) -> str:
        """The proposed refund's amount in the page's language ("2 499,00 MAD"), or ""."""
        if self.proposal is None or self.proposal.amount is None:
            return ""
        language = get_language() or settings.LANGUAGE_CODE
        return format_currency(self.proposal.amount, self.proposal.currency, locale=language)

    @property
    def formatted(self) -> str:
        """The brand's message with its formatting (sanitised again), or ""."""
        if self.side != "brand":
            return ""
        return mark_safe(self.message.formatted_html)  # noqa: S308 (sanitised just now)


def seller_timeline(ticket: Ticket, seller: Seller) -> list[Entry]:
    """What the seller reads on its dispute, oldest first: the customer's shared words
    masked (`masked`), the seller's proposals with its answers."""
    messages = (
        visible_messages(ticket, seller)
        .select_related("author_user", "seller_person")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    proposals = {p.message_id: p for p in Proposal.objects.filter(ticket=ticket, seller=seller)}
    mask = CustomerMask(ticket.contact)
    entries = []
    for message in messages:
        attachments = list(message.attachments.all())
        if message.seller_id is None:
            side, text = "customer", mask(message.text)
            for attachment in attachments:
                attachment.filename = mask(attachment.filename)
        elif message.direction == Direction.OUTBOUND:
            side, text = "brand", message.text
        else:
            side, text = "seller", message.text
        entries.append(
            Entry(
                message=message,
                at=message.created_at,
                side=side,
                text=text,
                attachments=attachments,
                proposal=proposals.get(message.pk),
            )
        )
    return entries


def awaiting_answer(ticket: Ticket) -> bool:
    """Whether the brand waits for the seller's answer (asked, not answered since)."""
    asked, answered = ticket.seller_asked_at, ticket.seller_answered_at
    return asked is not None and (answered is None or answered < asked) and ticket.is_open


def seller_due(tickets: list[Ticket]) -> dict[int, datetime]:
    """The running seller's deadline of each ticket (ticket id → due), in one query."""
    rows = Deadline.objects.filter(
        ticket__in=tickets,
        kind=DeadlineKind.SELLER_RESPONSE,
        met_at__isnull=True,
        cancelled_at__isnull=True,
        due_at__isnull=False,
    ).values_list("ticket_id", "due_at")
    due: dict[int, datetime] = {}
    for ticket_id, due_at in rows:
        if due_at is not None and (ticket_id not in due or due_at < due[ticket_id]):
            due[ticket_id] = due_at
    return due
