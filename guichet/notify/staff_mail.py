"""Staff notifications by email, as each person chose (User.notification_email): at once,
in a daily digest at their hour, or never — a threat always at once.

Each notification carries the moment its email is due (`email_due_at`, set when it is
made: `staff.email_due`). A periodic job (`send_due`, every 30 seconds) claims the due
rows — SKIP LOCKED, then a lease written on `email_due_at`, as the outbox's delivery does
— so two workers never take the same row; it sends one email per person and brand with
everything claimed for them (what arrived since the last run, or the day's digest), in
the person's language, with a link to each notification (which opens its ticket), and
records `emailed_at`. A failure is retried with the outbox's back-off; a 5xx reply, or
the last retry, gives up (`email_error` says why). Notifications of a ticket the person
can no longer see, or of a brand they no longer hold a role in, are not sent.

Staff mail is not the customer's outbox (`OutboundEmail` belongs to one ticket, and its
delivery records events on that ticket's history): it goes through Django's mailer.
"""

from __future__ import annotations

import logging
from collections import Counter, defaultdict
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.accounts.models import NotificationEmail, User
from guichet.accounts.permissions import staff_access
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.delivery import BACKOFF, brand_sender, connection_lost, permanent_failure
from guichet.notify.models import StaffNotification
from guichet.notify.staff import ALWAYS_AT_ONCE, kind_label, person_zone
from guichet.tickets.queries import tickets_of

logger = logging.getLogger(__name__)

LEASE = timedelta(minutes=5)
BATCH = 200


def claim(now: datetime, limit: int = BATCH) -> list[int]:
    """Take the due notifications of up to `limit` rows' people, and every other due row of
    those people (so a person's digest is one email): their due moment moves by a lease,
    so another worker skips them while this one sends."""
    with all_brands(), transaction.atomic():
        due = StaffNotification.objects.filter(email_due_at__lte=now)
        people = set(
            due.select_for_update(skip_locked=True)
            .order_by("email_due_at", "pk")
            .values_list("user_id", flat=True)[:limit]
        )
        ids = list(
            due.select_for_update(skip_locked=True)
            .filter(user_id__in=people)
            .values_list("pk", flat=True)
        )
        StaffNotification.objects.filter(pk__in=ids, email_due_at__lte=now).update(
            email_due_at=now + LEASE
        )
    return ids


def send_due(now: datetime | None = None) -> Counter[str]:
    """Send every due notification, one email per person and brand: "sent", "retry",
    "failed" and "dropped" (not to be sent after all) count the emails or rows."""
    now = now or clock.now()
    done: Counter[str] = Counter()
    connection = mailers.default
    try:
        while ids := claim(now):
            with all_brands():
                rows = list(
                    StaffNotification.objects.filter(pk__in=ids)
                    .select_related("user", "ticket")
                    .order_by("created_at", "pk")
                )
            groups: dict[tuple[int, int], list[StaffNotification]] = defaultdict(list)
            for row in rows:
                groups[(row.user_id, row.brand_id)].append(row)
            for (_user, brand_id), group in groups.items():
                with brand_scope(brand_id):
                    done.update(send_group(group, connection, now))
            if len(ids) < BATCH:
                break
    finally:
        try:
            connection.close()
        except Exception:  # already broken: each email recorded its error
            logger.debug("closing the email connection failed", exc_info=True)
    return done


def send_group(rows: list[StaffNotification], connection: Any, now: datetime) -> Counter[str]:
    """One email to one person of one brand with `rows`, those they may still see."""
    user: User = rows[0].user
    brand = Brand.objects.get(pk=rows[0].brand_id)
    kept, dropped = _still_theirs(user, brand, rows)
    done: Counter[str] = Counter()
    if dropped:
        StaffNotification.objects.filter(pk__in=[r.pk for r in dropped]).update(email_due_at=None)
        done["dropped"] += len(dropped)
    if not kept:
        return done
    try:
        mail = compose(user, brand, kept)
        if connection.send_messages([mail]) != 1:
            raise ValueError("the email backend sent nothing (no valid recipient)")
    except Exception as exc:  # any transport error: recorded on the rows, retried unless final
        logger.warning("emailing notifications to user %s failed: %s", user.pk, exc)
        if connection_lost(exc):
            connection.close()  # the next email opens a new connection
        done[_failed(kept, exc, now)] += 1
        return done
    StaffNotification.objects.filter(pk__in=[r.pk for r in kept]).update(
        emailed_at=now, email_due_at=None, email_error=""
    )
    done["sent"] += 1
    return done


