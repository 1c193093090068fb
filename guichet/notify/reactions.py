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

And what the staff are told: a deadline approaching or missed (the assignee and the team
leads), a compliment forwarded to a team (its members).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from guichet.lib import clock
from guichet.notify.letters import compose, due_of, send_letter
from guichet.notify.models import LetterKind, OutboundEmail, StaffNotification
from guichet.notify.outbox import queue_emails
from guichet.notify.staff import Leads, notify_staff, staff_notifications, watchers
from guichet.sla.models import DeadlineKind
from guichet.tickets import reactions, services
from guichet.tickets.actors import System
from guichet.tickets.choices import ContactType, Outcome, Verb
from guichet.tickets.models import Event, Ticket
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
        due=event.data.get("due") or "",
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
