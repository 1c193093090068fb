"""Articles suggested before a customer writes (docs/help-centre.md, "The public help
centre and suggestions").

While a customer types on the contact page (or in the chat's form), the best articles are
shown. Opening one of them records a `Suggestion` for the browser (`visitor`: an HMAC of
its session key, never the key itself, so a leaked table names no session); answering
"it helped" marks it; a request sent afterwards from the same browser marks `wrote_at`.
A periodic job (`count_deflections`) then counts as avoided requests (deflections) the
suggestions that helped and were followed by no request within `GRACE`."""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import F

from guichet.brands.models import Brand
from guichet.knowledge.models import Article, ArticleDay, SuggestedFrom, Suggestion
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope

# A customer who found their answer and did not write within this time was deflected.
GRACE = timedelta(minutes=30)
# How long after opening an article a request still counts as "wrote anyway".
WROTE_WITHIN = timedelta(hours=24)
# The job counts at most this many suggestions a run (the next run takes the rest).
BATCH = 1000


def visitor_of(session_key: str) -> str:
    """The browser's name in `Suggestion.visitor`: an HMAC of its session key (keyed by a
    key derived from SECRET_KEY), never the key itself. Empty without a session."""
    if not session_key:
        return ""
    key = hashlib.sha256(b"guichet.knowledge.visitor:" + settings.SECRET_KEY.encode()).digest()
    return hmac.new(key, session_key.encode(), hashlib.sha256).hexdigest()


def suggestion_opened(*, article: Article, visitor: str, source: str) -> Suggestion | None:
    """The customer opened `article` from a suggestion (`source`: SuggestedFrom). Opened
    again by the same browser within the grace period: the same record. None without a
    visitor or for an unknown source."""
    if not visitor or source not in SuggestedFrom.values:
        return None
    now = clock.now()
    with brand_scope(article.brand_id), transaction.atomic():
        found = (
            Suggestion.objects.filter(
                brand_id=article.brand_id,
                visitor=visitor,
                article=article,
                opened_at__gte=now - GRACE,
                wrote_at__isnull=True,
                deflected_at__isnull=True,
            )
            .order_by("-opened_at")
            .first()
        )
        if found is not None:
            return found
        return Suggestion.objects.create(
            brand_id=article.brand_id,
            article=article,
            visitor=visitor,
            source=source,
            opened_at=now,
        )


def suggestion_voted(*, article: Article, visitor: str, helpful: bool) -> int:
    """The customer said whether the article helped: marks their suggestions of it still
    open (not written after, not counted). Returns how many were marked."""
    if not visitor:
        return 0
    with brand_scope(article.brand_id):
        return Suggestion.objects.filter(
            brand_id=article.brand_id,
            visitor=visitor,
            article=article,
            wrote_at__isnull=True,
            deflected_at__isnull=True,
        ).update(helpful=helpful)


def suggestion_wrote(*, brand: Brand, visitor: str) -> int:
    """The browser sent a request (the contact form, a chat): its recent suggestions were
    not enough. Returns how many were marked."""
    if not visitor:
        return 0
    now = clock.now()
    with brand_scope(brand):
        return Suggestion.objects.filter(
            brand=brand,
            visitor=visitor,
            opened_at__gte=now - WROTE_WITHIN,
            wrote_at__isnull=True,
            deflected_at__isnull=True,
        ).update(wrote_at=now)


def deflections_count() -> int:
    """Count as deflections the suggestions that helped and were followed by no request
    within GRACE: `Suggestion.deflected_at` set, and one more `ArticleDay.deflections` on
    the day the article was opened. Each is counted once, whatever the number of workers
    (a conditional UPDATE claims it). Returns how many were counted."""
    moment = clock.now()
    with all_brands():  # the job spans brands; each row is written in its own brand
        due = list(
            Suggestion.objects.filter(
                helpful=True,
                wrote_at__isnull=True,
                deflected_at__isnull=True,
                opened_at__lte=moment - GRACE,
            )
            .order_by("opened_at")
            .values_list("pk", "brand_id", "article_id", "opened_at")[:BATCH]
        )
    counted = 0
    for pk, brand_id, article_id, opened_at in due:
        with brand_scope(brand_id), transaction.atomic():
            claimed = Suggestion.objects.filter(
                pk=pk, deflected_at__isnull=True, wrote_at__isnull=True
            ).update(deflected_at=moment)
            if not claimed:
                continue
            day = opened_at.date()  # as record_view counts days
            row, _created = ArticleDay.objects.get_or_create(
                brand_id=brand_id, article_id=article_id, day=day
            )
            ArticleDay.objects.filter(pk=row.pk).update(deflections=F("deflections") + 1)
            counted += 1
    return counted
