"""The periodic review emailed by the worker (docs/reports.md, "The periodic review (PDF)").

From the first day of a brand's period (in the brand's time zone: the 1st of the month for
a monthly review, Monday for a weekly one, the quarter's first day), the job makes the
review of the period just ended and emails it as a PDF attachment to the brand's managers
and directors, each in their own language (the PDF in the brand's).

Each brand and period has one `ReviewSent` row (a unique constraint), created by whichever
worker comes first; a worker takes a row with SKIP LOCKED and a lease written on its
`due_at`, as the outbox's delivery does, so two workers never send one review twice and a
worker stopped mid-way leaves it to be taken again when the lease ends. Each person it was
sent to is recorded at once (`sent_to`), so a retry sends to the others only. A transport
failure is retried with the outbox's back-off; a 5xx reply for one address gives up on
that address only. Staff mail is not the customer's outbox (which belongs to a ticket): it
goes through Django's mailer, as `notify.staff_mail` does.
"""

from __future__ import annotations

import contextlib
import logging
from collections import Counter
from datetime import datetime, time, timedelta
from email.utils import formataddr
from typing import Any, cast
from zoneinfo import ZoneInfo

from django.core.mail import EmailMultiAlternatives, mailers
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from guichet.accounts.models import Membership, Role, User
from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.delivery import BACKOFF, brand_sender, connection_lost, permanent_failure
from guichet.notify.staff import person_zone
from guichet.reports.models import ReviewSent
from guichet.reports.review import (
    TITLES,
    Kind,
    Period,
    filename,
    period_for,
    render_pdf,
    review_html,
)

logger = logging.getLogger(__name__)

# Who receives the review: the brand's managers, and its directors (EJ's monitoring and
# Ivoire Toner's review meeting are theirs too).
RECIPIENT_ROLES = (Role.MANAGER, Role.DIRECTOR)
# Making and sending a review takes seconds; a worker stopped mid-way is relieved after it.
LEASE = timedelta(minutes=15)


def send_due_reviews(now: datetime | None = None, connection: Any = None) -> Counter[str]:
    """Plan the reviews whose period has ended, then make and send those due. Counts
    "sent" and "failed" emails, "retry" and "nobody" (no one to send to) reviews."""
    now = now or clock.now()
    plan(now)
    done: Counter[str] = Counter()
    mailer = connection if connection is not None else mailers.default
    try:
        while ids := claim(now):
            for row_id in ids:
                done.update(send(row_id, mailer, now))
    finally:
        with contextlib.suppress(Exception):  # already broken: each review recorded its error
            mailer.close()
    return done


def last_period(brand: Brand, now: datetime) -> Period | None:
    """The brand's review period that ended last, if the brand existed before its end."""
    zone = ZoneInfo(brand.timezone)
    period = period_for(brand, now.astimezone(zone).date()).previous()
    if brand.created_at >= datetime.combine(period.end, time(), zone):
        return None
    return period


def plan(now: datetime) -> int:
    """A row for the last ended period of every active brand that has none yet."""
    made = 0
    for brand in Brand._base_manager.filter(is_active=True, policy__isnull=False):
        period = last_period(brand, now)
        if period is None:
            continue
        with all_brands():
            if ReviewSent.objects.filter(
                brand=brand, period=period.kind, start=period.start
            ).exists():
                continue
            # Another worker may create it first: the unique constraint keeps one.
            with contextlib.suppress(IntegrityError), transaction.atomic():
                ReviewSent.objects.create(
                    brand=brand,
                    period=period.kind,
                    start=period.start,
                    end=period.end,
                    due_at=now,
                    created_at=now,
                )
                made += 1
    return made


