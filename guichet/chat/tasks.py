"""The chat's periodic work, run by the worker."""

from __future__ import annotations

from django.tasks import task

from guichet.chat import services


@task
def sweep() -> int:
    """End the chats whose visitor left the queue, and those nobody writes in any more."""
    return services.chats_sweep()
