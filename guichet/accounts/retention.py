"""Sign-in records kept only for a while. django-axes writes one for every sign-in and
sign-out (`AccessLog`: username, address, browser, times) and, for a lockout's count, one
per failed try (`AccessAttempt`, `AccessFailureLog` when enabled): they are for looking
into an incident, and they are personal data. The worker deletes them
GUICHET_SIGNIN_LOG_DAYS (default 90) after they were written, every hour
(`guichet.accounts.tasks.purge_signin_records`); a lockout in force is far younger, so it
is never cut short."""

from __future__ import annotations

from datetime import datetime, timedelta

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.conf import settings

from guichet.lib import clock
from guichet.lib.bulk import delete_in_batches

BATCH = 1000


def signin_records_purge(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """The sign-in records older than the retention, as of `now`; how many of each went."""
    before = (now or clock.now()) - timedelta(days=settings.GUICHET_SIGNIN_LOG_DAYS)
    return {
        name: delete_in_batches(model.objects.filter(attempt_time__lt=before), batch=batch)
        for name, model in (
            ("sign_ins", AccessLog),
            ("failed_sign_ins", AccessFailureLog),
            ("lockout_counts", AccessAttempt),
        )
    }
