"""The schemas of a marketplace's sellers (`api/sellers.py`) and of the seller's side of a
ticket, with returns, refunds and credits (`api/disputes.py`).

Money is a string of digits in and out, never a JSON number: `"12.50"`, with its currency
(ISO 4217). A number sent for an amount — `12.5`, even `12` — is refused (422, the field
named, code `amount_number`), as a number that a client's floating point may already have
changed would be; so is a negative amount (`amount_negative`) or one that is not digits
with at most two decimals (`amount_format`). Zero and more than a million pass this form
and are refused by the service (400 `amount`), as in the desk."""

from __future__ import annotations

import re
from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from ninja import Field, Schema
from pydantic import BeforeValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from guichet.api.schemas import (
    AuthorOut,
    MessageOut,
    Out,
    PersonRef,
    Revision,
    SellerRef,
    TicketOut,
    UploadToken,
    _attachments_field,
    _author,
    _person,
    message_out,
    seller_ref,
)
from guichet.marketplace.models import (
    ContactRelease,
    Seller,
    SellerPerson,
    SellerStatus,
    SellerStatusChange,
    Strike,
)
from guichet.tickets.models import Message, MoneyKind, Payment, Ticket

# --- values ---------------------------------------------------------------------------------

# Digits, at most two decimals after a full stop: the form of every amount the API takes.
# (Searched as JSON Schema's validators search a pattern, so the document and the check agree.)
AMOUNT_PATTERN = r"^[0-9]{1,7}(\.[0-9]{1,2})?$"


def _amount(value: Any) -> Any:
    if isinstance(value, bool):
        return value  # refused by the string type, as any other non-string
    if isinstance(value, int | float):
        raise PydanticCustomError(
            "amount_number",
            'Write the amount as a string, such as "12.50": a JSON number may have lost '
            "its exact value on the way.",
        )
    if isinstance(value, str):
        if value.lstrip().startswith("-"):
            raise PydanticCustomError("amount_negative", "The amount must be more than zero.")
        if not re.search(AMOUNT_PATTERN, value):
            raise PydanticCustomError(
                "amount_format",
                "Write the amount with digits and at most two decimals after a full stop, "
                'such as "12.50".',
            )
    return value


Amount = Annotated[
    str,
    BeforeValidator(_amount),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": AMOUNT_PATTERN,
            "description": 'a decimal number in a string, such as "12.50"',
            "examples": ["12.50"],
        }
    ),
]

# A moment as RFC 3339 writes it, with its offset: `2026-11-23T14:00:00Z`. (pydantic alone
# would also read a number, or a string of digits, as a Unix time.)
_RFC3339 = re.compile(
    r"\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(\.\d+)?([Zz]|[+-]\d{2}:\d{2})", re.ASCII
)


def _moment(value: Any) -> Any:
    if isinstance(value, str) and _RFC3339.fullmatch(value):
        return value
    raise PydanticCustomError(
        "datetime_parsing", "Input should be a date and time with its offset (RFC 3339)"
    )


Moment = Annotated[datetime, BeforeValidator(_moment)]


# --- sellers (`sellers.py`) ----------------------------------------------------------------


class SellerOut(Out):
    id: int
    brand: str
    name: str
    legal_name: str
    email: str
    phone: str
    address: str
    status: str  # active, restricted or terminated
    status_changed_at: datetime | None
    created_at: datetime


class SellerPage(Out):
    items: list[SellerOut]
    next_cursor: str | None


class SellerFilters(Schema):
    status: SellerStatus | None = None
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    cursor: str | None = Field(None, max_length=200, description="next_cursor of a page")
    limit: int = Field(100, ge=1, le=200)


class SellerIn(Schema):
    brand: str | None = Field(None, description="brand slug (staff sessions with several)")
    name: str = Field(..., min_length=1, max_length=200)
    legal_name: str = Field("", max_length=200)
    email: str = Field("", max_length=254, description="where Guichet writes to the seller")
    phone: str = Field("", max_length=32)
    address: str = Field("", max_length=2000, description="postal address")


