"""/api/v1/tickets/{reference}/…: the seller's side of a marketplace dispute (writing to
the seller, showing it the customer's messages, passing its answer on, strikes, the release
of its contact details) and the money side of a ticket (the item's return, refunds and
credits); /api/v1/contact-releases/{id}/decision.

As every ticket call, through the ticket services with the caller as actor (`tickets.py`):
the ticket reached by `access_ticket` (404 for another brand's), the permission resolver,
the brand's policy and the ticket's state checked as in the desk. The seller's side is
internal: nothing here reaches the customer but a reply passed on (`pass-on`) and the
letters the services send (the contact details released, a refund or credit)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from guichet.api import idempotency
from guichet.api.errors import ApiError
from guichet.api.principal import principal
from guichet.api.schemas import ERRORS, TicketAndMessage, TicketOut
from guichet.api.schemas.sellers import (
    RELEASE_SELECT,
    SELLER_MESSAGE_SELECT,
    STRIKE_SELECT,
    ContactReleaseOut,
    PassOnIn,
    PaymentIn,
    PaymentOut,
    ReleaseDecisionIn,
    ReturnIn,
    SellerContactIn,
    SellerMessageOut,
    SellerShareIn,
    SellerShareOut,
    StrikeIn,
    StrikeOut,
    TicketAndPayment,
    TicketAndRelease,
    TicketAndSellerMessage,
    TicketAndStrike,
    payment_out,
    release_out,
    seller_message_out,
    strike_out,
)
from guichet.api.sellers import readable_brands
from guichet.api.tickets import ticket_and_message, ticket_answer, ticket_for, ticket_for_write
from guichet.api.uploads import attachments_for
from guichet.lib.errors import InvalidRequest
from guichet.marketplace.models import ContactRelease, Strike
from guichet.tickets import services
from guichet.tickets.models import Message, Payment, Ticket
from guichet.tickets.queries import access_ticket

router = Router(tags=["disputes"])
releases_router = Router(tags=["disputes"])


def _not_found() -> ApiError:
    return ApiError(404, "not_found", _("Not found."))


def _customer_messages(ticket: Ticket, ids: list[int]) -> list[Message]:
    """The messages `ids` of this ticket; an id of no message of the ticket is refused as
    the service refuses a message that is not the customer's."""
    found = {m.pk: m for m in Message.objects.filter(ticket=ticket, pk__in=ids)}
    if any(pk not in found for pk in ids):
        raise InvalidRequest(
            _("Only the customer's messages on this ticket can be shown to the seller."),
            code="share",
        )
    return [found[pk] for pk in dict.fromkeys(ids)]


def _seller_message(ticket: Ticket, message: Message) -> dict[str, Any]:
    found = (
        Message.objects.select_related(*SELLER_MESSAGE_SELECT)
        .prefetch_related("attachments")
        .get(pk=message.pk)
    )
    return seller_message_out(ticket, found)


# --- the seller's side -------------------------------------------------------------------


