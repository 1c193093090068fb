"""Reads of tickets. One object is reached through `access_ticket`, which returns it or
raises Http404 exactly like a missing ticket, whatever the reason."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.http import Http404

from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets.models import Ticket


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
