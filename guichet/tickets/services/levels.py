"""The policy's ladder of levels: escalation (by an agent, at the customer's request, by
time) and the return to a lower level."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.brands.models import team_id_for
from guichet.lib.errors import InvalidRequest
from guichet.tickets.actors import Actor, Customer, System, require_staff
from guichet.tickets.choices import EscalationTrigger, Status, Verb
from guichet.tickets.models import Ticket
from guichet.tickets.services.change import Change, changing
from guichet.tickets.services.checks import require_customer

if TYPE_CHECKING:
    # Annotations only: the schema (pydantic) loads with the first policy read, not with
    # every process that registers the services' hooks.
    from guichet.policies.schema import Policy


def ticket_escalate(
    *,
    ticket: Ticket,
    actor: Actor,
    reason: str = "",
    to_level: int | None = None,
    expected_revision: int | None = None,
    at: datetime | None = None,
) -> Ticket:
    """Move the ticket up the policy's ladder (default: the next level), by
    - a member of the staff (where the policy lets agents escalate; with a reason where it
      says so);
    - the customer, at their request (`Customer`, where the policy offers it, once the
      brand has answered them: `Ticket.has_answer`; it reopens a closed ticket), recorded
      for them by a member of the staff who may escalate (`Customer.recorded_by`: told by
      phone, at the counter) — the request stays theirs;
    - time (the watcher, a `System` actor), at `at`.
    The customer is told who handles it, what happens next and when (a reaction of notify)."""
    reason = reason.strip()
    policy = ticket.brand.get_policy()
    with changing(ticket, actor, expected_revision=expected_revision, at=at) as change:
        target = check_escalation(ticket, policy, actor, reason=reason, to_level=to_level)
        do_escalate(change, to_level=target, reason=reason)
    return ticket


def trigger_of(actor: Actor) -> EscalationTrigger:
    match actor:
        case Customer():
            return EscalationTrigger.CUSTOMER
        case System():
            return EscalationTrigger.TIME
        case _:
            return EscalationTrigger.AGENT


def check_escalation(
    ticket: Ticket, policy: Policy, actor: Actor, *, reason: str, to_level: int | None
) -> int:
    """Whether `actor` may move the ticket (locked) up to `to_level` (default: the next
    one); the level it goes to."""
    match actor:
        case Customer():
            require_staff_recorder(actor, ticket)
            require_customer(actor, ticket)
            if not policy.escalation.customer_may_request:
                raise InvalidRequest(
                    _("This brand's policy does not offer escalation on request."), code="policy"
                )
            if not ticket.has_answer:
                # "Si vous n'êtes pas satisfait de la réponse qui vous a été donnée" (EJ),
                # "si vous estimez que votre plainte n'est pas traitée de manière
                # satisfaisante" (Jive): the next level reviews an answer.
                raise InvalidRequest(
                    _(
                        "The next level reviews the answer given to a request: it can be "
                        "asked for once we have answered."
                    ),
                    code="not_answered",
                )
        case System():
            pass
        case _:
            require_staff(actor, Action.ESCALATE, brand=ticket.brand)
            if not policy.escalation.agent_may_escalate:
                raise InvalidRequest(
                    _("This brand's policy does not let agents escalate."), code="policy"
                )
            if policy.escalation.reason_required and not reason:
                raise InvalidRequest(_("Give a reason for the escalation."), code="reason")
    if ticket.status == Status.CLOSED and not isinstance(actor, Customer):
        raise InvalidRequest(_("This ticket is closed."), code="closed")
    if ticket.level >= policy.final_level:
        raise InvalidRequest(
            _("This ticket is at the final level: its decision is final."), code="final_level"
        )
    target = to_level if to_level is not None else ticket.level + 1
    if not ticket.level < target <= policy.final_level:
        raise InvalidRequest(_("Escalation goes to a higher level of the ladder."), code="level")
    return target


def require_staff_recorder(actor: Customer, ticket: Ticket) -> None:
    """A request recorded for the customer needs the recorder's right to escalate."""
    if actor.recorded_by is not None:
        require_staff(actor, Action.ESCALATE, brand=ticket.brand)


def do_escalate(
    change: Change, *, to_level: int, reason: str, trigger: EscalationTrigger | None = None
) -> None:
    """Move the ticket (locked, checked by `check_escalation`) up to `to_level`; a closed
    ticket the customer asks to escalate is reopened first."""
    ticket = change.ticket
    if ticket.status == Status.CLOSED:
        previous = ticket.status
        change.set_status(Status.OPEN)
        change.set(closed_at=None, reopened_at=change.now)
        change.record(Verb.REOPENED, data={"from": previous, "reason": "escalation_requested"})
    _move_level(
        change,
        to_level=to_level,
        verb=Verb.ESCALATED,
        reason=reason,
        trigger=trigger or trigger_of(change.actor),
    )


def ticket_return_to_level(
    *,
    ticket: Ticket,
    actor: User,
    to_level: int,
    reason: str,
    expected_revision: int | None = None,
) -> Ticket:
    """Send the ticket back down the ladder (for instance, to complete the front-line answer)."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        require_staff(actor, Action.ESCALATE, brand=ticket.brand)
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
        )
    return ticket


def _move_level(change: Change, *, to_level: int, verb: str, reason: str, trigger: str) -> None:
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
        "team_id": ticket.team_id,
        "reason": reason,
        "trigger": trigger,
    }
    change.record(verb, data=data)
