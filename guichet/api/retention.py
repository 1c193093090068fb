"""Deleting what the API keeps only for a while, in batches (each in its own short
transaction, so no statement holds locks for long), run by the worker every hour
(`guichet.api.tasks.purge_old_records`):

- the responses kept for `Idempotency-Key`, after `idempotency.KEPT_FOR` (24 hours);
- webhook deliveries, with their attempts, `GUICHET_WEBHOOK_DELIVERY_DAYS` after they
  were made, once delivered or failed (a pending one is still being tried);
- files uploaded through the API (or stored for a change then refused) and never
  attached to a message, once no token can attach them any more (twice
  `uploads.TOKEN_LIFETIME`).

Times come from `guichet.lib.clock`, so tests move the clock instead of waiting."""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings

from guichet.api.idempotency import KEPT_FOR
from guichet.api.models import DeliveryStatus, IdempotentRequest, WebhookDelivery
from guichet.api.uploads import TOKEN_LIFETIME
from guichet.lib import clock
from guichet.lib.bulk import delete_in_batches
from guichet.lib.scoping import all_brands
from guichet.tickets.attachments import attachments_purge_unlinked

BATCH = 1000


def idempotency_purge(*, before: datetime, batch: int = BATCH) -> int:
    with all_brands():
        return delete_in_batches(
            IdempotentRequest.objects.filter(created_at__lt=before), batch=batch
        )


def webhook_deliveries_purge(*, before: datetime, batch: int = BATCH) -> int:
    """Delivered or failed deliveries made before `before`, with their attempts (a replay
    of one that goes stays, without its link to it)."""
    with all_brands():
        finished = WebhookDelivery.objects.filter(
            created_at__lt=before, status__in=[DeliveryStatus.DELIVERED, DeliveryStatus.FAILED]
        )
        return delete_in_batches(finished, batch=batch)


def purge_old_records(now: datetime | None = None, batch: int = BATCH) -> dict[str, int]:
    """Everything past its time, as of `now`; how many of each went."""
    now = now or clock.now()
    days = settings.GUICHET_WEBHOOK_DELIVERY_DAYS
    return {
        "idempotency_keys": idempotency_purge(before=now - KEPT_FOR, batch=batch),
        "webhook_deliveries": webhook_deliveries_purge(
            before=now - timedelta(days=days), batch=batch
        ),
        "unattached_files": attachments_purge_unlinked(
            before=now - 2 * TOKEN_LIFETIME, batch=batch
        ),
    }
