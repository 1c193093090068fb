"""Every change to a ticket. Nothing else writes tickets, messages or events.

Each function checks (permission, policy, state), then does, and records an Event in
the same transaction; side effects are queued on commit by listeners of the events.
Arguments are keyword-only. `actor` is the staff user acting, or None when the system
acts (a channel, the worker, the demo loader); customers act through the functions
that take a `contact`.

Concurrency: each function locks the ticket row first (SELECT … FOR UPDATE; SQLite
serialises writers with IMMEDIATE transactions), refreshes the caller's instance in
place, and, when `expected_revision` is given, refuses with Conflict if someone else
changed the ticket since the caller looked at it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership
from guichet.accounts.permissions import Action, require
from guichet.brands.models import Brand, Team
from guichet.contacts.models import Contact
from guichet.lib import clock
from guichet.lib.errors import Conflict, InvalidRequest
from guichet.lib.html import html_to_text, sanitize_html
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller
from guichet.policies.schema import Policy
from guichet.tickets.choices import (
    Channel,
    Complexity,
    ContactType,
    Direction,
    EscalationTrigger,
    Outcome,
    Priority,
    Status,
    Verb,
)
from guichet.tickets.events import record_event
from guichet.tickets.models import Attachment, Message, Ticket
from guichet.tickets.references import next_reference


class _Unset:
    def __repr__(self) -> str:
        return "UNSET"


UNSET: Any = _Unset()


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
    if user is None:
        return
    if user.is_superuser:
        return
    if not Membership.objects.filter(user=user, brand=brand, is_active=True).exists():
        raise InvalidRequest(_("This person does not work for this brand."), code="assignee")


def _lock(ticket: Ticket, expected_revision: int | None) -> None:
    """Lock the ticket row for this transaction and bring `ticket` up to date in place."""
    Ticket._base_manager.select_for_update().filter(pk=ticket.pk).values_list("pk", flat=True).get()
    ticket.refresh_from_db()
    if expected_revision is not None and ticket.revision != expected_revision:
        raise Conflict(
            _("Someone else changed this ticket in the meantime. Reload it before trying again."),
            code="stale",
        )


def _save(ticket: Ticket, now: datetime, *fields: str) -> None:
    ticket.updated_at = now
    ticket.revision += 1
    ticket.save(update_fields=[*fields, "updated_at", "revision"])


def _message_bodies(text: str, html: str) -> tuple[str, str]:
    clean = sanitize_html(html) if html else ""
    body = text.strip() if text and text.strip() else html_to_text(clean)
    if not body and not clean:
        raise InvalidRequest(_("A message cannot be empty."), code="empty_message")
    return body, clean


def _attach(message: Message, attachments: Sequence[Attachment]) -> None:
    ids = [a.pk for a in attachments]
    if not ids:
        return
    linked = Attachment.objects.filter(
        pk__in=ids, brand_id=message.brand_id, message__isnull=True
    ).update(message=message)
    if linked != len(set(ids)):
        raise InvalidRequest(_("An attachment is missing or already used."), code="attachment")


def _set_status(ticket: Ticket, status: str, now: datetime) -> list[str]:
    """Change status, keeping the paused clock right; returns the fields to save."""
    fields = ["status"]
    resuming = ticket.status == Status.WAITING_CUSTOMER and status != Status.WAITING_CUSTOMER
    if resuming and ticket.paused_since is not None:
        ticket.paused_seconds += max(0, int((now - ticket.paused_since).total_seconds()))
        ticket.paused_since = None
        fields += ["paused_seconds", "paused_since"]
    if status == Status.WAITING_CUSTOMER and ticket.status != Status.WAITING_CUSTOMER:
        ticket.paused_since = now
        fields.append("paused_since")
    ticket.status = status
    return fields


def _new_message(
    *,
    ticket: Ticket,
    direction: str,
    channel: str,
    text: str,
    html: str,
    now: datetime,
    author_user: Any = None,
    author_contact: Contact | None = None,
    internal: bool = False,
    automatic: bool = False,
    language: str = "",
    external_id: str = "",
    attachments: Sequence[Attachment] = (),
) -> Message:
    body, clean = _message_bodies(text, html)
    message = Message.objects.create(
        brand_id=ticket.brand_id,
        ticket=ticket,
        direction=direction,
        channel=channel,
        is_internal=internal,
        is_automatic=automatic,
        author_user=author_user,
        author_contact=author_contact,
        text=body,
        html=clean,
        language=language or ticket.language,
        external_id=external_id[:998],
        created_at=now,
    )
    _attach(message, attachments)
    return message


# --- opening --------------------------------------------------------------------------------


def ticket_open(
    *,
    brand: Brand,
    contact: Contact,
    contact_type: str,
    subject: str,
    text: str,
    html: str = "",
    channel: str,
    category: str = "",
    priority: str | None = None,
    complexity: str = Complexity.SIMPLE,
    language: str = "",
    seller: Seller | None = None,
    actor: Any = None,
    external_id: str = "",
    attachments: Sequence[Attachment] = (),
    received_at: datetime | None = None,
) -> Ticket:
    """Open a ticket with the customer's first message and give it its reference.

    `actor` is the agent logging a call or a letter; None when the customer wrote in
    themselves through a channel. `received_at` defaults to now."""
    policy = brand.get_policy()
    with brand_scope(brand), transaction.atomic():
        if actor is not None:
            require(actor, Action.REPLY, brand=brand)
        _check_same_brand(brand, contact, seller)
        _check_contact_type(policy, contact_type)
        _check_category(policy, category)
        _check_choice(channel, Channel, "channel")
        _check_choice(complexity, Complexity, "complexity")
        if priority is not None:
            _check_choice(priority, Priority, "priority")
        subject = " ".join(subject.split())[:300]
        if not subject:
            raise InvalidRequest(_("A subject is required."), code="subject")
        language = _check_language(brand, language or contact.language)
        category_rule = policy.category(category) if category else None
        first_level = policy.level_at(1)
        team_key = (
            category_rule.team if category_rule and category_rule.team else None
        ) or first_level.team
        now = received_at or clock.now()

        ticket = Ticket.objects.create(
            brand=brand,
            reference=next_reference(brand, now),
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
            team=Team.objects.filter(brand=brand, key=team_key).first(),
            seller=seller,
            created_at=now,
            updated_at=now,
            level_started_at=now,
        )
        message = _new_message(
            ticket=ticket,
            direction=Direction.INBOUND,
            channel=channel,
            text=text,
            html=html,
            now=now,
            author_contact=contact,
            language=language,
            external_id=external_id,
            attachments=attachments,
        )
        record_event(
            ticket=ticket,
            verb=Verb.OPENED,
            actor=actor,
            contact=None if actor else contact,
            message=message,
            at=now,
            data={
                "reference": ticket.reference,
                "channel": channel,
                "contact_type": contact_type,
                "category": category,
                "priority": ticket.priority,
                "level": 1,
            },
        )
        return ticket


# --- messages ---------------------------------------------------------------------------------


def ticket_receive(
    *,
    ticket: Ticket,
    contact: Contact,
    text: str,
    html: str = "",
    channel: str,
    external_id: str = "",
    attachments: Sequence[Attachment] = (),
    received_at: datetime | None = None,
) -> Message:
    """A customer's new message on an existing ticket. It resumes a paused clock and
    reopens a closed ticket (REQUIREMENTS CL-1: a reply reopens)."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, None)
        _check_same_brand(ticket.brand, contact)
        _check_choice(channel, Channel, "channel")
        now = received_at or clock.now()
        message = _new_message(
            ticket=ticket,
            direction=Direction.INBOUND,
            channel=channel,
            text=text,
            html=html,
            now=now,
            author_contact=contact,
            external_id=external_id,
            attachments=attachments,
        )
        record_event(
            ticket=ticket,
            verb=Verb.MESSAGE_RECEIVED,
            contact=contact,
            message=message,
            at=now,
            data={"channel": channel},
        )
        fields: list[str] = []
        if ticket.status == Status.CLOSED:
            previous = ticket.status
            ticket.closed_at = None
            fields = [*_set_status(ticket, Status.OPEN, now), "closed_at"]
            record_event(
                ticket=ticket,
                verb=Verb.REOPENED,
                contact=contact,
                at=now,
                data={"from": previous, "reason": "customer_message"},
            )
        elif ticket.status in (Status.WAITING_CUSTOMER, Status.NEW):
            previous = ticket.status
            fields = _set_status(ticket, Status.OPEN, now)
            record_event(
                ticket=ticket,
                verb=Verb.STATUS_CHANGED,
                contact=contact,
                at=now,
                data={"from": previous, "to": Status.OPEN, "reason": "customer_message"},
            )
        _save(ticket, now, *fields)
        return message