def _still_theirs(
    user: User, brand: Brand, rows: list[StaffNotification]
) -> tuple[list[StaffNotification], list[StaffNotification]]:
    """The rows still to send, and those not to: of a brand the person no longer holds a
    role in, of a ticket they can no longer see, or when they now want no email (a threat
    is sent all the same)."""
    access = staff_access(user)
    if not user.is_active or not user.email or brand.pk not in access.brand_ids:
        return [], rows
    ticket_ids = {r.ticket_id for r in rows if r.ticket_id is not None}
    visible = set(
        tickets_of(access).filter(pk__in=ticket_ids).values_list("pk", flat=True)
        if ticket_ids
        else []
    )
    off = user.notification_email == NotificationEmail.OFF
    kept: list[StaffNotification] = []
    dropped: list[StaffNotification] = []
    for row in rows:
        hidden = row.ticket_id is not None and row.ticket_id not in visible
        unwanted = off and row.kind not in ALWAYS_AT_ONCE
        (dropped if hidden or unwanted else kept).append(row)
    return kept, dropped


def compose(user: User, brand: Brand, rows: list[StaffNotification]) -> EmailMultiAlternatives:
    """The email of `rows` to `user`, in their language and time zone."""
    language = user.language or brand.default_language
    with translation.override(language), timezone.override(person_zone(user, brand.timezone)):
        items = [
            {
                "label": str(kind_label(row.kind)),
                "text": row.text,
                "at": row.created_at,
                "reference": row.ticket.reference if row.ticket else "",
                "url": settings.SITE_URL + reverse("desk:notification", args=[row.pk]),
                "urgent": row.kind in ALWAYS_AT_ONCE,
            }
            for row in rows
        ]
        digest = user.notification_email == NotificationEmail.DAILY and not all(
            item["urgent"] for item in items
        )
        if len(items) == 1:
            first = items[0]
            subject = (
                f"{first['label']} · {first['reference']}" if first["reference"] else first["label"]
            )
        elif digest:
            subject = ngettext(
                "Your daily digest: %(count)s notification",
                "Your daily digest: %(count)s notifications",
                len(items),
            ) % {"count": len(items)}
        else:
            subject = ngettext("%(count)s notification", "%(count)s notifications", len(items)) % {
                "count": len(items)
            }
        context = {
            "user": user,
            "brand": brand,
            "items": items,
            "digest": digest,
            "panel_url": settings.SITE_URL + reverse("desk:notifications"),
            "preferences_url": settings.SITE_URL + reverse("desk:preferences"),
        }
        text = render_to_string("notify/staff_email.txt", context)
        html = render_to_string("notify/staff_email.html", context)
        subject = f"[{brand.name}] {subject}"
        if any(item["urgent"] for item in items):
            subject = _("Urgent:") + " " + subject
    sender = brand_sender(brand)
    mail = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=sender,
        to=[formataddr((user.get_full_name() or user.get_username(), user.email))],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    mail.attach_alternative(html, "text/html")
    return mail


def _failed(rows: list[StaffNotification], exc: BaseException, now: datetime) -> str:
    """Record a failed attempt on the rows: retried after the back-off, or given up after
    the last retry or on a 5xx reply (RFC 5321: the request must not be repeated)."""
    attempts = max(r.email_attempts for r in rows) + 1
    final = attempts > len(BACKOFF) or permanent_failure(exc)
    error = f"{type(exc).__name__}: {exc}"[:500]
    with transaction.atomic():
        StaffNotification.objects.filter(pk__in=[r.pk for r in rows]).update(
            email_attempts=attempts,
            email_error=error,
            email_due_at=None if final else now + BACKOFF[attempts - 1],
        )
    return "failed" if final else "retry"
