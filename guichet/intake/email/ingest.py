"""The one path of every inbound email, whatever brought it (IMAP, SMTP/LMTP, upload, file).

1. `store` commits the raw bytes before anything else; only then is the message
   acknowledged to whoever handed it over (SMTP 250, IMAP \\Seen, HTTP 202). Storing the
   same message twice (a refetch, an SMTP retry, a second upload) keeps one row: the key
   is brand + Message-ID, or the hash of the bytes when there is no Message-ID.
2. `process` turns a stored message into exactly one state — a ticket message, ignored
   with a reason, or quarantined with a reason — in its own transaction. A message that
   cannot be processed is quarantined with the error, never lost, and never stops the
   ones after it; `replay` tries it again after a fix.
"""

from __future__ import annotations

import hashlib
import logging
import time
import traceback
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from guichet.brands.models import Brand
from guichet.contacts.services import contact_for_email
from guichet.intake.classify import guess_contact_type, guess_language, suggest_category
from guichet.intake.email.parsing import ParsedEmail, parse_email
from guichet.intake.email.threading import find_thread
from guichet.intake.models import InboundEmail, InboundSource, InboundState, Mailbox
from guichet.lib import clock
from guichet.lib.errors import ServiceError
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Channel
from guichet.tickets.models import Attachment

logger = logging.getLogger(__name__)

MB = 1024 * 1024