class SellerPatch(Schema):
    """Only the fields sent change (null: unchanged). The status has its own call."""

    name: str | None = Field(None, min_length=1, max_length=200)
    legal_name: str | None = Field(None, max_length=200)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=32)
    address: str | None = Field(None, max_length=2000)


class SellerPersonOut(Out):
    id: int
    name: str
    email: str
    active: bool  # may sign in to the seller portal
    created_at: datetime
    last_signed_in_at: datetime | None


class SellerPersonIn(Schema):
    name: str = Field(..., min_length=1, max_length=200)
    email: str = Field(..., min_length=1, max_length=254)


class SellerPersonPatch(Schema):
    name: str | None = Field(None, min_length=1, max_length=200)
    email: str | None = Field(None, min_length=1, max_length=254)


class StatusChangeOut(Out):
    id: int
    from_status: str
    to_status: str
    reason: str
    # A manager's decision names them; the policy's (the strikes' threshold) its strike.
    by: PersonRef | None
    strike: int | None
    at: datetime


class SellerStatusIn(Schema):
    status: SellerStatus
    reason: str = Field(..., max_length=2000)


class SellerAndChange(Out):
    seller: SellerOut
    change: StatusChangeOut


class StrikeOut(Out):
    id: int
    seller: SellerRef
    ticket: str  # the ticket's reference
    reason: str  # no_answer (a missed deadline) or refused
    note: str
    due_at: datetime | None  # the seller's deadline that was missed
    recorded_by: PersonRef | None  # none: the deadline watcher
    at: datetime
    counts: bool  # not withdrawn
    withdrawn_at: datetime | None
    withdrawn_by: PersonRef | None
    withdrawal_reason: str


class StrikeIn(Schema):
    note: str = Field(..., max_length=2000, description="what the seller refused")


class WithdrawIn(Schema):
    reason: str = Field(..., max_length=2000)


def seller_out(seller: Seller) -> dict[str, Any]:
    return {
        "id": seller.pk,
        "brand": seller.brand.slug,
        "name": seller.name,
        "legal_name": seller.legal_name,
        "email": seller.email,
        "phone": seller.phone,
        "address": seller.address,
        "status": seller.status,
        "status_changed_at": seller.status_changed_at,
        "created_at": seller.created_at,
    }


def seller_person_out(person: SellerPerson) -> dict[str, Any]:
    return {
        "id": person.pk,
        "name": person.name,
        "email": person.email,
        "active": person.is_active,
        "created_at": person.created_at,
        "last_signed_in_at": person.last_signed_in_at,
    }


def status_change_out(change: SellerStatusChange) -> dict[str, Any]:
    return {
        "id": change.pk,
        "from_status": change.from_status,
        "to_status": change.to_status,
        "reason": change.reason,
        "by": _person(change.actor_user),
        "strike": change.strike_id,
        "at": change.at,
    }


def strike_out(strike: Strike) -> dict[str, Any]:
    """(Load `seller`, `ticket`, `recorded_by` and `withdrawn_by` with the strikes.)"""
    return {
        "id": strike.pk,
        "seller": seller_ref(strike.seller),
        "ticket": strike.ticket.reference,
        "reason": strike.reason,
        "note": strike.note,
        "due_at": strike.due_at,
        "recorded_by": _person(strike.recorded_by),
        "at": strike.at,
        "counts": strike.counts,
        "withdrawn_at": strike.withdrawn_at,
        "withdrawn_by": _person(strike.withdrawn_by),
        "withdrawal_reason": strike.withdrawal_reason,
    }


STRIKE_SELECT = ["seller", "ticket", "recorded_by", "withdrawn_by"]


# --- the seller's side of a ticket (`disputes.py`) ----------------------------------------


class ProposalOut(Out):
    kind: str  # refund, replacement, repair or refusal
    reason: str
    amount: str | None
    currency: str
    at: datetime


class SellerMessageOut(MessageOut):
    # Who answered for the seller, when known (a person of the seller).
    person: PersonRef | None
    # The resolution the seller proposed with this answer.
    proposal: ProposalOut | None


