"""What the customer is told, in the transaction of the change that calls for it.

- a new request: the acknowledgement (IN-4), unless the channel does not acknowledge or the
  sender is a robot;
- a change of level: who handles it now, what happens next and when (SLA-5);
- "another person, please": who handles it now;
- a complaint closed: the written outcome, and after the final level the ombudsman's
  details where the brand has one (SLA-6), recorded as a referral;
- a request merged into another: the reference that now follows it;
- a deadline about to be missed (the delay letter's moment): the delay letter (SLA-5);
- every letter and every reply by email: a row in the outbox.

- a marketplace dispute: the seller's contact details released (what was given) or refused
  (why); a refund or credit recorded (how much, why).

And what the staff are told: a deadline approaching or missed (the assignee and the team
leads), a compliment forwarded to a team (its members); of a dispute's seller: a strike
(the assignee and the team leads), its answer (the assignee), a change of its status (once
per change to each person, with their tickets it is on), the customer's request for its
contact details when an agent must decide.

What the seller is told is in `sellers.py`.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from guichet.lib import clock
from guichet.marketplace.models import (
    ContactRelease,
    ProposalKind,
    ReleaseStatus,
    Seller,
    SellerStatus,
    StrikeReason,
)
from guichet.notify import staff_events
from guichet.notify.letters import Amount, compose, due_of, send_letter
from guichet.notify.models import LetterKind, OutboundEmail, StaffNotification
from guichet.notify.outbox import queue_emails
from guichet.notify.sellers import remind_seller, tell_seller
from guichet.notify.staff import Leads, notify_staff, staff_notifications, watchers
from guichet.sla.models import DeadlineKind
from guichet.tickets import reactions, services
from guichet.tickets.actors import System
from guichet.tickets.choices import ContactType, Outcome, Verb
from guichet.tickets.models import Event, MoneyKind, Ticket
from guichet.tickets.queries import team_members

DECIDED_TYPES = {ContactType.COMPLAINT, ContactType.DISPUTE}


class Acknowledgements:
    """The acknowledgement (IN-4) of new tickets, written with their opening."""

    def select(self, tickets: Sequence[Ticket]) -> list[Ticket]:
        """At most the policy's number of automatic emails to one address per hour (a loop
        with another robot, or a flood, gets silence; the ticket is kept)."""
        if not tickets:
            return []
        since = clock.now() - timedelta(hours=1)
        addresses = {t.contact.primary_email for t in tickets} - {""}
        sent = dict(
            OutboundEmail.objects.filter(
                brand_id=tickets[0].brand_id,
                to_address__in=addresses,
                automatic=True,
                created_at__gte=since,
            )
            .values("to_address")
            .annotate(n=Count("pk"))
            .values_list("to_address", "n")
        )
        chosen = []
        for ticket in tickets:
            address = ticket.contact.primary_email
            limit = ticket.brand.get_policy().intake.auto_replies_per_sender_per_hour
            if address and sent.get(address, 0) >= limit:
                continue
            sent[address] = sent.get(address, 0) + 1
            chosen.append(ticket)
        return chosen

    def compose(self, ticket: Ticket) -> tuple[str, str]:
        return compose(ticket, LetterKind.ACKNOWLEDGEMENT)


def tell_new_level(event: Event, ticket: Ticket) -> None:
    if not ticket.brand.get_policy().escalation.notify_customer:
        return
    send_letter(
        ticket,
        LetterKind.LEVEL_CHANGED,
        {"requested": "yes" if event.data.get("trigger") == "customer" else ""},
    )


def tell_new_person(event: Event, ticket: Ticket) -> None:
    if event.data.get("trigger") != "another_person":
        return
    handler = ticket.assignee.first_name if ticket.assignee else ""
    send_letter(ticket, LetterKind.REASSIGNED, {"handler": handler})


def tell_outcome(event: Event, ticket: Ticket) -> None:
    if not ticket.outcome or ticket.contact_type not in DECIDED_TYPES:
        return
    if ticket.outcome == Outcome.WITHDRAWN and event.actor_contact_id:
        return  # the customer withdrew it themselves
    send_letter(ticket, LetterKind.OUTCOME, {"summary": event.data.get("summary", "")})
    policy = ticket.brand.get_policy()
    if (
        policy.ombudsman
        and ticket.level == policy.final_level
        and ticket.outcome != Outcome.WITHDRAWN
    ):
        message = send_letter(ticket, LetterKind.OMBUDSMAN)
        services.ticket_record(
            ticket=ticket,
            actor=System("policy"),
            verb=Verb.OMBUDSMAN_REFERRED,
            message=message,
            data={"ombudsman": policy.text(policy.ombudsman.short_name, "en")},
        )


def tell_merged(event: Event, ticket: Ticket) -> None:
    """`ticket` is the one merged into: the customer's other request now goes on here."""
    due = due_of(ticket, "level", "full_answer", "resolution")
    send_letter(
        ticket,
        LetterKind.MERGED,
        {
            "merged_reference": event.data.get("from", ""),
            "merged_subject": event.data.get("subject", ""),
            "next_due": due or "",
        },
    )


