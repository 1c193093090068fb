"""The automatic answer a blocked customer gets, where the brand's policy gives one
(`conduct.auto_reply_when_blocked`; docs/conduct.md): the end-of-correspondence letter
again, on the ticket the block was decided on, at most once a day. Without it (the
default), a blocked customer's messages get no answer at all."""

from __future__ import annotations

from datetime import timedelta

from guichet.contacts.models import Contact, ContactBlock
from guichet.lib import clock
from guichet.notify.letters import compose
from guichet.notify.models import LetterKind, OutboundEmail
from guichet.notify.outbox import queue_notice
from guichet.tickets import services
from guichet.tickets.models import Ticket

QUIET = timedelta(days=1)


def blocked_notice(contact: Contact) -> OutboundEmail | None:
    """Queue the answer to a message of a blocked customer, if the policy gives one. Call
    inside the brand's scope, in the transaction that quarantined the message."""
    if not contact.brand.get_policy().conduct.auto_reply_when_blocked:
        return None
    block = (
        ContactBlock.objects.filter(contact=contact, lifted_at__isnull=True)
        .exclude(ticket__isnull=True)
        .first()
    )
    if block is None or block.ticket_id is None:
        return None
    ticket = Ticket.objects.select_related("brand", "contact").get(pk=block.ticket_id)
    address = contact.primary_email or ticket.contact.primary_email
    recent = OutboundEmail.objects.filter(
        brand_id=contact.brand_id,
        ticket=ticket,
        to_address=address,
        automatic=True,
        message__isnull=True,
        created_at__gte=clock.now() - QUIET,
    )
    if recent.exists():
        return None
    subject, text = compose(ticket, LetterKind.CONDUCT_BLOCKED)
    return queue_notice(
        ticket=ticket,
        subject=subject,
        text=text,
        rfc_message_id=services.new_message_id(ticket),
    )
