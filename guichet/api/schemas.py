"""What the API answers: the resources' schemas (they make the OpenAPI document) and the
functions that turn rows into them. Rows are read inside the call's brand scope, with
their relations loaded by the queries that fetch them (`TICKET_RELATIONS`)."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from ninja import Schema
from pydantic import BaseModel, BeforeValidator
from pydantic_core import PydanticCustomError

from guichet.contacts.models import Contact, ContactEmail
from guichet.sla.models import Deadline
from guichet.tickets.models import Attachment, Event, Message, Ticket

# What a ticket's representation reads: load these with the tickets, never one by one.
TICKET_SELECT = ["contact"]
# Joined, these made PostgreSQL plan a join of eight tables for every page (about 10 ms,
# ten times the query itself); fetched by their ids, each is a trivial query — and none
# when no ticket of the page has one (most have no seller, no merge).
TICKET_RELATED = ["brand", "assignee", "team", "seller", "merged_into"]


def with_relations(tickets: QuerySet[Ticket]) -> QuerySet[Ticket]:
    """`tickets` with what `ticket_out` reads, in a fixed number of queries. (Call inside
    a brand scope.) The prefetched rows are plain lists (`to_attr`): a related manager per
    ticket would build a scoped queryset for each, which costs more than the query."""
    return tickets.select_related(*TICKET_SELECT).prefetch_related(
        *TICKET_RELATED,
        Prefetch("contact__emails", queryset=ContactEmail.objects.all(), to_attr="email_rows"),
        Prefetch(
            "deadlines",
            queryset=Deadline.objects.filter(cancelled_at__isnull=True),
            to_attr="live_deadlines",
        ),
    )


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise PydanticCustomError("date_parsing", "Input should be a date: YYYY-MM-DD")
    return value


# A date a client sends, as the document says it (`format: date`): pydantic alone would
# also read a number ("0", "20261231") as a Unix time.
IsoDate = Annotated[date, BeforeValidator(_iso_date)]


class Out(BaseModel):
    """The base of the resources answered: plain pydantic models, validated from the dicts
    the `*_out` functions make (ninja's Schema would wrap every nested value to read
    attributes of ORM objects, which these never are — a tenth of a list's time)."""


class Error(Schema):
    code: str
    message: str


class FieldError(Schema):
    field: str
    code: str
    message: str


class ValidationErrorOut(Error):
    errors: list[FieldError]


class ContactRef(Out):
    id: int
    name: str
    email: str
    language: str


class PersonRef(Out):
    id: int
    name: str


class SellerRef(Out):
    id: int
    name: str


class DeadlineOut(Out):
    kind: str
    level: int
    due_at: datetime | None
    met_at: datetime | None
    breached: bool
    paused: bool


class TicketOut(Out):
    reference: str
    brand: str
    contact_type: str
    category: str
    priority: str
    complexity: str
    status: str
    level: int
    channel: str
    subject: str
    language: str
    contact: ContactRef
    assignee: PersonRef | None
    team: str | None
    seller: SellerRef | None
    outcome: str | None
    deadlines: list[DeadlineOut]
    next_due_at: datetime | None
    abuse_flagged: bool
    merged_into: str | None
    revision: int
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TicketPage(Out):
    items: list[TicketOut]
    next_cursor: str | None


class AttachmentOut(Out):
    id: int
    filename: str
    content_type: str
    size: int
    url: str


class AuthorOut(Out):
    kind: str  # "staff", "customer" or "system"
    id: int | None
    name: str


class MessageOut(Out):
    id: int
    direction: str
    channel: str
    internal: bool
    automatic: bool
    author: AuthorOut
    subject: str
    text: str
    html: str
    language: str
    created_at: datetime
    attachments: list[AttachmentOut]


class EventOut(Out):
    id: int
    verb: str
    at: datetime
    actor: AuthorOut
    # Who recorded it for the actor: the staff member (or API key) who recorded a
    # customer's request on their behalf — the customer stays the actor.
    recorded_by: PersonRef | None
    message_id: int | None
    data: dict[str, Any]


class ContactOut(Out):
    id: int
    name: str
    language: str
    emails: list[str]
    phones: list[str]
    blocked: bool
    merged_into: int | None
    created_at: datetime


class PolicyOut(Out):
    brand: str
    version: int | None
    label: str
    published_at: datetime | None
    policy: dict[str, Any]


def _person(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.get_full_name() or user.username}


def contact_email(contact: Contact) -> str:
    rows = getattr(contact, "email_rows", None)
    emails = sorted(
        contact.emails.all() if rows is None else rows, key=lambda e: (not e.is_primary, e.pk)
    )
    return emails[0].address if emails else ""


def deadline_out(deadline: Any) -> dict[str, Any]:
    return {
        "kind": deadline.kind,
        "level": deadline.level,
        "due_at": deadline.due_at,
        "met_at": deadline.met_at,
        "breached": deadline.breached,
        # The clock stands still while the ticket waits on the customer: no due moment.
        "paused": deadline.due_at is None and deadline.met_at is None,
    }


def ticket_out(ticket: Ticket) -> dict[str, Any]:
    live = getattr(ticket, "live_deadlines", None)
    if live is None:
        live = [d for d in ticket.deadlines.all() if d.cancelled_at is None]
    deadlines = sorted(
        live,
        key=lambda d: (d.due_at is None, d.due_at or ticket.created_at, d.pk),
    )
    contact = ticket.contact
    return {
        "reference": ticket.reference,
        "brand": ticket.brand.slug,
        "contact_type": ticket.contact_type,
        "category": ticket.category,
        "priority": ticket.priority,
        "complexity": ticket.complexity,
        "status": ticket.status,
        "level": ticket.level,
        "channel": ticket.channel,
        "subject": ticket.subject,
        "language": ticket.language,
        "contact": {
            "id": contact.pk,
            "name": contact.name,
            "email": contact_email(contact),
            "language": contact.language or ticket.language,
        },
        "assignee": _person(ticket.assignee),
        "team": ticket.team.key if ticket.team else None,
        "seller": {"id": ticket.seller.pk, "name": ticket.seller.name} if ticket.seller else None,
        "outcome": ticket.outcome or None,
        "deadlines": [deadline_out(d) for d in deadlines],
        "next_due_at": ticket.next_due_at,
        "abuse_flagged": ticket.abuse_flagged_at is not None,
        "merged_into": ticket.merged_into.reference if ticket.merged_into else None,
        "revision": ticket.revision,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
    }


def _author(user: Any, contact: Any, label: str = "") -> dict[str, Any]:
    if user is not None:
        return {"kind": "staff", **(_person(user) or {})}
    if contact is not None:
        return {"kind": "customer", "id": contact.pk, "name": contact.name}
    return {"kind": "system", "id": None, "name": label or "system"}


def attachment_out(ticket: Ticket, attachment: Attachment) -> dict[str, Any]:
    return {
        "id": attachment.pk,
        "filename": attachment.filename,
        "content_type": attachment.content_type,
        "size": attachment.size,
        "url": reverse(
            "api:ticket_attachment",
            kwargs={"reference": ticket.reference, "attachment_id": attachment.pk},
        ),
    }


def message_out(ticket: Ticket, message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "internal": message.is_internal,
        "automatic": message.is_automatic,
        "author": _author(message.author_user, message.author_contact),
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "language": message.language,
        "created_at": message.created_at,
        "attachments": [attachment_out(ticket, a) for a in message.attachments.all()],
    }


def recorders(events: Iterable[Event]) -> dict[int, Any]:
    """The staff who recorded these events for someone else (`data["recorded_by"]`), by
    id: one query for a whole history."""
    ids = {event.data.get("recorded_by") for event in events if event.data}
    ids = {pk for pk in ids if isinstance(pk, int)}
    if not ids:
        return {}
    from guichet.accounts.models import User

    return {user.pk: user for user in User.objects.filter(pk__in=ids)}


def event_out(event: Event, people: dict[int, Any] | None = None) -> dict[str, Any]:
    """`people`: the recorders of the events (`recorders`), read when not given."""
    recorded_by = (event.data or {}).get("recorded_by")
    if isinstance(recorded_by, int):
        recorder = (recorders([event]) if people is None else people).get(recorded_by)
    else:
        recorder = None
    return {
        "id": event.pk,
        "verb": event.verb,
        "at": event.at,
        "actor": _author(event.actor_user, event.actor_contact, event.actor_label),
        "recorded_by": _person(recorder),
        "message_id": event.message_id,
        "data": event.data,
    }


def contact_out(contact: Contact) -> dict[str, Any]:
    emails = sorted(contact.emails.all(), key=lambda e: (not e.is_primary, e.pk))
    phones = sorted(contact.phones.all(), key=lambda p: (not p.is_primary, p.pk))
    return {
        "id": contact.pk,
        "name": contact.name,
        "language": contact.language,
        "emails": [e.address for e in emails],
        "phones": [p.number for p in phones],
        "blocked": contact.blocked_since is not None,
        "merged_into": contact.merged_into_id,
        "created_at": contact.created_at,
    }