def send_delay_letter(event: Event, ticket: Ticket) -> None:
    """The watcher moved the protected deadline: the customer is told why and when."""
    data = event.data
    send_letter(
        ticket,
        LetterKind.DELAY,
        {
            "previous_due": datetime.fromisoformat(data["previous_due"]),
            "new_due": datetime.fromisoformat(data["new_due"]),
            "reason": data["reason"],
        },
    )


def warn_staff(event: Event, ticket: Ticket) -> None:
    notify_staff(
        ticket,
        watchers(ticket, {}),
        "deadline_warning",
        _("%(reference)s: the deadline “%(deadline)s” falls on %(due)s."),
        reference=ticket.reference,
        deadline=_deadline_name(event),
        due=datetime.fromisoformat(event.data["due"]) if event.data.get("due") else "",
    )


def tell_staff_of_breaches(breaches: list[tuple[Event, Ticket]]) -> None:
    """One notification per breach to each watcher, in one statement for a batch."""
    leads: Leads = {}
    notes = []
    for event, ticket in breaches:
        notes += staff_notifications(
            ticket,
            watchers(ticket, leads),
            "deadline_breached",
            _("%(reference)s: the deadline “%(deadline)s” was missed."),
            reference=ticket.reference,
            deadline=_deadline_name(event),
        )
    StaffNotification.objects.bulk_create(notes)


def _deadline_name(event: Event) -> object:
    """The deadline's name (translated when shown) from its event's data."""
    kind = event.data.get("kind", "")
    return DeadlineKind(kind).label if kind in DeadlineKind.values else kind


def forward_compliment(event: Event, ticket: Ticket) -> None:
    """A compliment thanked and forwarded (EJ): each member of the team is told."""
    notify_staff(
        ticket,
        team_members(ticket.brand_id, event.data["team_id"]),
        "compliment",
        _("A customer's compliment for your team, %(reference)s: “%(subject)s”"),
        reference=ticket.reference,
        subject=ticket.subject,
    )


# --- marketplace disputes: the customer's letters -------------------------------------------


def tell_contact_released(event: Event, ticket: Ticket) -> None:
    """The seller's direct contact details, as the release gave them (MK-3)."""
    release = ContactRelease.objects.filter(pk=event.data.get("release")).first()
    if release is None:
        return
    details = release.details
    send_letter(
        ticket,
        LetterKind.CONTACT_RELEASED,
        {
            f"seller_{key}": details.get(key, "")
            for key in ("name", "legal_name", "email", "phone", "address")
        },
    )


def tell_contact_refused(event: Event, ticket: Ticket) -> None:
    send_letter(
        ticket, LetterKind.CONTACT_REFUSED, {"refusal_reason": event.data.get("reason", "")}
    )


def tell_payment(event: Event, ticket: Ticket) -> None:
    """A refund or a credit recorded (CL-2): how much, and why."""
    data = event.data
    send_letter(
        ticket,
        LetterKind.PAYMENT,
        {
            "amount": Amount(Decimal(data["amount"]), data["currency"]),
            "is_credit": "yes" if data.get("kind") == MoneyKind.CREDIT else "",
            "payment_reason": data.get("reason", ""),
        },
    )


# --- marketplace disputes: the staff --------------------------------------------------------


def _seller_name(ticket: Ticket, seller_id: Any) -> str:
    if ticket.seller_id is not None and ticket.seller_id == seller_id and ticket.seller:
        return ticket.seller.name
    return Seller.objects.filter(pk=seller_id).values_list("name", flat=True).first() or ""


def tell_staff_of_strike(event: Event, ticket: Ticket) -> None:
    """The assignee and the team leads: the seller missed its deadline (or refused), and
    how many strikes it has of those that restrict it."""
    data = event.data
    if data.get("reason") == StrikeReason.NO_ANSWER:
        message = _(
            "%(reference)s: the seller %(seller)s did not answer by its deadline: a strike,"
            " %(count)s of the %(threshold)s that restrict it."
        )
    else:
        message = _(
            "%(reference)s: a strike against the seller %(seller)s (refused to cooperate),"
            " %(count)s of the %(threshold)s that restrict it."
        )
    notify_staff(
        ticket,
        watchers(ticket, {}),
        "seller_strike",
        message,
        reference=ticket.reference,
        seller=_seller_name(ticket, data.get("seller")),
        count=data.get("count", ""),
        threshold=data.get("threshold", ""),
    )


def tell_assignee_seller_answered(event: Event, ticket: Ticket) -> None:
    """The assignee (the team leads of an unassigned ticket): the seller answered, and the
    resolution it proposes if any."""
    people = [ticket.assignee] if ticket.assignee else watchers(ticket, {})
    proposal = event.data.get("proposal")
    params: dict[str, Any] = {
        "reference": ticket.reference,
        "seller": _seller_name(ticket, event.data.get("seller")),
    }
    if proposal in ProposalKind.values:
        message = _("%(reference)s: the seller %(seller)s answered; it proposes: %(proposal)s.")
        params["proposal"] = ProposalKind(proposal).label
    else:
        message = _("%(reference)s: the seller %(seller)s answered.")
    notify_staff(ticket, people, "seller_answered", message, **params)