class Quarantine(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


class Ignore(Exception):
    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(reason)
        self.reason = reason
        self.detail = detail


# --- routing -------------------------------------------------------------------------------------


_addresses: tuple[float, dict[str, int]] = (0.0, {})


def brand_addresses() -> dict[str, int]:
    """Every address that belongs to a brand (its policy's email channels and its
    mailboxes), lower-cased, to the brand's id. Worked out at most every 10 seconds."""
    global _addresses
    if time.monotonic() - _addresses[0] < 10:
        return _addresses[1]
    addresses: dict[str, int] = {}
    with all_brands():
        for brand in Brand.objects.filter(is_active=True, policy__isnull=False):
            for channel in brand.get_policy().channels:
                if channel.kind == "email" and channel.address:
                    addresses[channel.address.lower()] = brand.pk
        for brand_id, address in Mailbox.objects.filter(is_active=True).values_list(
            "brand_id", "address"
        ):
            addresses[address.lower()] = brand_id
    _addresses = (time.monotonic(), addresses)
    return addresses


def forget_addresses() -> None:
    """When a policy or a mailbox changes and it must be seen at once (tests, the admin)."""
    global _addresses
    _addresses = (0.0, {})


def own_addresses(brand: Brand) -> set[str]:
    return {address for address, brand_id in brand_addresses().items() if brand_id == brand.pk}


def _headers(raw: bytes) -> Any:
    try:
        return BytesHeaderParser(policy=compat32).parsebytes(raw[: 256 * 1024])
    except Exception:  # bounded and best effort: the full parse later records the defect
        return None


def _text(value: str) -> str:
    """Header text as a database stores it: no NUL (PostgreSQL refuses it), no other
    control characters."""
    return "".join(c for c in value if c >= " " or c == "\t")


def _message_id(headers: Any) -> str:
    if headers is None:
        return ""
    value = _text(str(headers.get("Message-ID", "") or "")).strip()
    return value.strip("<>").strip()[:998]


def route(raw: bytes, envelope_to: list[str]) -> int | None:
    """The brand a message is for: the envelope recipients first, then the headers."""
    known = brand_addresses()
    for address in envelope_to:
        brand_id = known.get(address.strip().strip("<>").lower())
        if brand_id:
            return brand_id
    headers = _headers(raw)
    if headers is None:
        return None
    values = []
    for name in ("Delivered-To", "X-Original-To", "To", "Cc"):
        values += [str(v) for v in headers.get_all(name, [])]
    for _name, address in getaddresses(values):
        brand_id = known.get(address.lower())
        if brand_id:
            return brand_id
    return None


# --- 1. store ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Stored:
    inbound: InboundEmail
    created: bool


def store(
    raw: bytes,
    *,
    source: str,
    brand: Brand | None = None,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: list[str] | None = None,
) -> Stored:
    """Commit the raw message, once. Returns the new row, or the row it duplicates."""
    if source not in InboundSource.values:
        raise ValueError(f"unknown source {source!r}")
    recipients = list(envelope_to or [])
    brand_id = brand.pk if brand else (mailbox.brand_id if mailbox else route(raw, recipients))
    sha = hashlib.sha256(raw).hexdigest()
    message_id = _message_id(_headers(raw))
    dedupe_key = (
        "mid:" + hashlib.sha256(message_id.encode("utf-8", "replace")).hexdigest()
        if message_id
        else "raw:" + sha
    )
    row = InboundEmail(
        brand_id=brand_id,
        mailbox=mailbox,
        source=source,
        envelope_from=_text(envelope_from)[:998],
        envelope_to=[_text(r)[:998] for r in recipients[:100]],
        raw=raw,
        size=len(raw),
        sha256=sha,
        header_message_id=message_id,
        dedupe_key=dedupe_key,
        received_at=clock.now(),
    )
    with all_brands():
        try:
            with transaction.atomic():
                row.save()
            return Stored(row, True)
        except IntegrityError:
            same = InboundEmail.objects.filter(dedupe_key=dedupe_key)
            same = same.filter(brand_id=brand_id) if brand_id else same.filter(brand__isnull=True)
            return Stored(same.get(), False)


# --- 2. process --------------------------------------------------------------------------------


def process(inbound_id: int) -> InboundEmail:
    """Bring a stored message to its final state (nothing happens if it already has one)."""
    with transaction.atomic():
        with all_brands():
            row = InboundEmail.objects.select_for_update().get(pk=inbound_id)
        if row.state != InboundState.RECEIVED:
            return row
        with brand_scope(row.brand_id) if row.brand_id else all_brands():
            return _attempt(row)


def _attempt(row: InboundEmail) -> InboundEmail:
    """One processing attempt of a locked row; it ends in a final state whatever happens."""
    row.attempts += 1
    try:
        with transaction.atomic():
            _process(row)
        return row
    except Quarantine as outcome:
        state, reason, detail = InboundState.QUARANTINED, outcome.reason, outcome.detail
    except Ignore as outcome:
        state, reason, detail = InboundState.IGNORED, outcome.reason, outcome.detail
    except (ServiceError, ValidationError) as exc:
        state, reason, detail = InboundState.QUARANTINED, "refused", str(exc)
    except Exception:
        logger.exception("inbound email %s could not be processed", row.pk)
        state, reason, detail = (
            InboundState.QUARANTINED,
            "error",
            traceback.format_exc(limit=20),
        )
    # What the rolled-back attempt wrote is gone; so are its references.
    row.ticket, row.message, row.new_ticket = None, None, False
    _finish(row, state, reason, detail)
    return row


def _finish(row: InboundEmail, state: str, reason: str = "", detail: str = "") -> None:
    row.state = state
    row.reason = reason[:40]
    row.detail = detail[:20000]
    row.processed_at = clock.now()
    row.save(
        update_fields=[
            "state",
            "reason",
            "detail",
            "processed_at",
            "attempts",
            "ticket",
            "message",
            "new_ticket",
        ]
    )


def _limits(brand: Brand) -> dict[str, int]:
    intake = brand.get_policy().intake
    return {
        "max_attachment_bytes": intake.attachment_max_mb * MB,
        "max_total_attachment_bytes": intake.message_attachments_max_mb * MB,
    }


def _attachments(brand: Brand, parsed: ParsedEmail) -> tuple[list[Attachment], list[str]]:
    stored, withheld = [], []
    for part in parsed.attachments:
        if part.data is None:
            withheld.append(f"{part.filename} ({part.size} bytes): {part.withheld_reason}")
            continue
        stored.append(
            attachment_store(
                brand=brand,
                filename=part.filename,
                content=part.data,
                content_type=part.content_type,
                content_id=part.content_id,
                max_bytes=max(part.size, len(part.data)) + 1,
            )
        )
    return stored, withheld


def _body(parsed: ParsedEmail, withheld: list[str]) -> str:
    text = parsed.text.strip()
    if parsed.calendar_text:
        text = f"{text}\n\n{parsed.calendar_text.strip()}".strip()
    if withheld:
        notes = "\n".join(f"- {item}" for item in withheld)
        text = f"{text}\n\n[Attachments withheld / pièces jointes retenues:]\n{notes}".strip()
    return text or parsed.subject or "(no text)"


def _process(row: InboundEmail) -> None:
    brand = row.brand
    if brand is None:
        raise Quarantine("unknown_recipient", "no brand has this recipient address")
    parsed = parse_email(bytes(row.raw), **_limits(brand))
    if parsed.bounce is not None:
        _bounce(row, brand, parsed)
        return
    sender = parsed.sender
    if sender is None or "@" not in sender.address:
        raise Quarantine("no_sender", "the message has no usable From address")
    if sender.address.lower() in own_addresses(brand):
        raise Ignore("own_address", sender.address)
    try:
        contact = contact_for_email(
            brand=brand,
            email=sender.address,
            name=sender.name,
            language=guess_language(parsed.new_text or parsed.text, brand.languages),
        )
    except ValidationError as exc:
        raise Quarantine("bad_sender", f"{sender.address!r}: {exc}") from exc
    robot = bool(parsed.robot or parsed.is_auto_reply)
    message_ids = [*parsed.in_reply_to, *reversed(parsed.references)]
    thread = find_thread(
        brand,
        message_ids=message_ids,
        subject=parsed.subject,
        sender=sender.address,
        own_id=parsed.message_id,
    )
    if thread is not None and thread.participant:
        attachments, withheld = _attachments(brand, parsed)
        message = services.ticket_receive(
            ticket=thread.ticket,
            contact=contact,
            text=_body(parsed, withheld),
            html=parsed.html,
            channel=Channel.EMAIL,
            external_id=parsed.message_id,
            references=message_ids,
            attachments=attachments,
            automatic=robot,
        )
        for branch in thread.also:
            services.ticket_link(
                ticket=branch,
                other=thread.ticket,
                reason="answers the same message (it arrived after them)",
            )
        row.ticket, row.message = thread.ticket, message
        _finish(row, InboundState.TICKET_MESSAGE, f"threaded_by_{thread.by}")
        return
    if thread is not None and robot:
        raise Ignore("robot_not_participant", f"automatic mail about {thread.ticket.reference}")
    attachments, withheld = _attachments(brand, parsed)
    policy = brand.get_policy()
    text = _body(parsed, withheld)
    ticket = services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type=guess_contact_type(policy, parsed.subject, parsed.new_text or text),
        category=suggest_category(policy, parsed.subject, parsed.new_text or text),
        subject=parsed.subject or (parsed.new_text or text)[:80] or "(no subject)",
        text=text,
        html=parsed.html,
        channel=Channel.EMAIL,
        external_id=parsed.message_id,
        references=message_ids,
        attachments=attachments,
        acknowledge=not robot,
        received_at=row.received_at,
    )
    if thread is not None:
        services.ticket_link(
            ticket=ticket,
            other=thread.ticket,
            reason="reply from someone who is not a participant of the first ticket",
        )
    row.ticket, row.new_ticket = ticket, True
    row.message = ticket.messages.order_by("pk").first()
    _finish(row, InboundState.TICKET_MESSAGE, "new_ticket_related" if thread else "new_ticket")


