"""/api/v1/tickets: the desk's inbox and every action of the ticket page, through the
service layer (`guichet.tickets.services`) with the caller as actor, so the permission
resolver, the brand's policy and the ticket's state are checked exactly as in the desk.

Reads reach tickets through `access_ticket` (404 for another brand's ticket, as for one
that does not exist) and the inbox views and filters the desk uses (`tickets.queries`).
Every write returns the ticket as it is after the change."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Q, QuerySet
from django.http import FileResponse, HttpRequest, HttpResponse
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from ninja import Query, Router, Status

from guichet.accounts.permissions import Action, require
from guichet.api import idempotency
from guichet.api.errors import ApiError
from guichet.api.principal import Principal, principal
from guichet.api.schemas import (
    ERRORS,
    MESSAGE_SELECT,
    AssignIn,
    CloseIn,
    EscalateIn,
    EscalationRequestIn,
    EventOut,
    MessageOut,
    NoteIn,
    OutcomeIn,
    ReopenIn,
    ReplyIn,
    TicketAndMessage,
    TicketFilters,
    TicketIn,
    TicketOut,
    TicketPage,
    TicketPatch,
    event_out,
    message_out,
    recorders,
    ticket_out,
    with_relations,
)
from guichet.api.uploads import attachments_for
from guichet.contacts.models import ContactEmail
from guichet.contacts.services import contact_for
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.attachments import attachment_download
from guichet.tickets.models import Attachment, Event, Message, Ticket
from guichet.tickets.queries import (
    access_ticket,
    assignable,
    filtered,
    seller_of,
    team_of,
    tickets_of,
    view_filter,
)

router = Router(tags=["tickets"])


SORT_FIELD = {"created": "created_at", "updated": "updated_at"}


# --- reading -------------------------------------------------------------------------------------


def _full(queryset: QuerySet[Ticket]) -> QuerySet[Ticket]:
    return with_relations(queryset)


def ticket_for(who: Principal, reference: str) -> Ticket:
    """The ticket if the caller may see it; else 404, the answer for a missing one."""
    return access_ticket(who.access(), reference)


def ticket_answer(ticket: Ticket) -> dict[str, Any]:
    """The ticket's representation from the instance in hand — the one a service just
    changed (it locked and refreshed the row, and the related objects it holds stay loaded
    while unchanged; one that changed is read by its id when shown) or the one
    `access_ticket` read with its relations. Only what a write may change beside the row is
    read again: the live deadlines and the customer's addresses, two small queries. (Read
    again whole, as a page reads it, the ticket cost a third of a creation's time.) The
    dict is validated once, by the operation's response schema."""
    ticket.live_deadlines = list(  # type: ignore[attr-defined]
        Deadline.objects.filter(ticket=ticket, cancelled_at__isnull=True)
    )
    contact = ticket.contact
    contact.email_rows = list(ContactEmail.objects.filter(contact=contact))  # type: ignore[attr-defined]
    return ticket_out(ticket)


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
    desk = who.access()
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
    return ticket_answer(ticket_for(who, reference))