_STATUS_MESSAGES = {
    SellerStatus.RESTRICTED: _(
        "The seller %(seller)s is restricted (%(reason)s). Your open tickets with it:"
        " %(references)s."
    ),
    SellerStatus.ACTIVE: _(
        "The seller %(seller)s is reinstated (%(reason)s). Your open tickets with it:"
        " %(references)s."
    ),
    SellerStatus.TERMINATED: _(
        "The seller %(seller)s is terminated (%(reason)s). Your open tickets with it:"
        " %(references)s."
    ),
}


def tell_staff_of_seller_status(changes: list[tuple[Event, Ticket]]) -> None:
    """A seller's status changed: it is recorded on each of its open tickets, but each
    person (assignee, team leads) is told once per change, with their tickets it is on."""
    leads: Leads = {}
    groups: dict[tuple[Any, ...], list[Ticket]] = {}
    for event, ticket in changes:
        data = event.data
        key = (ticket.brand_id, data.get("seller"), data.get("from"), data.get("to"))
        groups.setdefault((*key, data.get("reason", "")), []).append(ticket)
    notes = []
    for (_brand, seller_id, _from, to, reason), tickets in groups.items():
        message = _STATUS_MESSAGES.get(to)
        if message is None:
            continue
        seller = _seller_name(tickets[0], seller_id)
        theirs: dict[int, tuple[Any, list[Ticket]]] = {}
        for ticket in tickets:
            for user in watchers(ticket, leads):
                theirs.setdefault(user.pk, (user, []))[1].append(ticket)
        for user, watched in theirs.values():
            watched.sort(key=lambda t: t.reference)
            notes += staff_notifications(
                watched[0],
                [user],
                "seller_status",
                message,
                seller=seller,
                reason=reason.strip().rstrip("."),
                references=", ".join(t.reference for t in watched),
            )
    StaffNotification.objects.bulk_create(notes)


def tell_staff_of_release_request(event: Event, ticket: Ticket) -> None:
    """The customer asked for the seller's contact details and the policy does not release
    them by itself: the assignee and the team leads decide."""
    release = ContactRelease.objects.filter(pk=event.data.get("release")).first()
    if release is None or release.status != ReleaseStatus.REQUESTED:
        return  # released at once (by the policy, or by the agent who asked)
    notify_staff(
        ticket,
        watchers(ticket, {}),
        "contact_details_requested",
        _(
            "%(reference)s: the customer asks for the seller's contact details;"
            " an agent decides whether to give them."
        ),
        reference=ticket.reference,
    )


def to_outbox(replies: list[tuple[Event, Ticket]]) -> None:
    queue_emails([event.message for event, _ in replies if event.message is not None])


def register_all() -> None:
    reactions.acknowledge_with(Acknowledgements())
    reactions.register(Verb.ESCALATED, tell_new_level)
    reactions.register(Verb.ASSIGNED, tell_new_person)
    reactions.register(Verb.CLOSED, tell_outcome)
    reactions.register(Verb.MERGED, tell_merged)
    reactions.register(Verb.DELAY_LETTER_SENT, send_delay_letter)
    reactions.register(Verb.DEADLINE_WARNED, warn_staff)
    reactions.register_many(Verb.DEADLINE_BREACHED, tell_staff_of_breaches)
    reactions.register(Verb.FORWARDED, forward_compliment)
    reactions.register_many(Verb.REPLIED, to_outbox)
    # Marketplace disputes (docs/marketplace.md).
    reactions.register(Verb.SELLER_CONTACTED, tell_seller)
    reactions.register(Verb.DEADLINE_WARNED, remind_seller)
    reactions.register(Verb.SELLER_ANSWERED, tell_assignee_seller_answered)
    reactions.register(Verb.STRIKE_RECORDED, tell_staff_of_strike)
    reactions.register_many(Verb.SELLER_STATUS_CHANGED, tell_staff_of_seller_status)
    reactions.register(Verb.CONTACT_DETAILS_REQUESTED, tell_staff_of_release_request)
    reactions.register(Verb.CONTACT_DETAILS_RELEASED, tell_contact_released)
    reactions.register(Verb.CONTACT_DETAILS_REFUSED, tell_contact_refused)
    reactions.register(Verb.PAYMENT_RECORDED, tell_payment)
    # What else the staff are told (staff_events.py).
    reactions.register(Verb.ASSIGNED, staff_events.tell_new_assignee)
    reactions.register(Verb.ESCALATED, staff_events.tell_level_handlers)
    reactions.register(Verb.EMAIL_BOUNCED, staff_events.tell_bounce)
