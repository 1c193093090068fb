"""/api/v1/tickets: the desk's inbox and every action of the ticket page, through the
service layer (`guichet.tickets.services`) with the caller as actor, so the permission
resolver, the brand's policy and the ticket's state are checked exactly as in the desk.

Reads reach tickets through `access_ticket` (404 for another brand's ticket, as for one
that does not exist) and the desk's own filters (`desk.queries.view_filter`, `filtered`).
Every write returns the ticket as it is after the change."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Annotated, Any, Literal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import Field, Query, Router, Schema, Status
from pydantic import StringConstraints

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, require
from guichet.api import idempotency
from guichet.api.auth import Principal, principal
from guichet.api.errors import ApiError
from guichet.api.schemas import (
    Error,
    EventOut,
    IsoDate,
    MessageOut,
    TicketOut,
    TicketPage,
    ValidationErrorOut,
    event_out,
    message_out,
    recorders,
    ticket_out,
    with_relations,
)
from guichet.brands.models import Brand, Team
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_for_email, contact_for_phone
from guichet.desk.queries import VIEW_KEYS, filtered, tickets_of, view_filter
from guichet.marketplace.models import Seller
from guichet.tickets import services
from guichet.tickets.attachments import attachment_download
from guichet.tickets.choices import (
    Channel,
    Complexity,
    ContactType,
    EscalationTrigger,
    Outcome,
    Priority,
)
from guichet.tickets.choices import (
    Status as TicketStatus,
)
from guichet.tickets.models import Attachment, Event, Message, Ticket
from guichet.tickets.queries import access_ticket

router = Router(tags=["tickets"])

ERRORS: dict[int, Any] = {
    400: Error,
    401: Error,
    403: Error,
    404: Error,
    409: Error,
    422: ValidationErrorOut | Error,
    429: Error,
}

View = Literal[tuple(sorted(VIEW_KEYS))]  # type: ignore[valid-type]
Sort = Literal["-created", "created", "-updated", "updated"]
SORT_FIELD = {"created": "created_at", "updated": "updated_at"}
MAX_LIMIT = 200


# --- reading -------------------------------------------------------------------------------------


def _full(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return with_relations(queryset)


def _ticket(who: Principal, reference: str) -> Ticket:
    """The ticket if the caller may see it; else 404, the answer for a missing one."""
    ticket = access_ticket(who.user, reference)
    if not who.can(Action.VIEW_TICKET, ticket.brand):
        raise ApiError(404, "not_found", _("Not found."))
    return ticket


def _fresh(ticket: Ticket) -> dict[str, Any]:
    """The ticket as it is now, read again with everything its representation shows, as
    a page reads it: the row joined with its customer, then each relation that is set by
    its id (joined, the six tables cost PostgreSQL 2 ms of planning, six times the query)."""
    found = _full(Ticket.objects.filter(pk=ticket.pk)).get()
    return TicketOut.model_validate(ticket_out(found)).model_dump(mode="json")


def _brand(who: Principal, slug: str | None) -> Brand:
    """The brand a create is for: the key's, or one of the person's (named when several)."""
    if who.key is not None:
        if slug and slug != who.key.brand.slug:
            raise ApiError(404, "not_found", _("Not found."))
        return who.key.brand
    brands = who.desk().brands
    if slug:
        found = next((b for b in brands if b.slug == slug), None)
        if found is None:
            raise ApiError(404, "not_found", _("Not found."))
        return found
    if len(brands) != 1:
        raise ApiError(422, "brand", _("Say which brand (“brand”: its slug)."))
    return brands[0]


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


def _encode_cursor(sort: str, ticket: Ticket) -> str:
    value = getattr(ticket, SORT_FIELD[sort.lstrip("-")])
    raw = json.dumps([sort, value.isoformat(), ticket.pk]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode_cursor(sort: str, cursor: str) -> tuple[datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        found_sort, value, pk = json.loads(raw)
        moment = parse_datetime(value)
        if found_sort != sort or moment is None or not isinstance(pk, int):
            raise ValueError
    except (ValueError, TypeError, binascii.Error, json.JSONDecodeError) as error:
        raise ApiError(
            422, "cursor", _("This cursor is not one this list gave, or the order changed.")
        ) from error
    return moment, pk


@router.get("", response={200: TicketPage, **ERRORS}, summary="List tickets (the inbox)")
def list_tickets(request: HttpRequest, filters: Query[TicketFilters]) -> dict[str, Any]:
    """The tickets the caller may see, with the desk's view and filters, in pages read by
    keyset: `next_cursor` continues exactly after the last ticket of the page, whatever is
    created meanwhile. Sort `updated` (oldest change first) suits synchronisation: a ticket
    changed after it was read comes again later in the pages."""
    who = principal(request)
    who.require_read()
    desk = who.desk()
    tickets = tickets_of(desk)
    if filters.view:
        tickets = tickets.filter(view_filter(desk, filters.view))
    values = filters.model_dump(exclude={"view", "sort", "cursor", "limit", "brand"})
    if filters.brand:
        values["brand"] = next((b.pk for b in desk.brands if b.slug == filters.brand), -1)
    tickets = filtered(tickets, values)
    field = SORT_FIELD[filters.sort.lstrip("-")]
    descending = filters.sort.startswith("-")
    if filters.cursor:
        moment, pk = _decode_cursor(filters.sort, filters.cursor)
        after = "lt" if descending else "gt"
        tickets = tickets.filter(
            Q(**{f"{field}__{after}": moment}) | Q(**{field: moment, f"pk__{after}": pk})
        )
    order = [f"-{field}", "-pk"] if descending else [field, "pk"]
    rows = list(_full(tickets.order_by(*order))[: filters.limit + 1])
    more = len(rows) > filters.limit
    rows = rows[: filters.limit]
    return {
        "items": [ticket_out(t) for t in rows],
        "next_cursor": _encode_cursor(filters.sort, rows[-1]) if more else None,
    }


@router.get("/{reference}", response={200: TicketOut, **ERRORS}, summary="Read a ticket")
def read_ticket(request: HttpRequest, reference: str) -> dict[str, Any]:
    who = principal(request)
    who.require_read()
    return _fresh(_ticket(who, reference))


@router.get(
    "/{reference}/messages",
    response={200: list[MessageOut], **ERRORS},
    summary="The ticket's messages and internal notes, oldest first",
)
def list_messages(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    ticket = _ticket(who, reference)
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return [message_out(ticket, m) for m in messages]


@router.get(
    "/{reference}/events",
    response={200: list[EventOut], **ERRORS},
    summary="The ticket's history (append-only events), oldest first",
)
def list_events(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    ticket = _ticket(who, reference)
    events = list(
        Event.objects.filter(ticket=ticket)
        .select_related("actor_user", "actor_contact")
        .order_by("at", "pk")
    )
    people = recorders(events)
    return [event_out(e, people) for e in events]


@router.get(
    "/{reference}/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    url_name="ticket_attachment",
    summary="Download an attachment (always as a file, never shown inline)",
    openapi_extra={
        "responses": {
            200: {
                "description": "the file",
                "content": {
                    "application/octet-stream": {"schema": {"type": "string", "format": "binary"}}
                },
            }
        }
    },
)
def download_attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    who = principal(request)
    who.require_read()
    ticket = _ticket(who, reference)
    stored = Attachment.objects.filter(pk=attachment_id, message__ticket=ticket).first()
    if stored is None:
        raise ApiError(404, "not_found", _("Not found."))
    return attachment_download(stored)


# --- creating ------------------------------------------------------------------------------------

UploadToken = Annotated[str, StringConstraints(min_length=1, max_length=500)]


def _attachments_field() -> Any:
    return Field(
        [],
        max_length=20,
        description="tokens of files uploaded with POST /uploads (at most 5)",
    )


def _files(who: Principal, brand: Brand, tokens: list[str]) -> list[Attachment]:
    """The uploaded files a message names (`uploads.attachments_for`), for its service."""
    from guichet.api.uploads import attachments_for  # uploads reads this module's helpers

    return attachments_for(who, brand, tokens)


class ContactIn(Schema):
    id: int | None = Field(None, description="an existing contact of the brand")
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    name: str = Field("", max_length=200)
    language: str = Field("", max_length=8)


class TicketIn(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    contact: ContactIn
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


def _contact(brand: Brand, given: ContactIn) -> Contact:
    if given.id is not None:
        found = (
            Contact.objects.select_related("merged_into").filter(pk=given.id, brand=brand).first()
        )
        if found is None:
            raise ApiError(404, "not_found", _("Not found."))
        # A merged record's id stands for the record it was merged into.
        return found.merged_into or found
    try:
        if given.email:
            return contact_for_email(
                brand=brand, email=given.email, name=given.name, language=given.language
            )
        if given.phone:
            return contact_for_phone(
                brand=brand, phone=given.phone, name=given.name, language=given.language
            )
    except ValidationError as error:
        raise ApiError(
            422, "contact", _("This is not a valid email address or phone number.")
        ) from error
    raise ApiError(422, "contact", _("Give the customer's id, email address or phone number."))


def _seller(brand: Brand, seller_id: int | None) -> Seller | None:
    if seller_id is None:
        return None
    found = Seller.objects.filter(pk=seller_id, brand=brand).first()
    if found is None:
        raise ApiError(404, "not_found", _("Not found."))
    return found


@router.post(
    "",
    response={201: TicketOut, 200: TicketOut, **ERRORS},
    summary="Open a ticket (send Idempotency-Key to retry safely)",
)
def create_ticket(request: HttpRequest, payload: TicketIn, response: HttpResponse) -> Status:
    """Open a ticket for a customer (found or created by email or phone), as the caller:
    checked, referenced, planned and acknowledged like any new request. With an
    `Idempotency-Key` header, a retry of the same call answers the first ticket again."""
    who = principal(request)
    who.require_write()
    brand = _brand(who, payload.brand)
    require(who.user, Action.REPLY, brand=brand)

    def create() -> tuple[int, Any]:
        contact = _contact(brand, payload.contact)
        ticket = services.ticket_open(
            brand=brand,
            contact=contact,
            contact_type=payload.contact_type,
            category=payload.category,
            priority=payload.priority,
            complexity=payload.complexity,
            channel=payload.channel,
            subject=payload.subject,
            text=payload.text,
            html=payload.html,
            language=payload.language,
            seller=_seller(brand, payload.seller),
            attachments=_files(who, brand, payload.attachments),
            actor=who.user,
        )
        return 201, _fresh(ticket)

    status, body, replayed = idempotency.once(
        request,
        who,
        brand=brand,
        operation="tickets.create",
        payload=payload.model_dump(mode="json"),
        create=create,
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(status, body)


# --- changing ------------------------------------------------------------------------------------


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


def _write(request: HttpRequest, reference: str) -> tuple[Principal, Ticket]:
    who = principal(request)
    who.require_write()
    return who, _ticket(who, reference)


@router.patch("/{reference}", response={200: TicketOut, **ERRORS}, summary="Change fields")
def update_ticket(request: HttpRequest, reference: str, payload: TicketPatch) -> dict[str, Any]:
    """Only the fields sent change (one event per changed field); `status` moves between
    the open and waiting states."""
    who, ticket = _write(request, reference)
    sent = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {
        name: sent[name]
        for name in ("contact_type", "category", "priority", "complexity", "subject", "language")
        if name in sent and sent[name] is not None
    }
    if "seller" in sent:
        changes["seller"] = _seller(ticket.brand, sent["seller"])
    with transaction.atomic():
        if changes:
            services.ticket_change(
                ticket=ticket, actor=who.user, expected_revision=payload.revision, **changes
            )
        if sent.get("status") is not None:
            services.ticket_set_status(
                ticket=ticket,
                actor=who.user,
                status=sent["status"],
                expected_revision=None if changes else payload.revision,
            )
    return _fresh(ticket)


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


def _with_message(ticket: Ticket, message: Message) -> dict[str, Any]:
    found = (
        Message.objects.select_related("author_user", "author_contact")
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return {"ticket": _fresh(ticket), "message": message_out(ticket, found)}


@router.post(
    "/{reference}/replies",
    response={201: TicketAndMessage, **ERRORS},
    summary="Reply to the customer",
)
def reply(request: HttpRequest, reference: str, payload: ReplyIn) -> Status:
    who, ticket = _write(request, reference)
    message = services.ticket_reply(
        ticket=ticket,
        actor=who.user,
        text=payload.text,
        html=payload.html,
        subject=payload.subject,
        attachments=_files(who, ticket.brand, payload.attachments),
        status_after=payload.status_after,
        full_answer=payload.full_answer,
        expected_revision=payload.revision,
    )
    return Status(201, _with_message(ticket, message))


class NoteIn(Schema):
    text: str = Field("", max_length=100_000)
    html: str = Field("", max_length=500_000)
    attachments: list[UploadToken] = _attachments_field()


@router.post(
    "/{reference}/notes",
    response={201: TicketAndMessage, **ERRORS},
    summary="Add an internal note (never shown to the customer)",
)
def note(request: HttpRequest, reference: str, payload: NoteIn) -> Status:
    who, ticket = _write(request, reference)
    message = services.ticket_note(
        ticket=ticket,
        actor=who.user,
        text=payload.text,
        html=payload.html,
        attachments=_files(who, ticket.brand, payload.attachments),
    )
    return Status(201, _with_message(ticket, message))


class AssignIn(Revision):
    assignee: int | None = Field(..., description="a staff member's id, or null for nobody")
    team: str | None = Field(None, description="a team's key; omit to keep the team")
    reason: str = Field("", max_length=500)


@router.post("/{reference}/assign", response={200: TicketOut, **ERRORS}, summary="Assign")
def assign(request: HttpRequest, reference: str, payload: AssignIn) -> dict[str, Any]:
    who, ticket = _write(request, reference)
    assignee = None
    if payload.assignee is not None:
        assignee = User.objects.filter(pk=payload.assignee, is_active=True).first()
        if assignee is None:
            raise ApiError(422, "assignee", _("This person does not work for this brand."))
    team: Any = services.UNSET
    if "team" in payload.model_fields_set:
        team = None
        if payload.team:
            team = Team.objects.filter(brand=ticket.brand, key=payload.team).first()
            if team is None:
                raise ApiError(422, "team", _("This brand has no such team."))
    services.ticket_assign(
        ticket=ticket,
        actor=who.user,
        assignee=assignee,
        team=team,
        reason=payload.reason.strip(),
        expected_revision=payload.revision,
    )
    return _fresh(ticket)


class EscalateIn(Revision):
    reason: str = Field("", max_length=2000)
    to_level: int | None = Field(None, ge=2, description="default: the next level")


@router.post(
    "/{reference}/escalate",
    response={200: TicketOut, **ERRORS},
    summary="Escalate to a higher level, with a reason",
)
def escalate(request: HttpRequest, reference: str, payload: EscalateIn) -> dict[str, Any]:
    who, ticket = _write(request, reference)
    services.ticket_escalate(
        ticket=ticket,
        actor=who.user,
        reason=payload.reason,
        to_level=payload.to_level,
        trigger=EscalationTrigger.AGENT,
        expected_revision=payload.revision,
    )
    return _fresh(ticket)


class EscalationRequestIn(Revision):
    reason: str = Field("", max_length=2000, description="the customer's words")


@router.post(
    "/{reference}/escalation-requests",
    response={200: TicketOut, **ERRORS},
    summary="Record the customer's request for the next level (where the policy allows it)",
)
def request_escalation(
    request: HttpRequest, reference: str, payload: EscalationRequestIn
) -> dict[str, Any]:
    """The customer asked (by phone, in the shop…) for their case to go to the next level:
    recorded as the customer's request (it reopens a closed ticket) by a caller whose role
    may escalate. The events' actor is the customer; `recorded_by` names the caller."""
    who, ticket = _write(request, reference)
    services.ticket_escalate(
        ticket=ticket,
        contact=ticket.contact,
        reason=payload.reason,
        trigger=EscalationTrigger.CUSTOMER,
        recorded_by=who.user,
        expected_revision=payload.revision,
    )
    return _fresh(ticket)


