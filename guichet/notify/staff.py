"""Notifications to staff (deadline warnings and breaches, compliments forwarded to a
team), in each person's language."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.utils import translation

from guichet.accounts.models import Membership, Role
from guichet.lib import clock
from guichet.notify.models import StaffNotification
from guichet.tickets.models import Ticket


def staff_notifications(
    ticket: Ticket, users: Iterable[Any], kind: str, message: Any, **params: Any
) -> list[StaffNotification]:
    """Unsaved notifications, one per distinct active person; `message` is a lazy
    translatable string with %(name)s placeholders, rendered in each person's language."""
    now = clock.now()
    out = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or "fr"):
            text = str(message) % params
        out.append(
            StaffNotification(
                brand_id=ticket.brand_id,
                user=user,
                ticket=ticket,
                kind=kind,
                text=text,
                created_at=now,
            )
        )
    return out


def notify_staff(
    ticket: Ticket, users: Iterable[Any], kind: str, message: Any, **params: Any
) -> int:
    """Notify each distinct person now; returns how many were notified."""
    notes = staff_notifications(ticket, users, kind, message, **params)
    return len(StaffNotification.objects.bulk_create(notes))


Leads = dict[tuple[int, int | None], list[Any]]


def watchers(ticket: Ticket, leads: Leads) -> list[Any]:
    """Who is warned about a ticket's deadlines: its assignee and the team leads and
    directors of its team (looked up once per team in a batch: `leads`)."""
    key = (ticket.brand_id, ticket.team_id)
    if key not in leads:
        found = Membership.objects.filter(
            brand_id=ticket.brand_id, is_active=True, role__in=[Role.TEAM_LEAD, Role.DIRECTOR]
        ).select_related("user")
        if ticket.team_id:
            found = found.filter(teams=ticket.team_id)
        leads[key] = [m.user for m in found]
    return ([ticket.assignee] if ticket.assignee else []) + leads[key]
