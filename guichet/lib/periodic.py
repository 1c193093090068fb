"""The periodic jobs every app declares (in its AppConfig.ready()) and the task worker runs
(`guichet.ops.periodic` claims each run once, whatever the number of workers).

Here, below every app, so that declaring a job needs no import of the worker."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


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
