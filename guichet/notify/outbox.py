"""The outbox: every email Guichet must send is a row committed with the change that
caused it. The email channel's worker delivers queued rows after commit."""

from __future__ import annotations

from guichet.lib import clock
from guichet.lib.crypto import encrypt
from guichet.lib.html import text_to_html
from guichet.marketplace.models import Seller
from guichet.notify.models import OutboundEmail, OutboxStatus
from guichet.tickets.choices import Channel
from guichet.tickets.models import Message, Ticket

# Channels whose conversation happens by email: an agent's reply goes out as an email.
EMAIL_CHANNELS = {Channel.EMAIL, Channel.WEB}
# Stands in the stored text of an email for the secret it carries (URL-safe, so it can sit
# in a path); delivery replaces it with the secret, unsealed.
SECRET_MARK = "__secret__"  # noqa: S105 (a placeholder, not a secret)


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


def queue_emails(messages: list[Message], *, any_channel: bool = False) -> list[OutboundEmail]:
    """`queue_email` for many messages at once (one INSERT): the ones that go by email
    (`any_channel`: every one, whatever its ticket's channel — a reply on a chat's ticket
    once the chat has ended)."""
    now = clock.now()
    rows = []
    for message in messages:
        ticket = message.ticket
        if message.is_internal or (
            not message.is_automatic and not any_channel and ticket.channel not in EMAIL_CHANNELS
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


def queue_notice(*, ticket: Ticket, subject: str, text: str, rfc_message_id: str) -> OutboundEmail:
    """Queue an automatic email to the ticket's customer that is not a message of the
    ticket (an answer to a blocked customer: docs/conduct.md)."""
    contact = ticket.contact
    address = contact.primary_email
    now = clock.now()
    return OutboundEmail.objects.create(
        rfc_message_id=rfc_message_id,
        brand_id=ticket.brand_id,
        ticket=ticket,
        message=None,
        to_name=contact.name,
        to_address=address,
        subject=subject,
        text=text,
        html=text_to_html(text),
        automatic=True,
        status=OutboxStatus.QUEUED if address else OutboxStatus.NO_ADDRESS,
        next_attempt_at=now if address else None,
        created_at=now,
    )


def queue_secret_email(
    *, ticket: Ticket, subject: str, text: str, secret: str, rfc_message_id: str
) -> OutboundEmail:
    """Queue an automatic email to the ticket's customer that carries a one-time secret
    (a survey link). It is not a message of the ticket: the text, with SECRET_MARK where
    the secret goes, is kept in the outbox only, and the secret sealed beside it until
    delivery. Call inside the transaction that made the secret."""
    if SECRET_MARK not in text:
        raise ValueError("the text has no place for the secret")
    contact = ticket.contact
    address = contact.primary_email
    now = clock.now()
    return OutboundEmail.objects.create(
        rfc_message_id=rfc_message_id,
        brand_id=ticket.brand_id,
        ticket=ticket,
        message=None,
        to_name=contact.name,
        to_address=address,
        subject=subject,
        text=text,
        html=text_to_html(text),
        automatic=True,
        status=OutboxStatus.QUEUED if address else OutboxStatus.NO_ADDRESS,
        next_attempt_at=now if address else None,
        created_at=now,
        sealed_secret=encrypt(secret) if address else "",
    )


def queue_seller_email(
    *,
    ticket: Ticket,
    seller: Seller,
    to_name: str,
    to_address: str,
    subject: str,
    text: str,
    secret: str,
    rfc_message_id: str,
    message: Message | None = None,
    automatic: bool,
) -> OutboundEmail:
    """Queue an email to the seller of a marketplace dispute (the seller's side of the
    ticket): the agent's message to it (`message`, whose attachments go with it) or a
    reminder of its deadline. It threads with the seller's side only, and carries a
    sign-in link to the seller portal, sealed as `queue_secret_email` does. Call inside the
    transaction that made the link."""
    if SECRET_MARK not in text:
        raise ValueError("the text has no place for the secret")
    now = clock.now()
    return OutboundEmail.objects.create(
        rfc_message_id=rfc_message_id,
        brand_id=ticket.brand_id,
        ticket=ticket,
        message=message,
        seller=seller,
        to_name=to_name,
        to_address=to_address,
        subject=subject,
        text=text,
        html=text_to_html(text),
        automatic=automatic,
        status=OutboxStatus.QUEUED,
        next_attempt_at=now,
        created_at=now,
        sealed_secret=encrypt(secret),
    )
