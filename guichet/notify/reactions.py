"""What the customer is told, in the transaction of the change that calls for it.

- a new request: the acknowledgement (IN-4), unless the channel does not acknowledge or the
  sender is a robot;
- a change of level: who handles it now, what happens next and when (SLA-5);
- "another person, please": who handles it now;
- a complaint closed: the written outcome, and after the final level the ombudsman's
  details where the brand has one (SLA-6), recorded as a referral;
- a request merged into another: the reference that now follows it;
- every letter and every reply by email: a row in the outbox.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

from django.db.models import Count

from guichet.lib import clock
from guichet.notify.letters import compose, due_of, send_letter
from guichet.notify.models import LetterKind, OutboundEmail
from guichet.notify.outbox import queue_emails
from guichet.tickets import reactions
from guichet.tickets.choices import ContactType, Outcome, Verb
from guichet.tickets.events import record_event
from guichet.tickets.models import Event, Ticket

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
        record_event(
            ticket=ticket,
            verb=Verb.OMBUDSMAN_REFERRED,
            label="policy",
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


def to_outbox(replies: list[tuple[Event, Ticket]]) -> None:
    queue_emails([event.message for event, _ in replies if event.message is not None])


def register_all() -> None:
    reactions.acknowledge_with(Acknowledgements())
    reactions.register(Verb.ESCALATED, tell_new_level)
    reactions.register(Verb.ASSIGNED, tell_new_person)
    reactions.register(Verb.CLOSED, tell_outcome)
    reactions.register(Verb.MERGED, tell_merged)
    reactions.register_many(Verb.REPLIED, to_outbox)
