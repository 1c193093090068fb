"""The outbox of the SMS and social channels: what an agent writes on such a ticket, and
its acknowledgement where the policy's channel says so, is queued in the transaction of the
reply (a reaction to REPLIED) and sent by the worker after commit through the account the
customer wrote through, with retries; the provider's delivery receipts move it on
(inbound.handle_status).

SMS text is counted in segments as the networks count them: 160 characters of the GSM
7-bit alphabet (153 a part when split; characters of its extension table count twice),
else 70 UCS-2 code units (67 a part)."""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import translation
from django.utils.translation import gettext as _

from guichet.channels.inbound import SendError, adapter_for, handling
from guichet.channels.models import (
    PROVIDER_CHANNEL,
    ChannelAccount,
    ChannelItem,
    OutboundChannelMessage,
    OutboundState,
    Provider,
)
from guichet.contacts.models import ContactPhone
from guichet.lib import clock
from guichet.lib.scoping import all_brands
from guichet.tickets.models import Event, Ticket

logger = logging.getLogger(__name__)

CHANNELS = set(PROVIDER_CHANNEL.values()) - {"phone"}
# Tries before a message is given up (then `failed`, shown to the agents), and the pause
# before each further try.
MAX_ATTEMPTS = 6
BACKOFF = [timedelta(seconds=s) for s in (30, 120, 600, 1800, 7200)]

# --- SMS segments ---------------------------------------------------------------------------

GSM7 = set(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = set("^{}\\[~]|€\f")


def segments(text: str) -> int:
    """How many SMS the text is sent as."""
    if not text:
        return 0
    if all(c in GSM7 or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return 1 if units <= 160 else -(-units // 153)
    units = len(text.encode("utf-16-le")) // 2
    return 1 if units <= 70 else -(-units // 67)


# --- queueing -------------------------------------------------------------------------------


def reply_route(ticket: Ticket) -> tuple[ChannelAccount | None, str]:
    """The account and address a message of this ticket goes to: those of the item being
    handled (the acknowledgement of the ticket it opens), else those the customer last
    wrote from on it, else the brand's first active account of the ticket's channel and
    the customer's phone number (a ticket opened in the desk as an SMS conversation)."""
    current = handling.get()
    if current is not None and current[0].is_active:
        return current
    last = (
        ChannelItem.objects.filter(ticket=ticket, kind__in=("message", "comment"))
        .exclude(sender="")
        .select_related("account")
        .order_by("-pk")
        .first()
    )
    if last is not None and last.account.is_active:
        return last.account, last.sender
    providers = [p for p, channel in PROVIDER_CHANNEL.items() if channel == ticket.channel]
    account = (
        ChannelAccount.objects.filter(
            brand_id=ticket.brand_id, provider__in=providers, is_active=True
        )
        .order_by("pk")
        .first()
    )
    if account is None or account.provider not in (Provider.TWILIO, Provider.WHATSAPP):
        return account, ""
    phone = (
        ContactPhone.objects.filter(contact_id=ticket.contact_id)
        .order_by("-is_primary", "pk")
        .values_list("number", flat=True)
        .first()
    )
    return account, phone or ""


def acknowledgement_text(ticket: Ticket) -> str:
    """An acknowledgement short enough for one or two SMS, in the ticket's language."""
    with translation.override(ticket.language or ticket.brand.default_language):
        return _(
            "%(brand)s: we have received your request %(reference)s. We will answer you here."
        ) % {"brand": ticket.brand.name, "reference": ticket.reference}


def queue_replies(replies: list[tuple[Event, Ticket]]) -> None:
    """A reaction to REPLIED: the messages of SMS and social tickets to their outbox."""
    now = clock.now()
    rows = []
    for event, ticket in replies:
        message = event.message
        if message is None or message.is_internal or ticket.channel not in CHANNELS:
            continue
        text = message.text
        if message.is_automatic:
            if (event.data or {}).get("letter") != "acknowledgement":
                continue  # letters are the written record: they go by email (notify)
            if ticket.brand.get_policy().channel(ticket.channel) is None:
                continue  # acknowledged by this channel only where the policy names it
            if ticket.channel == "sms":
                text = acknowledgement_text(ticket)
        account, to = reply_route(ticket)
        rows.append(
            OutboundChannelMessage(
                brand_id=ticket.brand_id,
                account=account,
                ticket=ticket,
                message=message,
                to=to,
                text=text,
                segments=segments(text) if account and account.provider == Provider.TWILIO else 0,
                automatic=message.is_automatic,
                state=OutboundState.QUEUED if account and to else OutboundState.NO_ADDRESS,
                next_attempt_at=now,
                created_at=now,
            )
        )
    OutboundChannelMessage.objects.bulk_create(rows)


# --- sending ----------------------------------------------------------------------------------


def claim(now: datetime, limit: int = 50) -> list[int]:
    with all_brands():
        return list(
            OutboundChannelMessage.objects.filter(
                state=OutboundState.QUEUED, next_attempt_at__lte=now
            )
            .order_by("next_attempt_at", "pk")
            .values_list("pk", flat=True)[:limit]
        )


def send(row_id: int) -> str:
    """One try of one queued message (locked, skipped if another worker has it). Returns
    its state after the try."""
    with all_brands(), transaction.atomic():
        row = (
            OutboundChannelMessage.objects.select_for_update(skip_locked=True, of=("self",))
            .select_related("account")
            .filter(pk=row_id, state=OutboundState.QUEUED)
            .first()
        )
        if row is None:
            return "skipped"
        now = clock.now()
        row.attempts += 1
        try:
            if row.account is None:
                raise SendError("no channel account", permanent=True)
            row.provider_id = adapter_for(row.account).send(row.account, row)[:200]
            row.state, row.sent_at, row.last_error = OutboundState.SENT, now, ""
        except SendError as error:
            row.last_error = str(error)[:2000]
            if error.permanent or row.attempts >= MAX_ATTEMPTS:
                row.state = OutboundState.FAILED
            else:
                row.next_attempt_at = now + BACKOFF[min(row.attempts, len(BACKOFF)) - 1]
        except Exception as error:  # a bug in an adapter: logged, tried again later
            logger.exception("channel message %s could not be sent", row.pk)
            row.last_error = f"{type(error).__name__}: {error}"[:2000]
            row.next_attempt_at = now + BACKOFF[-1]
        row.save(
            update_fields=[
                "state",
                "attempts",
                "provider_id",
                "sent_at",
                "last_error",
                "next_attempt_at",
            ]
        )
        return row.state


def send_due(now: datetime | None = None) -> Counter[str]:
    """Every queued message whose time has come, one try each."""
    done: Counter[str] = Counter()
    for row_id in claim(now or clock.now()):
        done[send(row_id)] += 1
    return done
