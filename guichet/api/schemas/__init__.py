"""The API's schemas, every one of them (they make the OpenAPI document): what the
operations answer, with the functions that turn rows into them, and what they take. Rows
are read inside the call's brand scope, with their relations loaded by the queries that
fetch them (`TICKET_RELATIONS`).

This package holds them all, so that the document has one name for each: the tickets,
customers, uploads and webhooks here; the sellers and the seller's side of tickets in
`sellers`."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from django.db.models import Prefetch, QuerySet
from django.urls import reverse
from ninja import Field, Schema
from pydantic import BaseModel, BeforeValidator, StringConstraints
from pydantic_core import PydanticCustomError

from guichet.accounts.models import User
from guichet.api.events import EventType
from guichet.conduct.detect import Severity
from guichet.contacts.models import Contact, ContactEmail
from guichet.marketplace.models import Seller
from guichet.sla.models import Deadline
from guichet.tickets.choices import Channel, Complexity, ContactType, Direction, Outcome, Priority
from guichet.tickets.choices import Status as TicketStatus
from guichet.tickets.models import Attachment, Event, Message, Ticket
from guichet.tickets.queries import VIEW_KEYS
from guichet.tickets.uploads import MAX_FILES

# What a ticket's representation reads: load these with the tickets, never one by one.
TICKET_SELECT = ["contact"]
# Joined, these made PostgreSQL plan a join of eight tables for every page (about 10 ms,
# ten times the query itself); fetched by their ids, each is a trivial query — and none
# when no ticket of the page has one (most have no seller, no merge).
TICKET_RELATED = ["brand", "assignee", "team", "seller", "merged_into", "concerned_agent"]


SEVERITY_NAMES = {int(s): s.name.lower() for s in Severity}


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
    status: str  # active, restricted or terminated


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
    # The seller's side (marketplaces): when the seller was last asked, when it answered.
    seller_asked_at: datetime | None
    seller_answered_at: datetime | None
    # Returns and refunds: the item received by the customer, back with the seller (or no
    # return needed), the first refund or credit recorded.
    item_received_at: datetime | None
    item_returned_at: datetime | None
    refunded_at: datetime | None
    outcome: str | None
    deadlines: list[DeadlineOut]
    next_due_at: datetime | None
    abuse_flagged: bool
    # The worst severity of its flags not dismissed: insult, harassment, discrimination, threat.
    abuse_severity: str | None
    # A complaint about a member of the staff (AB-3); the person, once known.
    about_agent: bool
    concerned_agent: PersonRef | None
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
    kind: str  # "staff", "customer", "seller" (id: the seller's) or "system"
    id: int | None
    name: str


class MessageOut(Out):
    id: int
    direction: str
    channel: str
    # Never shown to the customer: an internal note, or a message of the seller's side.
    internal: bool
    # An internal note of the staff (internal, and not of the seller's side).
    note: bool
    # The seller's side of the ticket: a message to the seller or from it (`direction`).
    seller: SellerRef | None
    # A customer's message an agent showed the seller, and when.
    shared_with_seller_at: datetime | None
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


def seller_ref(seller: Any) -> dict[str, Any] | None:
    if seller is None:
        return None
    return {"id": seller.pk, "name": seller.name, "status": seller.status}


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
        "seller": seller_ref(ticket.seller),
        "seller_asked_at": ticket.seller_asked_at,
        "seller_answered_at": ticket.seller_answered_at,
        "item_received_at": ticket.item_received_at,
        "item_returned_at": ticket.item_returned_at,
        "refunded_at": ticket.refunded_at,
        "outcome": ticket.outcome or None,
        "deadlines": [deadline_out(d) for d in deadlines],
        "next_due_at": ticket.next_due_at,
        "abuse_flagged": ticket.abuse_flagged_at is not None,
        "abuse_severity": SEVERITY_NAMES.get(ticket.abuse_severity or 0),
        "about_agent": ticket.about_agent,
        "concerned_agent": _person(ticket.concerned_agent) if ticket.concerned_agent_id else None,
        "merged_into": ticket.merged_into.reference if ticket.merged_into else None,
        "revision": ticket.revision,
        "created_at": ticket.created_at,
        "updated_at": ticket.updated_at,
        "closed_at": ticket.closed_at,
    }


def _author(user: Any, contact: Any, label: str = "", seller: Any = None) -> dict[str, Any]:
    if user is not None:
        return {"kind": "staff", **(_person(user) or {})}
    if contact is not None:
        return {"kind": "customer", "id": contact.pk, "name": contact.name}
    if seller is not None:
        return {"kind": "seller", "id": seller.pk, "name": seller.name}
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


# What `message_out` reads of a message: load these with the messages.
MESSAGE_SELECT = ["author_user", "author_contact", "seller"]


def message_out(ticket: Ticket, message: Message) -> dict[str, Any]:
    """A message of the ticket. A message from the seller has the seller as its author."""
    seller = message.seller if message.seller_id is not None else None
    return {
        "id": message.pk,
        "direction": message.direction,
        "channel": message.channel,
        "internal": message.is_internal,
        "note": message.is_note,
        "seller": seller_ref(seller),
        "shared_with_seller_at": message.shared_with_seller_at,
        "automatic": message.is_automatic,
        "author": _author(
            message.author_user,
            message.author_contact,
            seller=seller if message.direction == Direction.INBOUND else None,
        ),
        "subject": message.subject,
        "text": message.text,
        "html": message.html,
        "language": message.language,
        "created_at": message.created_at,
        "attachments": [attachment_out(ticket, a) for a in message.attachments.all()],
    }


# The actor label of the events a seller's answer records (`tickets.actors.SellerParty`).
SELLER_ACTOR = "seller"


def recorders(events: Iterable[Event]) -> dict[Any, Any]:
    """Who these events name beside their columns, by id, in two queries at most for a
    whole history: the staff who recorded an event for someone else
    (`data["recorded_by"]`), and the sellers who acted (`("seller", id)`)."""
    events = list(events)
    ids = {event.data.get("recorded_by") for event in events if event.data}
    ids = {pk for pk in ids if isinstance(pk, int)}
    sellers = {
        event.data.get("seller")
        for event in events
        if event.actor_label == SELLER_ACTOR and event.data
    }
    sellers = {pk for pk in sellers if isinstance(pk, int)}
    found: dict[Any, Any] = {}
    if ids:
        found.update({user.pk: user for user in User.objects.filter(pk__in=ids)})
    if sellers:
        found.update({("seller", s.pk): s for s in Seller.objects.filter(pk__in=sellers)})
    return found


def event_out(event: Event, people: dict[Any, Any] | None = None) -> dict[str, Any]:
    """`people`: who the events name (`recorders`), read when not given."""
    data = event.data or {}
    recorded_by = data.get("recorded_by")
    seller_id = data.get("seller") if event.actor_label == SELLER_ACTOR else None
    if isinstance(recorded_by, int) or isinstance(seller_id, int):
        people = recorders([event]) if people is None else people
    recorder = people.get(recorded_by) if isinstance(recorded_by, int) and people else None
    seller = people.get(("seller", seller_id)) if isinstance(seller_id, int) and people else None
    return {
        "id": event.pk,
        "verb": event.verb,
        "at": event.at,
        "actor": _author(event.actor_user, event.actor_contact, event.actor_label, seller),
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


# The error answers every operation may give (added to each one's `response`).
ERRORS: dict[int, Any] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: ValidationErrorOut | Error,
    429: Error,
}


# --- what the operations take -------------------------------------------------------------------
# (Every schema of the API lives here, so the OpenAPI document has one name for each.)

# Tickets (`tickets.py`)

View = Literal[tuple(sorted(VIEW_KEYS))]  # type: ignore[valid-type]
Sort = Literal["-created", "created", "-updated", "updated"]
MAX_LIMIT = 200


class TicketFilters(Schema):
    view: View | None = Field(None, description="one of the desk's inbox views")  # type: ignore[valid-type]
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    contact_type: ContactType | None = None
    category: str | None = Field(None, max_length=40)
    channel: Channel | None = None
    priority: Priority | None = None
    level: int | None = Field(None, ge=1, le=20)
    status: TicketStatus | None = None
    seller: int | None = None
    received_from: IsoDate | None = None
    received_to: IsoDate | None = None
    sort: Sort = Field("-created", description="keyset order of the pages")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of a page")
    limit: int = Field(50, ge=1, le=MAX_LIMIT)


UploadToken = Annotated[str, StringConstraints(min_length=1, max_length=500)]


def _attachments_field() -> Any:
    return Field(
        [],
        max_length=MAX_FILES,
        description=f"tokens of files uploaded with POST /uploads (at most {MAX_FILES})",
    )


class CustomerIn(Schema):
    """The customer of a new ticket: an existing record by its id, or found (or created)
    by their address or number."""

    id: int | None = Field(None, description="an existing contact of the brand")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    name: str = Field("", max_length=200)
    language: str = Field("", max_length=8)


class TicketIn(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    contact: CustomerIn
    contact_type: ContactType
    category: str = Field("", max_length=40)
    priority: Priority | None = None
    complexity: Complexity = Complexity.SIMPLE
    channel: Channel = Channel.API
    subject: str = Field(..., min_length=1, max_length=300)
    text: str = Field("", max_length=100_000)
    html: str = Field("", max_length=500_000)
    language: str = Field("", max_length=8)
    seller: int | None = None
    attachments: list[UploadToken] = _attachments_field()


class Revision(Schema):
    revision: int | None = Field(
        None, description="the ticket's revision you saw: refused with 409 if it changed since"
    )


class TicketPatch(Revision):
    contact_type: ContactType | None = None
    category: str | None = Field(None, max_length=40)
    priority: Priority | None = None
    complexity: Complexity | None = None
    subject: str | None = Field(None, max_length=300)
    language: str | None = Field(None, max_length=8)
    seller: int | None = Field(None, description="a seller's id; send null to clear")
    status: TicketStatus | None = Field(
        None, description="open or waiting states (close and reopen have their own calls)"
    )


class ReplyIn(Revision):
    text: str = Field("", max_length=100_000)
    html: str = Field("", max_length=500_000)
    subject: str = Field("", max_length=300)
    status_after: (
        Literal[TicketStatus.OPEN, TicketStatus.WAITING_CUSTOMER, TicketStatus.WAITING_THIRD_PARTY]
        | None
    ) = None
    full_answer: bool = Field(False, description="this reply is the full written answer")
    attachments: list[UploadToken] = _attachments_field()


class TicketAndMessage(Schema):
    ticket: TicketOut
    message: MessageOut


class NoteIn(Schema):
    text: str = Field("", max_length=100_000)
    html: str = Field("", max_length=500_000)
    attachments: list[UploadToken] = _attachments_field()


class AssignIn(Revision):
    assignee: int | None = Field(..., description="a staff member's id, or null for nobody")
    team: str | None = Field(None, description="a team's key; omit to keep the team")
    reason: str = Field("", max_length=500)


class EscalateIn(Revision):
    reason: str = Field("", max_length=2000)
    to_level: int | None = Field(None, ge=2, description="default: the next level")


class EscalationRequestIn(Revision):
    reason: str = Field("", max_length=2000, description="the customer's words")


class OutcomeIn(Revision):
    outcome: Outcome
    summary: str = Field("", max_length=5000)


class CloseIn(Revision):
    outcome: Outcome | None = Field(None, description="needed for a complaint if not set yet")
    summary: str = Field("", max_length=5000)


class ReopenIn(Revision):
    reason: str = Field(..., max_length=2000)


# Customers (`contacts.py`)


class ContactSearch(Schema):
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")


class ContactIn(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    name: str = Field("", max_length=200)
    language: str = Field("", max_length=8)


class MergeIn(Schema):
    into: int = Field(..., description="the id of the record to keep (of the same brand)")
    reason: str = Field("", max_length=2000)


# Uploads (`uploads.py`)


class UploadOut(Out):
    token: str
    filename: str
    content_type: str
    size: int
    expires_at: datetime


class UploadsOut(Out):
    uploads: list[UploadOut]


class UploadQuery(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")


# The policy (`policy.py`) and raw email (`inbound.py`)


class PolicyQuery(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")


class InboundAccepted(Schema):
    id: int
    duplicate: bool
    state: str


# Webhooks (`webhooks/routes.py`)


class WebhookOut(Schema):
    id: int
    brand: str
    url: str
    description: str
    events: list[str]
    active: bool
    created_at: datetime


class WebhookCreated(WebhookOut):
    secret: str = Field(description="the signing secret: shown in this answer only")


class WebhookIn(Schema):
    url: str = Field(max_length=2000)
    events: list[EventType] = Field(min_length=1)
    description: str = Field("", max_length=200)
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")


class DeliveryOut(Schema):
    id: UUID
    event: str
    event_id: int | None
    status: str
    attempts: int
    last_status_code: int | None
    last_error: str
    next_attempt_at: datetime | None
    created_at: datetime
    delivered_at: datetime | None
    replay_of: UUID | None
