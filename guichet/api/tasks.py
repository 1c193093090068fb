"""The API's periodic work (the webhooks' own tasks are in `guichet.api.webhooks.tasks`)."""

from __future__ import annotations

from django.tasks import task

from guichet.api.retention import purge_old_records as purge


@task
def purge_old_records() -> dict[str, int]:
    """Idempotency keys, webhook deliveries and unattached uploads past their time."""
    return purge()
