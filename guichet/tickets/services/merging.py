"""Tickets that belong together or apart: links, merges of one customer's tickets, a
message split off into a ticket of its own, tickets given to another record of their
customer."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.contacts.models import Contact
from guichet.lib.errors import InvalidRequest
from guichet.tickets.actors import SYSTEM, System, require_staff
from guichet.tickets.choices import Direction, Status, Verb
from guichet.tickets.models import LinkKind, Message, Ticket, TicketLink
from guichet.tickets.services.change import changing, changing_all, check_revision
from guichet.tickets.services.checks import check_same_brand
from guichet.tickets.services.opening import Opening, tickets_open


def ticket_link(
    *,
    ticket: Ticket,
    other: Ticket,
    actor: User | System,
    kind: str = LinkKind.RELATED,
    reason: str = "",
) -> TicketLink:
    """Relate two tickets of the same brand; each one's history records it."""
    require_staff(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
    check_same_brand(ticket.brand, other)
    if other.pk == ticket.pk:
        raise InvalidRequest(_("A ticket cannot be linked to itself."), code="link")
    reason = reason[:200]
    with changing_all([ticket, other], actor) as (change, linked):
        link, _created = TicketLink.objects.get_or_create(
            brand_id=ticket.brand_id,
            source=ticket,
            target=other,
            kind=kind,
            defaults={"reason": reason, "created_at": change.now},
        )
        change.record(Verb.LINKED, data={"kind": kind, "other": other.reference, "reason": reason})
        linked.record(
            Verb.LINKED,
            data={"kind": kind, "other": ticket.reference, "reason": reason, "incoming": True},
        )
    return link


def ticket_merge(
    *,
    ticket: Ticket,
    into: Ticket,
    actor: User | System,
    reason: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Merge `ticket` into `into`: one customer's one matter, followed under one reference.

    The messages of `ticket` — with their attachments and the Message-IDs they answer, so
    that a reply to any of them now threads to `into` — move to `into`; the events of
    `ticket` stay on it. `ticket` is closed (its deadlines end with the usual refresh),
    marked `merged_into` and linked ("merged"); `into` records Verb.MERGED, `ticket`
    Verb.MERGED_INTO, and the customer is told which reference now follows their request
    (the "merged" letter, written on `into` by a reaction of notify).

    Only tickets of the same customer merge (`_check_merge`). Both tickets are locked, in
    the order of their ids (two merges of the same pair in opposite directions cannot
    deadlock). `expected_revision` is the one of `ticket`, the ticket the agent is looking
    at."""
    require_staff(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
    check_same_brand(ticket.brand, into)
    if into.pk == ticket.pk:
        raise InvalidRequest(_("A ticket cannot be merged into itself."), code="merge")
    with changing_all([ticket, into], actor) as (change, target):
        check_revision(ticket, expected_revision)
        _check_merge(ticket, into)
        reason = reason.strip()[:200]
        moved = Message.objects.filter(ticket=ticket).update(ticket=into)
        TicketLink.objects.get_or_create(
            brand_id=ticket.brand_id,
            source=ticket,
            target=into,
            kind=LinkKind.MERGED,
            defaults={"reason": reason, "created_at": change.now},
        )
        previous = ticket.status
        if previous != Status.CLOSED:
            change.set_status(Status.CLOSED)
            change.set(closed_at=change.now)
        change.set(merged_into=into)
        # Not Verb.CLOSED: the matter is not settled, it goes on under `into` (and closing
        # reactions — a complaint's outcome letter — must not run).
        change.record(
            Verb.MERGED_INTO,
            data={
                "into": into.reference,
                "previous_status": previous,
                "messages": moved,
                "reason": reason,
            },
        )
        target.record(
            Verb.MERGED,
            data={
                "from": ticket.reference,
                "subject": ticket.subject,
                "messages": moved,
                "reason": reason,
            },
        )
    return into


def _check_merge(ticket: Ticket, into: Ticket) -> None:
    """Neither merged already; one customer's (otherwise each customer would read the
    other's messages in the portal); `into` open (reopen it first)."""
    if ticket.merged_into_id is not None:
        raise InvalidRequest(_("This ticket has already been merged."), code="merged")
    if into.merged_into_id is not None:
        raise InvalidRequest(
            _("The ticket %(reference)s has been merged into another one: merge into that one."),
            code="merged",
            reference=into.reference,
        )
    if ticket.contact_id != into.contact_id:
        raise InvalidRequest(
            _(
                "Only tickets of the same customer can be merged: otherwise each customer "
                "would see the other's messages."
            ),
            code="contact",
        )
    if into.status == Status.CLOSED:
        raise InvalidRequest(
            _("The ticket %(reference)s is closed: reopen it before merging into it."),
            code="closed",
            reference=into.reference,
        )


def ticket_split(
    *, ticket: Ticket, message: Message, actor: User | System, subject: str = ""
) -> Ticket:
    """A customer's message that raises another matter becomes a ticket of its own.

    The message (from the customer, not the ticket's first one) moves, with its
    attachments and the Message-IDs it answers, to a new ticket opened by `tickets_open` —
    so it is referenced, planned, acknowledged and recorded like any new request — with
    the same customer, language, contact type and category (the agent changes them after
    if needed), the channel the message came by, and `subject` (default: the message's,
    else the ticket's). Its deadlines count from the split, when it becomes a request of
    its own: counting from the message would mark every split ticket's acknowledgement
    late. The new ticket is linked to the first ("split"), and both record it."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        check_same_brand(ticket.brand, message)
        current = _message_to_split(ticket, message)
        opening: Opening = {
            "brand": ticket.brand,
            "contact": ticket.contact,
            "contact_type": ticket.contact_type,
            "category": ticket.category,
            "channel": current.channel,
            "language": ticket.language,
            "subject": subject.strip() or current.subject or ticket.subject,
            "text": current.text,
            "message": current,
        }
        if isinstance(actor, User):
            opening["actor"] = actor  # the staff opened it; else it stays the customer's
        new = tickets_open([opening])[0]
        message.ticket = new
        TicketLink.objects.create(
            brand_id=ticket.brand_id,
            source=new,
            target=ticket,
            kind=LinkKind.SPLIT,
            created_at=change.now,
        )
        with changing(new, actor, at=change.now) as opened:
            opened.record(
                Verb.SPLIT_FROM,
                message=current,
                data={"from": ticket.reference, "message": current.pk},
            )
        change.record(
            Verb.SPLIT, message=current, data={"to": new.reference, "message": current.pk}
        )
    return new


def _message_to_split(ticket: Ticket, message: Message) -> Message:
    """The message, read again under the ticket's lock (a merge or split may have moved it
    since), if it is a customer's and not the ticket's first."""
    current = Message.objects.filter(pk=message.pk, ticket=ticket).first()
    if current is None:
        raise InvalidRequest(_("This message is not on this ticket."), code="message")
    if current.direction != Direction.INBOUND or current.is_internal:
        raise InvalidRequest(
            _("Only a customer's message can become a ticket of its own."), code="message"
        )
    first = (
        Message.objects.filter(ticket=ticket)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)
        .first()
    )
    if first == current.pk:
        raise InvalidRequest(
            _("The first message of a ticket is what the ticket is about: it cannot be split off."),
            code="message",
        )
    return current


def tickets_change_contact(
    *, tickets: Sequence[Ticket], contact: Contact, actor: User | System, reason: str = ""
) -> None:
    """Give tickets of one brand to another record of their customer, as a merge of two
    records of one person does (`contacts.services.contact_merge`, which calls this inside
    its transaction). Each ticket records Verb.CONTACT_MERGED with the old and the new
    record's ids. Messages and events keep the record that wrote or did them (history);
    a few statements per hundred tickets."""
    if not tickets:
        return
    require_staff(actor, Action.MERGE_CONTACTS, brand=tickets[0].brand)
    reason = reason.strip()[:500]
    for start in range(0, len(tickets), 100):
        with changing_all(tickets[start : start + 100], actor) as changes:
            for change in changes:
                ticket = change.ticket
                check_same_brand(ticket.brand, contact)
                if ticket.contact_id == contact.pk:
                    continue
                previous = ticket.contact_id
                change.set(contact=contact)
                change.record(
                    Verb.CONTACT_MERGED,
                    data={"from": previous, "to": contact.pk, "reason": reason},
                )


def tickets_follow_contact_merge(
    *, kept: Contact, merged: Contact, actor: User | None, reason: str
) -> None:
    """A merge of two records of one customer (`contacts.services.contact_merge`, which
    calls this hook in its transaction): the merged record's tickets go to the kept one."""
    tickets = list(Ticket.objects.filter(contact=merged).select_related("brand").order_by("pk"))
    tickets_change_contact(tickets=tickets, contact=kept, actor=actor or SYSTEM, reason=reason)
