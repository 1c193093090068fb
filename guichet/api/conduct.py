"""/api/v1/tickets/{reference}/…: the conduct procedure (docs/conduct.md) — the abuse flags of
a ticket and a person's decision on each (a confirmation sends the policy's warning letter
or blocks the customer), a flag by hand, the customer's block and its lifting, referrals to
an authority, and the team member a complaint is about.

Through the conduct services with the caller as actor, on a ticket reached by
`access_ticket` (404 for another brand's, and for a complaint about the caller)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _
from ninja import Router, Status

from guichet.api.errors import ApiError
from guichet.api.principal import principal
from guichet.api.schemas import ERRORS, TicketOut
from guichet.api.schemas.conduct import (
    FLAG_SELECT,
    AbuseFlagOut,
    BlockOut,
    ConcernedAgentIn,
    DecisionIn,
    FlagIn,
    ReasonIn,
    ReferralIn,
    ReferralOut,
    StepOut,
    block_out,
    flag_out,
    referral_out,
)
from guichet.api.tickets import ticket_answer, ticket_for, ticket_for_write
from guichet.conduct import services
from guichet.conduct.detect import Severity
from guichet.conduct.models import AbuseFlag
from guichet.contacts.models import Contact
from guichet.tickets import services as tickets
from guichet.tickets.models import Message, Ticket
from guichet.tickets.queries import assignable

router = Router(tags=["conduct"])


def _flag(ticket: Ticket, flag_id: int) -> AbuseFlag:
    found = AbuseFlag.objects.select_related(*FLAG_SELECT).filter(pk=flag_id, ticket=ticket).first()
    if found is None:
        raise ApiError(404, "not_found", _("Not found."))
    return found


def _fresh(ticket: Ticket) -> Ticket:
    """The ticket as the conduct services left it (they change it through the ticket
    services, on objects of their own)."""
    return Ticket.objects.select_related("brand", "contact", "assignee", "team", "seller").get(
        pk=ticket.pk
    )


def _step(ticket: Ticket, flag: AbuseFlag, step: services.Step) -> dict[str, Any]:
    return {
        "ticket": ticket_answer(_fresh(ticket)),
        "flag": flag_out(_flag(ticket, flag.pk)),
        "warning": step.warning,
        "block": block_out(step.block, ticket.reference) if step.block else None,
    }


@router.get(
    "/{reference}/abuse-flags",
    response={200: list[AbuseFlagOut], **ERRORS},
    summary="The ticket's abuse flags: the words found, the decision on each",
)
def list_flags(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    who = principal(request)
    who.require_read()
    ticket = ticket_for(who, reference)
    flags = AbuseFlag.objects.filter(ticket=ticket).select_related(*FLAG_SELECT)
    return [flag_out(flag) for flag in flags.order_by("created_at", "pk")]


@router.post(
    "/{reference}/abuse-flags",
    response={201: StepOut, **ERRORS},
    summary="Flag a message as abusive by hand (that is its confirmation)",
)
def flag_by_hand(request: HttpRequest, reference: str, payload: FlagIn) -> Status:
    who, ticket = ticket_for_write(request, reference)
    message = None
    if payload.message is not None:
        message = Message.objects.filter(pk=payload.message, ticket=ticket).first()
        if message is None:
            raise ApiError(404, "not_found", _("Not found."))
    step = services.flag_by_staff(
        ticket=ticket,
        actor=who.user,
        reason=payload.reason,
        severity=Severity[payload.severity.upper()],
        message=message,
    )
    flag = AbuseFlag.objects.filter(ticket=ticket).latest("pk")
    return Status(201, _step(ticket, flag, step))


@router.post(
    "/{reference}/abuse-flags/{flag_id}/confirm",
    response={200: StepOut, **ERRORS},
    summary="Confirm a flag: the policy's warning letter, or the block after the warnings",
)
def confirm(request: HttpRequest, reference: str, flag_id: int, payload: DecisionIn) -> Any:
    who, ticket = ticket_for_write(request, reference)
    flag = _flag(ticket, flag_id)
    step = services.flag_confirm(flag=flag, actor=who.user, note=payload.note)
    return _step(ticket, flag, step)


@router.post(
    "/{reference}/abuse-flags/{flag_id}/dismiss",
    response={200: AbuseFlagOut, **ERRORS},
    summary="Dismiss a flag: the message is not abusive",
)
def dismiss(request: HttpRequest, reference: str, flag_id: int, payload: DecisionIn) -> Any:
    who, ticket = ticket_for_write(request, reference)
    flag = services.flag_dismiss(flag=_flag(ticket, flag_id), actor=who.user, note=payload.note)
    return flag_out(_flag(ticket, flag.pk))


@router.post(
    "/{reference}/block",
    response={201: BlockOut, **ERRORS},
    summary="Block the ticket's customer on every channel (team leads and above)",
)
def block(request: HttpRequest, reference: str, payload: ReasonIn) -> Status:
    who, ticket = ticket_for_write(request, reference)
    found = services.conduct_block(
        contact=ticket.contact, ticket=ticket, actor=who.user, reason=payload.reason
    )
    return Status(201, block_out(found, ticket.reference))


@router.post(
    "/{reference}/lift-block",
    response={200: BlockOut, **ERRORS},
    summary="Lift the customer's block (the roles the policy names)",
)
def lift(request: HttpRequest, reference: str, payload: ReasonIn) -> Any:
    who, ticket = ticket_for_write(request, reference)
    contact = Contact.objects.get(pk=ticket.contact_id)
    found = services.conduct_lift(contact=contact, actor=who.user, reason=payload.reason)
    return block_out(found, ticket.reference if found.ticket_id == ticket.pk else None)


@router.post(
    "/{reference}/referrals",
    response={201: ReferralOut, **ERRORS},
    summary="Record that the case was referred to an authority (where the policy allows it)",
)
def refer(request: HttpRequest, reference: str, payload: ReferralIn) -> Status:
    who, ticket = ticket_for_write(request, reference)
    referral = services.conduct_refer(
        contact=ticket.contact,
        ticket=ticket,
        actor=who.user,
        authority=payload.authority,
        note=payload.note,
    )
    return Status(201, referral_out(referral, ticket.reference))


@router.post(
    "/{reference}/concerned-agent",
    response={200: TicketOut, **ERRORS},
    summary="Say which team member a complaint is about (they lose sight of it)",
)
def concerned_agent(request: HttpRequest, reference: str, payload: ConcernedAgentIn) -> Any:
    who, ticket = ticket_for_write(request, reference)
    agent = assignable(ticket.brand, payload.agent)
    tickets.ticket_set_concerned_agent(
        ticket=ticket, actor=who.user, agent=agent, name=payload.name
    )
    return ticket_answer(ticket)
