"""Reads of a member of the staff's notifications, for the desk's panel and bell: their
own, of the brands they hold an active role in, of tickets they may still see (or of no
ticket). Evaluate inside the request's brand scope."""

from __future__ import annotations

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.http import Http404

from guichet.accounts.permissions import StaffAccess
from guichet.notify.models import StaffNotification
from guichet.tickets.queries import tickets_of


def notifications_of(who: StaffAccess) -> QuerySet[StaffNotification]:
    """The person's notifications they may read, newest first."""
    visible = tickets_of(who).filter(pk=OuterRef("ticket_id"))
    return (
        StaffNotification.objects.filter(user=who.user, brand_id__in=who.brand_ids)
        .filter(Q(ticket__isnull=True) | Exists(visible))
        .order_by("-created_at", "-pk")
    )


def unread_count(who: StaffAccess) -> int:
    return notifications_of(who).filter(read_at__isnull=True).count()


def access_notification(who: StaffAccess, pk: object) -> StaffNotification:
    """One of the person's notifications, else Http404 — another person's, another brand's,
    one of a ticket they can no longer see and a missing one alike."""
    if not isinstance(pk, int):
        raise Http404
    found = notifications_of(who).select_related("ticket").filter(pk=pk).first()
    if found is None:
        raise Http404
    return found
