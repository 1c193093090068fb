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

from guichet.notify.letters import send_letter
from guichet.notify.models import LetterKind
from guichet.notify.outbox import queue_email
from guichet.tickets import reactions
from guichet.tickets.choices import ContactType, Outcome, Verb
from guichet.tickets.events import record_event
from guichet.tickets.models import Event, Ticket

DECIDED_TYPES = {ContactType.COMPLAINT, ContactType.DISPUTE}


def acknowledge(event: Event, ticket: Ticket) -> None:
    if not event.data.get("acknowledge", True):
        return
    channel = ticket.brand.get_policy().channel(ticket.channel)
    if channel is not None and not channel.acknowledge:
        return
    send_letter(ticket, LetterKind.ACKNOWLEDGEMENT)


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
