"""Deciding: the outcome at a level, closing (with or without a reply, a compliment thanked
and forwarded), reopening."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.brands.models import Team
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets.actors import Customer, System, require_staff
from guichet.tickets.choices import ContactType, Outcome, Status, Verb
from guichet.tickets.models import Message, Ticket
from guichet.tickets.queries import team_members
from guichet.tickets.services.change import Change, changing, lock
from guichet.tickets.services.checks import check_choice, check_same_brand, require_customer
from guichet.tickets.services.replies import ticket_reply


def _record_outcome(change: Change, outcome: str, summary: str) -> None:
    check_choice(outcome, Outcome, "outcome")
    ticket = change.ticket
    change.record(
        Verb.OUTCOME_SET,
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
    actor: User | System,
    outcome: str,
    summary: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Record the decision at the ticket's current level (kept per level in the events)."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        require_staff(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        _record_outcome(change, outcome, summary.strip())
    return ticket


def ticket_close(
    *,
    ticket: Ticket,
    actor: User | Customer | System,
    outcome: str | None = None,
    summary: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Close the ticket. A complaint needs an outcome (given here or set before); the
    customer then receives the written outcome and, after the final level, the
    ombudsman's details where the brand has one. A customer may close their own ticket or
    withdraw it."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        if isinstance(actor, Customer):
            if actor.contact.pk != ticket.contact_id:
                raise InvalidRequest(
                    _("Only the customer of the ticket can close it."), code="contact"
                )
        else:
            require_staff(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is already closed."), code="closed")
        if outcome:
            _record_outcome(change, outcome, summary.strip())
        if ticket.contact_type == ContactType.COMPLAINT and not ticket.outcome:
            raise InvalidRequest(
                _(
                    "A complaint is closed with an outcome: upheld, partly upheld, not upheld, "
                    "unresolved or withdrawn."
                ),
                code="outcome_required",
            )
        _closed(change, summary=summary.strip())
    return ticket


def _closed(change: Change, *, summary: str, **more: object) -> None:
    ticket = change.ticket
    previous = ticket.status
    change.set_status(Status.CLOSED)
    change.set(closed_at=change.now)
    change.record(
        Verb.CLOSED,
        data={
            "from": previous,
            "outcome": ticket.outcome,
            "level": ticket.level,
            "summary": summary,
            **more,
        },
    )


def ticket_reopen(
    *,
    ticket: Ticket,
    actor: User | Customer | System,
    reason: str,
    expected_revision: int | None = None,
) -> Ticket:
    """Reopen a closed ticket, with a reason: by the staff who may decide at its level, or
    by its customer (not satisfied with the answer: the satisfaction survey, CL-1) unless it
    continues under another reference. A customer's message reopens too
    (`ticket_receive`)."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        if isinstance(actor, Customer):
            require_customer(actor, ticket)
            if ticket.merged_into_id is not None:
                raise InvalidRequest(
                    _("This request continues under another reference."), code="merged"
                )
        else:
            require_staff(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
        if ticket.status != Status.CLOSED:
            raise InvalidRequest(_("Only a closed ticket can be reopened."), code="status")
        reason = reason.strip()
        if not reason:
            raise InvalidRequest(_("Give a reason for reopening."), code="reason")
        previous = ticket.status
        change.set_status(Status.OPEN)
        change.set(closed_at=None, reopened_at=change.now)
        if isinstance(actor, Customer):
            data = {"from": previous, "reason": reason[:2000], "trigger": "customer"}
        else:
            data = {"from": previous, "reason": reason}
        change.record(Verb.REOPENED, data=data)
    return ticket


# --- compliments and comments (docs/requirements.md IN-7) -----------------------------------------


def ticket_thank_and_forward(
    *, ticket: Ticket, actor: User | System, text: str, team: Team | None = None
) -> Message:
    """A compliment, in one action (EJ): thank the customer with `text` (a reply, the full
    answer), forward the compliment to the team concerned (default: the ticket's) —
    recorded as Verb.FORWARDED, to which notify reacts with a notification to each of the
    team's active members — and close the ticket, with no outcome: a compliment is not
    decided, so no outcome letter follows. Only for contact types whose policy rule says
    `thank_and_forward`. Each step is the usual service, in one transaction; every check,
    the close's included, comes first."""
    policy = ticket.brand.get_policy()
    with brand_scope(ticket.brand_id), transaction.atomic():
        lock([ticket])
        require_staff(actor, Action.REPLY, brand=ticket.brand, level=ticket.level)
        require_staff(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
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
        check_same_brand(ticket.brand, team)
        team = team or ticket.team
        if team is None:
            raise InvalidRequest(_("Choose the team to forward the compliment to."), code="team")
        message = ticket_reply(ticket=ticket, actor=actor, text=text, full_answer=True)
        with changing(ticket, actor) as change:
            change.record(
                Verb.FORWARDED,
                data={
                    "team": team.key,
                    "team_id": team.pk,
                    "notified": len(team_members(ticket.brand_id, team.pk)),
                },
            )
        ticket_close(ticket=ticket, actor=actor)
    return message


def ticket_close_without_reply(*, ticket: Ticket, actor: User | System, reason: str) -> Ticket:
    """Close, sending nothing to the customer, a ticket the brand's policy does not ask
    to answer (EJ's comments): its contact type's rule says reply = "none", or
    "if_service" — then `reason` says why this one does not concern the service. The
    reason is kept on the CLOSED event (`without_reply`)."""
    policy = ticket.brand.get_policy()
    with changing(ticket, actor) as change:
        require_staff(actor, Action.DECIDE, brand=ticket.brand, level=ticket.level)
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
        _closed(change, summary="", without_reply=True, reason=reason)
    return ticket
