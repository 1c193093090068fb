"""The worker process runs what is queued (real process, real database)."""

import os
import subprocess
import sys

import pytest
from django_tasks_db.models import DBTaskResult

from guichet.conftest import database_url
from guichet.ops.tests.tasks import touch


@pytest.mark.django_db(transaction=True)
def test_guichet_worker_runs_queued_tasks(tmp_path):
    target = tmp_path / "ran"
    result = touch.enqueue(str(target))
    run = subprocess.run(
        [sys.executable, "-m", "guichet", "worker", "--batch"],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert target.read_text() == "ran"
    assert DBTaskResult.objects.get(pk=result.id).status == "SUCCESSFUL"
