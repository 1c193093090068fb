"""What a provider's webhook brings, through one path for every channel (docs/channels.md):

1. **stored** as it arrived (`store`: body, the headers that matter, the URL), committed
   before anything reads it — a crash after this point loses nothing (`process_pending`
   finishes it);
2. **verified** by the provider's adapter against the account's secret: a bad or missing
   signature ends `refused` with its reason (the webhook answers 403), kept so that a
   wrongly entered secret loses no message — `replay` verifies again with the new one;
3. **read** into items (`Item`: a message, a delivery receipt, a call event, a public
   comment), each handled once by its provider id (`ChannelItem`): a provider's retry or a
   replay does nothing twice;
4. each item **handled** in the event's transaction: a message joins its sender's open
   ticket on that channel or opens one (the contact found by E.164 number or network id; a
   blocked contact's message quarantined, never answered: AB-2), a receipt updates the
   outbox, other kinds go to the handler their app registered (`handle`: the telephony's
   call events).

Every event ends in one state with its reason: processed, ignored, quarantined (a failure
or a rule: replayable) or refused."""

from __future__ import annotations

import hashlib
import json
import logging
import traceback
from collections.abc import Callable, Mapping, Sequence
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol
from urllib.parse import parse_qs

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from guichet.brands.models import Brand, cached_brand
from guichet.channels.models import (
    ChannelAccount,
    ChannelHandle,
    ChannelItem,
    InboundEvent,
    InboundState,
    OutboundChannelMessage,
    OutboundState,
    Provider,
)
from guichet.contacts.models import Contact
from guichet.contacts.services import brand_phone, clean_name, contact_for_phone
from guichet.intake.classify import read_message
from guichet.lib import clock
from guichet.lib.errors import ServiceError
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets import services
from guichet.tickets.choices import OPEN_STATUSES
from guichet.tickets.models import Message, Ticket

logger = logging.getLogger(__name__)

# A webhook larger than this is refused before it is stored (providers send a few kB).
MAX_BODY = 1_000_000
# A stored event still `received` this long after it arrived is finished by the worker.
PENDING_AFTER_SECONDS = 60


# --- what arrives ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Webhook:
    """A provider's request as the adapters read it (built from Django's request, or from
    a stored event for a replay)."""

    method: str
    url: str  # the full URL the provider called: Twilio signs it
    headers: Mapping[str, str]  # lower-case names
    body: bytes
    content_type: str = ""
    query: Mapping[str, str] = field(default_factory=dict)

    def form(self) -> dict[str, str]:
        """A form-encoded body, each field's first value."""
        fields = parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)
        return {name: values[0] for name, values in fields.items()}

    def form_lists(self) -> dict[str, list[str]]:
        return parse_qs(self.body.decode("utf-8", "replace"), keep_blank_values=True)

    def json(self) -> Any:
        return json.loads(self.body.decode("utf-8"))

    @property
    def is_json(self) -> bool:
        return "json" in self.content_type or self.body.lstrip()[:1] in (b"{", b"[")


@dataclass
class Item:
    """One thing a provider sent, normalised. `external_id` is the provider's own id for it
    (a message SID, a wamid, a call id and its event): the same id is handled once."""

    kind: str  # message, status, comment, call, or a kind an app registered
    external_id: str
    sender: str = ""  # a phone number (E.164 after reading) or the network's user id
    sender_name: str = ""
    text: str = ""
    at: datetime | None = None
    link: str = ""  # a public comment's address
    data: dict[str, Any] = field(default_factory=dict)


class Refused(Exception):
    """The request is not the provider's (no signature, a wrong one)."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail


class Quarantine(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason, self.detail = reason, detail


class Ignore(Quarantine):
    pass


class Adapter(Protocol):
    """A provider: how its webhooks are checked and read, how a message is sent with it."""

    provider: str
    # The request headers kept with the event (what the signature or the delivery needs).
    headers: Sequence[str]

    def verify(self, account: ChannelAccount, webhook: Webhook) -> None:
        """Raise `Refused` unless the provider signed this request with the account's
        secret."""

    def items(self, account: ChannelAccount, webhook: Webhook) -> list[Item]:
        """What the request brings (raise `Quarantine("unreadable", …)` if it cannot be
        read)."""

    def send(self, account: ChannelAccount, outbound: OutboundChannelMessage) -> str:
        """Send; return the provider's id for the message. Raise `SendError`."""


