"""What the ticket page shows: its live parts (the head with who handles the ticket, at
which level, until when; the timeline), refreshed alone while the page is open, and the
whole page around them (the editor, the properties panel, the actions). Reads only."""

from __future__ import annotations

from typing import Any

from django.utils.translation import get_language

from guichet.accounts.permissions import Action, StaffAccess
from guichet.brands.models import Team
from guichet.desk import forms, queries
from guichet.desk.canned import canned_for
from guichet.desk.conduct import conduct_side, mark_timeline
from guichet.desk.handling import handling
from guichet.desk.parties import money_side, seller_side
from guichet.desk.reading import intake_reading
from guichet.desk.timeline import timeline
from guichet.lib.names import language_name
from guichet.tickets.models import Ticket
from guichet.tickets.queries import (
    customer_tickets,
    identity_check_needed,
    order_reference_needed,
)


def live(desk: StaffAccess, ticket: Ticket, *, everything: bool = False) -> dict[str, Any]:
    """What the head and the timeline show (also refreshed alone while the page is open)."""
    policy = ticket.brand.get_policy()
    language = get_language() or policy.default_language
    category = policy.category(ticket.category)
    can = abilities(desk, ticket)
    history = timeline(ticket, everything=everything)
    conduct = conduct_side(desk, ticket)
    mark_timeline(history.items, conduct.flags)
    return {
        "category_name": policy.text(category.name, language) if category else ticket.category,
        "desk_brand": ticket.brand,
        "ticket": ticket,
        "policy": policy,
        "handling": handling(
            ticket,
            policy,
            language,
            desk.now,
            with_people=can["assign"] and ticket.assignee_id is None,
        ),
        "timeline": history,
        "everything": everything,
        "can": can,
        # The seller's panel: its answer and deadline change while the page is open.
        "seller_side": seller_side(ticket, desk.now),
        # The conduct panel: flags and the customer's block change while the page is open.
        "conduct": conduct,
    }


def whole(
    desk: StaffAccess, ticket: Ticket, *, everything: bool = False, **extra: Any
) -> dict[str, Any]:
    """The whole page: its live parts, the editor (with the draft in `extra`, if any), the
    properties panel and the actions."""
    shown = live(desk, ticket, everything=everything)
    policy = shown["policy"]
    rule = policy.contact_type(ticket.contact_type)
    revision = {"revision": ticket.revision}
    reader = get_language() or policy.default_language
    return {
        **shown,
        # "Français", "anglais"…: the customer's language named in the agent's.
        "customer_language": language_name(ticket.language, reader) if ticket.language else "",
        "others": list(customer_tickets(ticket).exclude(concerned_agent_id=desk.user.pk)[:20]),
        "canned": list(canned_for(ticket)),
        # The reply box's search of the help centre (kb_reply): what was asked, and found.
        "kb_q": "",
        "kb_hits": None,
        "reply_form": extra.pop("reply_form", None) or forms.ReplyForm(initial=revision),
        "note_form": extra.pop("note_form", None) or forms.NoteForm(initial=revision),
        **_parties(desk, ticket, shown, extra),
        "fields_form": forms.FieldsForm(
            ticket,
            people(desk, ticket),
            initial={
                "contact_type": ticket.contact_type,
                "category": ticket.category,
                "priority": ticket.priority,
                "complexity": ticket.complexity,
                "status": ticket.status,
                "assignee": ticket.assignee_id,
                "team": ticket.team_id,
                **revision,
            },
        ),
        "level_form": forms.LevelForm(ticket, initial=revision),
        "close_form": forms.CloseForm(ticket, initial=revision),
        "reason_form": forms.ReasonForm(initial=revision),
        "identity_form": forms.IdentityForm(ticket) if policy.validation.identity_check else None,
        "identity_checks": list(ticket.identity_checks.select_related("checked_by")),
        "identity_needed": identity_check_needed(ticket),
        "order_needed": order_reference_needed(ticket),
        "order_form": forms.OrderForm(ticket) if policy.validation.order_reference else None,
        "other_form": forms.OtherTicketForm(initial=revision),
        "flag_form": forms.FlagForm(ticket),
        "reading": intake_reading(ticket, policy),
        "concerned_form": concerned_form(desk, ticket),
        "thank_form": forms.ThankForm() if rule and rule.thank_and_forward else None,
        "quiet_close": bool(rule and rule.reply in ("none", "if_service")),
        **extra,
    }


def _parties(
    desk: StaffAccess, ticket: Ticket, shown: dict[str, Any], extra: dict[str, Any]
) -> dict[str, Any]:
    """The forms of the seller's panel (a ticket naming a seller of a marketplace), the
    return and the money; a form given in `extra` (a draft refused) is shown again."""
    can = shown["can"]
    side = shown["seller_side"]
    money = money_side(ticket, desk.now)
    found: dict[str, Any] = {
        "money": money,
        "money_shown": can["record_payment"] or money.returns or bool(money.payments),
        "payment_form": extra.pop("payment_form", None)
        or forms.PaymentForm(initial={"currency": money.currency, "kind": "refund"}),
        "return_form": extra.pop("return_form", None) or forms.ReturnForm(),
    }
    if side is not None:
        found["seller_form"] = extra.pop("seller_form", None) or forms.SellerWriteForm(
            side.shareable, initial={"revision": ticket.revision}
        )
    return found


def people(desk: StaffAccess, ticket: Ticket) -> tuple[list[Any], list[Team]] | None:
    """Whom and to which team the person may hand the ticket, if they may hand it at all:
    the brand's staff (the ticket's team first) and teams."""
    if not desk.can(Action.ASSIGN, ticket.brand):
        return None
    staff = queries.staff_of(ticket.brand, [ticket.team_id] if ticket.team_id else [])
    staff = [person for person in staff if getattr(person, "pk", None) != ticket.concerned_agent_id]
    return staff, list(Team.objects.filter(brand_id=ticket.brand_id))


def concerned_form(desk: StaffAccess, ticket: Ticket) -> forms.ConcernedForm | None:
    """ "This complaint is about…": for the staff who may assign, the brand's staff but
    themselves."""
    if not desk.can(Action.ASSIGN, ticket.brand):
        return None
    staff = [
        person
        for person in queries.staff_of(ticket.brand)
        if getattr(person, "pk", None) not in (None, desk.user.pk)
    ]
    return forms.ConcernedForm(staff, initial={"agent": ticket.concerned_agent_id})


def abilities(desk: StaffAccess, ticket: Ticket) -> dict[str, bool]:
    brand = ticket.brand
    return {
        "reply": desk.can(Action.REPLY, brand),
        "note": desk.can(Action.NOTE, brand),
        "take": desk.can(Action.TAKE, brand),
        "assign": desk.can(Action.ASSIGN, brand),
        "fields": desk.can(Action.CHANGE_FIELDS, brand),
        "escalate": desk.can(Action.ESCALATE, brand),
        "decide": desk.can(Action.DECIDE, brand, level=ticket.level),
        "contact_seller": desk.can(Action.CONTACT_SELLER, brand),
        "record_payment": desk.can(Action.RECORD_PAYMENT, brand),
        "manage_sellers": desk.can(Action.MANAGE_SELLERS, brand),
    }
