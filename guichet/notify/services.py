"""Writes of staff notifications a person makes from the desk: reading them, and how they
want them by email (rescheduling what is still to be emailed)."""

from __future__ import annotations

from django.db import transaction

from guichet.accounts.models import NotificationEmail, User
from guichet.accounts.permissions import StaffAccess
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.scoping import all_brands
from guichet.notify.models import StaffNotification
from guichet.notify.queries import notifications_of
from guichet.notify.staff import ALWAYS_AT_ONCE, next_digest
from guichet.notify.staff_mail import LEASE


def notification_read(*, who: StaffAccess, notification: StaffNotification) -> None:
    """Mark one of the person's notifications read (reached through `access_notification`)."""
    if notification.read_at is None:
        notification.read_at = clock.now()
        StaffNotification.objects.filter(pk=notification.pk, user=who.user).update(
            read_at=notification.read_at
        )


def notifications_seen(*, who: StaffAccess, ticket_id: int) -> int:
    """The person opened this ticket: its notifications to them are read (however they
    reached it — the inbox, search, a link). How many were unread."""
    return StaffNotification.objects.filter(
        user=who.user, ticket_id=ticket_id, read_at__isnull=True
    ).update(read_at=clock.now())


def notifications_read_all(*, who: StaffAccess) -> int:
    """Mark every unread notification the person may read as read; how many."""
    ids = list(notifications_of(who).filter(read_at__isnull=True).values_list("pk", flat=True))
    return StaffNotification.objects.filter(pk__in=ids).update(read_at=clock.now())


def notification_preferences_set(
    *, user: User, notification_email: str, digest_hour: int, language: str, time_zone: str
) -> None:
    """Save how the person wants their notifications, and move what is still to be emailed
    accordingly: at once, at their next digest, or not at all (threats stay at once). Rows
    due within a claim's lease are left alone: a worker may be sending them now."""
    now = clock.now()
    with transaction.atomic():
        user.notification_email = notification_email
        user.digest_hour = digest_hour
        user.language = language
        user.time_zone = time_zone
        user.save(update_fields=["notification_email", "digest_hour", "language", "time_zone"])
        with all_brands():
            waiting = StaffNotification.objects.filter(
                user=user, email_due_at__gt=now + LEASE
            ).exclude(kind__in=ALWAYS_AT_ONCE)
            if notification_email == NotificationEmail.OFF:
                waiting.update(email_due_at=None)
            elif notification_email == NotificationEmail.IMMEDIATELY:
                waiting.update(email_due_at=now)
            else:
                zones = dict(Brand.objects.values_list("pk", "timezone"))
                for brand_id in waiting.values_list("brand_id", flat=True).distinct():
                    waiting.filter(brand_id=brand_id).update(
                        email_due_at=next_digest(user, zones.get(brand_id, "UTC"), now)
                    )
