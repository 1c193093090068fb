"""What the seller of a marketplace dispute is told (docs/marketplace.md), by email:

- when an agent writes to it (SELLER_CONTACTED): the agent's text, the customer's messages
  the agent chose to share (quoted, their attachments named), its deadline, how to answer,
  and a single-use link to the dispute on the seller portal; the agent's attachments go
  with it;
- when its deadline is near (DEADLINE_WARNED of a `seller_response` deadline): a reminder,
  with a fresh link.

The email goes to the seller's own address, or — a seller without one — to each of its
people who may sign in, each with a link of their own. It is the seller's side of the
ticket: it threads with the seller's messages only (its Message-ID is the agent's
message's, so that the seller's reply finds it), and it gives nothing of the customer but
what the agent shared — in which the customer's own addresses and phone numbers are masked
too. The wording is a letter's (editable per brand, LetterKind.SELLER_*), in the brand's
default language.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from guichet.marketplace.models import Seller, SellerPerson, SellerStatus
from guichet.marketplace.signin import link_create
from guichet.notify.letters import compose, due_of, letter_language, moment
from guichet.notify.models import LetterKind, OutboundEmail
from guichet.notify.outbox import SECRET_MARK, queue_seller_email
from guichet.tickets.choices import Direction
from guichet.tickets.masking import CustomerMask
from guichet.tickets.models import Attachment, Event, Message, Ticket
from guichet.tickets.services import new_message_id


def seller_portal_paths(brand_slug: str, reference: str, secret: str) -> tuple[str, str]:
    """The seller portal's paths for a dispute's email: where its single-use link signs in
    (`/s/<brand>/signin/<secret>`), and the dispute's page the link leads to once signed in
    (`/s/<brand>/disputes/<reference>/`). The seller portal serves exactly these."""
    base = f"/s/{brand_slug}"
    return f"{base}/signin/{secret}", f"{base}/disputes/{reference}/"


@dataclass(frozen=True)
class Recipient:
    name: str
    address: str
    person: SellerPerson | None  # None: the seller's own address


def seller_recipients(seller: Seller) -> list[Recipient]:
    """Where the seller is written to: its own address, else each person who may sign in
    for it."""
    if seller.email:
        return [Recipient(seller.name, seller.email, None)]
    return [
        Recipient(person.name, person.email, person)
        for person in seller.people.filter(is_active=True).order_by("pk")
    ]


# --- what the customer's shared messages give the seller ---------------------------------


def shared_messages(ticket: Ticket, language: str) -> str:
    """The customer's messages an agent showed the seller, oldest first, quoted, with the
    names of their attachments (the seller opens them on its portal)."""
    messages = list(
        Message.objects.filter(
            ticket=ticket,
            shared_with_seller_at__isnull=False,
            direction=Direction.INBOUND,
            is_internal=False,
        ).order_by("created_at", "pk")
    )
    if not messages:
        return ""
    names: dict[int, list[str]] = {}
    for message_id, filename in (
        Attachment.objects.filter(message__in=messages)
        .order_by("pk")
        .values_list("message_id", "filename")
    ):
        names.setdefault(message_id, []).append(filename)
    blocks = []
    with translation.override(language):
        masked = CustomerMask(ticket.contact)
        for message in messages:
            lines = [
                _("On %(when)s, the customer wrote:")
                % {"when": moment(message.created_at, ticket, language)}
            ]
            lines += [f"> {line}".rstrip() for line in masked(message.text).splitlines()]
            if names.get(message.pk):
                lines.append(
                    _("Attachments (open them in your seller area): %(names)s")
                    % {"names": ", ".join(masked(n) for n in names[message.pk])}
                )
            blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


# --- the emails ----------------------------------------------------------------------------


def queue_to_seller(
    ticket: Ticket,
    seller: Seller,
    kind: str,
    extra: dict[str, Any],
    *,
    message: Message | None = None,
    automatic: bool,
) -> list[OutboundEmail]:
    """Write the letter `kind` to each of the seller's recipients, each with a single-use
    link to the dispute on the seller portal (sealed in the outbox until delivery). With
    `message` (the agent's), every copy bears its Message-ID and its attachments."""
    brand = ticket.brand
    _signin, dispute = seller_portal_paths(brand.slug, ticket.reference, "")
    signin_path, _dispute = seller_portal_paths(brand.slug, ticket.reference, SECRET_MARK)
    queued = []
    for recipient in seller_recipients(seller):
        link, secret = link_create(
            seller=seller,
            person=recipient.person,
            next_path=dispute,
            hours=settings.GUICHET_SELLER_EMAIL_LINK_HOURS,
        )
        subject, text = compose(
            ticket,
            kind,
            {
                **extra,
                "portal_url": settings.SITE_URL + signin_path,
                "link_expires": link.expires_at,
            },
        )
        queued.append(
            queue_seller_email(
                ticket=ticket,
                seller=seller,
                to_name=recipient.name,
                to_address=recipient.address,
                subject=subject,
                text=text,
                secret=secret,
                rfc_message_id=message.external_id if message else new_message_id(ticket),
                message=message,
                automatic=automatic,
            )
        )
    return queued


def tell_seller(event: Event, ticket: Ticket) -> None:
    """An agent wrote to the seller (tickets.services.seller_contact): the seller is
    emailed."""
    message = event.message
    seller = ticket.seller
    if message is None or seller is None or message.seller_id != seller.pk:
        return
    language = letter_language(ticket, LetterKind.SELLER_CONTACTED, ticket.brand.get_policy())
    queue_to_seller(
        ticket,
        seller,
        LetterKind.SELLER_CONTACTED,
        {
            "agent_text": message.text.strip(),
            "shared": shared_messages(ticket, language),
            "seller_due": due_of(ticket, "seller_response") or "",
            "follow_up": "yes" if event.data.get("follow_up") else "",
        },
        message=message,
        automatic=False,
    )


def remind_seller(event: Event, ticket: Ticket) -> None:
    """The seller's deadline is near and it has not answered: it is reminded, with a fresh
    link (the first may be used, or lost)."""
    if event.data.get("kind") != "seller_response":
        return
    seller = ticket.seller
    if seller is None or seller.status == SellerStatus.TERMINATED:
        return
    if ticket.seller_asked_at is None or (
        ticket.seller_answered_at is not None
        and ticket.seller_answered_at >= ticket.seller_asked_at
    ):
        return  # answered meanwhile
    due = event.data.get("due")
    queue_to_seller(
        ticket,
        seller,
        LetterKind.SELLER_REMINDER,
        {"seller_due": datetime.fromisoformat(due) if isinstance(due, str) else ""},
        automatic=True,
    )
