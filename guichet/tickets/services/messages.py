"""Messages as the services build them: checked, sanitised, given a Message-ID of ours when
they go out, saved with their attachments and the Message-IDs they answer."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.conf import settings
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.contacts.models import Contact
from guichet.lib.errors import InvalidRequest
from guichet.lib.html import html_to_text, sanitize_html
from guichet.marketplace.models import Seller, SellerPerson
from guichet.tickets.choices import Direction
from guichet.tickets.models import Attachment, Message, MessageReference, Ticket, reference_key
from guichet.tickets.services.change import Change


def new_message_id(ticket: Ticket) -> str:
    return f"{uuid.uuid4().hex}.{ticket.reference.lower()}@{settings.GUICHET_EMAIL_DOMAIN}"


def _message_bodies(text: str, html: str, *, outbound: bool) -> tuple[str, str]:
    """The text and the sanitised HTML; without a text, the HTML's words — with the links'
    addresses written out for a message that goes out (its text is the email's text part)."""
    clean = sanitize_html(html) if html else ""
    body = text.strip() if text and text.strip() else html_to_text(clean, links=outbound)
    if not body and not clean:
        raise InvalidRequest(_("A message cannot be empty."), code="empty_message")
    return body, clean


def build_message(
    ticket: Ticket,
    now: datetime,
    *,
    direction: str,
    channel: str,
    text: str,
    html: str,
    author_user: User | None = None,
    author_contact: Contact | None = None,
    internal: bool = False,
    automatic: bool = False,
    language: str = "",
    subject: str = "",
    external_id: str = "",
    references: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
    seller: Seller | None = None,
    seller_person: SellerPerson | None = None,
) -> Message:
    """A message, checked but not saved (`save_messages` saves it with the others). With a
    `seller`, it is on the seller's side of the ticket (to the seller, or from it)."""
    body, clean = _message_bodies(text, html, outbound=direction == Direction.OUTBOUND)
    if direction == Direction.OUTBOUND and not internal and not external_id:
        # Ours from the start: a reply to it threads even before its delivery is recorded.
        external_id = new_message_id(ticket)
    message = Message(
        brand_id=ticket.brand_id,
        ticket=ticket,
        direction=direction,
        channel=channel,
        is_internal=internal,
        is_automatic=automatic,
        author_user=author_user,
        author_contact=author_contact,
        subject=" ".join(subject.split())[:300],
        text=body,
        html=clean,
        language=language or ticket.language,
        external_id=external_id[:998],
        created_at=now,
        seller=seller,
        seller_person=seller_person,
    )
    message.pending = (  # type: ignore[attr-defined]
        [a.pk for a in attachments],
        sorted({reference_key(r) for r in references if r and r.strip()})[:50],
    )
    return message


def save_messages(messages: list[Message]) -> None:
    """Insert messages (one statement), attach their files and keep the Message-IDs they
    answer (one statement for all)."""
    Message.objects.bulk_create(messages)
    keys = []
    for message in messages:
        attachment_ids, references = message.__dict__.pop("pending")
        if attachment_ids:
            linked = Attachment.objects.filter(
                pk__in=attachment_ids, brand_id=message.brand_id, message__isnull=True
            ).update(message=message)
            if linked != len(set(attachment_ids)):
                raise InvalidRequest(
                    _("An attachment is missing or already used."), code="upload_used"
                )
        keys += [
            MessageReference(brand_id=message.brand_id, message=message, key=key)
            for key in references
        ]
    MessageReference.objects.bulk_create(keys)


def new_message(change: Change, **fields: Any) -> Message:
    message = build_message(change.ticket, change.now, **fields)
    save_messages([message])
    return message