class SendError(Exception):
    def __init__(self, message: str, *, permanent: bool = False) -> None:
        super().__init__(message)
        self.permanent = permanent


ADAPTERS: dict[str, Adapter] = {}
Handler = Callable[["Context", Item], None]
HANDLERS: dict[str, Handler] = {}

# The account and sender of the item being handled: what its handling queues (the
# acknowledgement of the ticket it opens, before the item is linked to that ticket) goes
# back the way the item came (outbound.reply_route).
handling: ContextVar[tuple[ChannelAccount, str] | None] = ContextVar(
    "channel_handling", default=None
)


def register_adapter(adapter: Adapter) -> None:
    ADAPTERS[adapter.provider] = adapter


def handle(kind: str, handler: Handler) -> None:
    """Items of `kind` go to `handler(context, item)`, inside the event's transaction (an
    app above this one registers its own kinds: the telephony its call events)."""
    HANDLERS[kind] = handler


def adapter_for(account: ChannelAccount) -> Adapter:
    try:
        return ADAPTERS[account.provider]
    except KeyError:
        raise LookupError(f"no adapter for provider {account.provider!r}") from None


@dataclass
class Context:
    """What a handler is given: the event, its account and brand, and what it did (the
    ticket and message the item became, for the event's record)."""

    event: InboundEvent
    account: ChannelAccount
    brand: Brand
    ticket: Ticket | None = None
    message: Message | None = None


# --- 1. store ------------------------------------------------------------------------------


def store(account: ChannelAccount, webhook: Webhook) -> InboundEvent:
    """Commit the request as it arrived (before it is verified or read)."""
    adapter = adapter_for(account)
    kept = {name: webhook.headers[name] for name in adapter.headers if name in webhook.headers}
    with all_brands():
        return InboundEvent.objects.create(
            brand_id=account.brand_id,
            account=account,
            provider=account.provider,
            method=webhook.method[:8],
            url=webhook.url[:2000],
            content_type=webhook.content_type[:200],
            headers=kept,
            body=webhook.body,
            size=len(webhook.body),
            sha256=hashlib.sha256(webhook.body).hexdigest(),
            received_at=clock.now(),
        )


def webhook_of(event: InboundEvent) -> Webhook:
    """The request again, from what was stored."""
    return Webhook(
        method=event.method,
        url=event.url,
        headers=dict(event.headers),
        body=bytes(event.body),
        content_type=event.content_type,
    )


def receive(account: ChannelAccount, webhook: Webhook) -> InboundEvent:
    """Store, then verify and process a provider's request. Returns the event in its final
    state (`refused`: the caller answers 403)."""
    event = store(account, webhook)
    return process(event.pk)


# --- 2 to 4. verify, read, handle ----------------------------------------------------------


def process(event_id: int) -> InboundEvent:
    """Bring a stored event to its final state (nothing happens if it has one)."""
    with transaction.atomic():
        with all_brands():
            event = (
                InboundEvent.objects.select_for_update().select_related("account").get(pk=event_id)
            )
        if event.state != InboundState.RECEIVED:
            return event
        brand = cached_brand(event.brand_id)
        with brand_scope(brand):
            _attempt(event, brand)
        return event


