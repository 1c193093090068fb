"""The conversation: the customer's messages on a known ticket, replies to the customer,
internal notes."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Required, TypedDict, Unpack

from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.contacts.models import Contact
from guichet.lib.errors import InvalidRequest
from guichet.tickets.actors import Customer, System, require_staff
from guichet.tickets.choices import Channel, Direction, Status, Verb
from guichet.tickets.models import Attachment, Message, Ticket
from guichet.tickets.services.change import Change, changing, changing_all
from guichet.tickets.services.checks import check_choice, check_same_brand
from guichet.tickets.services.messages import build_message, new_message, save_messages


class Receipt(TypedDict, total=False):
    """A customer's new message on an existing ticket."""

    ticket: Required[Ticket]
    contact: Required[Contact]
    text: Required[str]
    channel: Required[str]
    html: str
    external_id: str
    references: Sequence[str]
    attachments: Sequence[Attachment]
    received_at: datetime | None
    automatic: bool  # an out-of-office reply: kept, changes nothing


def ticket_receive(**receipt: Unpack[Receipt]) -> Message:
    """A customer's new message on an existing ticket. It resumes a paused clock and
    reopens a closed ticket (docs/requirements.md CL-1: a reply reopens) — unless it is
    `automatic` (an out-of-office reply), which is kept but changes nothing."""
    return tickets_receive([receipt])[0]


def tickets_receive(receipts: Sequence[Receipt]) -> list[Message]:
    """`ticket_receive` for messages on distinct tickets of one brand (a batch of emails),
    each exactly as if alone, with a few statements for the lot."""
    if not receipts:
        return []
    tickets = [receipt["ticket"] for receipt in receipts]
    with changing_all(tickets, Customer(receipts[0]["contact"])) as changes:
        messages = []
        for change, receipt in zip(changes, receipts, strict=True):
            ticket, contact = change.ticket, receipt["contact"]
            change.actor = Customer(contact)
            change.now = receipt.get("received_at") or change.now
            check_same_brand(ticket.brand, contact)
            check_choice(receipt["channel"], Channel, "channel")
            messages.append(
                build_message(
                    ticket,
                    change.now,
                    direction=Direction.INBOUND,
                    channel=receipt["channel"],
                    text=receipt["text"],
                    html=receipt.get("html", ""),
                    author_contact=contact,
                    automatic=receipt.get("automatic", False),
                    external_id=receipt.get("external_id", ""),
                    references=receipt.get("references", ()),
                    attachments=receipt.get("attachments", ()),
                )
            )
        save_messages(messages)
        for change, message in zip(changes, messages, strict=True):
            _received(change, message)
    return messages


def _received(change: Change, message: Message) -> None:
    change.record(
        Verb.MESSAGE_RECEIVED,
        message=message,
        data={"channel": message.channel, "automatic": message.is_automatic},
    )
    if message.is_automatic:
        return
    ticket = change.ticket
    previous = ticket.status
    if previous == Status.CLOSED:
        change.set_status(Status.OPEN)
        change.set(closed_at=None, reopened_at=change.now)
        change.record(Verb.REOPENED, data={"from": previous, "reason": "customer_message"})
    elif previous in (Status.WAITING_CUSTOMER, Status.NEW):
        change.set_status(Status.OPEN)
        change.record(
            Verb.STATUS_CHANGED,
            data={"from": previous, "to": Status.OPEN, "reason": "customer_message"},
        )


def ticket_reply(
    *,
    ticket: Ticket,
    actor: User | System,
    text: str,
    html: str = "",
    subject: str = "",
    channel: str | None = None,
    attachments: Sequence[Attachment] = (),
    status_after: str | None = None,
    full_answer: bool = False,
    automatic: bool = False,
    letter: str = "",
    expected_revision: int | None = None,
) -> Message:
    """A message to the customer. The first one meets the first-response deadline; one
    marked `full_answer` meets the full-written-answer deadline.

    `status_after` may put the ticket to wait on the customer (pausing the clock) or on a
    third party. With `automatic`, the system speaks (`letter` names which: acknowledgement,
    delay_letter, level_changed…): it is not a response by a person."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        require_staff(actor, Action.REPLY, brand=ticket.brand, level=ticket.level)
        if ticket.status == Status.CLOSED and not automatic:
            raise InvalidRequest(
                _("This ticket is closed: reopen it before replying."), code="closed"
            )
        if status_after is not None and status_after not in (
            Status.OPEN,
            Status.WAITING_CUSTOMER,
            Status.WAITING_THIRD_PARTY,
        ):
            raise InvalidRequest(_("After a reply a ticket is open or waiting."), code="status")
        message = new_message(
            change,
            direction=Direction.OUTBOUND,
            channel=channel or ticket.channel,
            text=text,
            html=html,
            subject=subject,
            author_user=actor if isinstance(actor, User) else None,
            automatic=automatic,
            attachments=attachments,
        )
        replied(change, full_answer=full_answer, automatic=automatic, status_after=status_after)
        change.record(
            Verb.REPLIED,
            message=message,
            data={
                "automatic": automatic,
                "letter": letter,
                "channel": message.channel,
                "full_answer": full_answer,
            },
        )
    return message


def replied(
    change: Change, *, full_answer: bool, automatic: bool, status_after: str | None
) -> None:
    """What a reply changes: the moment of the last update, the first response and the
    full answer (a person's reply, not a letter), the status it leaves the ticket in."""
    ticket, now = change.ticket, change.now
    change.set(last_update_at=now)
    if ticket.acknowledged_at is None:
        change.set(acknowledged_at=now)
    if automatic:
        return
    if ticket.first_responded_at is None:
        change.set(first_responded_at=now)
    if full_answer and ticket.answered_at is None:
        change.set(answered_at=now)
    target = status_after or (Status.OPEN if ticket.status == Status.NEW else ticket.status)
    if target != ticket.status:
        previous = ticket.status
        change.set_status(target)
        change.record(Verb.STATUS_CHANGED, data={"from": previous, "to": target})


def ticket_note(
    *,
    ticket: Ticket,
    actor: User | System,
    text: str,
    html: str = "",
    attachments: Sequence[Attachment] = (),
) -> Message:
    """An internal note: staff only, never shown or sent to the customer."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.NOTE, brand=ticket.brand)
        message = new_message(
            change,
            direction=Direction.OUTBOUND,
            channel=ticket.channel,
            text=text,
            html=html,
            author_user=actor if isinstance(actor, User) else None,
            internal=True,
            attachments=attachments,
        )
        change.record(Verb.NOTE_ADDED, message=message)
    return message
