"""Delivering the outbox through Django's email backend (SMTP in production).

A periodic job claims queued emails (a lease written on `next_attempt_at`, rows taken with
SKIP LOCKED), sends each with proper threading headers, and records the result on the
ticket: sent, or failed after retries with back-off. A refusal with a 4xx reply, a server
that cannot be reached or a connection lost is retried (BACKOFF); a 5xx reply is final
(RFC 5321 §4.2.1: the client must not repeat the request) and fails at once. Bounces
reported later (RFC 3464) mark the email bounced. Automatic emails say so
(`Auto-Submitted: auto-generated`, `X-Auto-Response-Suppress: All`) so that other robots
do not answer them.
"""

from __future__ import annotations

import logging
import smtplib
from collections import Counter
from datetime import datetime, timedelta
from email.utils import formataddr
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, mailers
from django.db import transaction
from django.db.models import Q

from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.crypto import decrypt
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.models import OutboundEmail, OutboxStatus
from guichet.notify.outbox import SECRET_MARK
from guichet.tickets import services
from guichet.tickets.actors import System
from guichet.tickets.attachments import attachment_open
from guichet.tickets.choices import Direction, Verb
from guichet.tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

EMAIL = System("email")  # the email channel, as the events name it

BACKOFF = [
    timedelta(minutes=1),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=6),
]
LEASE = timedelta(minutes=5)


def sender_address(ticket: Ticket) -> str:
    return brand_sender(ticket.brand)


def brand_sender(brand: Brand) -> str:
    """The brand's name and the address of its email channel (else Guichet's)."""
    channel = brand.get_policy().channel("email")
    address = channel.address if channel else settings.DEFAULT_FROM_EMAIL
    return formataddr((brand.name, address))


def thread_headers(ticket: Ticket, own_id: str, *, seller_side: bool = False) -> dict[str, str]:
    """In-Reply-To the customer's latest email; References the ticket's known Message-IDs.
    The two sides of a marketplace dispute are two threads: an email to the customer names
    none of the seller's messages, and one to the seller (`seller_side`) only the seller's
    side (In-Reply-To its latest email) — neither learns the other's Message-IDs."""
    ids = list(
        Message.objects.filter(ticket=ticket, seller__isnull=not seller_side)
        .exclude(external_id="")
        .exclude(external_id=own_id)
        .order_by("created_at", "pk")
        .values_list("external_id", "direction")
    )
    if not ids:
        return {}
    inbound = [mid for mid, direction in ids if direction == Direction.INBOUND]
    parent = inbound[-1] if inbound else ids[-1][0]
    chain = [mid for mid, _ in ids][-10:]
    return {"In-Reply-To": f"<{parent}>", "References": " ".join(f"<{mid}>" for mid in chain)}


def build(email: OutboundEmail) -> EmailMultiAlternatives:
    ticket = email.ticket
    subject = email.subject
    if ticket.reference not in subject:
        subject = f"[{ticket.reference}] {subject}"
    headers = {"Message-ID": f"<{email.rfc_message_id}>", "X-Guichet-Ticket": ticket.reference}
    headers.update(
        thread_headers(ticket, email.rfc_message_id, seller_side=email.seller_id is not None)
    )
    if email.automatic:
        headers["Auto-Submitted"] = "auto-generated"
        headers["X-Auto-Response-Suppress"] = "All"
    sender = sender_address(ticket)
    text, html = email.text, email.html
    if email.sealed_secret:
        secret = decrypt(email.sealed_secret)
        text, html = text.replace(SECRET_MARK, secret), html.replace(SECRET_MARK, secret)
    message = EmailMultiAlternatives(
        subject=" ".join(subject.split()),
        body=text,
        from_email=sender,
        to=[formataddr((email.to_name, email.to_address))],
        reply_to=[sender],
        headers=headers,
    )
    if html:
        message.attach_alternative(html, "text/html")
    if email.message is not None:
        for attachment in email.message.attachments.all():
            with attachment_open(attachment) as handle:
                message.attach(attachment.filename, handle.read(), attachment.content_type)
    return message


def claim(now: datetime, limit: int = 50) -> list[int]:
    with all_brands(), transaction.atomic():
        ids = list(
            OutboundEmail.objects.select_for_update(skip_locked=True)
            .filter(status=OutboxStatus.QUEUED)
            .filter(Q(next_attempt_at__lte=now))
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )
        OutboundEmail.objects.filter(pk__in=ids).update(next_attempt_at=now + LEASE)
    return ids


