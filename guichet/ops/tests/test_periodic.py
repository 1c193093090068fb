"""Periodic jobs: each run is enqueued by exactly one worker."""

from datetime import timedelta

import pytest
from django.tasks import task

from guichet.lib import periodic as registry
from guichet.ops import periodic
from guichet.ops.models import PeriodicRun

pytestmark = pytest.mark.django_db

RUNS = []


@task
def probe() -> None:
    RUNS.append(1)


@pytest.fixture
def probe_job(monkeypatch):
    monkeypatch.setattr(registry, "_jobs", {})
    periodic.register("probe", "guichet.ops.tests.test_periodic.probe", timedelta(minutes=1))


def test_a_due_run_is_claimed_by_one_worker_only(probe_job, frozen_clock):
    assert periodic.claim_due("worker-a") == ["probe"]
    assert periodic.claim_due("worker-b") == []
    run = PeriodicRun.objects.get(name="probe")
    assert run.last_worker == "worker-a" and run.next_at == frozen_clock.now() + timedelta(
        minutes=1
    )
    frozen_clock.advance(minutes=1)
    assert periodic.claim_due("worker-b") == ["probe"]


def test_claimed_runs_are_enqueued_as_tasks(probe_job, frozen_clock):
    from django_tasks_db.models import DBTaskResult

    periodic.claim_due("worker-a")
    [queued] = DBTaskResult.objects.all()
    assert queued.queue_name == "periodic" and queued.task_path.endswith("probe")
