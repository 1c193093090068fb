"""The checks a request may need before an account-level change or an answer
(docs/requirements.md IN-5): the customer's identity, recorded; the order reference, validated by
the brand's rule and, where it says so, by the merchant."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.lib.errors import InvalidRequest
from guichet.tickets import lookups
from guichet.tickets.actors import System, require_staff
from guichet.tickets.choices import OrderStatus, Verb
from guichet.tickets.models import IdentityCheck, Ticket
from guichet.tickets.services.change import changing


def ticket_record_identity_check(
    *, ticket: Ticket, actor: User | System, method: str, note: str = ""
) -> IdentityCheck:
    """Record that the customer's identity was checked (Jive): who, when, and how — one of
    the methods of the brand's policy (`validation.identity_check.methods`). What needs
    one before an account-level change is `queries.identity_check_needed`."""
    rule = ticket.brand.get_policy().validation.identity_check
    with changing(ticket, actor) as change:
        require_staff(actor, Action.REPLY, brand=ticket.brand)
        if rule is None:
            raise InvalidRequest(
                _("This brand's policy does not provide for identity checks."), code="policy"
            )
        method = method.strip()
        if method not in rule.methods:
            raise InvalidRequest(
                _("“%(value)s” is not one of this brand's ways of checking identity."),
                code="method",
                value=method,
            )
        check = IdentityCheck.objects.create(
            brand_id=ticket.brand_id,
            ticket=ticket,
            method=method,
            checked_by=actor if isinstance(actor, User) else None,
            checked_at=change.now,
            note=note.strip(),
        )
        # The note stays on the check: it may say what was asked, and events travel further
        # (webhooks, exports).
        change.record(Verb.IDENTITY_CHECKED, data={"method": method, "check": check.pk})
    return check


@dataclass(frozen=True)
class OrderCheck:
    """The result of `ticket_validate_order`, also kept on the ticket (`order_reference`,
    `order_status`, `order_checked_at`) and in its ORDER_CHECKED event."""

    reference: str
    status: str  # an OrderStatus
    checked_at: datetime
    detail: str  # "pattern" (the rule alone decided), "http_200", "timeout", "refused_address"…


ORDER_REFERENCE_MAX = 100  # Ticket.order_reference


def ticket_validate_order(*, ticket: Ticket, actor: User | System, reference: str) -> OrderCheck:
    """Check the order reference the request is about against the brand's rule
    (`validation.order_reference`, Ivoire Toner): the pattern, matched in full after
    trimming, then — for a well-formed reference, when the rule has a `lookup_url` — the
    merchant (200: valid, 404: not found, anything else or no answer: unverified; see
    `lookups`). A malformed reference is recorded as invalid, not refused: the agent sees
    what the customer gave."""
    require_staff(actor, Action.REPLY, brand=ticket.brand)
    rule = ticket.brand.get_policy().validation.order_reference
    if rule is None:
        raise InvalidRequest(
            _("This brand's policy has no rule for order references."), code="policy"
        )
    reference = reference.strip()
    if not reference:
        raise InvalidRequest(_("Give the order reference."), code="order_reference")
    if len(reference) > ORDER_REFERENCE_MAX:
        raise InvalidRequest(
            _("An order reference has at most %(max)s characters."),
            code="order_reference",
            max=ORDER_REFERENCE_MAX,
        )
    status: str
    if not re.fullmatch(rule.pattern, reference):
        status, detail = OrderStatus.INVALID, "pattern"
    elif rule.lookup_url:
        # Asked before the ticket is locked: a slow merchant must not hold its row.
        answer = lookups.lookup_order(rule.lookup_url, reference)
        status, detail = answer.status, answer.detail
    else:
        status, detail = OrderStatus.VALID, "pattern"
    with changing(ticket, actor) as change:
        previous = ticket.order_status
        change.set(order_reference=reference, order_status=status, order_checked_at=change.now)
        change.record(
            Verb.ORDER_CHECKED,
            data={"reference": reference, "status": status, "previous": previous, "detail": detail},
        )
    return OrderCheck(reference=reference, status=status, checked_at=change.now, detail=detail)
