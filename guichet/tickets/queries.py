"""Reads of tickets. One object is reached through `access_ticket`, which returns it or
raises Http404 exactly like a missing ticket, whatever the reason."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets.choices import OrderStatus
from guichet.tickets.models import IdentityCheck, Ticket


def tickets_visible_to(user: Any) -> QuerySet[Ticket]:
    """The tickets of the brands where `user` holds a staff role. Must be evaluated inside
    the scope this function does not enter itself (the request's)."""
    qs = Ticket.objects.select_related("brand", "contact", "assignee", "team")
    if is_unrestricted(user):
        return qs
    return qs.filter(brand_id__in=brand_ids(user))


def access_ticket(user: Any, reference: str, *, for_write: bool = False) -> Ticket:
    """The ticket `reference` if `user` may see it (and change it, with `for_write`).

    A ticket of another brand, a malformed reference and a missing ticket all give the
    same 404, so references cannot be probed."""
    if not isinstance(reference, str) or len(reference) > 20:
        raise Http404
    scope = all_brands() if is_unrestricted(user) else brand_scope(brand_ids(user))
    with scope:
        ticket = (
            Ticket.objects.select_related("brand", "contact", "assignee", "team")
            .filter(reference=reference.upper())
            .first()
        )
    if ticket is None:
        raise Http404
    if not can(user, Action.VIEW_TICKET, brand=ticket.brand):
        raise Http404
    if for_write and not can(user, Action.CHANGE_FIELDS, brand=ticket.brand):
        raise Http404
    return ticket


def customer_tickets(ticket: Ticket) -> QuerySet[Ticket]:
    """The same customer's other tickets (merged ones included), newest first. Must be
    evaluated inside a scope of the ticket's brand."""
    return (
        Ticket.objects.filter(brand_id=ticket.brand_id, contact_id=ticket.contact_id)
        .exclude(pk=ticket.pk)
        .order_by("-created_at", "-pk")
    )


def identity_check_needed(ticket: Ticket) -> bool:
    """Whether the customer's identity must still be checked on this ticket before an
    account-level change (REQUIREMENTS IN-5): the brand's policy asks for it for this
    contact type (`validation.identity_check.required_for`) and none is recorded."""
    rule = ticket.brand.get_policy().validation.identity_check
    if rule is None or ticket.contact_type not in rule.required_for:
        return False
    with brand_scope(ticket.brand_id):
        return not IdentityCheck.objects.filter(ticket=ticket).exists()


def order_reference_needed(ticket: Ticket) -> bool:
    """Whether the request still needs a valid order reference (REQUIREMENTS IN-5): its
    category is one the brand's rule names (`required_for_categories`) and the last check
    did not find the reference valid."""
    rule = ticket.brand.get_policy().validation.order_reference
    if rule is None or ticket.category not in rule.required_for_categories:
        return False
    return ticket.order_status != OrderStatus.VALID
