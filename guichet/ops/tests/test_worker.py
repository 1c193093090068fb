"""The worker process runs what is queued (real process, real database)."""

import os
import subprocess
import sys

import pytest
from django_tasks_db.models import DBTaskResult

from guichet.conftest import database_url
from guichet.ops.tests.tasks import fail, touch


def run_worker(**env: str) -> subprocess.CompletedProcess[str]:
    """`guichet worker --batch` in a process of its own, on the test database."""
    return subprocess.run(
        [sys.executable, "-m", "guichet", "worker", "--batch"],
        env={**os.environ, "DATABASE_URL": database_url(), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.mark.django_db(transaction=True)
def test_guichet_worker_runs_queued_tasks(tmp_path):
    target = tmp_path / "ran"
    result = touch.enqueue(str(target))
    run = run_worker()
    assert run.returncode == 0, run.stderr
    assert target.read_text() == "ran"
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"


@pytest.mark.django_db(transaction=True)
def test_the_worker_logs_a_failed_task_not_every_task_that_ran(tmp_path):
    """At the default levels the console keeps what needs a look: the periodic jobs
    running every few seconds would otherwise bury it."""
    touch.enqueue(str(tmp_path / "ran"))
    failed = fail.enqueue("the printer is on fire")
    run = run_worker(LOG_LEVEL="INFO")
    assert run.returncode == 0, run.stderr
    assert DBTaskResult.objects.get(pk=failed.id).status == "FAILED"
    assert "state=FAILED" in run.stderr
    assert "the printer is on fire" in run.stderr
    assert "state=SUCCESSFUL" not in run.stderr
    assert "state=RUNNING" not in run.stderr
