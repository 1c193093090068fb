"""Agent absences (REQUIREMENTS PL-2): work goes to colleagues; what cannot be done in
time because of the absence gets a delay letter."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from django.db import transaction
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Absence, Membership, User
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets.choices import OPEN_STATUSES
from guichet.tickets.models import Ticket


def absent_user_ids(at: datetime) -> set[int]:
    return set(
        Absence.objects.filter(starts_at__lte=at, ends_at__gt=at).values_list("user_id", flat=True)
    )


def least_busy_colleague(
    ticket: Ticket, *, exclude: Sequence[Any] = (), at: datetime | None = None
) -> Any:
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


def absence_apply(absence: Absence, *, now: datetime | None = None) -> dict[str, int]:
    """Hand the absent person's open tickets to colleagues; where nobody can take one and
    its protected deadline falls during the absence, send the delay letter."""
    from guichet.sla.watcher import send_delay_letter
    from guichet.tickets.services import ticket_assign

    now = now or clock.now()
    reason = absence.reason
    counts = {"reassigned": 0, "queued": 0, "delay_letters": 0}
    with all_brands():
        tickets = list(
            Ticket.objects.select_related("brand").filter(
                assignee=absence.user, status__in=OPEN_STATUSES
            )
        )
    for ticket in tickets:
        with brand_scope(ticket.brand_id), transaction.atomic():
            successor = least_busy_colleague(ticket, exclude=[absence.user], at=now)
            ticket_assign(
                ticket=ticket,
                actor=None,
                assignee=successor,
                reason=str(_("absence of the assigned person")),
            )
            if successor is not None:
                counts["reassigned"] += 1
                continue
            counts["queued"] += 1
            if send_delay_letter(ticket, now=now, reason=reason, unless_due_after=absence.ends_at):
                counts["delay_letters"] += 1
    Absence.objects.filter(pk=absence.pk).update(applied_at=now)
    return counts


def apply_due_absences(now: datetime | None = None) -> int:
    now = now or clock.now()
    due = list(Absence.objects.filter(applied_at__isnull=True, starts_at__lte=now, ends_at__gt=now))
    for absence in due:
        absence_apply(absence, now=now)
    return len(due)
