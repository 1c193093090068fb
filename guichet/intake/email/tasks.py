"""Background work of the email channel: processing stored messages (queued by every way
email arrives; the periodic polling of mailboxes is `imap.poll_mailboxes`)."""

from __future__ import annotations

from datetime import timedelta

from django.tasks import task

from guichet.intake.email import ingest
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib import clock
from guichet.lib.scoping import all_brands


@task
def process_inbound(inbound_id: int) -> int:
    """Process this stored message, and with it (a chunk, one transaction) others waiting
    after it: under a burst, the tasks queued for those find them done."""
    with all_brands():
        waiting = list(
            InboundEmail.objects.filter(state=InboundState.RECEIVED, pk__gt=inbound_id)
            .order_by("pk")
            .values_list("pk", flat=True)[: BATCH - 1]
        )
    return ingest.process_many([inbound_id, *waiting], chunk=BATCH, skip_locked=True)


BATCH = 100


@task
def process_pending() -> int:
    """Messages stored but never processed (a worker stopped in between): process them."""
    cutoff = clock.now() - timedelta(minutes=1)
    with all_brands():
        ids = list(
            InboundEmail.objects.filter(state=InboundState.RECEIVED, received_at__lte=cutoff)
            .order_by("received_at")
            .values_list("pk", flat=True)[:500]
        )
    return ingest.process_many(ids, chunk=BATCH, skip_locked=True)
