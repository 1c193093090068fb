"""The portal's reads: a customer's own tickets and their public timeline.

Every read is narrowed to one brand and one contact before anything else: a ticket of
another customer or another brand is "not found" (404), never "forbidden"."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from babel.numbers import format_currency
from django.db.models import Prefetch, QuerySet
from django.http import Http404
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from guichet.brands.models import Brand, BrandLogo
from guichet.contacts.models import Contact
from guichet.marketplace.models import ContactRelease
from guichet.notify.letters import due_of
from guichet.tickets.choices import Verb
from guichet.tickets.models import Attachment, Event, Message, Payment, Ticket

# Events the customer is told about on the timeline (their data stays out: reasons an
# agent wrote are for the staff).
PUBLIC_VERBS = {Verb.ESCALATED, Verb.LEVEL_RETURNED, Verb.CLOSED, Verb.REOPENED}


def brand_logo(brand: Brand) -> dict[str, Any] | None:
    """The brand's logo as a page places it (digest and size; not its bytes), or None.
    Call inside the brand's scope."""
    found = BrandLogo.objects.filter(brand=brand).values("digest", "width", "height").first()
    return dict(found) if found else None


def customer_tickets(brand: Brand, contact: Contact) -> QuerySet[Ticket]:
    """The contact's tickets at this brand, newest first. Evaluate inside the brand's
    scope."""
    return (
        Ticket.objects.filter(brand=brand, contact=contact)
        .select_related("assignee", "team", "merged_into")
        .order_by("-created_at", "-pk")
    )


def customer_ticket(brand: Brand, contact: Contact, reference: str) -> Ticket:
    """One of the contact's tickets, or 404 — the same for another customer's, another
    brand's, a malformed and a missing reference."""
    if not isinstance(reference, str) or len(reference) > 20:
        raise Http404
    ticket = customer_tickets(brand, contact).filter(reference=reference.upper()).first()
    if ticket is None:
        raise Http404
    return ticket


def public_attachment(ticket: Ticket, pk: int) -> Attachment:
    """An attachment of a message the customer can see (never of an internal note)."""
    found = Attachment.objects.filter(
        pk=pk, message__ticket=ticket, message__is_internal=False
    ).first()
    if found is None:
        raise Http404
    return found


def handler_name(ticket: Ticket) -> str:
    """Who handles the ticket, as the customer is told: the agent's first name, else
    the team."""
    if ticket.assignee_id and ticket.assignee is not None:
        return ticket.assignee.first_name or ""
    if ticket.team is not None:
        return ticket.team.display_name(get_language())
    return ""


def next_due(ticket: Ticket) -> datetime | None:
    """When the customer should hear from the brand next: the first answer, else the
    answer at this level, the full answer or the resolution."""
    if not ticket.is_open:
        return None
    return due_of(ticket, "first_response", "level", "full_answer", "resolution")


@dataclass
class Entry:
    at: datetime
    kind: str  # "message" or "event"
    message: Message | None = None
    event: Event | None = None
    attachments: list[Attachment] = field(default_factory=list)
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def formatted(self) -> str:
        """`Message.formatted_html`, marked safe for the template ("" for the others)."""
        formatted = self.message.formatted_html if self.message else ""
        return mark_safe(formatted)  # noqa: S308 (sanitised just now)


def public_timeline(ticket: Ticket) -> list[Entry]:
    """Messages to and from the customer (never internal notes) and the changes they
    are told about, oldest first."""
    messages = (
        Message.objects.filter(ticket=ticket, is_internal=False)
        .select_related("author_user")
        .prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("pk")))
        .order_by("created_at", "pk")
    )
    entries = [
        Entry(at=m.created_at, kind="message", message=m, attachments=list(m.attachments.all()))
        for m in messages
    ]
    policy = ticket.brand.get_policy()
    language = get_language() or policy.default_language
    for event in Event.objects.filter(ticket=ticket, verb__in=PUBLIC_VERBS).order_by("at", "pk"):
        data: dict[str, Any] = {"verb": event.verb}
        to_level = event.data.get("to")
        if event.verb in (Verb.ESCALATED, Verb.LEVEL_RETURNED) and isinstance(to_level, int):
            if 1 <= to_level <= policy.final_level:
                data["level_name"] = policy.text(policy.level_at(to_level).name, language)
            data["requested"] = event.actor_contact_id is not None
        entries.append(Entry(at=event.at, kind="event", event=event, data=data))
    entries.sort(key=lambda e: (e.at, 0 if e.kind == "message" else 1))
    return entries


@dataclass(frozen=True)
class SellerContact:
    """What the request's page offers about the seller's direct contact details (MK-3):
    the button (`can_ask`), and what became of the latest request (`release`)."""

    can_ask: bool
    release: ContactRelease | None


def seller_contact(ticket: Ticket) -> SellerContact | None:
    """None unless the ticket names a seller of a marketplace whose policy gives out its
    sellers' details at all (`[marketplace] contact_release` other than "never")."""
    market = ticket.brand.get_policy().marketplace
    if market is None or ticket.seller_id is None or market.contact_release == "never":
        return None
    release = (
        ContactRelease.objects.filter(ticket=ticket, seller_id=ticket.seller_id)
        .order_by("-requested_at", "-pk")
        .first()
    )
    # Once asked, the request waits for an agent or is answered; after a refusal it may be
    # asked again (the policy's condition may be met since).
    can_ask = ticket.merged_into_id is None and (release is None or release.status == "refused")
    return SellerContact(can_ask=can_ask, release=release)


def payments(ticket: Ticket) -> list[dict[str, Any]]:
    """The refunds and credits recorded on the ticket, oldest first, each amount written
    in the page's language ("2 499,00 MAD", "MAD 2,499.00")."""
    language = get_language() or ticket.brand.get_policy().default_language
    return [
        {
            "kind": payment.get_kind_display(),
            "amount": format_currency(payment.amount, payment.currency, locale=language),
            "at": payment.at,
        }
        for payment in Payment.objects.filter(ticket=ticket).order_by("at", "pk")
    ]
