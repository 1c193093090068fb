"""Sending deliveries: one POST per attempt, signed, to the endpoint's checked address.

- The URL is checked again before every attempt (`guichet.lib.net`): its host resolved, every
  address public unless allow-listed, and the connection made to the address that was
  checked. An address refused now fails the delivery at once (no retry; an administrator
  may replay it once the URL is fixed).
- Redirects are never followed: a 3xx is an answer like any other that is not 2xx.
- A 2xx answer delivers. Anything else — another status, a timeout, a connection refused, a
  host that does not resolve — is retried after BACKOFF (exponential: 1 min, 4 min, 16 min,
  about 1 h, 4 h, then 12 h), and fails for good after MAX_ATTEMPTS.
- Each attempt waits at most TIMEOUT seconds per network step and TOTAL_SECONDS in all
  (a receiver that answers one byte at a time is cut off), keeps RESPONSE_EXCERPT bytes of
  the answer, and writes a WebhookAttempt: status code, excerpt, duration, error.

Due deliveries are claimed with a lease written on `next_attempt_at` (rows taken with SKIP
LOCKED on PostgreSQL), so several workers never send one attempt twice. No database
transaction is held while waiting on the network.
"""

from __future__ import annotations

import contextlib
import http.client
import logging
import socket
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import transaction

from guichet.api.models import DeliveryStatus, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from guichet.api.webhooks.signing import signature
from guichet.lib import clock, net
from guichet.lib.crypto import SecretUnreadable, decrypt
from guichet.lib.scoping import all_brands, brand_scope

logger = logging.getLogger(__name__)

# The hosts allowed although private (tests, an installation's own services): none by default.
ALLOW_SETTING = "GUICHET_WEBHOOK_ALLOW_HOSTS"

BACKOFF = [timedelta(minutes=4**n) for n in range(5)] + [timedelta(hours=12)] * 2
MAX_ATTEMPTS = len(BACKOFF) + 1  # eight attempts over about 41 hours
LEASE = timedelta(minutes=2)
TIMEOUT = 10.0  # seconds, for connecting and for each read
TOTAL_SECONDS = 20.0  # for a whole attempt
RESPONSE_EXCERPT = 1024  # bytes of the answer kept in the log
BATCH = 50
USER_AGENT = "Guichet-Webhooks/1"


@dataclass(frozen=True)
class Answer:
    status_code: int | None
    excerpt: str
    error: str  # "" when the receiver answered


def claim(now: datetime, ids: Sequence[int] | None = None, limit: int = BATCH) -> list[int]:
    """Take due pending deliveries (among `ids` if given) for this worker, for LEASE."""
    with all_brands(), transaction.atomic():
        due = WebhookDelivery.objects.select_for_update(skip_locked=True).filter(
            status=DeliveryStatus.PENDING, next_attempt_at__lte=now
        )
        if ids is not None:
            due = due.filter(pk__in=list(ids))
        taken = list(due.order_by("next_attempt_at", "pk").values_list("pk", flat=True)[:limit])
        WebhookDelivery.objects.filter(pk__in=taken).update(next_attempt_at=now + LEASE)
    return taken


def deliver_due(now: datetime | None = None) -> Counter[str]:
    """Attempt every pending delivery whose time has come (new ones whose queued task was
    lost, retries). Returns how many were delivered, retried and failed."""
    now = now or clock.now()
    done: Counter[str] = Counter()
    while ids := claim(now):
        for delivery_id in ids:
            done[attempt(delivery_id)] += 1
        if len(ids) < BATCH:
            break
    return done


def deliver_ids(ids: Sequence[int]) -> Counter[str]:
    """Attempt these deliveries now if they are still due (the task queued at commit)."""
    done: Counter[str] = Counter()
    for delivery_id in claim(clock.now(), ids, limit=len(ids)):
        done[attempt(delivery_id)] += 1
    return done


