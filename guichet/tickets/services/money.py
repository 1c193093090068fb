"""Returns, refunds and credits (docs/requirements.md CL-2).

A return request (contact type `return_refund`) has the policy's return window, counted
from the day the customer received the item (`item_received_at`, when the agent records
it) or else from the request; recording the item's return — or that no return is needed —
starts the refund deadline, which a recorded refund or credit meets. Money is a Decimal
with its currency, never a float: an amount that is negative, zero, has more than two
decimals or is beyond `MAX_AMOUNT` is refused with a clear error.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from babel.numbers import list_currencies
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.brands.models import Brand
from guichet.lib.errors import InvalidRequest
from guichet.tickets.actors import require_staff
from guichet.tickets.choices import Verb
from guichet.tickets.models import MoneyKind, Payment, Ticket
from guichet.tickets.services.change import changing
from guichet.tickets.services.checks import UNSET, Unset

MAX_AMOUNT = Decimal("1000000")
CURRENCIES = frozenset(list_currencies())
# A moment "in the future" beyond this is a typing error, not a clock's drift.
_SKEW = timedelta(minutes=5)


def check_money(brand: Brand, amount: Decimal | str | int, currency: str) -> tuple[Decimal, str]:
    """The amount as a Decimal of at most two decimals, and the currency as an ISO 4217
    code (the brand's, when not given); InvalidRequest otherwise."""
    if isinstance(amount, float):
        raise InvalidRequest(_("Write the amount as a decimal number."), code="amount")
    try:
        value = Decimal(str(amount).strip().replace(",", "."))
    except InvalidOperation:
        raise InvalidRequest(
            _("“%(value)s” is not an amount."), code="amount", value=str(amount)[:40]
        ) from None
    if not value.is_finite() or value <= 0:
        raise InvalidRequest(_("The amount must be more than zero."), code="amount")
    if value > MAX_AMOUNT:
        raise InvalidRequest(
            _("The amount cannot be more than %(max)s."), code="amount", max=f"{MAX_AMOUNT:,}"
        )
    if value != value.quantize(Decimal("0.01")):
        raise InvalidRequest(_("The amount has at most two decimals."), code="amount")
    code = (currency or brand.get_policy().brand.currency or "").strip().upper()
    if code not in CURRENCIES:
        raise InvalidRequest(
            _("Give the currency as a three-letter code, such as EUR or MAD."), code="currency"
        )
    return value.quantize(Decimal("0.01")), code


def _moment(value: datetime | None, now: datetime, name: str) -> datetime | None:
    if value is not None and value > now + _SKEW:
        raise InvalidRequest(_("This date is in the future."), code=name)
    return value


def ticket_record_return(
    *,
    ticket: Ticket,
    actor: User,
    item_received_at: datetime | Unset | None = UNSET,
    item_returned_at: datetime | Unset | None = UNSET,
    waived: bool = False,
) -> Ticket:
    """Record when the customer received the item (the return window counts from then),
    when the item came back — or, `waived`, that no return is needed (the refund deadline
    counts from either). Only what is given changes."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.RECORD_PAYMENT, brand=ticket.brand, level=ticket.level)
        if ticket.brand.get_policy().returns is None:
            raise InvalidRequest(_("This brand has no returns policy."), code="no_returns")
        data: dict[str, object] = {}
        if not isinstance(item_received_at, Unset):
            received = _moment(item_received_at, change.now, "item_received_at")
            change.set(item_received_at=received)
            data["item_received_at"] = received.isoformat() if received else None
        if waived:
            item_returned_at = change.now
            data["waived"] = True
        if not isinstance(item_returned_at, Unset):
            returned = _moment(item_returned_at, change.now, "item_returned_at")
            received = ticket.item_received_at
            if returned is not None and received is not None and returned < received:
                raise InvalidRequest(
                    _("The item cannot come back before the customer received it."),
                    code="item_returned_at",
                )
            change.set(item_returned_at=returned)
            data["item_returned_at"] = returned.isoformat() if returned else None
        if not data:
            raise InvalidRequest(_("Nothing to record."), code="empty")
        change.record(Verb.RETURN_RECORDED, data=data)
    return ticket


def ticket_record_payment(
    *,
    ticket: Ticket,
    actor: User,
    kind: str,
    amount: Decimal | str | int,
    currency: str = "",
    reason: str,
) -> Payment:
    """Record money paid back to the customer: a refund, or a credit (a billing error).
    It meets the refund deadline; the customer is told by letter (notify's reaction to
    PAYMENT_RECORDED). Refunds and credits are kept as they were recorded."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.RECORD_PAYMENT, brand=ticket.brand, level=ticket.level)
        if kind not in MoneyKind.values:
            raise InvalidRequest(_("“%(value)s” is not a valid choice."), code="kind", value=kind)
        value, code = check_money(ticket.brand, amount, currency)
        if not reason.strip():
            raise InvalidRequest(_("Say what the money is for."), code="reason")
        payment = Payment.objects.create(
            brand_id=ticket.brand_id,
            ticket=ticket,
            kind=kind,
            amount=value,
            currency=code,
            reason=reason.strip()[:2000],
            recorded_by=actor,
            at=change.now,
        )
        if ticket.refunded_at is None:
            change.set(refunded_at=change.now)
        change.record(
            Verb.PAYMENT_RECORDED,
            data={
                "payment": payment.pk,
                "kind": kind,
                "amount": str(value),
                "currency": code,
                "reason": payment.reason,
            },
        )
    return payment