class SellerContactIn(Revision):
    text: str = Field("", max_length=100_000)
    html: str = Field("", max_length=500_000)
    attachments: list[UploadToken] = _attachments_field()
    share: list[int] = Field(
        [],
        max_length=100,
        description="ids of the customer's messages to show the seller (with their files)",
    )


class SellerShareIn(Schema):
    messages: list[int] = Field(..., min_length=1, max_length=100)


class SellerShareOut(Out):
    ticket: TicketOut
    shared: list[int]  # the messages newly shown (those already shown are left as they are)


class PassOnIn(Revision):
    text: str = Field("", max_length=100_000)
    html: str = Field("", max_length=500_000)


class TicketAndSellerMessage(Out):
    ticket: TicketOut
    message: SellerMessageOut


class TicketAndStrike(Out):
    ticket: TicketOut
    strike: StrikeOut


# Contact releases (MK-3)


class ContactReleaseOut(Out):
    id: int
    seller: SellerRef
    status: str  # requested, released or refused
    requested_by: AuthorOut  # the customer (the portal), or the staff member who asked
    requested_at: datetime
    decided_by: AuthorOut | None  # a staff member, or the policy ("system")
    decided_at: datetime | None
    details: dict[str, str]  # what the customer was given
    refusal_reason: str


class ReleaseDecisionIn(Schema):
    give: bool
    reason: str = Field("", max_length=2000, description="why not: told to the customer")


class TicketAndRelease(Out):
    ticket: TicketOut
    release: ContactReleaseOut


def release_out(release: ContactRelease) -> dict[str, Any]:
    decided = None
    if release.decided_at is not None:
        decided = _author(release.decided_by_user, None, release.decided_by_label or "system")
    return {
        "id": release.pk,
        "seller": seller_ref(release.seller),
        "status": release.status,
        "requested_by": _author(release.requested_by_user, release.requested_by_contact),
        "requested_at": release.requested_at,
        "decided_by": decided,
        "decided_at": release.decided_at,
        "details": release.details or {},
        "refusal_reason": release.refusal_reason,
    }


RELEASE_SELECT = ["seller", "requested_by_user", "requested_by_contact", "decided_by_user"]


# Returns, refunds and credits


class ReturnIn(Schema):
    """What is sent is recorded (null clears a moment); `waived`: no return is needed."""

    item_received_at: Moment | None = Field(
        None, description="when the customer received the item (the return window counts from it)"
    )
    item_returned_at: Moment | None = Field(None, description="when the item came back")
    waived: bool = Field(False, description="no return is needed: the refund deadline starts")


class PaymentIn(Schema):
    kind: MoneyKind
    amount: Amount
    currency: str = Field("", max_length=3, description="ISO 4217; default: the brand's")
    reason: str = Field(..., max_length=2000)


class PaymentOut(Out):
    id: int
    kind: str  # refund or credit
    amount: str  # a decimal number in a string: "12.50"
    currency: str
    reason: str
    recorded_by: PersonRef | None
    at: datetime


class TicketAndPayment(Out):
    ticket: TicketOut
    payment: PaymentOut


def money(amount: Decimal | None) -> str | None:
    return None if amount is None else f"{amount:.2f}"


def payment_out(payment: Payment) -> dict[str, Any]:
    return {
        "id": payment.pk,
        "kind": payment.kind,
        "amount": money(payment.amount),
        "currency": payment.currency,
        "reason": payment.reason,
        "recorded_by": _person(payment.recorded_by),
        "at": payment.at,
    }


def seller_message_out(ticket: Ticket, message: Message) -> dict[str, Any]:
    """A message of the seller's side. (Load SELLER_MESSAGE_SELECT with the messages.)"""
    person = message.seller_person
    proposal = getattr(message, "proposal", None)
    return {
        **message_out(ticket, message),
        "person": {"id": person.pk, "name": person.name} if person is not None else None,
        "proposal": None
        if proposal is None
        else {
            "kind": proposal.kind,
            "reason": proposal.reason,
            "amount": money(proposal.amount),
            "currency": proposal.currency,
            "at": proposal.at,
        },
    }


SELLER_MESSAGE_SELECT = ["author_user", "author_contact", "seller", "seller_person", "proposal"]
