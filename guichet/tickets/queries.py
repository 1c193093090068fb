"""Reads of tickets. One object is reached through `access_ticket`, which returns it or
raises Http404 exactly like a missing ticket, whatever the reason."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.http import Http404

from guichet.accounts.models import Absence, Membership, User
from guichet.accounts.permissions import Action, brand_ids, can, is_unrestricted
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets.choices import OPEN_STATUSES, OrderStatus
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


def absent_user_ids(at: datetime) -> set[int]:
    return set(
        Absence.objects.filter(starts_at__lte=at, ends_at__gt=at).values_list("user_id", flat=True)
    )


def least_busy_colleague(
    ticket: Ticket, *, exclude: Sequence[User] = (), at: datetime | None = None
) -> User | None:
    """The member of the ticket's team, able to handle its level, who is present and has
    the fewest open tickets; None if there is nobody."""
    at = at or clock.now()
    policy = ticket.brand.get_policy()
    roles = policy.level_at(ticket.level).handled_by
    members = Membership.objects.filter(
        brand_id=ticket.brand_id, is_active=True, user__is_active=True, role__in=roles
    )
    if ticket.team_id:
        members = members.filter(teams=ticket.team_id)
    excluded = {u.pk for u in exclude if u is not None} | absent_user_ids(at)
    candidates = (
        User.objects.filter(pk__in=members.values("user_id"))
        .exclude(pk__in=excluded)
        .annotate(
            load=Count(
                "assigned_tickets",
                filter=Q(
                    assigned_tickets__status__in=OPEN_STATUSES,
                    assigned_tickets__brand_id=ticket.brand_id,
                ),
            )
        )
        .order_by("load", "pk")
    )
    return candidates.first()


def team_members(brand_id: int, team_id: int) -> list[User]:
    """The active members of a brand's team (those a compliment is forwarded to)."""
    return [
        membership.user
        for membership in Membership.objects.filter(
            brand_id=brand_id, is_active=True, teams=team_id, user__is_active=True
        ).select_related("user")
    ]