def deliver(email_id: int, connection: Any = None, *, unreachable: str = "") -> str:
    """Send one claimed email over `connection` (default: the default mailer); returns
    "sent", "retry" or "failed". With `unreachable` (the server could not be reached), the
    attempt is recorded with that error and nothing is tried."""
    with all_brands():
        brand_id = (
            OutboundEmail.objects.filter(pk=email_id).values_list("brand_id", flat=True).get()
        )
    with brand_scope(brand_id):
        email = OutboundEmail.objects.select_related("ticket", "ticket__brand", "message").get(
            pk=email_id
        )
        if email.status != OutboxStatus.QUEUED:
            return "skipped"
        now = clock.now()
        if unreachable:
            return _failed(email, unreachable, now)
        try:
            mail = build(email)
        except Exception as exc:  # an attachment that cannot be read, say: retried, then failed
            logger.exception("email %s could not be built", email.pk)
            return _failed(email, _describe(exc), now)
        mailer = connection if connection is not None else mailers.default
        try:
            if mailer.send_messages([mail]) != 1:
                raise ValueError("the email backend sent nothing (no valid recipient)")
        except Exception as exc:  # any transport error: record it, retry unless final
            logger.warning("sending email %s failed: %s", email.pk, exc)
            if connection_lost(exc):
                _close(mailer)  # so that the next email opens a new connection
            return _failed(email, _describe(exc), now, permanent=permanent_failure(exc))
        with transaction.atomic():
            email.status = OutboxStatus.SENT
            email.sent_at = now
            email.attempts += 1
            email.last_error = ""
            email.next_attempt_at = None
            email.sealed_secret = ""  # sent: the database keeps no working link
            email.save(
                update_fields=[
                    "status",
                    "sent_at",
                    "attempts",
                    "last_error",
                    "next_attempt_at",
                    "sealed_secret",
                ]
            )
            services.ticket_record(
                ticket=email.ticket,
                verb=Verb.EMAIL_SENT,
                actor=EMAIL,
                message=email.message,
                at=now,
                data={
                    "to": email.to_address,
                    "message_id": email.rfc_message_id,
                    "automatic": email.automatic,
                },
            )
        return "sent"


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def permanent_failure(exc: BaseException) -> bool:
    """A 5xx reply (to MAIL, DATA, or to every recipient), or an address that cannot be
    sent to at all: trying again cannot succeed."""
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _reply in exc.recipients.values()]
        return bool(codes) and all(500 <= code < 600 for code in codes)
    if isinstance(exc, smtplib.SMTPResponseException):
        return 500 <= exc.smtp_code < 600
    return isinstance(exc, ValueError)  # the backend refuses the address itself


def connection_lost(exc: BaseException) -> bool:
    """Not a reply from the server: the connection itself broke (or never worked)."""
    return isinstance(exc, OSError) and not isinstance(
        exc, smtplib.SMTPResponseException | smtplib.SMTPRecipientsRefused
    )


def _close(mailer: Any) -> None:
    try:
        mailer.close()
    except Exception:  # already broken: the error was recorded on the email
        logger.debug("closing the email connection failed", exc_info=True)


def _failed(email: OutboundEmail, error: str, now: datetime, *, permanent: bool = False) -> str:
    with transaction.atomic():
        email.attempts += 1
        email.last_error = error[:2000]
        if permanent or email.attempts > len(BACKOFF):
            email.status = OutboxStatus.FAILED
            email.next_attempt_at = None
            email.sealed_secret = ""
            services.ticket_record(
                ticket=email.ticket,
                verb=Verb.EMAIL_FAILED,
                actor=EMAIL,
                message=email.message,
                at=now,
                data={"to": email.to_address, "error": error[:500], "attempts": email.attempts},
            )
            outcome = "failed"
        else:
            email.next_attempt_at = now + BACKOFF[email.attempts - 1]
            outcome = "retry"
        email.save(
            update_fields=["attempts", "last_error", "status", "next_attempt_at", "sealed_secret"]
        )
    return outcome


def deliver_due(now: datetime | None = None) -> Counter[str]:
    """Send every queued email whose time has come, over one SMTP connection (opened again
    if it breaks). When the server cannot be reached, each due email records the attempt
    (and is retried with back-off) without a connection being tried for each."""
    now = now or clock.now()
    done: Counter[str] = Counter()
    connection = mailers.default
    unreachable = ""
    try:
        while ids := claim(now):
            for email_id in ids:
                if not unreachable:
                    unreachable = _open(connection)
                done[deliver(email_id, connection, unreachable=unreachable)] += 1
            if len(ids) < 50:
                break
    finally:
        _close(connection)
    return done


def _open(connection: Any) -> str:
    """Open the connection unless it is open; the error when the server cannot be reached."""
    try:
        connection.open()
    except Exception as exc:
        logger.warning("the email server cannot be reached: %s", exc)
        return _describe(exc)
    return ""


def mark_bounced(email: OutboundEmail, bounce: Any) -> None:
    """An RFC 3464 report said this email did not arrive."""
    email.status = OutboxStatus.BOUNCED
    email.last_error = f"{bounce.status} {bounce.diagnostic}".strip()[:2000]
    email.save(update_fields=["status", "last_error"])
    services.ticket_record(
        ticket=email.ticket,
        verb=Verb.EMAIL_BOUNCED,
        actor=EMAIL,
        message=email.message,
        data={
            "to": email.to_address,
            "status": bounce.status,
            "diagnostic": bounce.diagnostic[:500],
        },
    )
