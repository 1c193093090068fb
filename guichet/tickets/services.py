"""Every change to a ticket. Nothing else writes tickets, messages, pauses or events.

Each function checks (permission, policy, state), then does, and records Events, all in
one transaction opened by `_change`, which also, once the change is saved:
1. recomputes the ticket's deadlines (sla.services.deadlines_refresh), and
2. runs the reactions registered for the events recorded (tickets.reactions): letters to
   the customer, notifications — written in the same transaction, delivered after commit.

Arguments are keyword-only. `actor` is the staff user acting, or None when the system acts
(a channel, the worker, the demo loader); customers act through the functions that take a
`contact`.

Concurrency: `_change` locks the ticket row first (SELECT … FOR UPDATE; SQLite serialises
writers with IMMEDIATE transactions), refreshes the caller's instance in place, and, when
`expected_revision` is given, refuses with Conflict if someone else changed the ticket
since the caller looked at it.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Required, TypedDict, Unpack

from django.conf import settings
from django.db import transaction
from django.db.models import Case, Q, QuerySet, Value, When
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership
from guichet.accounts.permissions import Action, require
from guichet.brands.models import Brand, Team, team_id_for
from guichet.contacts.models import Contact
from guichet.contacts.services import contacts_held
from guichet.lib import clock
from guichet.lib.bulk import save_fields
from guichet.lib.errors import Conflict, InvalidRequest
from guichet.lib.html import html_to_text, sanitize_html
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller
from guichet.policies.schema import Policy
from guichet.tickets import lookups, reactions
from guichet.tickets.choices import (
    Channel,
    Complexity,
    ContactType,
    Direction,
    EscalationTrigger,
    OrderStatus,
    Outcome,
    Priority,
    Status,
    Verb,
)
from guichet.tickets.events import build_event, record_event, record_events
from guichet.tickets.models import (
    Attachment,
    Event,
    IdentityCheck,
    LinkKind,
    Message,
    MessageReference,
    Pause,
    Ticket,
    TicketLink,
    reference_key,
)
from guichet.tickets.references import next_references


def new_message_id(ticket: Ticket) -> str:
    return f"{uuid.uuid4().hex}.{ticket.reference.lower()}@{settings.GUICHET_EMAIL_DOMAIN}"


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


# --- the shape of every change ---------------------------------------------------------------


class Change:
    """One service call's change to one ticket: the moment, the fields to save, the events."""

    def __init__(self, ticket: Ticket, now: datetime, *, created: bool = False) -> None:
        self.ticket = ticket
        self.now = now
        self.created = created  # the ticket was inserted in this change: nothing to save again
        self.fields: set[str] = set()
        self.events: list[Event] = []

    def record(self, verb: str, **kwargs: Any) -> Event:
        """An event of this change; saved with the others when the change is complete."""
        event = build_event(ticket=self.ticket, verb=verb, at=self.now, **kwargs)
        self.events.append(event)
        return event

    def set(self, **values: Any) -> None:
        for field, value in values.items():
            setattr(self.ticket, field, value)
            self.fields.add(field)

    def set_status(self, status: str) -> None:
        """Change status; entering or leaving "waiting on the customer" opens or closes a
        Pause, during which the ticket's deadline clocks stand still."""
        ticket = self.ticket
        waiting = Status.WAITING_CUSTOMER
        if ticket.status == waiting and status != waiting:
            Pause.objects.filter(ticket=ticket, ended_at__isnull=True).update(ended_at=self.now)
        if status == waiting and ticket.status != waiting:
            Pause.objects.create(brand_id=ticket.brand_id, ticket=ticket, started_at=self.now)
        self.set(status=status)


def _lock(tickets: Sequence[Ticket]) -> None:
    """Lock the tickets' rows for this transaction (in the order of their ids, so two
    transactions locking several never deadlock) and bring the instances up to date in
    place — one SELECT … FOR UPDATE for all. A ticket whose reactions are running is
    locked and current already."""
    stale = [t for t in tickets if reactions.reacting.get() is not t]
    if not stale:
        return
    fresh = {
        row.pk: row
        for row in Ticket._base_manager.select_for_update()
        .filter(pk__in=[t.pk for t in stale])
        .order_by("pk")
    }
    for ticket in stale:
        row = fresh.get(ticket.pk)
        if row is None:
            raise Ticket.DoesNotExist(f"ticket {ticket.pk} does not exist")
        # Setting a foreign key's id drops the related object loaded only if it changed:
        # the brand, the contact… read by the services stay.
        for field in Ticket._meta.concrete_fields:
            setattr(ticket, field.attname, getattr(row, field.attname))


def _check_revision(ticket: Ticket, expected_revision: int | None) -> None:
    if expected_revision is not None and ticket.revision != expected_revision:
        raise Conflict(
            _("Someone else changed this ticket in the meantime. Reload it before trying again."),
            code="stale",
        )


def _finish(changes: Sequence[Change]) -> None:
    """Save the changed tickets, bring their deadlines in step, record the events and run
    the reactions — a few statements however many tickets changed together."""
    from guichet.sla.services import deadlines_refresh_many

    saves = []
    for change in changes:
        if change.fields or change.events:
            ticket = change.ticket
            ticket.updated_at = change.now
            ticket.revision += 1
            saves.append((ticket, [*change.fields, "updated_at", "revision"]))
    save_fields(saves)
    # Within a reaction, the rows the previous refresh of this instance left are current.
    reuse = {c.ticket.pk for c in changes if reactions.reacting.get() is c.ticket}
    timings = deadlines_refresh_many([(c.ticket, c.now) for c in changes], reuse=reuse)
    by_ticket: dict[int, list[Event]] = {}
    for event in timings:
        by_ticket.setdefault(event.ticket_id, []).append(event)
    record_events([e for c in changes for e in [*c.events, *by_ticket.get(c.ticket.pk, [])]])
    try:
        reactions.dispatch([(change.events, change.ticket) for change in changes])
    finally:
        for change in changes:
            if reactions.reacting.get() is not change.ticket:
                change.ticket.__dict__.pop("deadline_rows", None)


