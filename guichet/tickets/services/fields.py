"""The ticket's classification, its status between open and waiting, the abuse flag."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.lib.errors import InvalidRequest
from guichet.marketplace.models import Seller
from guichet.tickets.actors import System, require_staff
from guichet.tickets.choices import Complexity, Priority, Status, Verb
from guichet.tickets.models import Message, Ticket
from guichet.tickets.services.change import changing
from guichet.tickets.services.checks import (
    UNSET,
    Unset,
    check_category,
    check_choice,
    check_contact_type,
    check_language,
    check_same_brand,
    check_subject,
)
from guichet.tickets.services.ranking import queue_rank


def ticket_change(
    *,
    ticket: Ticket,
    actor: User | System,
    contact_type: str | Unset = UNSET,
    category: str | Unset = UNSET,
    priority: str | Unset = UNSET,
    complexity: str | Unset = UNSET,
    subject: str | Unset = UNSET,
    language: str | Unset = UNSET,
    seller: Seller | Unset | None = UNSET,
    expected_revision: int | None = None,
) -> Ticket:
    """Change the classification of a ticket. Only the arguments given are changed; one
    event per changed field records the old and new values. Deadlines that depend on
    them are recomputed."""
    policy = ticket.brand.get_policy()
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        require_staff(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        changes: dict[str, tuple[Any, Any]] = {}
        if not isinstance(contact_type, Unset):
            check_contact_type(policy, contact_type)
            changes["contact_type"] = (ticket.contact_type, contact_type)
        if not isinstance(category, Unset):
            check_category(policy, category)
            changes["category"] = (ticket.category, category)
        if not isinstance(priority, Unset):
            check_choice(priority, Priority, "priority")
            changes["priority"] = (ticket.priority, priority)
        if not isinstance(complexity, Unset):
            check_choice(complexity, Complexity, "complexity")
            changes["complexity"] = (ticket.complexity, complexity)
        if not isinstance(subject, Unset):
            changes["subject"] = (ticket.subject, check_subject(subject))
        if not isinstance(language, Unset):
            changes["language"] = (ticket.language, check_language(ticket.brand, language))
        if not isinstance(seller, Unset):
            check_same_brand(ticket.brand, seller)
            changes["seller"] = (ticket.seller_id, seller)

        for field, (old, new) in changes.items():
            stored_new = new.pk if field == "seller" and new is not None else new
            if old == stored_new:
                continue
            change.set(**{field: new})
            change.record(Verb.FIELD_CHANGED, data={"field": field, "from": old, "to": stored_new})
            if field == "seller":
                # The previous seller's pending question goes with it (its deadline ends),
                # and what the agent showed it is not shown to the next one.
                change.set(seller_asked_at=None, seller_answered_at=None)
                Message.objects.filter(ticket=ticket, shared_with_seller_at__isnull=False).update(
                    shared_with_seller_at=None
                )
        if "category" in change.fields:
            change.set(queue_rank=queue_rank(policy, ticket.category))
    return ticket


def ticket_set_status(
    *, ticket: Ticket, actor: User | System, status: str, expected_revision: int | None = None
) -> Ticket:
    """Move an open ticket between open and waiting states. Closing and reopening have
    their own functions, because they decide something."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        require_staff(actor, Action.CHANGE_FIELDS, brand=ticket.brand)
        check_choice(status, Status, "status")
        if status == Status.CLOSED or ticket.status == Status.CLOSED:
            raise InvalidRequest(_("Use close or reopen to change a closed state."), code="status")
        if status == Status.NEW:
            raise InvalidRequest(_("A ticket cannot go back to new."), code="status")
        if status != ticket.status:
            previous = ticket.status
            change.set_status(status)
            change.record(Verb.STATUS_CHANGED, data={"from": previous, "to": status})
    return ticket


def ticket_flag_abuse(
    *,
    ticket: Ticket,
    actor: User | System,
    reason: str,
    flagged: bool = True,
    severity: int | None = None,
    details: dict[str, Any] | None = None,
) -> Ticket:
    """Flag a ticket as abusive, or lift the flag (docs/requirements.md AB-1: an agent flags by
    hand; detection flags as the system, `System("conduct")`). The reason is required and
    recorded; `severity` (guichet.conduct.detect.Severity) raises the ticket's to the worst
    seen, and `details` (the words found, the message, the flag's id) go with the event: a
    second hit on a flagged ticket is recorded too."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.NOTE, brand=ticket.brand)
        reason = reason.strip()
        if not reason:
            raise InvalidRequest(_("Give the reason."), code="reason")
        if not flagged:
            if ticket.abuse_flagged_at is None:
                return ticket
            change.set(abuse_flagged_at=None, abuse_severity=None)
            change.record(Verb.ABUSE_UNFLAGGED, data={"reason": reason[:500], **(details or {})})
            return ticket
        if ticket.abuse_flagged_at is not None and severity is None:
            return ticket  # already as asked: nothing to record
        if ticket.abuse_flagged_at is None:
            change.set(abuse_flagged_at=change.now)
        if severity is not None and severity > (ticket.abuse_severity or 0):
            change.set(abuse_severity=severity)
        data: dict[str, Any] = {"reason": reason[:500], **(details or {})}
        if severity is not None:
            data["severity"] = severity
        change.record(Verb.ABUSE_FLAGGED, data=data)
    return ticket


def ticket_abuse_decide(
    *,
    ticket: Ticket,
    actor: User,
    confirmed: bool,
    note: str = "",
    severity: int | None,
    details: dict[str, Any] | None = None,
) -> Ticket:
    """Record a person's decision on an abuse flag (confirmed: the message is abusive;
    else dismissed). `severity` is the worst of the ticket's flags not dismissed once this
    decision is made (None: none left, and the ticket is no longer flagged)."""
    with changing(ticket, actor) as change:
        require_staff(actor, Action.NOTE, brand=ticket.brand)
        data = {"note": note.strip()[:2000], **(details or {})}
        change.record(Verb.ABUSE_CONFIRMED if confirmed else Verb.ABUSE_DISMISSED, data=data)
        if severity is None:
            if ticket.abuse_flagged_at is not None:
                change.set(abuse_flagged_at=None, abuse_severity=None)
                change.record(Verb.ABUSE_UNFLAGGED, data={"reason": data["note"]})
        else:
            change.set(abuse_severity=severity)
            if ticket.abuse_flagged_at is None:
                change.set(abuse_flagged_at=change.now)
    return ticket
