"""Who handles a ticket: assignment by the staff, "another person, please" by the customer."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action
from guichet.brands.models import Team
from guichet.lib.errors import InvalidRequest
from guichet.tickets.actors import Customer, System, require_staff
from guichet.tickets.choices import EscalationTrigger, Status, Verb
from guichet.tickets.models import Ticket
from guichet.tickets.queries import least_busy_colleague
from guichet.tickets.services.change import changing
from guichet.tickets.services.checks import (
    UNSET,
    Unset,
    check_same_brand,
    check_staff_of,
    require_customer,
)
from guichet.tickets.services.levels import do_escalate


def ticket_assign(
    *,
    ticket: Ticket,
    actor: User | System,
    assignee: User | None,
    team: Team | Unset | None = UNSET,
    reason: str = "",
    expected_revision: int | None = None,
) -> Ticket:
    """Give the ticket to `assignee` (None: nobody). Taking it for oneself needs less
    power than handing it to someone else. With `expected_revision`, a second agent taking
    a ticket someone just took is refused instead of silently winning."""
    with changing(ticket, actor, expected_revision=expected_revision) as change:
        taking = assignee is not None and assignee.pk == getattr(actor, "pk", None)
        require_staff(actor, Action.TAKE if taking else Action.ASSIGN, brand=ticket.brand)
        check_staff_of(ticket.brand, assignee)
        if assignee is not None and assignee.pk == ticket.concerned_agent_id:
            raise InvalidRequest(
                _("This complaint is about this person: it cannot be given to them."),
                code="assignee",
            )
        data: dict[str, Any] = {}
        if (assignee.pk if assignee else None) != ticket.assignee_id:
            data.update({"from": ticket.assignee_id, "to": assignee.pk if assignee else None})
            change.set(assignee=assignee)
        if not isinstance(team, Unset) and (team.pk if team else None) != ticket.team_id:
            check_same_brand(ticket.brand, team)
            data.update({"team_from": ticket.team_id, "team_to": team.pk if team else None})
            change.set(team=team)
        if data:
            if reason:
                data["reason"] = reason
            change.record(Verb.ASSIGNED, data=data)
    return ticket


def ticket_request_another_person(*, ticket: Ticket, actor: Customer, reason: str = "") -> Ticket:
    """ "Another person, please" (EJ): the customer asks for a different agent at the same
    level. The ticket goes to the least busy colleague of the same team who is not absent,
    or back to the team's queue; the customer is told who handles it now."""
    policy = ticket.brand.get_policy()
    with changing(ticket, actor) as change:
        require_customer(actor, ticket)
        if not policy.escalation.another_person:
            raise InvalidRequest(
                _("This brand's policy does not offer another person on request."), code="policy"
            )
        if ticket.status == Status.CLOSED:
            raise InvalidRequest(_("This ticket is closed."), code="closed")
        previous = ticket.assignee
        excluded = [previous] if previous else []
        if ticket.concerned_agent is not None:
            excluded.append(ticket.concerned_agent)
        successor = least_busy_colleague(ticket, exclude=excluded, at=change.now)
        change.set(assignee=successor)
        change.record(
            Verb.ASSIGNED,
            data={
                "from": previous.pk if previous else None,
                "to": successor.pk if successor else None,
                "reason": reason.strip(),
                "trigger": "another_person",
            },
        )
    return ticket


def ticket_set_concerned_agent(
    *, ticket: Ticket, actor: User | Customer | System, agent: User | None, name: str = ""
) -> Ticket:
    """Say that the ticket is a complaint about a member of the staff (docs/requirements.md
    AB-3): `agent` once known (None: not known, or no longer), `name` as the customer
    gave it. The ticket goes to the level the conduct policy's `agent_complaints_to` role
    handles (not down: a ticket above it stays where it is), leaves the agent concerned if
    they held it, and from now on that person can neither see, take nor decide it. Set by
    the staff (who may assign), or at opening for the customer's form."""
    name = " ".join(name.split())[:200]
    policy = ticket.brand.get_policy()
    with changing(ticket, actor) as change:
        if not isinstance(actor, (Customer, System)):
            require_staff(actor, Action.ASSIGN, brand=ticket.brand)
        check_staff_of(ticket.brand, agent)
        if agent is not None and agent.pk == getattr(actor, "pk", None):
            raise InvalidRequest(
                _("A complaint about you is decided by someone else."), code="concerned_agent"
            )
        name = name or ticket.concerned_agent_name
        if (
            ticket.about_agent
            and (agent.pk if agent else None) == ticket.concerned_agent_id
            and name == ticket.concerned_agent_name
        ):
            return ticket
        change.set(about_agent=True, concerned_agent=agent, concerned_agent_name=name)
        change.record(
            Verb.AGENT_CONCERNED,
            data={"agent": agent.pk if agent else None, "name": name},
        )
        target = complaint_level(policy, policy.conduct.agent_complaints_to)
        if target > ticket.level and ticket.status != Status.CLOSED:
            do_escalate(
                change,
                to_level=target,
                reason=str(_("Complaint about a team member")),
                trigger=EscalationTrigger.ROUTING,
            )
        if agent is not None and ticket.assignee_id == agent.pk:
            change.set(assignee=None)
            change.record(Verb.ASSIGNED, data={"from": agent.pk, "to": None, "trigger": "conduct"})
    return ticket


def complaint_level(policy: Any, role: str) -> int:
    """The first level of the ladder the role handles (the final level if none names it)."""
    for number, level in enumerate(policy.levels, start=1):
        if role in level.handled_by:
            return number
    return policy.final_level