@contextmanager
def _change(
    ticket: Ticket, *, expected_revision: int | None = None, at: datetime | None = None
) -> Iterator[Change]:
    """One ticket's change: locked, checked against `expected_revision`, finished."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock([ticket])
        _check_revision(ticket, expected_revision)
        change = Change(ticket, at or clock.now())
        yield change
        _finish([change])


@contextmanager
def _changes(tickets: Sequence[Ticket]) -> Iterator[list[Change]]:
    """Changes to several distinct tickets of one brand, made together (a batch of emails):
    locked at once, finished at once. Each change's moment may be set before finishing."""
    if len({t.pk for t in tickets}) != len(tickets):
        raise ValueError("each ticket once in a batch of changes")
    if len({t.brand_id for t in tickets}) > 1:
        raise ValueError("a batch of changes is for one brand")
    with brand_scope(tickets[0].brand_id), transaction.atomic():
        _lock(tickets)
        now = clock.now()
        changes = [Change(ticket, now) for ticket in tickets]
        yield changes
        _finish(changes)


# --- the rank in the queue ------------------------------------------------------------------


def queue_rank(policy: Policy, category: str) -> int:
    """The ticket's rank in the desk's default order: 0 for a category the policy serves
    first (`first_in_queue`, EJ: billing), else 1 (`Ticket.queue_rank`)."""
    rule = policy.category(category) if category else None
    return 0 if rule is not None and rule.first_in_queue else 1


def rank_update(tickets: QuerySet[Any], first: Sequence[str]) -> int:
    """Give `tickets` their rank for the categories `first` served first, in one UPDATE that
    writes only the rows whose rank changes."""
    if not first:
        return tickets.exclude(queue_rank=1).update(queue_rank=1)
    served_first = Q(category__in=list(first))
    return tickets.filter(
        (served_first & ~Q(queue_rank=0)) | (~served_first & ~Q(queue_rank=1))
    ).update(queue_rank=Case(When(served_first, then=Value(0)), default=Value(1)))


def tickets_rerank(*, brand: Brand, policy: Policy) -> int:
    """Bring the rank of every ticket of `brand` in line with `policy` (just published) —
    a derived column, like the deadlines: no event, no revision. Returns the rows changed."""
    first = [c.key for c in policy.categories if c.first_in_queue]
    with brand_scope(brand):
        return rank_update(Ticket.objects.filter(brand=brand), first)


# --- checks shared by the services ---------------------------------------------------------


def _check_contact_type(policy: Policy, contact_type: str) -> None:
    if contact_type not in ContactType.values or policy.contact_type(contact_type) is None:
        raise InvalidRequest(
            _("The contact type “%(value)s” is not offered by this brand."),
            code="contact_type",
            value=contact_type,
        )


def _check_category(policy: Policy, category: str) -> None:
    if category and policy.category(category) is None:
        raise InvalidRequest(
            _("The category “%(value)s” does not exist for this brand."),
            code="category",
            value=category,
        )


def _check_choice(value: str, choices: Any, code: str) -> None:
    if value not in choices.values:
        raise InvalidRequest(_("“%(value)s” is not a valid choice."), code=code, value=value)


def _check_language(brand: Brand, language: str) -> str:
    if not language:
        return brand.default_language
    if language not in brand.languages:
        raise InvalidRequest(
            _("The language “%(value)s” is not one of the brand's languages."),
            code="language",
            value=language,
        )
    return language