@router.get(
    "/{reference}/messages",
    response={200: list[MessageOut], **ERRORS},
    summary="The ticket's messages, internal notes and seller's side, oldest first",
)
def list_messages(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    """Everything written on the ticket: the customer's conversation, the staff's notes
    (`note`) and the seller's side (`seller` set: to the seller, or from it with the seller
    as `author`) — `internal` for all that the customer never sees."""
    who = principal(request)
    who.require_read()
    ticket = ticket_for(who, reference)
    messages = (
        Message.objects.filter(ticket=ticket)
        .select_related(*MESSAGE_SELECT)
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
    ticket = ticket_for(who, reference)
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
    ticket = ticket_for(who, reference)
    stored = Attachment.objects.filter(pk=attachment_id, message__ticket=ticket).first()
    if stored is None:
        raise ApiError(404, "not_found", _("Not found."))
    return attachment_download(stored)


# --- creating ------------------------------------------------------------------------------------


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
    brand = who.brand_for(payload.brand)
    require(who.user, Action.REPLY, brand=brand)

    def create() -> tuple[int, Any]:
        given = payload.contact
        contact = contact_for(
            brand=brand,
            contact_id=given.id,
            email=given.email or "",
            phone=given.phone or "",
            name=given.name,
            language=given.language,
        )
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
            seller=seller_of(brand, payload.seller) if payload.seller is not None else None,
            attachments=attachments_for(who, brand, payload.attachments),
            actor=who.user,
        )
        return 201, ticket_answer(ticket)

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


def ticket_for_write(request: HttpRequest, reference: str) -> tuple[Principal, Ticket]:
    who = principal(request)
    who.require_write()
    return who, ticket_for(who, reference)


@router.patch("/{reference}", response={200: TicketOut, **ERRORS}, summary="Change fields")
def update_ticket(request: HttpRequest, reference: str, payload: TicketPatch) -> dict[str, Any]:
    """Only the fields sent change (one event per changed field); `status` moves between
    the open and waiting states."""
    who, ticket = ticket_for_write(request, reference)
    sent = payload.model_dump(exclude_unset=True)
    changes: dict[str, Any] = {
        name: sent[name]
        for name in ("contact_type", "category", "priority", "complexity", "subject", "language")
        if name in sent and sent[name] is not None
    }
    if "seller" in sent:
        changes["seller"] = (
            seller_of(ticket.brand, sent["seller"]) if sent["seller"] is not None else None
        )
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
    return ticket_answer(ticket)


def ticket_and_message(ticket: Ticket, message: Message) -> dict[str, Any]:
    found = (
        Message.objects.select_related(*MESSAGE_SELECT)
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return {"ticket": ticket_answer(ticket), "message": message_out(ticket, found)}


@router.post(
    "/{reference}/replies",
    response={201: TicketAndMessage, **ERRORS},
    summary="Reply to the customer",
)
def reply(request: HttpRequest, reference: str, payload: ReplyIn) -> Status:
    who, ticket = ticket_for_write(request, reference)
    message = services.ticket_reply(
        ticket=ticket,
        actor=who.user,
        text=payload.text,
        html=payload.html,
        subject=payload.subject,
        attachments=attachments_for(who, ticket.brand, payload.attachments),
        status_after=payload.status_after,
        full_answer=payload.full_answer,
        expected_revision=payload.revision,
    )
    return Status(201, ticket_and_message(ticket, message))


@router.post(
    "/{reference}/notes",
    response={201: TicketAndMessage, **ERRORS},
    summary="Add an internal note (never shown to the customer)",
)
def note(request: HttpRequest, reference: str, payload: NoteIn) -> Status:
    who, ticket = ticket_for_write(request, reference)
    message = services.ticket_note(
        ticket=ticket,
        actor=who.user,
        text=payload.text,
        html=payload.html,
        attachments=attachments_for(who, ticket.brand, payload.attachments),
    )
    return Status(201, ticket_and_message(ticket, message))


@router.post("/{reference}/assign", response={200: TicketOut, **ERRORS}, summary="Assign")
def assign(request: HttpRequest, reference: str, payload: AssignIn) -> dict[str, Any]:
    who, ticket = ticket_for_write(request, reference)
    assignee = assignable(ticket.brand, payload.assignee)
    team: Any = services.UNSET
    if "team" in payload.model_fields_set:
        team = None
        if payload.team:
            team = team_of(ticket.brand, payload.team)
    services.ticket_assign(
        ticket=ticket,
        actor=who.user,
        assignee=assignee,
        team=team,
        reason=payload.reason.strip(),
        expected_revision=payload.revision,
    )
    return ticket_answer(ticket)


@router.post(
    "/{reference}/escalate",
    response={200: TicketOut, **ERRORS},
    summary="Escalate to a higher level, with a reason",
)
def escalate(request: HttpRequest, reference: str, payload: EscalateIn) -> dict[str, Any]:
    who, ticket = ticket_for_write(request, reference)
    services.ticket_escalate(
        ticket=ticket,
        actor=who.user,
        reason=payload.reason,
        to_level=payload.to_level,
        expected_revision=payload.revision,
    )
    return ticket_answer(ticket)


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
    who, ticket = ticket_for_write(request, reference)
    services.ticket_escalate(
        ticket=ticket,
        actor=Customer(ticket.contact, recorded_by=who.user),
        reason=payload.reason,
        expected_revision=payload.revision,
    )
    return ticket_answer(ticket)


@router.post(
    "/{reference}/outcome",
    response={200: TicketOut, **ERRORS},
    summary="Record the decision at the ticket's level",
)
def set_outcome(request: HttpRequest, reference: str, payload: OutcomeIn) -> dict[str, Any]:
    who, ticket = ticket_for_write(request, reference)
    services.ticket_set_outcome(
        ticket=ticket,
        actor=who.user,
        outcome=payload.outcome,
        summary=payload.summary,
        expected_revision=payload.revision,
    )
    return ticket_answer(ticket)


@router.post("/{reference}/close", response={200: TicketOut, **ERRORS}, summary="Close")
def close(request: HttpRequest, reference: str, payload: CloseIn) -> dict[str, Any]:
    who, ticket = ticket_for_write(request, reference)
    services.ticket_close(
        ticket=ticket,
        actor=who.user,
        outcome=payload.outcome,
        summary=payload.summary,
        expected_revision=payload.revision,
    )
    return ticket_answer(ticket)


@router.post("/{reference}/reopen", response={200: TicketOut, **ERRORS}, summary="Reopen")
def reopen(request: HttpRequest, reference: str, payload: ReopenIn) -> dict[str, Any]:
    who, ticket = ticket_for_write(request, reference)
    services.ticket_reopen(
        ticket=ticket, actor=who.user, reason=payload.reason, expected_revision=payload.revision
    )
    return ticket_answer(ticket)
