"""Periodic jobs run by the task worker.

Each job is a django.tasks Task with an interval, declared by its app with
`guichet.lib.periodic.register(...)` in its AppConfig.ready(). Every worker's scheduler
thread tries to claim due runs; the claim is a conditional UPDATE, so exactly one worker
enqueues each run, on SQLite or across hosts on PostgreSQL.
"""

from __future__ import annotations

import contextlib
import logging
from datetime import datetime

from django.db import IntegrityError, transaction
from django.tasks import Task

from guichet.lib import clock
from guichet.lib.periodic import PeriodicJob, jobs, register
from guichet.ops.models import PeriodicRun

__all__ = ["PeriodicJob", "claim_due", "jobs", "register"]

logger = logging.getLogger(__name__)


def _task(job: PeriodicJob) -> Task:
    from django.utils.module_loading import import_string

    task = import_string(job.task_path)
    assert isinstance(task, Task), f"{job.task_path} is not a django.tasks Task"
    return task


def claim_due(worker_id: str, now: datetime | None = None) -> list[str]:
    """Enqueue every job whose run is due and that this worker wins. Returns their names."""
    now = now or clock.now()
    enqueued = []
    for job in jobs():
        with contextlib.suppress(IntegrityError):  # another worker created it first
            PeriodicRun.objects.get_or_create(name=job.name, defaults={"next_at": now})
        with transaction.atomic():
            won = PeriodicRun.objects.filter(name=job.name, next_at__lte=now).update(
                next_at=now + job.every, last_at=now, last_worker=worker_id
            )
            if won:
                _task(job).using(queue_name="periodic").enqueue()
                enqueued.append(job.name)
    return enqueued