def _check_same_brand(brand: Brand, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.brand_id != brand.pk:
            # Same words as "not found": an object of another brand does not exist here.
            raise InvalidRequest(_("Not found."), code="not_found")


def _staff_of(brand: Brand, user: Any) -> None:
    if user is None or user.is_superuser:
        return
    if not Membership.objects.filter(user=user, brand=brand, is_active=True).exists():
        raise InvalidRequest(_("This person does not work for this brand."), code="assignee")


def _message_bodies(text: str, html: str) -> tuple[str, str]:
    clean = sanitize_html(html) if html else ""
    body = text.strip() if text and text.strip() else html_to_text(clean)
    if not body and not clean:
        raise InvalidRequest(_("A message cannot be empty."), code="empty_message")
    return body, clean


def _build_message(
    ticket: Ticket,
    now: datetime,
    *,
    direction: str,
    channel: str,
    text: str,
    html: str,
    author_user: Any = None,
    author_contact: Contact | None = None,
    internal: bool = False,
    automatic: bool = False,
    language: str = "",
    subject: str = "",
    external_id: str = "",
    references: Sequence[str] = (),
    attachments: Sequence[Attachment] = (),
) -> Message:
    """A message, checked but not saved (`_save_messages` saves it with the others)."""
    body, clean = _message_bodies(text, html)
    if direction == Direction.OUTBOUND and not internal and not external_id:
        # Ours from the start: a reply to it threads even before its delivery is recorded.
        external_id = new_message_id(ticket)
    message = Message(
        brand_id=ticket.brand_id,
        ticket=ticket,
        direction=direction,
        channel=channel,
        is_internal=internal,
        is_automatic=automatic,
        author_user=author_user,
        author_contact=author_contact,
        subject=" ".join(subject.split())[:300],
        text=body,
        html=clean,
        language=language or ticket.language,
        external_id=external_id[:998],
        created_at=now,
    )
    message.pending = (  # type: ignore[attr-defined]
        [a.pk for a in attachments],
        sorted({reference_key(r) for r in references if r and r.strip()})[:50],
    )
    return message


def _save_messages(messages: list[Message]) -> None:
    """Insert messages (one statement), attach their files and keep the Message-IDs they
    answer (one statement for all)."""
    Message.objects.bulk_create(messages)
    keys = []
    for message in messages:
        attachment_ids, references = message.__dict__.pop("pending")
        if attachment_ids:
            linked = Attachment.objects.filter(
                pk__in=attachment_ids, brand_id=message.brand_id, message__isnull=True
            ).update(message=message)
            if linked != len(set(attachment_ids)):
                raise InvalidRequest(
                    _("An attachment is missing or already used."), code="upload_used"
                )
        keys += [
            MessageReference(brand_id=message.brand_id, message=message, key=key)
            for key in references
        ]
    MessageReference.objects.bulk_create(keys)


def _new_message(change: Change, **fields: Any) -> Message:
    message = _build_message(change.ticket, change.now, **fields)
    _save_messages([message])
    return message


# --- opening --------------------------------------------------------------------------------


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
    actor: Any  # the agent logging a call or a letter; absent when the customer wrote in
    external_id: str
    references: Sequence[str]
    attachments: Sequence[Attachment]
    received_at: datetime | None
    acknowledge: bool  # False: no automatic acknowledgement (machine-generated mail)
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
    from guichet.sla.services import deadlines_open, plan_opening

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
        acknowledger = reactions.acknowledger()
        silent = [t for t in tickets if t.auto_acknowledge]
        acknowledged = acknowledger.select(silent) if acknowledger and silent else []
        for ticket in acknowledged:
            ticket.acknowledged_at = ticket.last_update_at = now
        for ticket in tickets:
            plan_opening(ticket)
        Ticket.objects.bulk_create(tickets)
        timings = deadlines_open(tickets)
        events: dict[int, list[Event]] = {ticket.pk: [] for ticket in tickets}
        messages = []
        for ticket, opening in zip(tickets, openings, strict=True):
            message = _opening_message(ticket, opening)
            ticket.opening_message = message  # type: ignore[attr-defined]
            messages.append(message)
        letters = []
        for ticket in acknowledged:
            assert acknowledger is not None
            subject, text = acknowledger.compose(ticket)
            letter = _build_message(
                ticket,
                now,
                direction=Direction.OUTBOUND,
                channel=ticket.channel,
                text=text,
                html="",
                subject=subject,
                automatic=True,
            )
            letters.append(letter)
        # A message moved in by a split is saved already.
        _save_messages([m for m in messages if m.pk is None] + letters)
        for ticket, opening, message in zip(tickets, openings, messages, strict=True):
            actor = opening.get("actor")
            events[ticket.pk].append(
                build_event(
                    ticket=ticket,
                    verb=Verb.OPENED,
                    actor=actor,
                    contact=None if actor else ticket.contact,
                    message=message,
                    at=ticket.created_at,
                    data={
                        "reference": ticket.reference,
                        "channel": ticket.channel,
                        "contact_type": ticket.contact_type,
                        "category": ticket.category,
                        "priority": ticket.priority,
                        "level": 1,
                        "acknowledge": opening.get("acknowledge", True),
                    },
                )
            )
        for event in timings:
            events[event.ticket_id].append(event)
        for letter in letters:
            events[letter.ticket_id].append(
                build_event(
                    ticket=letter.ticket,
                    verb=Verb.REPLIED,
                    label="system",
                    message=letter,
                    at=now,
                    data={
                        "automatic": True,
                        "letter": "acknowledgement",
                        "channel": letter.channel,
                        "full_answer": False,
                    },
                )
            )
        record_events([event for ticket in tickets for event in events[ticket.pk]])
        reactions.dispatch([(events[ticket.pk], ticket) for ticket in tickets])
        for ticket in tickets:
            ticket.__dict__.pop("deadline_rows", None)
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
    actor = opening.get("actor")
    contact, seller = opening["contact"], opening.get("seller")
    contact_type, category = opening["contact_type"], opening.get("category", "")
    channel = opening["channel"]
    complexity = opening.get("complexity", Complexity.SIMPLE)
    priority = opening.get("priority")
    if actor is not None:
        require(actor, Action.REPLY, brand=brand)
    if opening["brand"].pk != brand.pk:
        raise ValueError("tickets_open opens tickets of one brand at a time")
    _check_same_brand(brand, contact, seller)
    if contact.merged_into_id is not None:
        raise InvalidRequest(
            _("This customer's record was merged into another: use that one."),
            code="contact_merged",
        )
    _check_contact_type(policy, contact_type)
    _check_category(policy, category)
    _check_choice(channel, Channel, "channel")
    _check_choice(complexity, Complexity, "complexity")
    if priority is not None:
        _check_choice(priority, Priority, "priority")
    subject = " ".join(opening["subject"].split())[:300]
    if not subject:
        raise InvalidRequest(_("A subject is required."), code="subject")
    language = _check_language(brand, opening.get("language") or contact.language)
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


def _opening_message(ticket: Ticket, opening: Opening) -> Message:
    moved = opening.get("message")
    if moved is not None:
        # Its attachments and the Message-IDs it answers follow it (they point to it).
        Message.objects.filter(pk=moved.pk).update(ticket=ticket)
        moved.ticket = ticket
        return moved
    return _build_message(
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


# --- messages ---------------------------------------------------------------------------------


class Receipt(TypedDict, total=False):
    """A customer's new message on an existing ticket."""

    ticket: Required[Ticket]
    contact: Required[Contact]
    text: Required[str]
    channel: Required[str]
    html: str
    external_id: str
    references: Sequence[str]
    attachments: Sequence[Attachment]
    received_at: datetime | None
    automatic: bool  # an out-of-office reply: kept, changes nothing


def ticket_receive(**receipt: Unpack[Receipt]) -> Message:
    """A customer's new message on an existing ticket. It resumes a paused clock and
    reopens a closed ticket (REQUIREMENTS CL-1: a reply reopens) — unless it is
    `automatic` (an out-of-office reply), which is kept but changes nothing."""
    return tickets_receive([receipt])[0]


def tickets_receive(receipts: Sequence[Receipt]) -> list[Message]:
    """`ticket_receive` for messages on distinct tickets of one brand (a batch of emails),
    each exactly as if alone, with a few statements for the lot."""
    if not receipts:
        return []
    with _changes([receipt["ticket"] for receipt in receipts]) as changes:
        messages = []
        for change, receipt in zip(changes, receipts, strict=True):
            ticket, contact = change.ticket, receipt["contact"]
            change.now = receipt.get("received_at") or change.now
            _check_same_brand(ticket.brand, contact)
            _check_choice(receipt["channel"], Channel, "channel")
            messages.append(
                _build_message(
                    ticket,
                    change.now,
                    direction=Direction.INBOUND,
                    channel=receipt["channel"],
                    text=receipt["text"],
                    html=receipt.get("html", ""),
                    author_contact=contact,
                    automatic=receipt.get("automatic", False),
                    external_id=receipt.get("external_id", ""),
                    references=receipt.get("references", ()),
                    attachments=receipt.get("attachments", ()),
                )
            )
        _save_messages(messages)
        for change, receipt, message in zip(changes, receipts, messages, strict=True):
            _received(change, receipt["contact"], message)
    return messages


def _received(change: Change, contact: Contact, message: Message) -> None:
    change.record(
        Verb.MESSAGE_RECEIVED,
        contact=contact,
        message=message,
        data={"channel": message.channel, "automatic": message.is_automatic},
    )
    if message.is_automatic:
        return
    ticket = change.ticket
    previous = ticket.status
    if previous == Status.CLOSED:
        change.set_status(Status.OPEN)
        change.set(closed_at=None, reopened_at=change.now)
        change.record(
            Verb.REOPENED, contact=contact, data={"from": previous, "reason": "customer_message"}
        )
    elif previous in (Status.WAITING_CUSTOMER, Status.NEW):
        change.set_status(Status.OPEN)
        change.record(
            Verb.STATUS_CHANGED,
            contact=contact,
            data={"from": previous, "to": Status.OPEN, "reason": "customer_message"},
        )


def ticket_reply(
    *,
    ticket: Ticket,
    actor: Any,
    text: str,
    html: str = "",
    subject: str = "",
    channel: str | None = None,
    attachments: Sequence[Attachment] = (),
    status_after: str | None = None,
    full_answer: bool = False,
    automatic: bool = False,
    letter: str = "",
    expected_revision: int | None = None,
) -> Message:
    """A message to the customer. The first one meets the first-response deadline; one
    marked `full_answer` meets the full-written-answer deadline.

    `status_after` may put the ticket to wait on the customer (pausing the clock) or on a
    third party. With `automatic`, the system speaks (`letter` names which: acknowledgement,
    delay_letter, level_changed…): no actor, and it is not a response by a person."""
    with _change(ticket, expected_revision=expected_revision) as change:
        if actor is not None:
            require(actor, Action.REPLY, brand=ticket.brand, level=ticket.level)
        if ticket.status == Status.CLOSED and not automatic:
            raise InvalidRequest(
                _("This ticket is closed: reopen it before replying."), code="closed"
            )
        if status_after is not None and status_after not in (
            Status.OPEN,
            Status.WAITING_CUSTOMER,
            Status.WAITING_THIRD_PARTY,
        ):
            raise InvalidRequest(_("After a reply a ticket is open or waiting."), code="status")
        message = _new_message(
            change,
            direction=Direction.OUTBOUND,
            channel=channel or ticket.channel,
            text=text,
            html=html,
            subject=subject,
            author_user=actor,
            automatic=automatic,
            attachments=attachments,
        )
        now = change.now
        change.set(last_update_at=now)
        if ticket.acknowledged_at is None:
            change.set(acknowledged_at=now)
        if not automatic:
            if ticket.first_responded_at is None:
                change.set(first_responded_at=now)
            if full_answer and ticket.answered_at is None:
                change.set(answered_at=now)
            target = status_after or (Status.OPEN if ticket.status == Status.NEW else ticket.status)
            if target != ticket.status:
                previous = ticket.status
                change.set_status(target)
                change.record(
                    Verb.STATUS_CHANGED, actor=actor, data={"from": previous, "to": target}
                )
        change.record(
            Verb.REPLIED,
            actor=actor,
            label="" if actor else "system",
            message=message,
            data={
                "automatic": automatic,
                "letter": letter,
                "channel": message.channel,
                "full_answer": full_answer,
            },
        )
    return message


def ticket_note(
    *,
    ticket: Ticket,
    actor: Any,
    text: str,
    html: str = "",
    attachments: Sequence[Attachment] = (),
) -> Message:
    """An internal note: staff only, never shown or sent to the customer."""
    with _change(ticket) as change:
        if actor is not None:
            require(actor, Action.NOTE, brand=ticket.brand)
        message = _new_message(
            change,
            direction=Direction.OUTBOUND,
            channel=ticket.channel,
            text=text,
            html=html,
            author_user=actor,
            internal=True,
            attachments=attachments,
        )
        change.record(
            Verb.NOTE_ADDED, actor=actor, label="" if actor else "system", message=message
        )
    return message


# --- people -----------------------------------------------------------------------------------


def ticket_assign(
    *,
    ticket: Ticket,
    actor: Any,
    assignee: Any,
    team: Team | _Unset | None = UNSET,
    reason: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Give the ticket to `assignee` (None: nobody). Taking it for oneself needs less
    power than handing it to someone else. With `expected_revision`, a second agent taking
    a ticket someone just took is refused instead of silently winning."""
    with _change(ticket, expected_revision=expected_revision) as change:
        if actor is not None:
            taking = assignee is not None and assignee.pk == actor.pk
            require(actor, Action.TAKE if taking else Action.ASSIGN, brand=ticket.brand)
        _staff_of(ticket.brand, assignee)
        data: dict[str, Any] = {}
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            data.update({"from": ticket.assignee_id, "to": assignee.pk if assignee else None})
            change.set(assignee=assignee)
        if not isinstance(team, _Unset) and (team.pk if team else None) != ticket.team_id:
            _check_same_brand(ticket.brand, team)
            data.update({"team_from": ticket.team_id, "team_to": team.pk if team else None})
            change.set(team=team)
        if data:
            if reason:
                data["reason"] = reason
            change.record(Verb.ASSIGNED, actor=actor, label="" if actor else "system", data=data)
    return ticket


def ticket_request_another_person(*, ticket: Ticket, contact: Contact, reason: str = "") -> Ticket:
    """ "Another person, please" (EJ): the customer asks for a different agent at the same
    level. The ticket goes to the least busy colleague of the same team who is not absent,
    or back to the team's queue; the customer is told who handles it now."""
    from guichet.sla.absences import least_busy_colleague

    policy = ticket.brand.get_policy()
    with _change(ticket) as change:
        if contact.pk != ticket.contact_id:
            raise InvalidRequest(
                _("Only the customer of the ticket can ask for this."), code="contact"
            )
        if not policy.escalation.another_person:
            raise InvalidRequest(
                _("This brand's policy does not offer another person on request."), code="policy"
            )
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is closed."), code="closed")
        previous = ticket.assignee
        successor = least_busy_colleague(
            ticket, exclude=[previous] if previous else [], at=change.now
        )
        change.set(assignee=successor)
        change.record(
            Verb.ASSIGNED,
            contact=contact,
            data={
                "from": previous.pk if previous else None,
                "to": successor.pk if successor else None,
                "reason": reason.strip(),
                "trigger": "another_person",
            },
        )
    return ticket


# --- fields and status -------------------------------------------------------------------------


def ticket_change(
    *,
    ticket: Ticket,
    actor: Any,
    contact_type: str | _Unset = UNSET,
    category: str | _Unset = UNSET,
    priority: str | _Unset = UNSET,
    complexity: str | _Unset = UNSET,
    subject: str | _Unset = UNSET,
    language: str | _Unset = UNSET,
    seller: Seller | _Unset | None = UNSET,
    expected_revision: int | None = None,
) -> Ticket:
    """Change the classification of a ticket. Only the arguments given are changed; one
    event per changed field records the old and new values. Deadlines that depend on
    them are recomputed."""
    policy = ticket.brand.get_policy()
    with _change(ticket, expected_revision=expected_revision) as change:
        if actor is not None:
            require(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        changes: dict[str, tuple[Any, Any]] = {}
        if not isinstance(contact_type, _Unset):
            _check_contact_type(policy, contact_type)
            changes["contact_type"] = (ticket.contact_type, contact_type)
        if not isinstance(category, _Unset):
            _check_category(policy, category)
            changes["category"] = (ticket.category, category)
        if not isinstance(priority, _Unset):
            _check_choice(priority, Priority, "priority")
            changes["priority"] = (ticket.priority, priority)
        if not isinstance(complexity, _Unset):
            _check_choice(complexity, Complexity, "complexity")
            changes["complexity"] = (ticket.complexity, complexity)
        if not isinstance(subject, _Unset):
            cleaned = " ".join(subject.split())[:300]
            if not cleaned:
                raise InvalidRequest(_("A subject is required."), code="subject")
            changes["subject"] = (ticket.subject, cleaned)
        if not isinstance(language, _Unset):
            changes["language"] = (ticket.language, _check_language(ticket.brand, language))
        if not isinstance(seller, _Unset):
            _check_same_brand(ticket.brand, seller)
            changes["seller"] = (ticket.seller_id, seller)

        for field, (old, new) in changes.items():
            stored_new = new.pk if field == "seller" and new is not None else new
            if old == stored_new:
                continue
            change.set(**{field: new})
            change.record(
                Verb.FIELD_CHANGED,
                actor=actor,
                data={"field": field, "from": old, "to": stored_new},
            )
        if "category" in change.fields:
            change.set(queue_rank=queue_rank(policy, ticket.category))
    return ticket


def ticket_set_status(
    *, ticket: Ticket, actor: Any, status: str, expected_revision: int | None = None
) -> Ticket:
    """Move an open ticket between open and waiting states. Closing and reopening have
    their own functions, because they decide something."""
    with _change(ticket, expected_revision=expected_revision) as change:
        if actor is not None:
            require(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        _check_choice(status, Status, "status")
        if status == Status.CLOSED or ticket.status == Status.CLOSED:
            raise InvalidRequest(_("Use close or reopen to change a closed state."), code="status")
        if status == Status.NEW:
            raise InvalidRequest(_("A ticket cannot go back to new."), code="status")
        if status != ticket.status:
            previous = ticket.status
            change.set_status(status)
            change.record(Verb.STATUS_CHANGED, actor=actor, data={"from": previous, "to": status})
    return ticket


# --- levels -------------------------------------------------------------------------------------


def _move_level(
    change: Change,
    *,
    to_level: int,
    verb: str,
    reason: str,
    trigger: str,
    actor: Any,
    contact: Contact | None,
    recorded_by: Any = None,
) -> None:
    ticket = change.ticket
    level = ticket.brand.get_policy().level_at(to_level)
    previous = ticket.level
    change.set(
        level=to_level,
        level_started_at=change.now,
        team_id=team_id_for(ticket.brand_id, level.team),
        assignee=None,
    )
    if ticket.status in (Status.NEW, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY):
        change.set_status(Status.OPEN)
    data: dict[str, Any] = {
        "from": previous,
        "to": to_level,
        "level_key": level.key,
        "team": level.team,
        "reason": reason,
        "trigger": trigger,
    }
    if recorded_by is not None:
        data["recorded_by"] = recorded_by.pk
    change.record(
        verb, actor=actor, contact=contact, label="" if actor or contact else "system", data=data
    )


def ticket_escalate(
    *,
    ticket: Ticket,
    actor: Any = None,
    contact: Contact | None = None,
    reason: str = "",
    to_level: int | None = None,
    trigger: str = EscalationTrigger.AGENT,
    recorded_by: Any = None,
    expected_revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Move the ticket up the policy's ladder (default: the next level).

    By an agent (needs a reason where the policy says so), at the customer's request
    (`contact`, where the policy allows it; it reopens a closed ticket), or by time (the
    watcher: no actor). The customer is told who handles it, what happens next and when
    (a reaction of notify).

    `recorded_by` is the staff member (or API key's user) who records the customer's
    request for them — told by phone, at the counter: they need the right to escalate.
    The request stays the customer's (the events' actor); the events name the recorder
    in `data["recorded_by"]` (their user id)."""
    policy = ticket.brand.get_policy()
    with _change(ticket, expected_revision=expected_revision, at=at) as change:
        _check_choice(trigger, EscalationTrigger, "trigger")
        if recorded_by is not None:
            if trigger != EscalationTrigger.CUSTOMER or actor is not None:
                raise ValueError("recorded_by records a customer's request, without an actor")
            require(recorded_by, Action.ESCALATE, brand=ticket.brand)
        if actor is not None:
            require(actor, Action.ESCALATE, brand=ticket.brand)
            if not policy.escalation.agent_may_escalate:
                raise InvalidRequest(
                    _("This brand's policy does not let agents escalate."), code="policy"
                )
        if trigger == EscalationTrigger.CUSTOMER:
            if contact is None or contact.pk != ticket.contact_id:
                raise InvalidRequest(
                    _("Only the customer of the ticket can ask for this."), code="contact"
                )
            if not policy.escalation.customer_may_request:
                raise InvalidRequest(
                    _("This brand's policy does not offer escalation on request."), code="policy"
                )
        reason = reason.strip()
        if trigger == EscalationTrigger.AGENT and policy.escalation.reason_required and not reason:
            raise InvalidRequest(_("Give a reason for the escalation."), code="reason")
        if ticket.status == Status.CLOSED and trigger != EscalationTrigger.CUSTOMER:
            raise InvalidRequest(_("This ticket is closed."), code="closed")
        if ticket.level >= policy.final_level:
            raise InvalidRequest(
                _("This ticket is at the final level: its decision is final."), code="final_level"
            )
        target = to_level if to_level is not None else ticket.level + 1
        if not ticket.level < target <= policy.final_level:
            raise InvalidRequest(
                _("Escalation goes to a higher level of the ladder."), code="level"
            )
        if ticket.status == Status.CLOSED:
            previous = ticket.status
            change.set_status(Status.OPEN)
            change.set(closed_at=None, reopened_at=change.now)
            reopened: dict[str, Any] = {"from": previous, "reason": "escalation_requested"}
            if recorded_by is not None:
                reopened["recorded_by"] = recorded_by.pk
            change.record(Verb.REOPENED, contact=contact, data=reopened)
        _move_level(
            change,
            to_level=target,
            verb=Verb.ESCALATED,
            reason=reason,
            trigger=trigger,
            actor=actor,
            contact=contact,
            recorded_by=recorded_by,
        )
    return ticket


def ticket_return_to_level(
    *,
    ticket: Ticket,
    actor: Any,
    to_level: int,
    reason: str,
    expected_revision: int | None = None,
) -> Ticket:
    """Send the ticket back down the ladder (for instance, to complete the front-line answer)."""
    with _change(ticket, expected_revision=expected_revision) as change:
        require(actor, Action.ESCALATE, brand=ticket.brand)
        if not reason.strip():
            raise InvalidRequest(_("Give a reason for the change of level."), code="reason")
        if not 1 <= to_level < ticket.level:
            raise InvalidRequest(_("Choose a lower level."), code="level")
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is closed."), code="closed")
        _move_level(
            change,
            to_level=to_level,
            verb=Verb.LEVEL_RETURNED,
            reason=reason.strip(),
            trigger=EscalationTrigger.AGENT,
            actor=actor,
            contact=None,
        )
    return ticket


# --- decisions -------------------------------------------------------------------------------------


def _record_outcome(change: Change, actor: Any, outcome: str, summary: str) -> None:
    _check_choice(outcome, Outcome, "outcome")
    ticket = change.ticket
    change.record(
        Verb.OUTCOME_SET,
        actor=actor,
        data={
            "level": ticket.level,
            "outcome": outcome,
            "previous": ticket.outcome,
            "summary": summary,
        },
    )
    change.set(outcome=outcome)
    if ticket.answered_at is None:
        change.set(answered_at=change.now)


def ticket_set_outcome(
    *,
    ticket: Ticket,
    actor: Any,
    outcome: str,
    summary: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Record the decision at the ticket's current level (kept per level in the events)."""
    with _change(ticket, expected_revision=expected_revision) as change:
        if actor is not None:
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        _record_outcome(change, actor, outcome, summary.strip())
    return ticket


def ticket_close(
    *,
    ticket: Ticket,
    actor: Any,
    outcome: str | None = None,
    summary: str = "",
    contact: Contact | None = None,
    expected_revision: int | None = None,
) -> Ticket:
    """Close the ticket. A complaint needs an outcome (given here or set before); the
    customer then receives the written outcome and, after the final level, the
    ombudsman's details where the brand has one. A customer (`contact`) may close their own
    ticket or withdraw it."""
    with _change(ticket, expected_revision=expected_revision) as change:
        if actor is not None:
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        if contact is not None and contact.pk != ticket.contact_id:
            raise InvalidRequest(_("Only the customer of the ticket can close it."), code="contact")
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is already closed."), code="closed")
        if outcome:
            _record_outcome(change, actor, outcome, summary.strip())
        if ticket.contact_type == ContactType.COMPLAINT and not ticket.outcome:
            raise InvalidRequest(
                _(
                    "A complaint is closed with an outcome: upheld, partly upheld, not upheld, "
                    "unresolved or withdrawn."
                ),
                code="outcome_required",
            )
        previous = ticket.status
        change.set_status(Status.CLOSED)
        change.set(closed_at=change.now)
        change.record(
            Verb.CLOSED,
            actor=actor,
            contact=contact,
            data={
                "from": previous,
                "outcome": ticket.outcome,
                "level": ticket.level,
                "summary": summary.strip(),
            },
        )
    return ticket


def ticket_reopen(
    *, ticket: Ticket, actor: Any, reason: str, expected_revision: int | None = None
) -> Ticket:
    with _change(ticket, expected_revision=expected_revision) as change:
        if actor is not None:
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        if ticket.status != Status.CLOSED:
            raise InvalidRequest(_("Only a closed ticket can be reopened."), code="status")
        if not reason.strip():
            raise InvalidRequest(_("Give a reason for reopening."), code="reason")
        previous = ticket.status
        change.set_status(Status.OPEN)
        change.set(closed_at=None, reopened_at=change.now)
        change.record(Verb.REOPENED, actor=actor, data={"from": previous, "reason": reason.strip()})
    return ticket


def ticket_link(
    *,
    ticket: Ticket,
    other: Ticket,
    kind: str = LinkKind.RELATED,
    reason: str = "",
    actor: Any = None,
) -> TicketLink:
    """Relate two tickets of the same brand; each one's history records it."""
    with _change(ticket) as change:
        if actor is not None:
            require(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        _check_same_brand(ticket.brand, other)
        if other.pk == ticket.pk:
            raise InvalidRequest(_("A ticket cannot be linked to itself."), code="link")
        link, _created = TicketLink.objects.get_or_create(
            brand_id=ticket.brand_id,
            source=ticket,
            target=other,
            kind=kind,
            defaults={"reason": reason[:200], "created_at": change.now},
        )
        data = {"kind": kind, "other": other.reference, "reason": reason[:200]}
        change.record(Verb.LINKED, actor=actor, label="" if actor else "system", data=data)
        record_event(
            ticket=other,
            verb=Verb.LINKED,
            actor=actor,
            label="" if actor else "system",
            at=change.now,
            data={
                "kind": kind,
                "other": ticket.reference,
                "reason": reason[:200],
                "incoming": True,
            },
        )
    return link


# --- merging and splitting ------------------------------------------------------------------------


def ticket_merge(
    *,
    ticket: Ticket,
    into: Ticket,
    actor: Any,
    reason: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Merge `ticket` into `into`: one customer's one matter, followed under one reference.

    The messages of `ticket` — with their attachments and the Message-IDs they answer, so
    that a reply to any of them now threads to `into` — move to `into`; the events of
    `ticket` stay on it. `ticket` is closed (its deadlines end with the usual refresh),
    marked `merged_into` and linked ("merged"); `into` records Verb.MERGED, `ticket`
    Verb.MERGED_INTO, and the customer is told which reference now follows their request
    (the "merged" letter, written on `into` by a reaction of notify).

    Only tickets of the same customer merge: otherwise each customer would read the
    other's messages in the portal. `into` must be open (reopen it first) and neither may
    be merged already. Both tickets are locked, in the order of their ids (two merges of
    the same pair in opposite directions cannot deadlock). `expected_revision` is the one
    of `ticket`, the ticket the agent is looking at."""
    if actor is not None:
        require(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
    _check_same_brand(ticket.brand, into)
    if into.pk == ticket.pk:
        raise InvalidRequest(_("A ticket cannot be merged into itself."), code="merge")
    with _changes([ticket, into]) as (change, target):
        _check_revision(ticket, expected_revision)
        if ticket.merged_into_id is not None:
            raise InvalidRequest(_("This ticket has already been merged."), code="merged")
        if into.merged_into_id is not None:
            raise InvalidRequest(
                _(
                    "The ticket %(reference)s has been merged into another one: merge into "
                    "that one."
                ),
                code="merged",
                reference=into.reference,
            )
        if ticket.contact_id != into.contact_id:
            raise InvalidRequest(
                _(
                    "Only tickets of the same customer can be merged: otherwise each customer "
                    "would see the other's messages."
                ),
                code="contact",
            )
        if into.status == Status.CLOSED:
            raise InvalidRequest(
                _("The ticket %(reference)s is closed: reopen it before merging into it."),
                code="closed",
                reference=into.reference,
            )
        reason = reason.strip()[:200]
        moved = Message.objects.filter(ticket=ticket).update(ticket=into)
        TicketLink.objects.get_or_create(
            brand_id=ticket.brand_id,
            source=ticket,
            target=into,
            kind=LinkKind.MERGED,
            defaults={"reason": reason, "created_at": change.now},
        )
        previous = ticket.status
        if previous != Status.CLOSED:
            change.set_status(Status.CLOSED)
            change.set(closed_at=change.now)
        change.set(merged_into=into)
        # Not Verb.CLOSED: the matter is not settled, it goes on under `into` (and closing
        # reactions — a complaint's outcome letter — must not run).
        change.record(
            Verb.MERGED_INTO,
            actor=actor,
            data={
                "into": into.reference,
                "previous_status": previous,
                "messages": moved,
                "reason": reason,
            },
        )
        target.record(
            Verb.MERGED,
            actor=actor,
            data={
                "from": ticket.reference,
                "subject": ticket.subject,
                "messages": moved,
                "reason": reason,
            },
        )
    return into


def ticket_split(*, ticket: Ticket, message: Message, actor: Any, subject: str = "") -> Ticket:
    """A customer's message that raises another matter becomes a ticket of its own.

    The message (from the customer, not the ticket's first one) moves, with its
    attachments and the Message-IDs it answers, to a new ticket opened by `tickets_open` —
    so it is referenced, planned, acknowledged and recorded like any new request — with
    the same customer, language, contact type and category (the agent changes them after
    if needed), the channel the message came by, and `subject` (default: the message's,
    else the ticket's). Its deadlines count from the split, when it becomes a request of
    its own: counting from the message would mark every split ticket's acknowledgement
    late. The new ticket is linked to the first ("split"), and both record it."""
    with _change(ticket) as change:
        if actor is not None:
            require(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        _check_same_brand(ticket.brand, message)
        # Read again under the ticket's lock: a merge or split may have moved it since.
        current = Message.objects.filter(pk=message.pk, ticket=ticket).first()
        if current is None:
            raise InvalidRequest(_("This message is not on this ticket."), code="message")
        if current.direction != Direction.INBOUND or current.is_internal:
            raise InvalidRequest(
                _("Only a customer's message can become a ticket of its own."), code="message"
            )
        first = (
            Message.objects.filter(ticket=ticket)
            .order_by("created_at", "pk")
            .values_list("pk", flat=True)
            .first()
        )
        if first == current.pk:
            raise InvalidRequest(
                _(
                    "The first message of a ticket is what the ticket is about: it cannot be "
                    "split off."
                ),
                code="message",
            )
        opening: Opening = {
            "brand": ticket.brand,
            "contact": ticket.contact,
            "contact_type": ticket.contact_type,
            "category": ticket.category,
            "channel": current.channel,
            "language": ticket.language,
            "subject": subject.strip() or current.subject or ticket.subject,
            "text": current.text,
            "actor": actor,
            "message": current,
        }
        new = tickets_open([opening])[0]
        message.ticket = new
        TicketLink.objects.create(
            brand_id=ticket.brand_id,
            source=new,
            target=ticket,
            kind=LinkKind.SPLIT,
            created_at=change.now,
        )
        change.record(
            Verb.SPLIT,
            actor=actor,
            message=current,
            data={"to": new.reference, "message": current.pk},
        )
        record_event(
            ticket=new,
            verb=Verb.SPLIT_FROM,
            actor=actor,
            message=current,
            at=change.now,
            data={"from": ticket.reference, "message": current.pk},
        )
    return new


# --- validation (REQUIREMENTS IN-5) ---------------------------------------------------------------


def ticket_record_identity_check(
    *, ticket: Ticket, actor: Any, method: str, note: str = ""
) -> IdentityCheck:
    """Record that the customer's identity was checked (Jive): who, when, and how — one of
    the methods of the brand's policy (`validation.identity_check.methods`). What needs
    one before an account-level change is `queries.identity_check_needed`."""
    rule = ticket.brand.get_policy().validation.identity_check
    with _change(ticket) as change:
        if actor is not None:
            require(actor, Action.REPLY, brand=ticket.brand)
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
            checked_by=actor if getattr(actor, "pk", None) else None,
            checked_at=change.now,
            note=note.strip(),
        )
        # The note stays on the check: it may say what was asked, and events travel further
        # (webhooks, exports).
        change.record(
            Verb.IDENTITY_CHECKED, actor=actor, data={"method": method, "check": check.pk}
        )
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


def ticket_validate_order(*, ticket: Ticket, actor: Any, reference: str) -> OrderCheck:
    """Check the order reference the request is about against the brand's rule
    (`validation.order_reference`, Ivoire Toner): the pattern, matched in full after
    trimming, then — for a well-formed reference, when the rule has a `lookup_url` — the
    merchant (200: valid, 404: not found, anything else or no answer: unverified; see
    `lookups`). A malformed reference is recorded as invalid, not refused: the agent sees
    what the customer gave."""
    if actor is not None:
        require(actor, Action.REPLY, brand=ticket.brand)
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
    with _change(ticket) as change:
        previous = ticket.order_status
        change.set(order_reference=reference, order_status=status, order_checked_at=change.now)
        change.record(
            Verb.ORDER_CHECKED,
            actor=actor,
            data={"reference": reference, "status": status, "previous": previous, "detail": detail},
        )
    return OrderCheck(reference=reference, status=status, checked_at=change.now, detail=detail)


# --- compliments and comments (REQUIREMENTS IN-7) ------------------------------------------------


def ticket_thank_and_forward(
    *, ticket: Ticket, actor: Any, text: str, team: Team | None = None
) -> Message:
    """A compliment, in one action (EJ): thank the customer with `text` (a reply, the full
    answer), forward the compliment to the team concerned (default: the ticket's) — a
    notification to each of its active members, recorded as Verb.FORWARDED — and close the
    ticket, with no outcome: a compliment is not decided, so no outcome letter follows.
    Only for contact types whose policy rule says `thank_and_forward`. Each step is the
    usual service, in one transaction; every check, the close's included, comes first."""
    from guichet.notify.staff import notify_staff

    policy = ticket.brand.get_policy()
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock([ticket])
        if actor is not None:
            require(actor, Action.REPLY, brand=ticket.brand, level=ticket.level)
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        rule = policy.contact_type(ticket.contact_type)
        if rule is None or not rule.thank_and_forward:
            raise InvalidRequest(
                _("Only a compliment is thanked and forwarded, and this ticket is not one."),
                code="contact_type",
            )
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(
                _("This ticket is closed: reopen it before replying."), code="closed"
            )
        _check_same_brand(ticket.brand, team)
        team = team or ticket.team
        if team is None:
            raise InvalidRequest(_("Choose the team to forward the compliment to."), code="team")
        message = ticket_reply(ticket=ticket, actor=actor, text=text, full_answer=True)
        with _change(ticket) as change:
            members = [
                membership.user
                for membership in Membership.objects.filter(
                    brand_id=ticket.brand_id, is_active=True, teams=team, user__is_active=True
                ).select_related("user")
            ]
            notified = notify_staff(
                ticket,
                members,
                "compliment",
                _("A customer's compliment for your team, %(reference)s: “%(subject)s”"),
                reference=ticket.reference,
                subject=ticket.subject,
            )
            change.record(
                Verb.FORWARDED,
                actor=actor,
                data={"team": team.key, "team_id": team.pk, "notified": notified},
            )
        ticket_close(ticket=ticket, actor=actor)
    return message


def ticket_close_without_reply(*, ticket: Ticket, actor: Any, reason: str) -> Ticket:
    """Close, sending nothing to the customer, a ticket the brand's policy does not ask
    to answer (EJ's comments): its contact type's rule says reply = "none", or
    "if_service" — then `reason` says why this one does not concern the service. The
    reason is kept on the CLOSED event (`without_reply`)."""
    policy = ticket.brand.get_policy()
    with _change(ticket) as change:
        if actor is not None:
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        rule = policy.contact_type(ticket.contact_type)
        # A complaint or a dispute ends with a written outcome (SLA-6), whatever the rule.
        decided = ticket.contact_type in (ContactType.COMPLAINT, ContactType.DISPUTE)
        if rule is None or rule.reply == "required" or decided:
            raise InvalidRequest(
                _("This brand's policy asks for an answer to this ticket: reply, then close it."),
                code="reply_required",
            )
        reason = reason.strip()
        if rule.reply == "if_service" and not reason:
            raise InvalidRequest(
                _(
                    "Say why this message does not concern the service: if it did, it would "
                    "need an answer."
                ),
                code="reason",
            )
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is already closed."), code="closed")
        previous = ticket.status
        change.set_status(Status.CLOSED)
        change.set(closed_at=change.now)
        change.record(
            Verb.CLOSED,
            actor=actor,
            data={
                "from": previous,
                "outcome": ticket.outcome,
                "level": ticket.level,
                "summary": "",
                "without_reply": True,
                "reason": reason,
            },
        )
    return ticket


# --- customers' records ------------------------------------------------------------------------


def tickets_change_contact(
    *, tickets: Sequence[Ticket], contact: Contact, actor: Any, reason: str = ""
) -> None:
    """Give tickets of one brand to another record of their customer, as a merge of two
    records of one person does (`contacts.services.contact_merge`, which calls this inside
    its transaction). Each ticket records Verb.CONTACT_MERGED with the old and the new
    record's ids. Messages and events keep the record that wrote or did them (history);
    a few statements per hundred tickets."""
    if not tickets:
        return
    if actor is not None:
        require(actor, Action.MERGE_CONTACTS, brand=tickets[0].brand)
    reason = reason.strip()[:500]
    for start in range(0, len(tickets), 100):
        with _changes(tickets[start : start + 100]) as changes:
            for change in changes:
                ticket = change.ticket
                _check_same_brand(ticket.brand, contact)
                if ticket.contact_id == contact.pk:
                    continue
                previous = ticket.contact_id
                change.set(contact=contact)
                change.record(
                    Verb.CONTACT_MERGED,
                    actor=actor,
                    label="" if actor else "system",
                    data={"from": previous, "to": contact.pk, "reason": reason},
                )


# --- conduct ----------------------------------------------------------------------------------


def ticket_flag_abuse(*, ticket: Ticket, actor: Any, reason: str, flagged: bool = True) -> Ticket:
    """Flag a ticket as abusive, or lift the flag (REQUIREMENTS AB-1: an agent flags by
    hand; detection calls this with actor None). The reason is required and recorded."""
    with _change(ticket) as change:
        if actor is not None:
            require(actor, Action.NOTE, brand=ticket.brand)
        reason = reason.strip()
        if not reason:
            raise InvalidRequest(_("Give the reason."), code="reason")
        if flagged == (ticket.abuse_flagged_at is not None):
            return ticket  # already as asked: nothing to record
        change.set(abuse_flagged_at=change.now if flagged else None)
        change.record(
            Verb.ABUSE_FLAGGED if flagged else Verb.ABUSE_UNFLAGGED,
            actor=actor,
            label="" if actor else "conduct",
            data={"reason": reason[:500]},
        )
    return ticket


# --- the customer reopens ------------------------------------------------------------------


def ticket_reopen_by_customer(*, ticket: Ticket, contact: Contact, reason: str) -> Ticket:
    """The customer reopens their own closed ticket with a reason (not satisfied with the
    answer: the satisfaction survey, CL-1). `ticket_reopen` is the staff's; a customer's
    message reopens too (`ticket_receive`)."""
    with _change(ticket) as change:
        if contact.pk != ticket.contact_id:
            raise InvalidRequest(
                _("Only the customer of the ticket can ask for this."), code="contact"
            )
        if ticket.merged_into_id is not None:
            raise InvalidRequest(
                _("This request continues under another reference."), code="merged"
            )
        if ticket.status != Status.CLOSED:
            raise InvalidRequest(_("Only a closed ticket can be reopened."), code="status")
        reason = reason.strip()
        if not reason:
            raise InvalidRequest(_("Give a reason for reopening."), code="reason")
        previous = ticket.status
        change.set_status(Status.OPEN)
        change.set(closed_at=None, reopened_at=change.now)
        change.record(
            Verb.REOPENED,
            contact=contact,
            data={"from": previous, "reason": reason[:2000], "trigger": "customer"},
        )
    return ticket