class OutcomeIn(Revision):
    outcome: Outcome
    summary: str = Field("", max_length=5000)


@router.post(
    "/{reference}/outcome",
    response={200: TicketOut, **ERRORS},
    summary="Record the decision at the ticket's level",
)
def set_outcome(request: HttpRequest, reference: str, payload: OutcomeIn) -> dict[str, Any]:
    who, ticket = _write(request, reference)
    services.ticket_set_outcome(
        ticket=ticket,
        actor=who.user,
        outcome=payload.outcome,
        summary=payload.summary,
        expected_revision=payload.revision,
    )
    return _fresh(ticket)


class CloseIn(Revision):
    outcome: Outcome | None = Field(None, description="needed for a complaint if not set yet")
    summary: str = Field("", max_length=5000)


@router.post("/{reference}/close", response={200: TicketOut, **ERRORS}, summary="Close")
def close(request: HttpRequest, reference: str, payload: CloseIn) -> dict[str, Any]:
    who, ticket = _write(request, reference)
    services.ticket_close(
        ticket=ticket,
        actor=who.user,
        outcome=payload.outcome,
        summary=payload.summary,
        expected_revision=payload.revision,
    )
    return _fresh(ticket)


class ReopenIn(Revision):
    reason: str = Field(..., max_length=2000)


@router.post("/{reference}/reopen", response={200: TicketOut, **ERRORS}, summary="Reopen")
def reopen(request: HttpRequest, reference: str, payload: ReopenIn) -> dict[str, Any]:
    who, ticket = _write(request, reference)
    services.ticket_reopen(
        ticket=ticket, actor=who.user, reason=payload.reason, expected_revision=payload.revision
    )
    return _fresh(ticket)
