"""Notifications to staff (deadline warnings and breaches, a ticket given to them, an
escalation to their level, compliments forwarded to a team, returned mail, abuse flags and
threats...), in each person's language, each with the moment its email is due as the
person chose (`email_due`): at once, at their daily digest, or never — threats always at
once. What each kind is called is in `KIND_LABELS`, the one place for it."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils import formats, translation
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership, NotificationEmail, Role
from guichet.lib import clock
from guichet.notify.models import StaffNotification
from guichet.tickets.models import Ticket

# Every kind of notification, as the panel and the emails name it. A kind missing here
# is still shown and emailed, under the generic label.
KIND_LABELS: dict[str, Any] = {
    "deadline_warning": _("Deadline approaching"),
    "deadline_breached": _("Deadline missed"),
    "assigned": _("Ticket given to you"),
    "escalated": _("Escalated to your level"),
    "compliment": _("Compliment for your team"),
    "email_bounced": _("Returned mail"),
    "abuse_flag": _("Abusive message"),
    "threat": _("Threat"),
    "seller_strike": _("Strike against a seller"),
    "seller_answered": _("The seller answered"),
    "seller_status": _("A seller's status changed"),
    "contact_details_requested": _("Seller's contact details requested"),
}
GENERIC_LABEL = _("Notification")
# Kinds emailed at once whatever the person chose: a threat must be in front of a
# manager at once.
ALWAYS_AT_ONCE = frozenset({"threat"})


def kind_label(kind: str) -> Any:
    return KIND_LABELS.get(kind, GENERIC_LABEL)


def person_zone(user: Any, brand_zone: str) -> ZoneInfo:
    """The person's time zone, else their brand's, else UTC."""
    for name in (getattr(user, "time_zone", ""), brand_zone):
        try:
            if name:
                return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError):
            continue
    return ZoneInfo("UTC")


def next_digest(user: Any, brand_zone: str, after: datetime) -> datetime:
    """The first moment of the person's digest hour, in their time zone, after `after`
    (a notification of 08:30 goes in the next morning's digest at 08:00)."""
    zone = person_zone(user, brand_zone)
    local = after.astimezone(zone)
    hour = time(min(max(int(getattr(user, "digest_hour", 8)), 0), 23))
    day = local.date()
    for _day in range(3):  # the hour may not exist on a day clocks jump forward
        candidate = datetime.combine(day, hour, tzinfo=zone)
        if candidate > local and candidate.astimezone(zone).hour == hour.hour:
            return candidate
        day += timedelta(days=1)
    return datetime.combine(day, hour, tzinfo=zone)


def email_due(user: Any, brand_zone: str, kind: str, at: datetime) -> datetime | None:
    """When a notification of `kind` made at `at` is emailed to `user`, as they chose:
    at once, at their next digest, or never (None); threats always at once."""
    if kind in ALWAYS_AT_ONCE:
        return at
    choice = getattr(user, "notification_email", NotificationEmail.IMMEDIATELY)
    if choice == NotificationEmail.OFF:
        return None
    if choice == NotificationEmail.DAILY:
        return next_digest(user, brand_zone, at)
    return at


def staff_notifications(
    ticket: Ticket, users: Iterable[Any], kind: str, message: Any, **params: Any
) -> list[StaffNotification]:
    """Unsaved notifications, one per distinct active person; `message` is a lazy
    translatable string with %(name)s placeholders, rendered in each person's language
    (a datetime among `params` as a date and time of their time zone). Each is due by
    email as its person chose (`email_due`)."""
    now = clock.now()
    zone = ticket.brand.timezone
    out = []
    seen: set[int] = set()
    for user in users:
        if user is None or user.pk in seen or not user.is_active:
            continue
        seen.add(user.pk)
        with translation.override(user.language or "fr"):
            text = str(message) % _in_zone(params, person_zone(user, zone))
        out.append(
            StaffNotification(
                brand_id=ticket.brand_id,
                user=user,
                ticket=ticket,
                kind=kind,
                text=text,
                created_at=now,
                email_due_at=email_due(user, zone, kind, now),
            )
        )
    return out


def _in_zone(params: dict[str, Any], zone: ZoneInfo) -> dict[str, Any]:
    """The parameters, their datetimes written as the active language writes a date and
    a time, in `zone`."""
    return {
        key: formats.date_format(value.astimezone(zone), "SHORT_DATETIME_FORMAT")
        if isinstance(value, datetime)
        else value
        for key, value in params.items()
    }


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
