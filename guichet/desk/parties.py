"""What the ticket page shows of the other parties to a case (reads only):

- the seller a marketplace ticket names: its name and status, its deadline (due, warned,
  met, missed), the strikes on this ticket and those that count against it, the
  resolutions it proposed, the customer's requests for its contact details and what
  became of them, and the customer's messages the agent may show it;
- the money: a return's window and refund deadline, when the item was received and came
  back, the refunds and credits recorded.

A fixed number of queries, whatever the length of the ticket."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from zoneinfo import ZoneInfo

from guichet.desk.queries import due_state
from guichet.marketplace.models import (
    ContactRelease,
    Proposal,
    ReleaseStatus,
    Seller,
    SellerStatus,
    Strike,
    counting_strikes,
)
from guichet.sla.models import Deadline, DeadlineKind
from guichet.tickets.choices import Direction
from guichet.tickets.models import Message, Payment, Ticket
from guichet.tickets.services import release_allowed


@dataclass
class PartyDeadline:
    """A deadline of the seller or of a return, as the panel says it."""

    row: Deadline
    now: datetime
    zone: ZoneInfo

    @property
    def state(self) -> str:
        """ "met", "missed" (met late, or not met by its moment), "ended" (no longer applies),
        "paused", or the running deadline's "ok", "soon", "late"."""
        row = self.row
        if row.met_at is not None:
            return "missed" if row.breached else "met"
        if row.cancelled_at is not None:
            return "ended"
        if row.breached_at is not None:
            return "missed"
        if row.due_at is None:
            return "paused"
        return due_state(row.due_at, self.now)

    @property
    def warned(self) -> bool:
        return self.row.warned_at is not None and self.row.is_running

    @property
    def label(self) -> str:
        return str(DeadlineKind(self.row.kind).label)


@dataclass
class SellerSide:
    seller: Seller
    deadline: PartyDeadline | None  # the latest seller_response row: None until asked
    strikes: list[Strike]  # on this ticket, withdrawn ones too
    counting: int  # the seller's strikes that count (within the policy's window)
    threshold: int  # the policy's strikes_before_restriction
    proposals: list[Proposal]
    releases: list[ContactRelease]
    release_rule: str  # the policy's contact_release
    release_allowed: bool  # the policy gives the details as soon as the customer asks
    shareable: list[Message] = field(default_factory=list)  # the customer's messages

    @property
    def flagged(self) -> bool:
        """Restricted or terminated: shown on every one of its tickets."""
        return self.seller.status != SellerStatus.ACTIVE

    @property
    def pending(self) -> list[ContactRelease]:
        return [r for r in self.releases if r.status == ReleaseStatus.REQUESTED]

    @property
    def released(self) -> bool:
        return any(r.status == ReleaseStatus.RELEASED for r in self.releases)


def seller_side(ticket: Ticket, now: datetime) -> SellerSide | None:
    """The seller's panel of a marketplace ticket that names a seller; None otherwise."""
    market = ticket.brand.get_policy().marketplace
    seller = ticket.seller
    if market is None or seller is None:
        return None
    since = now - market.strikes_within.as_timedelta() if market.strikes_within else None
    row = (
        Deadline.objects.filter(ticket=ticket, kind=DeadlineKind.SELLER_RESPONSE)
        .order_by("-pk")
        .first()
    )
    zone = ZoneInfo(ticket.brand.timezone)
    return SellerSide(
        seller=seller,
        deadline=PartyDeadline(row, now, zone) if row is not None else None,
        strikes=list(
            Strike.objects.filter(ticket=ticket)
            .select_related("seller", "recorded_by", "withdrawn_by")
            .order_by("at", "pk")
        ),
        counting=counting_strikes(seller, since=since).count(),
        threshold=market.strikes_before_restriction,
        proposals=list(
            Proposal.objects.filter(ticket=ticket).select_related("seller").order_by("at", "pk")
        ),
        releases=list(
            ContactRelease.objects.filter(ticket=ticket)
            .select_related(
                "seller", "requested_by_contact", "requested_by_user", "decided_by_user"
            )
            .order_by("requested_at", "pk")
        ),
        release_rule=market.contact_release,
        release_allowed=release_allowed(ticket),
        shareable=shareable(ticket),
    )


def shareable(ticket: Ticket) -> list[Message]:
    """The customer's messages on the ticket, oldest first: those an agent may show the
    seller (`shared_with_seller_at` says which it already sees)."""
    return list(
        Message.objects.filter(ticket=ticket, direction=Direction.INBOUND, is_internal=False)
        .only("pk", "ticket_id", "created_at", "text", "subject", "shared_with_seller_at")
        .order_by("created_at", "pk")[:50]
    )


@dataclass
class MoneySide:
    returns: bool  # the brand's policy has [returns]
    currency: str  # the brand's, offered when recording money
    deadlines: list[PartyDeadline]  # the return window and the refund, latest of each
    payments: list[Payment]
    item_received_at: datetime | None
    item_returned_at: datetime | None


def money_side(ticket: Ticket, now: datetime) -> MoneySide:
    policy = ticket.brand.get_policy()
    zone = ZoneInfo(ticket.brand.timezone)
    latest: dict[str, Deadline] = {}
    for row in Deadline.objects.filter(
        ticket=ticket, kind__in=[DeadlineKind.RETURN_WINDOW, DeadlineKind.REFUND]
    ).order_by("pk"):
        latest[row.kind] = row
    return MoneySide(
        returns=policy.returns is not None,
        currency=policy.brand.currency or "",
        deadlines=[
            PartyDeadline(latest[kind], now, zone)
            for kind in (DeadlineKind.RETURN_WINDOW, DeadlineKind.REFUND)
            if kind in latest
        ],
        payments=list(
            Payment.objects.filter(ticket=ticket).select_related("recorded_by").order_by("at", "pk")
        ),
        item_received_at=ticket.item_received_at,
        item_returned_at=ticket.item_returned_at,
    )


def any_of(side: MoneySide) -> bool:
    """Whether the ticket has anything of money to show (beyond the form to record it)."""
    return bool(side.deadlines or side.payments or side.item_received_at or side.item_returned_at)