def _attempt(event: InboundEvent, brand: Brand) -> None:
    event.attempts += 1
    account = event.account
    context = Context(event=event, account=account, brand=brand)
    try:
        with transaction.atomic():
            adapter = adapter_for(account)
            adapter.verify(account, webhook_of(event))
            if not account.is_active:
                raise Quarantine("inactive", f"{account} is switched off")
            items = adapter.items(account, webhook_of(event))
            event.items = len(items)
            if not items:
                raise Ignore("nothing")
            for item in items:
                _handle_once(context, item)
        state, reason, detail = InboundState.PROCESSED, "", ""
    except Refused as refused:
        state, reason, detail = InboundState.REFUSED, refused.reason, refused.detail
    except Ignore as outcome:
        state, reason, detail = InboundState.IGNORED, outcome.reason, outcome.detail
    except Quarantine as outcome:
        state, reason, detail = InboundState.QUARANTINED, outcome.reason, outcome.detail
    except (ServiceError, ValidationError) as exc:
        state, reason, detail = InboundState.QUARANTINED, "refused", str(exc)
    except Exception:
        logger.exception("channel event %s could not be processed", event.pk)
        state, reason, detail = InboundState.QUARANTINED, "error", traceback.format_exc(limit=20)
    if state != InboundState.PROCESSED:
        context.ticket = None  # rolled back with the attempt
    event.state, event.reason, event.detail = state, reason[:40], detail[:20000]
    event.ticket = context.ticket
    event.processed_at = clock.now()
    event.save(
        update_fields=["state", "reason", "detail", "items", "ticket", "attempts", "processed_at"]
    )
    if state == InboundState.REFUSED:
        logger.warning("channel event %s refused (%s, %s): %s", event.pk, account, reason, detail)


def _handle_once(context: Context, item: Item) -> None:
    """Handle the item unless its id was handled before (by a retry, an earlier replay)."""
    context.message = None
    try:
        with transaction.atomic():
            row = ChannelItem.objects.create(
                brand_id=context.brand.pk,
                account=context.account,
                external_id=item.external_id[:200],
                kind=item.kind[:20],
                sender=item.sender[:200],
                event=context.event,
                at=clock.now(),
            )
    except IntegrityError:
        return  # handled already: a provider's retry
    handler = HANDLERS.get(item.kind)
    if handler is None:
        raise Quarantine("unreadable", f"no handler for items of kind {item.kind!r}")
    route = handling.set((context.account, item.sender) if item.sender else None)
    try:
        handler(context, item)
    finally:
        handling.reset(route)
    if context.ticket is not None or context.message is not None:
        row.ticket, row.message = context.ticket, context.message
        row.save(update_fields=["ticket", "message"])


# --- the core kinds: a message, a delivery receipt -----------------------------------------


def sender_contact(context: Context, item: Item) -> Contact:
    """The brand's contact who sent the item: by phone number (SMS, WhatsApp) or by the
    network's id (Messenger, Instagram), made if new."""
    brand, provider = context.brand, context.account.provider
    name = clean_name(item.sender_name)
    if not item.sender:
        raise Quarantine("unknown_sender", "the item names no sender")
    if provider in (Provider.TWILIO, Provider.WHATSAPP, Provider.CTI):
        try:
            number = brand_phone(brand, item.sender)
        except ValidationError as error:
            raise Quarantine("unknown_sender", f"{item.sender!r}: {error.messages[0]}") from error
        contact = contact_for_phone(brand=brand, phone=number, name=name)
    else:
        contact = handle_contact(brand, provider, item.sender, name)
    return contact.merged_into or contact


def handle_contact(brand: Brand, provider: str, external_id: str, name: str) -> Contact:
    """The contact behind a network's user id (made with a record of its own if new)."""
    found = (
        ChannelHandle.objects.select_related("contact")
        .filter(brand=brand, provider=provider, external_id=external_id)
        .first()
    )
    if found is not None:
        return found.contact
    now = clock.now()
    try:
        with transaction.atomic():
            contact = Contact.objects.create(
                brand=brand, name=name, language="", created_at=now, updated_at=now
            )
            ChannelHandle.objects.create(
                brand=brand, provider=provider, external_id=external_id, name=name, contact=contact
            )
            return contact
    except IntegrityError:
        return (
            ChannelHandle.objects.select_related("contact")
            .get(brand=brand, provider=provider, external_id=external_id)
            .contact
        )


def open_ticket_of(brand: Brand, contact: Contact, channel: str) -> Ticket | None:
    """The contact's most recent open ticket on this channel: a new message joins it."""
    return (
        Ticket.objects.filter(
            brand=brand, contact=contact, channel=channel, status__in=OPEN_STATUSES
        )
        .order_by("-created_at", "-pk")
        .first()
    )


