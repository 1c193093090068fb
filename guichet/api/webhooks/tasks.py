"""The worker's side of webhooks: sending right after commit, and a periodic sweep that
sends what is due (retries after their back-off, and deliveries whose queued task was lost)."""

from __future__ import annotations

from django.tasks import task

from guichet.api.webhooks.delivery import deliver_due, deliver_ids


@task
def deliver_webhooks(delivery_ids: list[int]) -> dict[str, int]:
    return dict(deliver_ids(delivery_ids))


@task
def deliver_due_webhooks() -> dict[str, int]:
    return dict(deliver_due())