def claim(now: datetime, limit: int = 20) -> list[int]:
    with all_brands(), transaction.atomic():
        ids = list(
            ReviewSent.objects.select_for_update(skip_locked=True)
            .filter(due_at__lte=now, sent_at__isnull=True)
            .order_by("due_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        ReviewSent.objects.filter(pk__in=ids).update(due_at=now + LEASE)
    return ids


def recipients(brand: Brand, *, besides: list[int]) -> list[User]:
    return [
        m.user
        for m in Membership.objects.filter(
            brand=brand, role__in=RECIPIENT_ROLES, is_active=True, user__is_active=True
        )
        .exclude(user__email="")
        .exclude(user_id__in=besides)
        .select_related("user")
        .order_by("user_id")
    ]


def send(row_id: int, mailer: Any, now: datetime) -> Counter[str]:
    """Make one claimed review and email it to whoever does not have it yet."""
    done: Counter[str] = Counter()
    with all_brands():
        row = ReviewSent.objects.select_related("brand").get(pk=row_id)
    brand = row.brand
    with brand_scope(brand):
        people = recipients(brand, besides=list(row.sent_to))
        if not people:
            _finish(row, now, "")
            done["nobody"] += 1
            return done
        period = Period(cast(Kind, row.period), row.start, row.end)
        try:
            pdf = render_pdf(review_html(brand, period))
        except Exception as exc:  # the review cannot be made (no Pango, say): retried
            logger.exception("the review %s of brand %s could not be made", row.pk, brand.slug)
            done[_failed(row, exc, now)] += 1
            return done
        sent, given_up, error = list(row.sent_to), [], None
        for user in people:
            try:
                if mailer.send_messages([compose(user, brand, period, pdf)]) != 1:
                    raise ValueError("the email backend sent nothing (no valid recipient)")
            except Exception as exc:  # any transport error: recorded, retried unless final
                logger.warning("emailing review %s to user %s failed: %s", row.pk, user.pk, exc)
                if permanent_failure(exc):  # this address cannot be sent to: the others can
                    given_up.append(f"{user.email}: {exc}")
                    done["failed"] += 1
                    continue
                error = exc  # a refusal for now (4xx): this person's turn comes again
                if connection_lost(exc):  # the server is gone: the others wait too
                    with contextlib.suppress(Exception):
                        mailer.close()
                    break
                continue
            sent.append(user.pk)
            done["sent"] += 1
            # Recorded at once: a worker stopped now sends to the others only.
            ReviewSent.objects.filter(pk=row.pk).update(sent_to=sent)
        row.sent_to = sent
        if error is not None:
            done[_failed(row, error, now)] += 1
        else:
            _finish(row, now, "; ".join(given_up))
    return done


def _finish(row: ReviewSent, now: datetime, error: str) -> None:
    ReviewSent.objects.filter(pk=row.pk).update(
        sent_at=now, due_at=None, attempts=row.attempts + 1, error=error[:500]
    )


def _failed(row: ReviewSent, exc: BaseException, now: datetime) -> str:
    """Retried after the outbox's back-off, or given up after its last step."""
    attempts = row.attempts + 1
    final = attempts > len(BACKOFF)
    ReviewSent.objects.filter(pk=row.pk).update(
        attempts=attempts,
        error=f"{type(exc).__name__}: {exc}"[:500],
        due_at=None if final else now + BACKOFF[attempts - 1],
    )
    return "failed" if final else "retry"


INTROS = {
    "weekly": gettext_lazy(
        "Here is the weekly review of %(brand)s for the %(period)s (%(dates)s), attached as "
        "PDF: %(filename)s."
    ),
    "monthly": gettext_lazy(
        "Here is the monthly review of %(brand)s for %(period)s (%(dates)s), attached as "
        "PDF: %(filename)s."
    ),
    "quarterly": gettext_lazy(
        "Here is the quarterly review of %(brand)s for %(period)s (%(dates)s), attached as "
        "PDF: %(filename)s."
    ),
}


def compose(user: User, brand: Brand, period: Period, pdf: bytes) -> EmailMultiAlternatives:
    """The email of the review to one person, in their language; the PDF attached."""
    language = user.language or brand.default_language
    with translation.override(language), timezone.override(person_zone(user, brand.timezone)):
        title = str(TITLES[period.kind])
        context = {
            "user": user,
            "brand": brand,
            "title": title,
            "period": period.label(),
            "dates": period.dates(),
            "LANGUAGE_CODE": language,
        }
        context["intro"] = INTROS[period.kind] % {
            "brand": brand.name,
            "period": context["period"],
            "dates": context["dates"],
            "filename": filename(brand, period),
        }
        subject = _("%(title)s: %(period)s") % {"title": title, "period": context["period"]}
        text = render_to_string("reports/review_email.txt", context)
        html = render_to_string("reports/review_email.html", context)
    mail = EmailMultiAlternatives(
        subject=" ".join(f"[{brand.name}] {subject}".split()),
        body=text,
        from_email=brand_sender(brand),
        to=[formataddr((user.get_full_name() or user.get_username(), user.email))],
        headers={"Auto-Submitted": "auto-generated", "X-Auto-Response-Suppress": "All"},
    )
    mail.attach_alternative(html, "text/html")
    mail.attach(filename(brand, period), pdf, "application/pdf")
    return mail
