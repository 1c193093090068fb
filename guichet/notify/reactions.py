"""What the customer is told, in the transaction of the change that calls for it.

- a new request: the acknowledgement (IN-4), unless the channel does not acknowledge or the
  sender is a robot;
- a change of level: who handles it now, what happens next and when (SLA-5);
- "another person, please": who handles it now;
- a complaint closed: the written outcome, and after the final level the ombudsman's
  details where the brand has one (SLA-6), recorded as a referral;
- every letter and every reply by email: a row in the outbox.
"""

from __future__ import annotations

from datetime import timedelta

from guichet.lib import clock
from guichet.notify.letters import send_letter
from guichet.notify.models import LetterKind, OutboundEmail
from guichet.notify.outbox import queue_email
from guichet.tickets import reactions
from guichet.tickets.choices import ContactType, Outcome, Verb
from guichet.tickets.events import record_event
from guichet.tickets.models import Event, Ticket

DECIDED_TYPES = {ContactType.COMPLAINT, ContactType.DISPUTE}


def acknowledge(event: Event, ticket: Ticket) -> None:
    if not ticket.auto_acknowledge:
        return  # a silent channel, or a robot's mail
    policy = ticket.brand.get_policy()
    if too_many_automatic(ticket, policy.intake.auto_replies_per_sender_per_hour):
        return  # a loop with another robot, or a flood: stay silent (the ticket is kept)
    send_letter(ticket, LetterKind.ACKNOWLEDGEMENT)


def too_many_automatic(ticket: Ticket, per_hour: int) -> bool:
    """At most `per_hour` automatic emails to one address per hour."""
    address = ticket.contact.primary_email
    if not address:
        return False
    since = clock.now() - timedelta(hours=1)
    sent = OutboundEmail.objects.filter(
        brand_id=ticket.brand_id, to_address=address, automatic=True, created_at__gte=since
    ).count()
    return sent >= per_hour


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
        record_event(
            ticket=ticket,
            verb=Verb.OMBUDSMAN_REFERRED,
            label="policy",
            message=message,
            data={"ombudsman": policy.text(policy.ombudsman.short_name, "en")},
        )


def to_outbox(event: Event, ticket: Ticket) -> None:
    if event.message is not None:
        queue_email(event.message)


def register_all() -> None:
    reactions.register(Verb.OPENED, acknowledge)
    reactions.register(Verb.ESCALATED, tell_new_level)
    reactions.register(Verb.ASSIGNED, tell_new_person)
    reactions.register(Verb.CLOSED, tell_outcome)
    reactions.register(Verb.REPLIED, to_outbox)
