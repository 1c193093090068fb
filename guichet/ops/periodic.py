"""Periodic jobs run by the task worker.

Each job is a django.tasks Task with an interval. Every worker's scheduler thread
tries to claim due runs; the claim is a conditional UPDATE, so exactly one worker
enqueues each run, on SQLite or across hosts on PostgreSQL. Other apps add jobs with
`register(...)` in their AppConfig.ready().
"""

from __future__ import annotations

import contextlib
import logging
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.tasks import Task

from guichet.lib import clock
from guichet.ops.models import PeriodicRun

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    task_path: str  # "guichet.sla.tasks.sweep": a module-level django.tasks Task
    every: timedelta


_jobs: dict[str, PeriodicJob] = {}


def register(name: str, task_path: str, every: timedelta) -> None:
    _jobs[name] = PeriodicJob(name, task_path, every)


def jobs() -> list[PeriodicJob]:
    return list(_jobs.values())


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
