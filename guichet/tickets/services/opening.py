"""Opening tickets: a customer's first message becomes a request with its reference, its
deadlines, its events and — unless the channel is silent or the sender a robot — its
acknowledgement."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any, Required, TypedDict, Unpack

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.permissions import Action
from guichet.brands.models import Brand, team_id_for
from guichet.contacts.models import Contact
from guichet.contacts.services import contacts_held
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller
from guichet.tickets import reactions
from guichet.tickets.actors import SYSTEM, Actor, Customer, require_staff
from guichet.tickets.choices import Channel, Complexity, Direction, Priority, Status, Verb
from guichet.tickets.models import Attachment, Event, Message, Ticket
from guichet.tickets.references import next_references
from guichet.tickets.services.change import Change, settle
from guichet.tickets.services.checks import (
    check_category,
    check_choice,
    check_contact_type,
    check_language,
    check_same_brand,
    check_subject,
)
from guichet.tickets.services.messages import build_message, save_messages
from guichet.tickets.services.ranking import queue_rank

if TYPE_CHECKING:
    # Annotations only: the schema (pydantic) loads with the first policy read, not with
    # every process that registers the services' hooks.
    from guichet.policies.schema import Policy


class Opening(TypedDict, total=False):
    """What opens a ticket: the customer's first message and how it came."""

    brand: Required[Brand]
    contact: Required[Contact]
    contact_type: Required[str]
    subject: Required[str]
    text: Required[str]
    channel: Required[str]
    html: str
    category: str
    priority: str | None
    complexity: str
    language: str
    seller: Seller | None
    # Who opens it: the staff member logging a call or a letter, the system (a split);
    # absent when the customer wrote in.
    actor: Actor
    external_id: str
    references: Sequence[str]
    attachments: Sequence[Attachment]
    received_at: datetime | None
    acknowledge: bool  # False: no automatic acknowledgement (machine-generated mail)
    # What the intake read the message as ({contact_type, category, reasons}) when it
    # guessed them: kept in the OPENED event, so that a correction can be measured.
    guess: Mapping[str, Any]
    # A split: this customer's message, saved on another ticket, moves to open this one
    # (`text` and the other message fields are then not used).
    message: Message


def ticket_open(**opening: Unpack[Opening]) -> Ticket:
    """Open a ticket with the customer's first message and give it its reference; the
    opening message is left on `ticket.opening_message`."""
    return tickets_open([opening])[0]


def tickets_open(openings: Sequence[Opening]) -> list[Ticket]:
    """Open tickets of one brand, each exactly as if alone — checked, referenced, its
    deadlines planned, its events recorded, acknowledged unless the channel is silent, the
    sender a robot or too many automatic emails went to it this hour — with a few
    statements for the lot (a batch of emails). All or nothing."""
    if not openings:
        return []
    brand = openings[0]["brand"]
    policy = brand.get_policy()
    with brand_scope(brand), transaction.atomic():
        held = contacts_held([opening["contact"] for opening in openings])
        openings = [
            _for_contact(opening, contact) for opening, contact in zip(openings, held, strict=True)
        ]
        tickets = [_new_ticket(brand, policy, opening) for opening in openings]
        numbers = next_references(brand, [ticket.created_at for ticket in tickets])
        for ticket, reference in zip(tickets, numbers, strict=True):
            ticket.reference = reference
        now = clock.now()
        acknowledged = _to_acknowledge(tickets, now)
        keeper = reactions.timekeeper()
        for ticket in tickets:
            keeper.plan_opening(ticket)
        Ticket.objects.bulk_create(tickets)
        timings: dict[int, list[Event]] = {ticket.pk: [] for ticket in tickets}
        for event in keeper.open(tickets):
            timings[event.ticket_id].append(event)
        messages = [_opening_message(t, o) for t, o in zip(tickets, openings, strict=True)]
        letters = {ticket.pk: _acknowledgement(ticket, now) for ticket in acknowledged}
        # A message moved in by a split is saved already.
        save_messages([m for m in messages if m.pk is None] + list(letters.values()))
        changes = [
            _opened(ticket, opening, message, timings[ticket.pk], letters.get(ticket.pk), now)
            for ticket, opening, message in zip(tickets, openings, messages, strict=True)
        ]
        settle(changes, [])
    return tickets


def _for_contact(opening: Opening, contact: Contact) -> Opening:
    """The opening for this record (the one its customer's record was merged into)."""
    if opening["contact"] is contact:
        return opening
    moved = opening.copy()
    moved["contact"] = contact
    return moved