@router.get(
    "/{reference}/seller/messages",
    response={200: list[SellerMessageOut], **ERRORS},
    summary="The seller's side: messages to the seller and its answers, oldest first",
)
def list_seller_messages(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    """With who answered for the seller (`person`) and the resolution it proposed."""
    who = principal(request)
    who.require_read()
    ticket = ticket_for(who, reference)
    messages = (
        Message.objects.filter(ticket=ticket, seller__isnull=False)
        .select_related(*SELLER_MESSAGE_SELECT)
        .prefetch_related("attachments")
        .order_by("created_at", "pk")
    )
    return [seller_message_out(ticket, m) for m in messages]


@router.post(
    "/{reference}/seller/messages",
    response={201: TicketAndSellerMessage, **ERRORS},
    summary="Write to the ticket's seller on the customer's behalf",
)
def contact_seller(request: HttpRequest, reference: str, payload: SellerContactIn) -> Status:
    """The seller is emailed a link to its portal; its deadline starts unless one runs.
    `share` shows it some of the customer's messages, with their files — nothing else of
    the customer is shown."""
    who, ticket = ticket_for_write(request, reference)
    message = services.seller_contact(
        ticket=ticket,
        actor=who.user,
        text=payload.text,
        html=payload.html,
        attachments=attachments_for(who, ticket.brand, payload.attachments),
        share=_customer_messages(ticket, payload.share),
        expected_revision=payload.revision,
    )
    return Status(
        201, {"ticket": ticket_answer(ticket), "message": _seller_message(ticket, message)}
    )


@router.post(
    "/{reference}/seller/share",
    response={200: SellerShareOut, **ERRORS},
    summary="Show more of the customer's messages to the seller",
)
def share_with_seller(
    request: HttpRequest, reference: str, payload: SellerShareIn
) -> dict[str, Any]:
    who, ticket = ticket_for_write(request, reference)
    shared = services.seller_share(
        ticket=ticket, actor=who.user, messages=_customer_messages(ticket, payload.messages)
    )
    return {"ticket": ticket_answer(ticket), "shared": shared}


@router.post(
    "/{reference}/seller/messages/{message_id}/pass-on",
    response={201: TicketAndMessage, **ERRORS},
    summary="Pass a seller's answer on to the customer, as a reply",
)
def pass_on(request: HttpRequest, reference: str, message_id: int, payload: PassOnIn) -> Status:
    """The reply is the agent's text (quoting the seller as the agent chooses); the
    seller's message itself stays on the seller's side."""
    who, ticket = ticket_for_write(request, reference)
    answer = Message.objects.filter(ticket=ticket, pk=message_id, seller__isnull=False).first()
    if answer is None:
        raise _not_found()
    reply = services.seller_answer_share(
        ticket=ticket,
        actor=who.user,
        message=answer,
        text=payload.text,
        html=payload.html,
        expected_revision=payload.revision,
    )
    return Status(201, ticket_and_message(ticket, reply))


@router.get(
    "/{reference}/strikes",
    response={200: list[StrikeOut], **ERRORS},
    summary="The strikes recorded on this ticket",
)
def list_strikes(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    ticket = ticket_for(who, reference)
    strikes = Strike.objects.filter(ticket=ticket).select_related(*STRIKE_SELECT)
    return [strike_out(s) for s in strikes.order_by("at", "pk")]


@router.post(
    "/{reference}/strikes",
    response={201: TicketAndStrike, **ERRORS},
    summary="Record a strike against the ticket's seller for refusing to cooperate",
)
def record_strike(request: HttpRequest, reference: str, payload: StrikeIn) -> Status:
    """(A missed deadline's strike is the deadline watcher's.) At the policy's threshold
    the seller is restricted."""
    who, ticket = ticket_for_write(request, reference)
    strike = services.strike_record(
        ticket=ticket, actor=who.user, reason="refused", note=payload.note
    )
    if strike is None:
        if ticket.seller is None:
            raise InvalidRequest(_("No seller is named on this ticket."), code="no_seller")
        raise InvalidRequest(_("This brand has no sellers."), code="not_a_marketplace")
    found = Strike.objects.select_related(*STRIKE_SELECT).get(pk=strike.pk)
    return Status(201, {"ticket": ticket_answer(ticket), "strike": strike_out(found)})


# --- the seller's contact details (MK-3) -------------------------------------------------


@router.get(
    "/{reference}/contact-releases",
    response={200: list[ContactReleaseOut], **ERRORS},
    summary="Requests for the seller's contact details: who asked, who decided, what was given",
)
def list_releases(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    ticket = ticket_for(who, reference)
    releases = ContactRelease.objects.filter(ticket=ticket).select_related(*RELEASE_SELECT)
    return [release_out(r) for r in releases.order_by("requested_at", "pk")]


@router.post(
    "/{reference}/contact-releases",
    response={201: TicketAndRelease, **ERRORS},
    summary="Give the customer the seller's contact details (by letter)",
)
def release_details(request: HttpRequest, reference: str) -> Status:
    """An agent gives them (the customer's pending request, if any, is granted), unless
    the brand never gives them out (400 `release_never`). Logged."""
    who, ticket = ticket_for_write(request, reference)
    release = services.contact_release_request(ticket=ticket, actor=who.user)
    found = ContactRelease.objects.select_related(*RELEASE_SELECT).get(pk=release.pk)
    return Status(201, {"ticket": ticket_answer(ticket), "release": release_out(found)})


@releases_router.post(
    "/{release_id}/decision",
    response={200: TicketAndRelease, **ERRORS},
    summary="Decide on a customer's request for the seller's contact details",
)
def decide_release(
    request: HttpRequest, release_id: int, payload: ReleaseDecisionIn
) -> dict[str, Any]:
    """`give`: the details go to the customer by letter; otherwise the `reason` does."""
    who = principal(request)
    who.require_write()
    release = (
        ContactRelease.objects.select_related("ticket")
        .filter(pk=release_id, brand__in=readable_brands(who))
        .first()
    )
    if release is None:
        raise _not_found()
    ticket = access_ticket(who.access(), release.ticket.reference)
    release.ticket = ticket
    services.contact_release_decide(
        release=release, actor=who.user, give=payload.give, reason=payload.reason
    )
    found = ContactRelease.objects.select_related(*RELEASE_SELECT).get(pk=release.pk)
    return {"ticket": ticket_answer(ticket), "release": release_out(found)}


# --- returns, refunds and credits ----------------------------------------------------------


def _utc(value: datetime | None, field: str) -> datetime | None:
    """The moment in UTC, as stored; one UTC cannot write (the year 1 at a positive
    offset) is refused as the service refuses a date it cannot take."""
    if value is None:
        return None
    try:
        return value.astimezone(UTC)
    except OverflowError:
        raise InvalidRequest(_("This date is not valid."), code=field) from None


@router.post(
    "/{reference}/return",
    response={200: TicketOut, **ERRORS},
    summary="Record the item's return: received by the customer, back, or not needed",
)
def record_return(request: HttpRequest, reference: str, payload: ReturnIn) -> dict[str, Any]:
    """Only what is sent is recorded (null clears it). The return window counts from
    `item_received_at`; the refund deadline from `item_returned_at` or `waived`."""
    who, ticket = ticket_for_write(request, reference)
    sent = payload.model_fields_set
    services.ticket_record_return(
        ticket=ticket,
        actor=who.user,
        item_received_at=(
            _utc(payload.item_received_at, "item_received_at")
            if "item_received_at" in sent
            else services.UNSET
        ),
        item_returned_at=(
            _utc(payload.item_returned_at, "item_returned_at")
            if "item_returned_at" in sent
            else services.UNSET
        ),
        waived=payload.waived,
    )
    return ticket_answer(ticket)


@router.get(
    "/{reference}/payments",
    response={200: list[PaymentOut], **ERRORS},
    summary="The refunds and credits recorded on this ticket",
)
def list_payments(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    ticket = ticket_for(who, reference)
    payments = Payment.objects.filter(ticket=ticket).select_related("recorded_by")
    return [payment_out(p) for p in payments.order_by("at", "pk")]


@router.post(
    "/{reference}/payments",
    response={201: TicketAndPayment, 200: TicketAndPayment, **ERRORS},
    summary="Record a refund or a credit (send Idempotency-Key to retry safely)",
)
def record_payment(
    request: HttpRequest, reference: str, payload: PaymentIn, response: HttpResponse
) -> Status:
    """The customer is told by letter; it meets the refund deadline. `amount` is a string
    (`"12.50"`), never a JSON number. With an `Idempotency-Key` header, a retry of the same
    call answers the first payment again and records nothing."""
    who, ticket = ticket_for_write(request, reference)

    def record() -> tuple[int, Any]:
        payment = services.ticket_record_payment(
            ticket=ticket,
            actor=who.user,
            kind=payload.kind,
            amount=payload.amount.strip(),
            currency=payload.currency,
            reason=payload.reason,
        )
        found = Payment.objects.select_related("recorded_by").get(pk=payment.pk)
        return 201, {"ticket": ticket_answer(ticket), "payment": payment_out(found)}

    status, body, replayed = idempotency.once(
        request,
        who,
        brand=ticket.brand,
        operation="tickets.payment",
        payload={"ticket": ticket.reference, **payload.model_dump(mode="json")},
        create=record,
    )
    if replayed:
        response["Idempotent-Replayed"] = "true"
    return Status(status, body)
