"""Sign-in records (django-axes) are personal data kept GUICHET_SIGNIN_LOG_DAYS, then the
worker's hourly job deletes them."""

from datetime import timedelta

import pytest
from axes.models import AccessAttempt, AccessFailureLog, AccessLog

from guichet.accounts.retention import signin_records_purge
from guichet.accounts.tasks import purge_signin_records
from guichet.ops import periodic

pytestmark = pytest.mark.django_db


def record(model, days_ago, now):
    extra = {"failures_since_start": 1} if model is AccessAttempt else {}
    row = model.objects.create(
        username=f"ej-agent-{days_ago}",
        ip_address="203.0.113.7",
        user_agent="Firefox",
        path_info="/",
        **extra,
    )
    model.objects.filter(pk=row.pk).update(attempt_time=now - timedelta(days=days_ago))
    return row


def test_records_older_than_the_retention_go(frozen_clock, settings):
    settings.GUICHET_SIGNIN_LOG_DAYS = 90
    now = frozen_clock.now()
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        record(model, 91, now)
        kept = record(model, 89, now)
        assert model.objects.count() == 2
    assert signin_records_purge(batch=1) == {
        "sign_ins": 1,
        "failed_sign_ins": 1,
        "lockout_counts": 1,
    }
    for model in (AccessLog, AccessFailureLog, AccessAttempt):
        assert model.objects.count() == 1
    assert AccessAttempt.objects.get().pk == kept.pk
    settings.GUICHET_SIGNIN_LOG_DAYS = 30
    assert signin_records_purge() == {"sign_ins": 1, "failed_sign_ins": 1, "lockout_counts": 1}


def test_the_worker_purges_them_every_hour(frozen_clock):
    job = next(job for job in periodic.jobs() if job.name == "accounts.purge")
    assert (job.task_path, job.every) == (
        "guichet.accounts.tasks.purge_signin_records",
        timedelta(hours=1),
    )
    record(AccessLog, 100, frozen_clock.now())
    assert purge_signin_records.call() == {
        "sign_ins": 1,
        "failed_sign_ins": 0,
        "lockout_counts": 0,
    }
