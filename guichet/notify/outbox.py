"""The outbox: every email Guichet must send is a row committed with the change that
caused it. The email channel's worker delivers queued rows after commit."""

from __future__ import annotations

from guichet.lib import clock
from guichet.lib.html import text_to_html
from guichet.notify.models import OutboundEmail, OutboxStatus
from guichet.tickets.choices import Channel
from guichet.tickets.models import Message

# Channels whose conversation happens by email: an agent's reply goes out as an email.
EMAIL_CHANNELS = {Channel.EMAIL, Channel.WEB}


def reply_subject(message: Message) -> str:
    ticket = message.ticket
    if message.subject:
        return message.subject
    return f"[{ticket.reference}] {ticket.subject}"


def queue_email(message: Message) -> OutboundEmail | None:
    """Queue `message` for the customer by email, if it goes by email: letters always (they
    are the written record), agents' replies on email and web-form tickets. Returns None
    when the message does not go by email."""
    queued = queue_emails([message])
    return queued[0] if queued else None


def queue_emails(messages: list[Message]) -> list[OutboundEmail]:
    """`queue_email` for many messages at once (one INSERT): the ones that go by email."""
    now = clock.now()
    rows = []
    for message in messages:
        ticket = message.ticket
        if message.is_internal or (
            not message.is_automatic and ticket.channel not in EMAIL_CHANNELS
        ):
            continue
        contact = ticket.contact
        address = contact.primary_email
        rows.append(
            OutboundEmail(
                rfc_message_id=message.external_id,
                brand_id=ticket.brand_id,
                ticket=ticket,
                message=message,
                to_name=contact.name,
                to_address=address,
                subject=reply_subject(message),
                text=message.text,
                html=message.html or text_to_html(message.text),
                automatic=message.is_automatic,
                status=OutboxStatus.QUEUED if address else OutboxStatus.NO_ADDRESS,
                next_attempt_at=now if address else None,
                created_at=now,
            )
        )
    return OutboundEmail.objects.bulk_create(rows)