def handle_message(context: Context, item: Item) -> None:
    """A customer's message: onto their open ticket on this channel, or a new ticket."""
    brand, channel = context.brand, context.account.channel
    contact = sender_contact(context, item)
    if contact.blocked_since is not None:
        raise Quarantine(
            "blocked_sender",
            f"contact {contact.pk} is blocked since {contact.blocked_since:%Y-%m-%d %H:%M} UTC:"
            " no ticket, no reply",
        )
    text = item.text.strip() or "(empty message)"
    if item.link:
        text = f"{text}\n\n{item.link}"
    external_id = f"{context.account.provider}:{item.external_id}"
    ticket = open_ticket_of(brand, contact, channel)
    if ticket is not None:
        context.message = services.ticket_receive(
            ticket=ticket,
            contact=contact,
            text=text,
            channel=channel,
            external_id=external_id,
            received_at=item.at,
        )
        context.ticket = ticket
        return
    reading = read_message(brand.get_policy(), "", text)
    opening = services.Opening(
        brand=brand,
        contact=contact,
        contact_type=item.data.get("contact_type") or reading.contact_type,
        category=reading.category,
        guess=reading.as_data(),
        subject=_subject(text),
        text=text,
        channel=channel,
        external_id=external_id,
        received_at=item.at,
    )
    context.ticket = services.ticket_open(**opening)


def _subject(text: str) -> str:
    first = " ".join(text.split())
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


# What a provider's delivery receipt says, as the outbox's state (later states win).
RECEIPT_STATES = {
    "sent": OutboundState.SENT,
    "delivered": OutboundState.DELIVERED,
    "read": OutboundState.READ,
    "failed": OutboundState.FAILED,
    "undelivered": OutboundState.FAILED,
}
_ORDER: list[str] = [OutboundState.SENT, OutboundState.DELIVERED, OutboundState.READ]


def handle_status(context: Context, item: Item) -> None:
    """A delivery receipt: the outbox row of that provider id moves on (never back)."""
    status = str(item.data.get("status") or "")
    state = RECEIPT_STATES.get(status)
    provider_id = str(item.data.get("provider_id") or "")
    if state is None or not provider_id:
        return
    row = (
        OutboundChannelMessage.objects.select_for_update()
        .filter(account=context.account, provider_id=provider_id)
        .first()
    )
    if row is None:
        return
    if state in _ORDER and row.state in _ORDER and _ORDER.index(row.state) >= _ORDER.index(state):
        return
    row.state = state
    if state in (OutboundState.DELIVERED, OutboundState.READ) and row.delivered_at is None:
        row.delivered_at = item.at or clock.now()
    if state == OutboundState.FAILED:
        row.last_error = str(item.data.get("error") or status)[:2000]
    row.save(update_fields=["state", "delivered_at", "last_error"])


handle("message", handle_message)
handle("comment", handle_message)
handle("status", handle_status)


# --- the worker's side ------------------------------------------------------------------------


def process_pending(now: datetime | None = None, limit: int = 500) -> int:
    """Events stored and never finished (the process stopped between storing and
    processing): processed now. Returns how many."""
    now = now or clock.now()
    from datetime import timedelta

    before = now - timedelta(seconds=PENDING_AFTER_SECONDS)
    with all_brands():
        ids = list(
            InboundEvent.objects.filter(state=InboundState.RECEIVED, received_at__lt=before)
            .order_by("received_at")
            .values_list("pk", flat=True)[:limit]
        )
    for event_id in ids:
        process(event_id)
    return len(ids)


def replay(event_id: int) -> InboundEvent:
    """Process a quarantined, ignored or refused event again (after a fix: a block lifted,
    a secret corrected). A processed event is left as it is; items it handled before are
    not handled twice."""
    with all_brands(), transaction.atomic():
        event = InboundEvent.objects.select_for_update().get(pk=event_id)
        if event.state == InboundState.PROCESSED:
            return event
        event.state, event.reason, event.detail = InboundState.RECEIVED, "", ""
        event.save(update_fields=["state", "reason", "detail"])
    return process(event_id)


__all__ = [
    "ADAPTERS",
    "MAX_BODY",
    "Adapter",
    "Context",
    "Ignore",
    "Item",
    "Quarantine",
    "Refused",
    "SendError",
    "Webhook",
    "handle",
    "process",
    "process_pending",
    "receive",
    "register_adapter",
    "replay",
    "store",
]