def attempt(delivery_id: int) -> str:
    """One attempt of a claimed delivery: "delivered", "retry" or "failed"."""
    with all_brands():
        brand_id = (
            WebhookDelivery.objects.filter(pk=delivery_id).values_list("brand_id", flat=True).get()
        )
    with brand_scope(brand_id):
        delivery = WebhookDelivery.objects.select_related("endpoint").get(pk=delivery_id)
        if delivery.status != DeliveryStatus.PENDING:
            return "skipped"
        endpoint = delivery.endpoint
        started = clock.now()
        began = time.monotonic()
        final = False
        if not endpoint.is_active:
            answer, final = Answer(None, "", "endpoint disabled"), True
        else:
            try:
                answer = send(endpoint, delivery, started)
            except net.Refused as refused:
                answer, final = Answer(None, "", f"refused: {refused.reason}"), True
        duration = int((time.monotonic() - began) * 1000)
        return _record(delivery, answer, started, duration, final=final)


def send(endpoint: WebhookEndpoint, delivery: WebhookDelivery, at: datetime) -> Answer:
    """POST the delivery's body to the endpoint (net.Refused if its address is not allowed
    now). Other failures are answers with an error."""
    try:
        secret = decrypt(endpoint.sealed_secret)
    except SecretUnreadable:
        return Answer(None, "", "the signing secret cannot be read (encryption key changed)")
    body = delivery.body.encode()
    timestamp = int(at.timestamp())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Guichet-Event": delivery.event_type,
        "Guichet-Delivery": str(delivery.uid),
        "Guichet-Signature": signature(secret, timestamp, body),
        "Connection": "close",
    }
    try:
        target = net.check_url(endpoint.url, allow=net.allow_list(ALLOW_SETTING))
    except OSError as exc:
        return Answer(None, "", f"dns: {exc}")
    connection = net.connection(target, timeout=TIMEOUT)
    cut = threading.Event()
    watchdog = threading.Timer(TOTAL_SECONDS, _cut_off, [connection, cut])
    watchdog.daemon = True
    watchdog.start()
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        excerpt = _excerpt(response)
        return Answer(response.status, excerpt, "")
    except (OSError, http.client.HTTPException) as exc:
        if cut.is_set() or isinstance(exc, TimeoutError):
            return Answer(None, "", "timeout")
        return Answer(None, "", f"{type(exc).__name__}: {exc}"[:500])
    finally:
        watchdog.cancel()
        connection.close()


def _excerpt(response: http.client.HTTPResponse) -> str:
    """The first RESPONSE_EXCERPT bytes of the answer, as text; a body that stops early or
    too slowly is kept as far as it came."""
    data = b""
    with contextlib.suppress(OSError, http.client.HTTPException):
        while len(data) < RESPONSE_EXCERPT:
            chunk = response.read1(RESPONSE_EXCERPT - len(data))
            if not chunk:
                break
            data += chunk
    return data.decode("utf-8", errors="replace")


def _cut_off(connection: http.client.HTTPConnection, cut: threading.Event) -> None:
    cut.set()
    sock = connection.sock
    if sock is not None:
        with contextlib.suppress(OSError):
            sock.shutdown(socket.SHUT_RDWR)


def _record(
    delivery: WebhookDelivery, answer: Answer, at: datetime, duration_ms: int, *, final: bool
) -> str:
    ok = answer.status_code is not None and 200 <= answer.status_code < 300
    error = answer.error or ("" if ok else f"HTTP {answer.status_code}")
    with transaction.atomic():
        delivery.attempts += 1
        WebhookAttempt.objects.create(
            brand_id=delivery.brand_id,
            delivery=delivery,
            number=delivery.attempts,
            at=at,
            status_code=answer.status_code,
            response_excerpt=answer.excerpt,
            duration_ms=duration_ms,
            error=error,
        )
        delivery.last_status_code = answer.status_code
        delivery.last_error = error
        if ok:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = at
            delivery.next_attempt_at = None
            outcome = "delivered"
        elif final or delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
            delivery.next_attempt_at = None
            outcome = "failed"
        else:
            delivery.next_attempt_at = at + BACKOFF[delivery.attempts - 1]
            outcome = "retry"
        delivery.save(
            update_fields=[
                "attempts",
                "last_status_code",
                "last_error",
                "status",
                "delivered_at",
                "next_attempt_at",
            ]
        )
    if not ok:
        logger.info("webhook delivery %s: %s (%s)", delivery.uid, error, outcome)
    return outcome