def _bounce(row: InboundEmail, brand: Brand, parsed: ParsedEmail) -> None:
    from guichet.notify.delivery import mark_bounced
    from guichet.notify.models import OutboundEmail

    assert parsed.bounce is not None
    original = parsed.bounce.original_message_id
    outbound = (
        OutboundEmail.objects.filter(brand=brand, rfc_message_id=original).first()
        if original
        else None
    )
    if outbound is None:
        raise Quarantine("unmatched_bounce", f"no outgoing email has Message-ID {original!r}")
    mark_bounced(outbound, parsed.bounce)
    row.ticket = outbound.ticket
    _finish(
        row,
        InboundState.IGNORED,
        "bounce",
        f"{parsed.bounce.status} {parsed.bounce.diagnostic}"[:2000],
    )


def ingest(raw: bytes, **kwargs: Any) -> InboundEmail:
    """Store, then process at once (the command line and tests; channels queue instead)."""
    stored = store(raw, **kwargs)
    return process(stored.inbound.pk)


def replay(inbound_id: int) -> InboundEmail:
    """Try a quarantined message again (after a fix, or a policy change)."""
    with all_brands(), transaction.atomic():
        row = InboundEmail.objects.select_for_update().get(pk=inbound_id)
        if row.state != InboundState.QUARANTINED:
            return row
        row.state, row.reason, row.detail = InboundState.RECEIVED, "", ""
        row.save(update_fields=["state", "reason", "detail"])
    return process(inbound_id)