def _new_ticket(brand: Brand, policy: Policy, opening: Opening) -> Ticket:
    """The ticket an opening asks for, checked, not yet saved (no reference yet)."""
    contact, seller = opening["contact"], opening.get("seller")
    contact_type, category = opening["contact_type"], opening.get("category", "")
    channel = opening["channel"]
    complexity = opening.get("complexity", Complexity.SIMPLE)
    priority = opening.get("priority")
    actor = opening.get("actor")
    if actor is not None and not isinstance(actor, Customer):
        require_staff(actor, Action.REPLY, brand=brand)
    if opening["brand"].pk != brand.pk:
        raise ValueError("tickets_open opens tickets of one brand at a time")
    check_same_brand(brand, contact, seller)
    if contact.merged_into_id is not None:
        raise InvalidRequest(
            _("This customer's record was merged into another: use that one."),
            code="contact_merged",
        )
    check_contact_type(policy, contact_type)
    check_category(policy, category)
    check_choice(channel, Channel, "channel")
    check_choice(complexity, Complexity, "complexity")
    if priority is not None:
        check_choice(priority, Priority, "priority")
    subject = check_subject(opening["subject"])
    language = check_language(brand, opening.get("language") or contact.language)
    category_rule = policy.category(category) if category else None
    team_key = (category_rule.team if category_rule else None) or policy.level_at(1).team
    channel_rule = policy.channel(channel)
    acknowledge = opening.get("acknowledge", True)
    now = opening.get("received_at") or clock.now()
    return Ticket(
        brand=brand,
        contact_type=contact_type,
        category=category,
        priority=priority or (category_rule.priority if category_rule else Priority.NORMAL),
        complexity=complexity,
        status=Status.NEW,
        level=1,
        channel=channel,
        subject=subject,
        language=language,
        contact=contact,
        team_id=team_id_for(brand.pk, team_key),
        seller=seller,
        queue_rank=queue_rank(policy, category),
        auto_acknowledge=acknowledge and (channel_rule is None or channel_rule.acknowledge),
        created_at=now,
        updated_at=now,
        level_started_at=now,
    )


def _to_acknowledge(tickets: list[Ticket], now: datetime) -> list[Ticket]:
    """The new tickets that get their acknowledgement now (the acknowledger registered
    by the letters' app chooses among those whose channel acknowledges), marked so."""
    acknowledger = reactions.acknowledger()
    candidates = [t for t in tickets if t.auto_acknowledge]
    chosen = acknowledger.select(candidates) if acknowledger and candidates else []
    for ticket in chosen:
        ticket.acknowledged_at = ticket.last_update_at = now
    return chosen


def _acknowledgement(ticket: Ticket, now: datetime) -> Message:
    acknowledger = reactions.acknowledger()
    assert acknowledger is not None  # it chose this ticket
    subject, text = acknowledger.compose(ticket)
    return build_message(
        ticket,
        now,
        direction=Direction.OUTBOUND,
        channel=ticket.channel,
        text=text,
        html="",
        subject=subject,
        automatic=True,
    )


def _opening_message(ticket: Ticket, opening: Opening) -> Message:
    moved = opening.get("message")
    if moved is not None:
        # Its attachments and the Message-IDs it answers follow it (they point to it).
        Message.objects.filter(pk=moved.pk).update(ticket=ticket)
        moved.ticket = ticket
        ticket.opening_message = moved  # type: ignore[attr-defined]
        return moved
    message = build_message(
        ticket,
        ticket.created_at,
        direction=Direction.INBOUND,
        channel=ticket.channel,
        text=opening["text"],
        html=opening.get("html", ""),
        author_contact=ticket.contact,
        language=ticket.language,
        subject=ticket.subject,
        external_id=opening.get("external_id", ""),
        references=opening.get("references", ()),
        attachments=opening.get("attachments", ()),
    )
    ticket.opening_message = message  # type: ignore[attr-defined]
    return message


def _opened(
    ticket: Ticket,
    opening: Opening,
    message: Message,
    timings: list[Event],
    letter: Message | None,
    now: datetime,
) -> Change:
    """The opening as a change of the new ticket: OPENED (by the customer unless someone
    opened it for them), the deadlines planned, the acknowledgement."""
    change = Change(ticket, opening.get("actor") or Customer(ticket.contact), ticket.created_at)
    data: dict[str, Any] = {
        "reference": ticket.reference,
        "channel": ticket.channel,
        "contact_type": ticket.contact_type,
        "category": ticket.category,
        "priority": ticket.priority,
        "complexity": ticket.complexity,
        "language": ticket.language,
        "contact": ticket.contact_id,
        "team_id": ticket.team_id,
        "level": 1,
        "acknowledge": opening.get("acknowledge", True),
    }
    guess = opening.get("guess")
    if guess:
        data["guess"] = {
            "contact_type": str(guess.get("contact_type", "")),
            "category": str(guess.get("category", "")),
            "reasons": [str(reason)[:200] for reason in guess.get("reasons", ())][:8],
        }
    change.record(Verb.OPENED, message=message, data=data)
    change.events += timings
    if letter is not None:
        change.record(
            Verb.REPLIED,
            actor=SYSTEM,
            message=letter,
            at=now,
            data={
                "automatic": True,
                "letter": "acknowledgement",
                "channel": letter.channel,
                "full_answer": False,
            },
        )
    return change
