"""Tasks used by the worker tests (importable by a worker process)."""

from pathlib import Path

from django.tasks import task


@task
def touch(path: str) -> str:
    Path(path).write_text("ran")
    return path


@task
def fail(reason: str) -> None:
    raise RuntimeError(reason)