def ticket_reply(
    *,
    ticket: Ticket,
    actor: Any,
    text: str,
    html: str = "",
    channel: str | None = None,
    attachments: Sequence[Attachment] = (),
    status_after: str | None = None,
    automatic: bool = False,
    expected_revision: int | None = None,
) -> Message:
    """A message to the customer. The first one meets the first-response deadline.

    `status_after` may put the ticket to wait on the customer (pausing the clock) or on
    a third party. With `automatic`, the system speaks (acknowledgement, delay letter):
    no actor, and the message does not count as a response by a person."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
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
        now = clock.now()
        message = _new_message(
            ticket=ticket,
            direction=Direction.OUTBOUND,
            channel=channel or ticket.channel,
            text=text,
            html=html,
            now=now,
            author_user=actor,
            automatic=automatic,
            attachments=attachments,
        )
        fields: list[str] = []
        if not automatic:
            if ticket.first_responded_at is None:
                ticket.first_responded_at = now
                fields.append("first_responded_at")
            target = status_after or (Status.OPEN if ticket.status == Status.NEW else ticket.status)
            if target != ticket.status:
                previous = ticket.status
                fields += _set_status(ticket, target, now)
                record_event(
                    ticket=ticket,
                    verb=Verb.STATUS_CHANGED,
                    actor=actor,
                    at=now,
                    data={"from": previous, "to": target},
                )
        record_event(
            ticket=ticket,
            verb=Verb.REPLIED,
            actor=actor,
            label="" if actor else "system",
            message=message,
            at=now,
            data={"automatic": automatic, "channel": message.channel},
        )
        _save(ticket, now, *fields)
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
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, None)
        if actor is not None:
            require(actor, Action.NOTE, brand=ticket.brand)
        now = clock.now()
        message = _new_message(
            ticket=ticket,
            direction=Direction.OUTBOUND,
            channel=ticket.channel,
            text=text,
            html=html,
            now=now,
            author_user=actor,
            internal=True,
            attachments=attachments,
        )
        record_event(ticket=ticket, verb=Verb.NOTE_ADDED, actor=actor, message=message, at=now)
        _save(ticket, now)
        return message


# --- people -----------------------------------------------------------------------------------


def ticket_assign(
    *,
    ticket: Ticket,
    actor: Any,
    assignee: Any,
    team: Team | _Unset | None = UNSET,
    expected_revision: int | None = None,
) -> Ticket:
    """Give the ticket to `assignee` (None: nobody). Taking it for oneself needs less
    power than handing it to someone else. With `expected_revision`, a second agent
    taking a ticket someone just took is refused instead of silently winning."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
        if actor is not None:
            taking = assignee is not None and assignee.pk == actor.pk
            require(actor, Action.TAKE if taking else Action.ASSIGN, brand=ticket.brand)
        _staff_of(ticket.brand, assignee)
        fields = []
        data: dict[str, Any] = {}
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            data["from"] = ticket.assignee_id
            data["to"] = assignee.pk if assignee else None
            ticket.assignee = assignee
            fields.append("assignee")
        if not isinstance(team, _Unset) and (team.pk if team else None) != ticket.team_id:
            _check_same_brand(ticket.brand, team)
            data["team_from"] = ticket.team_id
            data["team_to"] = team.pk if team else None
            ticket.team = team
            fields.append("team")
        if not fields:
            return ticket
        now = clock.now()
        record_event(ticket=ticket, verb=Verb.ASSIGNED, actor=actor, at=now, data=data)
        _save(ticket, now, *fields)
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
    event per changed field records the old and new values."""
    policy = ticket.brand.get_policy()
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
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

        now = clock.now()
        fields = []
        for field, (old, new) in changes.items():
            stored_new = new.pk if field == "seller" and new is not None else new
            if old == stored_new:
                continue
            setattr(ticket, field, new)
            fields.append(field)
            record_event(
                ticket=ticket,
                verb=Verb.FIELD_CHANGED,
                actor=actor,
                at=now,
                data={"field": field, "from": old, "to": stored_new},
            )
        if fields:
            _save(ticket, now, *fields)
        return ticket


def ticket_set_status(
    *, ticket: Ticket, actor: Any, status: str, expected_revision: int | None = None
) -> Ticket:
    """Move an open ticket between open and waiting states. Closing and reopening have
    their own functions, because they decide something."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
        if actor is not None:
            require(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        _check_choice(status, Status, "status")
        if status == Status.CLOSED or ticket.status == Status.CLOSED:
            raise InvalidRequest(_("Use close or reopen to change a closed state."), code="status")
        if status == Status.NEW:
            raise InvalidRequest(_("A ticket cannot go back to new."), code="status")
        if status == ticket.status:
            return ticket
        now = clock.now()
        previous = ticket.status
        fields = _set_status(ticket, status, now)
        record_event(
            ticket=ticket,
            verb=Verb.STATUS_CHANGED,
            actor=actor,
            at=now,
            data={"from": previous, "to": status},
        )
        _save(ticket, now, *fields)
        return ticket


# --- levels -------------------------------------------------------------------------------------


def _move_level(
    *,
    ticket: Ticket,
    to_level: int,
    verb: str,
    reason: str,
    trigger: str,
    actor: Any,
    contact: Contact | None,
    now: datetime,
) -> None:
    policy = ticket.brand.get_policy()
    level = policy.level_at(to_level)
    previous = ticket.level
    ticket.level = to_level
    ticket.level_started_at = now
    ticket.team = Team.objects.filter(brand_id=ticket.brand_id, key=level.team).first()
    ticket.assignee = None
    fields = ["level", "level_started_at", "team", "assignee"]
    if ticket.status in (Status.NEW, Status.WAITING_CUSTOMER, Status.WAITING_THIRD_PARTY):
        fields += _set_status(ticket, Status.OPEN, now)
    record_event(
        ticket=ticket,
        verb=verb,
        actor=actor,
        contact=contact,
        label="" if actor or contact else "system",
        at=now,
        data={
            "from": previous,
            "to": to_level,
            "level_key": level.key,
            "team": level.team,
            "reason": reason,
            "trigger": trigger,
        },
    )
    _save(ticket, now, *fields)


def ticket_escalate(
    *,
    ticket: Ticket,
    actor: Any = None,
    contact: Contact | None = None,
    reason: str = "",
    to_level: int | None = None,
    trigger: str = EscalationTrigger.AGENT,
    expected_revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Move the ticket up the policy's ladder (default: the next level).

    By an agent (needs a reason where the policy says so), at the customer's request
    (`contact`, where the policy allows it), or by time (the worker: no actor)."""
    policy = ticket.brand.get_policy()
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
        _check_choice(trigger, EscalationTrigger, "trigger")
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
        target = to_level if to_level is not None else ticket.level + 1
        if ticket.level >= policy.final_level:
            raise InvalidRequest(
                _("This ticket is at the final level: its decision is final."), code="final_level"
            )
        if not ticket.level < target <= policy.final_level:
            raise InvalidRequest(
                _("Escalation goes to a higher level of the ladder."), code="level"
            )
        now = at or clock.now()
        if ticket.status == Status.CLOSED:
            ticket.closed_at = None
            previous = ticket.status
            _set_status(ticket, Status.OPEN, now)
            ticket.save(update_fields=["status", "closed_at"])
            record_event(
                ticket=ticket,
                verb=Verb.REOPENED,
                contact=contact,
                at=now,
                data={"from": previous, "reason": "escalation_requested"},
            )
        _move_level(
            ticket=ticket,
            to_level=target,
            verb=Verb.ESCALATED,
            reason=reason,
            trigger=trigger,
            actor=actor,
            contact=contact,
            now=now,
        )
        return ticket


def ticket_return_to_level(
    *, ticket: Ticket, actor: Any, to_level: int, reason: str, expected_revision: int | None = None
) -> Ticket:
    """Send the ticket back down the ladder (for instance, to complete the front-line answer)."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
        require(actor, Action.ESCALATE, brand=ticket.brand)
        if not reason.strip():
            raise InvalidRequest(_("Give a reason for the change of level."), code="reason")
        if not 1 <= to_level < ticket.level:
            raise InvalidRequest(_("Choose a lower level."), code="level")
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is closed."), code="closed")
        _move_level(
            ticket=ticket,
            to_level=to_level,
            verb=Verb.LEVEL_RETURNED,
            reason=reason.strip(),
            trigger=EscalationTrigger.AGENT,
            actor=actor,
            contact=None,
            now=clock.now(),
        )
        return ticket


# --- decisions -------------------------------------------------------------------------------------


def _record_outcome(ticket: Ticket, actor: Any, outcome: str, summary: str, now: datetime) -> None:
    _check_choice(outcome, Outcome, "outcome")
    record_event(
        ticket=ticket,
        verb=Verb.OUTCOME_SET,
        actor=actor,
        at=now,
        data={
            "level": ticket.level,
            "outcome": outcome,
            "previous": ticket.outcome,
            "summary": summary,
        },
    )
    ticket.outcome = outcome


def ticket_set_outcome(
    *,
    ticket: Ticket,
    actor: Any,
    outcome: str,
    summary: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Record the decision at the ticket's current level (kept per level in the events)."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
        if actor is not None:
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        now = clock.now()
        _record_outcome(ticket, actor, outcome, summary.strip(), now)
        _save(ticket, now, "outcome")
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
    """Close the ticket. A complaint needs an outcome (given here or set before).
    A customer (`contact`) may close their own ticket or withdraw it."""
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
        if actor is not None:
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        if contact is not None and contact.pk != ticket.contact_id:
            raise InvalidRequest(_("Only the customer of the ticket can close it."), code="contact")
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is already closed."), code="closed")
        now = clock.now()
        fields = []
        if outcome:
            _record_outcome(ticket, actor, outcome, summary.strip(), now)
            fields.append("outcome")
        if ticket.contact_type == ContactType.COMPLAINT and not ticket.outcome:
            raise InvalidRequest(
                _(
                    "A complaint is closed with an outcome: upheld, partly upheld, not upheld, "
                    "unresolved or withdrawn."
                ),
                code="outcome_required",
            )
        previous = ticket.status
        fields += _set_status(ticket, Status.CLOSED, now)
        ticket.closed_at = now
        fields.append("closed_at")
        record_event(
            ticket=ticket,
            verb=Verb.CLOSED,
            actor=actor,
            contact=contact,
            at=now,
            data={"from": previous, "outcome": ticket.outcome, "level": ticket.level},
        )
        _save(ticket, now, *fields)
        return ticket


def ticket_reopen(
    *, ticket: Ticket, actor: Any, reason: str, expected_revision: int | None = None
) -> Ticket:
    with brand_scope(ticket.brand_id), transaction.atomic():
        _lock(ticket, expected_revision)
        if actor is not None:
            require(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        if ticket.status != Status.CLOSED:
            raise InvalidRequest(_("Only a closed ticket can be reopened."), code="status")
        if not reason.strip():
            raise InvalidRequest(_("Give a reason for reopening."), code="reason")
        now = clock.now()
        previous = ticket.status
        fields = [*_set_status(ticket, Status.OPEN, now), "closed_at"]
        ticket.closed_at = None
        record_event(
            ticket=ticket,
            verb=Verb.REOPENED,
            actor=actor,
            at=now,
            data={"from": previous, "reason": reason.strip()},
        )
        _save(ticket, now, *fields)
        return ticket
