"""Agent absences (docs/requirements.md PL-2): work goes to colleagues; what cannot be done in
time because of the absence gets a delay letter."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Absence
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.sla.watcher import send_delay_letter
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.choices import OPEN_STATUSES
from guichet.tickets.models import Ticket
from guichet.tickets.queries import least_busy_colleague


def absence_apply(absence: Absence, *, now: datetime | None = None) -> dict[str, int]:
    """Hand the absent person's open tickets to colleagues; where nobody can take one and
    its protected deadline falls during the absence, send the delay letter."""
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
            services.ticket_assign(
                ticket=ticket,
                actor=SYSTEM,
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
