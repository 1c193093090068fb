"""Periodic jobs of the policy engine (registered in apps.py)."""

from __future__ import annotations

from django.tasks import task

from guichet.sla import absences, watcher


@task
def sweep() -> dict[str, int]:
    return dict(watcher.sweep())


@task
def apply_absences() -> int:
    return absences.apply_due_absences()
