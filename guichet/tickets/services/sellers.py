"""The seller's side of a ticket (docs/marketplace.md; docs/requirements.md MK-1 to MK-3).

An agent writes to the seller on the customer's behalf (`seller_contact`), choosing which
of the customer's messages the seller may see; the seller answers by email or on the
seller portal (`seller_receive`), possibly proposing a resolution. None of this reaches
the customer unless an agent passes it on (`seller_answer_share`). The seller's deadline
runs from the moment it is asked (`Ticket.seller_asked_at`) until it answers; a seller
that lets it pass gets a strike (`strike_record`, the watcher's breach), and at the
policy's threshold it is restricted (`seller_set_status`, which a manager also uses to
reinstate or terminate). A customer may ask for the seller's direct contact details
(`contact_release_request`), released as the policy's `contact_release` rule says.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, require
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import (
    ContactRelease,
    Proposal,
    ProposalKind,
    ReleaseStatus,
    Seller,
    SellerStatus,
    SellerStatusChange,
    Strike,
    StrikeReason,
    counting_strikes,
)
from guichet.tickets.actors import Customer, SellerParty, System, require_staff
from guichet.tickets.choices import OPEN_STATUSES, Channel, Direction, Status, Verb
from guichet.tickets.events import (
    on_seller_status_committed as on_seller_status_committed,  # the services' name for it
)
from guichet.tickets.events import seller_status_listeners
from guichet.tickets.models import Attachment, Message, Ticket
from guichet.tickets.services.change import Change, changing, changing_all
from guichet.tickets.services.checks import check_same_brand
from guichet.tickets.services.messages import new_message, new_message_id
from guichet.tickets.services.money import check_money
from guichet.tickets.services.replies import replied

POLICY = System("policy")

# Told after commit when a seller's status changed: (seller id, SellerStatusChange id).
# The API's webhooks listen (`seller.restricted`, `seller.reinstated`, `seller.terminated`).
_status_listeners = seller_status_listeners


def _market(ticket: Ticket) -> None:
    if ticket.brand.get_policy().marketplace is None:
        raise InvalidRequest(_("This brand has no sellers."), code="not_a_marketplace")


def _seller_of(ticket: Ticket) -> Seller:
    _market(ticket)
    if ticket.seller is None:
        raise InvalidRequest(_("No seller is named on this ticket."), code="no_seller")
    return ticket.seller


def seller_reachable(seller: Seller) -> bool:
    return bool(seller.email) or seller.people.filter(is_active=True).exists()


# --- writing to the seller, and its answers -------------------------------------------------


def seller_contact(
    *,
    ticket: Ticket,
    actor: User,
    text: str,
    html: str = "",
    attachments: Sequence[Attachment] = (),
    share: Sequence[Message] = (),
    expected_revision: int | None = None,
) -> Message:
    """Write to the ticket's seller on the customer's behalf; the seller is emailed with
    a link to its portal (notify's reaction to SELLER_CONTACTED). The customer's messages
    in `share` become visible to the seller, with their attachments — nothing else of the
    customer is. The seller's deadline starts unless one is already running: writing again
    to a seller that has not answered does not give it more time."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        require_staff(actor, Action.CONTACT_SELLER, brand=ticket.brand, level=ticket.level)
        seller = _seller_of(ticket)
        if seller.status == SellerStatus.TERMINATED:
            raise InvalidRequest(
                _("This seller's account is terminated: it can no longer be contacted."),
                code="seller_terminated",
            )
        if not seller_reachable(seller):
            raise InvalidRequest(
                _("This seller has no email address and no person who may sign in."),
                code="seller_unreachable",
            )
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(
                _("This ticket is closed: reopen it before writing to the seller."),
                code="closed",
            )
        shared = _share(change, seller, share)
        message = new_message(
            change,
            direction=Direction.OUTBOUND,
            channel=Channel.EMAIL,
            text=text,
            html=html,
            subject=ticket.subject,
            author_user=actor,
            internal=True,
            seller=seller,
            external_id=new_message_id(ticket),
            attachments=attachments,
        )
        pending = ticket.seller_asked_at is not None and (
            ticket.seller_answered_at is None or ticket.seller_answered_at < ticket.seller_asked_at
        )
        if not pending:
            change.set(seller_asked_at=change.now)
        if ticket.status in (Status.NEW, Status.OPEN):
            previous = ticket.status
            change.set_status(Status.WAITING_THIRD_PARTY)
            change.record(
                Verb.STATUS_CHANGED,
                data={"from": previous, "to": Status.WAITING_THIRD_PARTY, "reason": "seller"},
            )
        change.record(
            Verb.SELLER_CONTACTED,
            message=message,
            data={"seller": seller.pk, "shared": shared, "follow_up": pending},
        )
    return message


def seller_share(*, ticket: Ticket, actor: User, messages: Sequence[Message]) -> list[int]:
    """Show more of the customer's messages to the seller (with their attachments)."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.CONTACT_SELLER, brand=ticket.brand, level=ticket.level)
        return _share(change, _seller_of(ticket), messages)


def _share(change: Change, seller: Seller, messages: Sequence[Message]) -> list[int]:
    shared = []
    for message in messages:
        if (
            message.ticket_id != change.ticket.pk
            or message.is_internal
            or message.direction != Direction.INBOUND
        ):
            raise InvalidRequest(
                _("Only the customer's messages on this ticket can be shown to the seller."),
                code="share",
            )
        if message.shared_with_seller_at is not None:
            continue
        Message.objects.filter(pk=message.pk).update(shared_with_seller_at=change.now)
        message.shared_with_seller_at = change.now
        change.record(Verb.SHARED_WITH_SELLER, message=message, data={"seller": seller.pk})
        shared.append(message.pk)
    return shared


def seller_receive(
    *,
    ticket: Ticket,
    party: SellerParty,
    text: str,
    html: str = "",
    channel: str = Channel.EMAIL,
    external_id: str = "",
    references: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
    proposal: str = "",
    reason: str = "",
    amount: Decimal | str | None = None,
    currency: str = "",
    received_at: datetime | None = None,
) -> Message:
    """The seller's message on a ticket that involves it (by email or the portal), with the
    resolution it proposes if any (refund, replacement, repair, or a refusal with its
    reason). It meets the seller's deadline and stays on the seller's side: the customer
    sees it only if an agent passes it on. A terminated seller is no longer heard."""
    seller = party.seller
    with changing(ticket, party, at=received_at) as change:
        check_same_brand(ticket.brand, seller)
        if ticket.seller_id != seller.pk:
            raise InvalidRequest(_("Not found."), code="not_found")
        if seller.status == SellerStatus.TERMINATED:
            raise InvalidRequest(
                _("This seller's account is terminated."), code="seller_terminated"
            )
        checked = _check_proposal(ticket, proposal, reason, amount, currency)
        message = new_message(
            change,
            direction=Direction.INBOUND,
            channel=channel,
            text=text,
            html=html,
            internal=True,
            seller=seller,
            seller_person=party.person,
            external_id=external_id,
            references=references,
            attachments=attachments,
        )
        data: dict[str, object] = {"seller": seller.pk, "channel": channel}
        if checked is not None:
            kind, amount_value, currency = checked
            Proposal.objects.create(
                brand_id=ticket.brand_id,
                ticket=ticket,
                seller=seller,
                message=message,
                kind=kind,
                reason=reason.strip(),
                amount=amount_value,
                currency=currency,
                at=change.now,
            )
            data["proposal"] = kind
            if amount_value is not None:
                data["amount"] = str(amount_value)
                data["currency"] = currency
        change.set(seller_answered_at=change.now)
        if ticket.status == Status.WAITING_THIRD_PARTY:
            change.set_status(Status.OPEN)
            change.record(
                Verb.STATUS_CHANGED,
                data={"from": Status.WAITING_THIRD_PARTY, "to": Status.OPEN, "reason": "seller"},
            )
        change.record(Verb.SELLER_ANSWERED, message=message, data=data)
    return message


def _check_proposal(
    ticket: Ticket, proposal: str, reason: str, amount: Decimal | str | None, currency: str
) -> tuple[str, Decimal | None, str] | None:
    if not proposal:
        return None
    if proposal not in ProposalKind.values:
        raise InvalidRequest(
            _("“%(value)s” is not a valid choice."), code="proposal", value=proposal
        )
    if proposal == ProposalKind.REFUSAL and not reason.strip():
        raise InvalidRequest(_("Say why you refuse."), code="reason")
    if amount in (None, ""):
        return proposal, None, ""
    value, currency = check_money(ticket.brand, amount, currency)
    return proposal, value, currency


def seller_answer_share(
    *,
    ticket: Ticket,
    actor: User,
    message: Message,
    text: str,
    html: str = "",
    expected_revision: int | None = None,
) -> Message:
    """Pass a seller's answer on to the customer: a reply written by the agent (the
    seller's words quoted as the agent chooses), recorded with the answer it passes on."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        require_staff(actor, Action.REPLY, brand=ticket.brand, level=ticket.level)
        if message.ticket_id != ticket.pk or message.seller_id is None:
            raise InvalidRequest(_("Not found."), code="not_found")
        if message.direction != Direction.INBOUND:
            raise InvalidRequest(_("Only the seller's answers can be passed on."), code="share")
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(
                _("This ticket is closed: reopen it before replying."), code="closed"
            )
        reply = new_message(
            change,
            direction=Direction.OUTBOUND,
            channel=ticket.channel,
            text=text,
            html=html,
            subject=ticket.subject,
            author_user=actor,
        )
        replied(change, full_answer=False, automatic=False, status_after=None)
        change.record(
            Verb.SELLER_ANSWER_SHARED,
            message=reply,
            data={"seller": message.seller_id, "seller_message": message.pk},
        )
        change.record(
            Verb.REPLIED,
            message=reply,
            data={"automatic": False, "letter": "", "channel": reply.channel, "full_answer": False},
        )
    return reply


# --- strikes and the seller's status ------------------------------------------------------


def strike_record(
    *,
    ticket: Ticket,
    actor: User | System,
    reason: str,
    note: str = "",
    due_at: datetime | None = None,
) -> Strike | None:
    """A strike against the ticket's seller: at a missed deadline (the watcher, `due_at`
    naming it: recorded once), or by an agent for a refusal to cooperate. At the policy's
    threshold (counted within its window, if any) an active seller is restricted. None if
    the ticket no longer names a seller or this deadline already has its strike."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.CONTACT_SELLER, brand=ticket.brand, level=ticket.level)
        if reason not in StrikeReason.values:
            raise InvalidRequest(
                _("“%(value)s” is not a valid choice."), code="reason", value=reason
            )
        if isinstance(actor, User) and not note.strip():
            raise InvalidRequest(_("Say what the seller refused."), code="note")
        market = ticket.brand.get_policy().marketplace
        seller = ticket.seller
        if market is None or seller is None:
            return None
        if due_at is not None and Strike.objects.filter(ticket=ticket, due_at=due_at).exists():
            return None
        strike = Strike.objects.create(
            brand_id=ticket.brand_id,
            seller=seller,
            ticket=ticket,
            reason=reason,
            note=note.strip(),
            due_at=due_at,
            recorded_by=actor if isinstance(actor, User) else None,
            at=change.now,
        )
        since = None
        if market.strikes_within is not None:
            since = change.now - market.strikes_within.as_timedelta()
        count = counting_strikes(seller, since=since).count()
        change.record(
            Verb.STRIKE_RECORDED,
            data={
                "seller": seller.pk,
                "strike": strike.pk,
                "reason": reason,
                "count": count,
                "threshold": market.strikes_before_restriction,
            },
        )
    if count >= market.strikes_before_restriction and seller.status == SellerStatus.ACTIVE:
        # Stored as a manager's reason is: words, in the brand's language.
        with translation.override(ticket.brand.default_language):
            reason = str(_("%(count)s strikes, the policy's threshold.") % {"count": count})
        _status(
            seller,
            SellerStatus.RESTRICTED,
            reason=reason,
            actor=POLICY,
            strike=strike,
            at=change.now,
        )
    return strike


def strike_withdraw(*, strike: Strike, actor: User, reason: str) -> Strike:
    """A manager withdraws a strike, saying why; it is kept and no longer counts. A seller
    restricted by it stays restricted until a manager reinstates it."""
    require(actor, Action.MANAGE_SELLERS, brand=strike.seller.brand)
    if not reason.strip():
        raise InvalidRequest(_("Say why the strike is withdrawn."), code="reason")
    ticket = strike.ticket
    with changing(ticket, actor) as change:
        strike = Strike.objects.select_for_update().get(pk=strike.pk)
        if strike.withdrawn_at is not None:
            raise InvalidRequest(_("This strike was already withdrawn."), code="withdrawn")
        strike.withdrawn_at = change.now
        strike.withdrawn_by = actor
        strike.withdrawal_reason = reason.strip()
        strike.save(update_fields=["withdrawn_at", "withdrawn_by", "withdrawal_reason"])
        change.record(
            Verb.STRIKE_WITHDRAWN,
            data={"seller": strike.seller_id, "strike": strike.pk, "reason": reason.strip()},
        )
    return strike


_MOVES = {
    SellerStatus.ACTIVE: {SellerStatus.RESTRICTED, SellerStatus.TERMINATED},
    SellerStatus.RESTRICTED: {SellerStatus.ACTIVE, SellerStatus.TERMINATED},
    SellerStatus.TERMINATED: {SellerStatus.ACTIVE},
}


def seller_set_status(
    *, seller: Seller, actor: User, status: str, reason: str
) -> SellerStatusChange:
    """A manager's decision on a seller: restrict, reinstate (back to active) or terminate,
    with its reason. Recorded in the seller's history, on each of its open tickets, and
    announced by webhook."""
    require(actor, Action.MANAGE_SELLERS, brand=seller.brand)
    if status not in SellerStatus.values:
        raise InvalidRequest(_("“%(value)s” is not a valid choice."), code="status", value=status)
    if not reason.strip():
        raise InvalidRequest(_("Say why."), code="reason")
    if status not in _MOVES[SellerStatus(seller.status)]:
        raise InvalidRequest(
            _("This seller is already %(status)s.")
            % {"status": SellerStatus(seller.status).label.lower()},
            code="status",
        )
    return _status(seller, status, reason=reason.strip(), actor=actor, at=clock.now())


def _status(
    seller: Seller,
    status: str,
    *,
    reason: str,
    actor: User | System,
    at: datetime,
    strike: Strike | None = None,
) -> SellerStatusChange:
    with brand_scope(seller.brand_id), transaction.atomic():
        locked = Seller.objects.select_for_update().get(pk=seller.pk)
        previous = locked.status
        locked.status = status
        locked.status_changed_at = at
        locked.save(update_fields=["status", "status_changed_at"])
        seller.status, seller.status_changed_at = status, at
        change = SellerStatusChange.objects.create(
            brand_id=seller.brand_id,
            seller=seller,
            from_status=previous,
            to_status=status,
            reason=reason,
            actor_user=actor if isinstance(actor, User) else None,
            strike=strike,
            at=at,
        )
        tickets = list(
            Ticket.objects.filter(seller=seller, status__in=OPEN_STATUSES).order_by("pk")
        )
        data = {"seller": seller.pk, "from": previous, "to": status, "reason": reason}
        if tickets:
            with changing_all(tickets, actor, at=at) as changes:
                for each in changes:
                    each.record(Verb.SELLER_STATUS_CHANGED, data=data)
        transaction.on_commit(
            lambda: [listener(seller.pk, change.pk) for listener in _status_listeners],
            robust=True,
        )
    return change


# --- the seller's direct contact details (MK-3) ------------------------------------------


def release_allowed(ticket: Ticket) -> bool:
    """Whether the policy lets the customer have the seller's details now, as soon as
    asked: always ("on_request"), never, or once the seller was asked and let its
    deadline pass or refused ("after_seller_contacted")."""
    market = ticket.brand.get_policy().marketplace
    if market is None or ticket.seller is None or market.contact_release == "never":
        return False
    if market.contact_release == "on_request":
        return True
    if ticket.seller_asked_at is None:
        return False
    missed = Strike.objects.filter(
        ticket=ticket, seller=ticket.seller, withdrawn_at__isnull=True
    ).exists()
    refused = Proposal.objects.filter(
        ticket=ticket, seller=ticket.seller, kind=ProposalKind.REFUSAL
    ).exists()
    return missed or refused


def contact_details(seller: Seller) -> dict[str, str]:
    """What a release gives the customer: the seller's names and direct contact details."""
    details = {
        "name": seller.name,
        "legal_name": seller.legal_name,
        "email": seller.email,
        "phone": seller.phone,
        "address": seller.address,
    }
    return {key: value for key, value in details.items() if value}


def contact_release_request(*, ticket: Ticket, actor: Customer | User) -> ContactRelease:
    """The customer asks for the seller's direct contact details (in the portal, or an agent
    records the request for them, or an agent gives them). Logged; released at once when
    the policy allows it now (by the policy, or by the agent who asks), else it waits for an
    agent's decision. The customer receives the details by letter."""
    with changing(ticket, actor) as change:
        if isinstance(actor, Customer):
            if actor.contact.pk != ticket.contact_id:
                raise InvalidRequest(
                    _("Only the customer of the ticket can ask for this."), code="contact"
                )
            if actor.recorded_by is not None:
                require(actor.recorded_by, Action.CONTACT_SELLER, brand=ticket.brand)
        else:
            require(actor, Action.CONTACT_SELLER, brand=ticket.brand)
        seller = _seller_of(ticket)
        market = ticket.brand.get_policy().marketplace
        assert market is not None
        if market.contact_release == "never":
            raise InvalidRequest(
                _("This brand does not give out its sellers' contact details."),
                code="release_never",
            )
        pending = ContactRelease.objects.filter(
            ticket=ticket, seller=seller, status=ReleaseStatus.REQUESTED
        ).first()
        if pending is not None:
            release = pending
        elif ContactRelease.objects.filter(
            ticket=ticket, seller=seller, status=ReleaseStatus.RELEASED
        ).exists() and isinstance(actor, Customer):
            raise InvalidRequest(
                _("The seller's contact details were already sent to you."), code="released"
            )
        else:
            release = ContactRelease.objects.create(
                brand_id=ticket.brand_id,
                ticket=ticket,
                seller=seller,
                requested_by_contact=ticket.contact if isinstance(actor, Customer) else None,
                requested_by_user=(actor if isinstance(actor, User) else actor.recorded_by),
                requested_at=change.now,
            )
            change.record(
                Verb.CONTACT_DETAILS_REQUESTED, data={"seller": seller.pk, "release": release.pk}
            )
        if isinstance(actor, User):
            _decide(change, release, actor, give=True, reason="")
        elif release_allowed(ticket):
            _decide(change, release, POLICY, give=True, reason="")
    return release


def contact_release_decide(
    *, release: ContactRelease, actor: User, give: bool, reason: str = ""
) -> ContactRelease:
    """An agent decides on a customer's pending request: release the details, or refuse
    with a reason the customer is told."""
    ticket = release.ticket
    with changing(ticket, actor) as change:
        require(actor, Action.CONTACT_SELLER, brand=ticket.brand)
        release = ContactRelease.objects.select_for_update().get(pk=release.pk)
        if release.status != ReleaseStatus.REQUESTED:
            raise InvalidRequest(_("This request was already decided."), code="decided")
        if not give and not reason.strip():
            raise InvalidRequest(_("Say why the details are not given."), code="reason")
        _decide(change, release, actor, give=give, reason=reason.strip())
    return release


def _decide(
    change: Change, release: ContactRelease, actor: User | System, *, give: bool, reason: str
) -> None:
    release.decided_at = change.now
    release.decided_by_user = actor if isinstance(actor, User) else None
    release.decided_by_label = actor.label if isinstance(actor, System) else ""
    if give:
        release.status = ReleaseStatus.RELEASED
        release.details = contact_details(release.seller)
    else:
        release.status = ReleaseStatus.REFUSED
        release.refusal_reason = reason
    release.save()
    verb = Verb.CONTACT_DETAILS_RELEASED if give else Verb.CONTACT_DETAILS_REFUSED
    data: dict[str, object] = {"seller": release.seller_id, "release": release.pk}
    if give:
        data["details"] = sorted(release.details)
    else:
        data["reason"] = reason
    change.record(verb, data=data, actor=actor)
