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
from collections.abc import Sequence
from dataclasses import dataclass
from email.parser import BytesHeaderParser
from email.policy import compat32
from email.utils import getaddresses
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, OperationalError, transaction

from guichet.brands.models import Brand, cached_brand
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_for_email, contacts_for_emails, normalise_email
from guichet.intake.classify import guess_contact_type, guess_language, suggest_category
from guichet.intake.email.parsing import ParsedEmail, parse_email
from guichet.intake.email.threading import find_thread, reference_pattern
from guichet.intake.models import InboundEmail, InboundSource, InboundState, Mailbox
from guichet.lib import clock
from guichet.lib.bulk import save_fields
from guichet.lib.errors import ServiceError
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Channel
from guichet.tickets.models import Attachment, Message, MessageReference, reference_key

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


def _new_row(
    raw: bytes,
    *,
    source: str,
    brand: Brand | None = None,
    mailbox: Mailbox | None = None,
    envelope_from: str = "",
    envelope_to: list[str] | None = None,
) -> InboundEmail:
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
    return InboundEmail(
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


def _same(row: InboundEmail) -> InboundEmail:
    """The stored row `row` duplicates."""
    same = InboundEmail.objects.filter(dedupe_key=row.dedupe_key)
    if row.brand_id:
        return same.get(brand_id=row.brand_id)
    return same.get(brand__isnull=True)


def store(raw: bytes, **options: Any) -> Stored:
    """Commit the raw message, once. Returns the new row, or the row it duplicates.
    Options: source (required), brand, mailbox, envelope_from, envelope_to."""
    row = _new_row(raw, **options)
    with all_brands():
        try:
            with transaction.atomic():
                row.save()
            return Stored(row, True)
        except IntegrityError:
            return Stored(_same(row), False)


def store_many(raws: Sequence[bytes], **options: Any) -> list[Stored]:
    """`store` for many messages (files), in one transaction of a few statements: the
    caller keeps the files until it commits."""
    rows = [_new_row(raw, **options) for raw in raws]
    with all_brands(), transaction.atomic():
        keys = {(row.brand_id, row.dedupe_key) for row in rows}
        existing = {
            (found.brand_id, found.dedupe_key): found
            for found in InboundEmail.objects.filter(dedupe_key__in={key for _, key in keys}).defer(
                "raw"
            )
        }
        fresh: dict[tuple[int | None, str], InboundEmail] = {}
        for row in rows:
            key = (row.brand_id, row.dedupe_key)
            if key not in existing and key not in fresh:
                fresh[key] = row
        try:
            with transaction.atomic():
                InboundEmail.objects.bulk_create(fresh.values())
        except IntegrityError:  # stored meanwhile by someone else: one at a time
            return [store(raw, **options) for raw in raws]
        results, seen = [], set()
        for row in rows:
            key = (row.brand_id, row.dedupe_key)
            if key in fresh and key not in seen:
                seen.add(key)
                results.append(Stored(fresh[key], True))
            else:
                results.append(Stored(existing.get(key) or fresh[key], False))
        return results


# --- 2. process --------------------------------------------------------------------------------


def process(inbound_id: int) -> InboundEmail:
    """Bring a stored message to its final state (nothing happens if it already has one)."""
    with transaction.atomic():
        with all_brands():
            row = InboundEmail.objects.select_for_update().get(pk=inbound_id)
        if row.state != InboundState.RECEIVED:
            return row
        if row.brand_id is None:
            with all_brands():
                return _attempt(row)
        row.brand = cached_brand(row.brand_id)
        with brand_scope(row.brand):
            _lock_conversations(row.brand, [row])
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
    except Exception as exc:
        if transient(exc):
            raise  # a deadlock or a lock timeout: the whole chunk is tried again later
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


def transient(exc: BaseException) -> bool:
    """A database error that says "try again", not "this message is bad"."""
    if not isinstance(exc, OperationalError):
        return False
    code = getattr(exc.__cause__, "sqlstate", None)
    return code in _TRANSIENT or "database is locked" in str(exc)


# deadlock, serialisation failure, lock not available, query cancelled (lock timeout)
_TRANSIENT = {"40P01", "40001", "55P03", "57014"}


def _finish(row: InboundEmail, state: str, reason: str = "", detail: str = "") -> None:
    row.state = state
    row.reason = reason[:40]
    row.detail = detail[:20000]
    row.processed_at = clock.now()
    row.save(update_fields=_FINAL_FIELDS)


_FINAL_FIELDS = [
    "state",
    "reason",
    "detail",
    "processed_at",
    "attempts",
    "ticket",
    "message",
    "new_ticket",
]


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


@dataclass
class _Email:
    """A stored message parsed and checked: what opening or joining a ticket needs."""

    row: InboundEmail
    brand: Brand
    parsed: ParsedEmail
    address: str  # the sender's, normalised
    name: str
    robot: bool
    message_ids: list[str]  # In-Reply-To, then References newest first

    @property
    def language(self) -> str:
        return guess_language(self.parsed.new_text or self.parsed.text, self.brand.languages)


def _read(row: InboundEmail) -> _Email | None:
    """Parse and check a stored message; None for a delivery report (see `_bounce`)."""
    brand = row.brand
    if brand is None:
        raise Quarantine("unknown_recipient", "no brand has this recipient address")
    parsed = row.__dict__.get("parsed") or parse_email(bytes(row.raw), **_limits(brand))
    row.parsed = parsed  # type: ignore[attr-defined]  # read once, even if tried twice
    if parsed.bounce is not None:
        return None
    sender = parsed.sender
    if sender is None or "@" not in sender.address:
        raise Quarantine("no_sender", "the message has no usable From address")
    if sender.address.lower() in own_addresses(brand):
        raise Ignore("own_address", sender.address)
    try:
        address = normalise_email(sender.address)
    except ValidationError as exc:
        raise Quarantine("bad_sender", f"{sender.address!r}: {exc}") from exc
    return _Email(
        row=row,
        brand=brand,
        parsed=parsed,
        address=address,
        name=sender.name,
        robot=bool(parsed.robot or parsed.is_auto_reply),
        message_ids=[*parsed.in_reply_to, *reversed(parsed.references)],
    )


def _opening(email: _Email, contact: Contact) -> services.Opening:
    """A new ticket for this email (its attachments stored now)."""
    brand, parsed = email.brand, email.parsed
    attachments, withheld = _attachments(brand, parsed)
    policy = brand.get_policy()
    text = _body(parsed, withheld)
    return services.Opening(
        brand=brand,
        contact=contact,
        contact_type=guess_contact_type(policy, parsed.subject, parsed.new_text or text),
        category=suggest_category(policy, parsed.subject, parsed.new_text or text),
        subject=parsed.subject or (parsed.new_text or text)[:80] or "(no subject)",
        text=text,
        html=parsed.html,
        channel=Channel.EMAIL,
        external_id=parsed.message_id,
        references=email.message_ids,
        attachments=attachments,
        acknowledge=not email.robot,
        received_at=email.row.received_at,
    )


def _process(row: InboundEmail) -> None:
    email = _read(row)
    if email is None:
        assert row.brand is not None  # _read quarantines a message of no brand
        _bounce(row, row.brand, row.parsed)  # type: ignore[attr-defined]
        return
    brand, parsed = email.brand, email.parsed
    contact = contact_for_email(
        brand=brand, email=email.address, name=email.name, language=email.language
    )
    thread = find_thread(
        brand,
        message_ids=email.message_ids,
        subject=parsed.subject,
        sender=email.address,
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
            references=email.message_ids,
            attachments=attachments,
            automatic=email.robot,
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
    if thread is not None and email.robot:
        raise Ignore("robot_not_participant", f"automatic mail about {thread.ticket.reference}")
    ticket = services.ticket_open(**_opening(email, contact))
    if thread is not None:
        services.ticket_link(
            ticket=ticket,
            other=thread.ticket,
            reason="reply from someone who is not a participant of the first ticket",
        )
    row.ticket, row.new_ticket = ticket, True
    row.message = ticket.opening_message  # type: ignore[attr-defined]
    _finish(row, InboundState.TICKET_MESSAGE, "new_ticket_related" if thread else "new_ticket")


# --- 2b. many at once ------------------------------------------------------------------------------


def process_many(inbound_ids: Sequence[int], *, chunk: int = 100, skip_locked: bool = False) -> int:
    """Bring stored messages to their final states, in the order given, a chunk per
    transaction (the worker and `ingest-eml`). Returns how many were processed.

    Within a chunk, the new requests that have nothing to do with any other message — no
    known Message-ID in their headers, no reference in their subject, not answered by a
    message already stored, not related to another message of the chunk — are opened
    together (`services.tickets_open`: a few statements for all of them); every other
    message goes through `process`'s path, one at a time, in order, each in its own
    savepoint. With `skip_locked` (workers on PostgreSQL), rows another worker holds are
    left to it. A brand's messages are processed by one transaction at a time (an advisory
    lock on PostgreSQL; SQLite has one writer anyway), so a reply and the message it
    answers are never threaded by two workers that cannot see each other."""
    done = 0
    ids = list(inbound_ids)
    for start in range(0, len(ids), chunk):
        for attempt in range(1, 4):
            try:
                done += _process_chunk(ids[start : start + chunk], skip_locked)
                break
            except OperationalError as exc:
                if not transient(exc) or attempt == 3:
                    raise
                logger.warning("inbound chunk: %s; trying again", exc)
                time.sleep(0.05 * attempt)
    return done


def _process_chunk(ids: list[int], skip_locked: bool) -> int:
    order = {pk: index for index, pk in enumerate(ids)}
    with transaction.atomic():
        with all_brands():
            rows = sorted(
                InboundEmail.objects.select_for_update(skip_locked=skip_locked).filter(
                    pk__in=ids, state=InboundState.RECEIVED
                ),
                key=lambda row: order[row.pk],
            )
        groups: dict[int | None, list[InboundEmail]] = {}
        for row in rows:
            groups.setdefault(row.brand_id, []).append(row)
        for brand_id, group in groups.items():
            if brand_id is None:
                with all_brands():
                    for row in group:
                        _attempt(row)
                continue
            brand = cached_brand(brand_id)
            with brand_scope(brand):
                for row in group:
                    row.brand = brand
                _lock_conversations(brand, group)
                _process_group(brand, group)
    return len(rows)


def _lock_conversations(brand: Brand, rows: list[InboundEmail]) -> None:
    """On PostgreSQL, where several workers process at once: lock, until commit, every
    conversation these messages may belong to — their own Message-ID, those they answer,
    the references in their subjects — all at once in a fixed order (no deadlock between
    workers). A reply and the message it answers are then never processed by two
    transactions that cannot see each other; unrelated mail goes on in parallel. (SQLite
    has one writer at a time anyway.)"""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql":
        return
    pattern = reference_pattern(brand.reference_prefix)
    names: set[str] = set()
    for row in rows:
        try:
            email = _read(row)
        except Exception:  # noqa: S112 - it will be quarantined; it joins no conversation
            continue
        if email is None:
            continue
        names.update(i for i in [email.parsed.message_id, *email.message_ids] if i)
        names.update(m.upper() for m in pattern.findall(email.parsed.subject or ""))
    keys = sorted(
        {
            int.from_bytes(
                hashlib.blake2b(f"{brand.pk}:{name}".encode(), digest_size=8).digest(),
                "big",
                signed=True,
            )
            for name in names
        }
    )
    if keys:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(pg_advisory_xact_lock(key))"
                " FROM (SELECT unnest(%s::bigint[]) AS key ORDER BY 1) AS sorted",
                [keys],
            )


def _process_group(brand: Brand, rows: list[InboundEmail]) -> None:
    readable: list[_Email] = []
    for row in rows:
        try:
            email = _read(row)
        except Exception:  # noqa: S112 - the one-at-a-time path below records why
            continue
        if email is not None:
            readable.append(email)
    alone = _unrelated(brand, readable)
    if alone:
        try:
            with transaction.atomic():
                _open_together(brand, alone)
        except Exception as exc:
            if transient(exc):
                raise
            logger.exception("opening %d emails together failed; one at a time", len(alone))
            for email in alone:
                email.row.ticket = email.row.message = None
                email.row.new_ticket = False
            alone = []
    opened = {id(email.row) for email in alone}
    for row in rows:
        if id(row) not in opened:
            _attempt(row)


def _unrelated(brand: Brand, emails: list[_Email]) -> list[_Email]:
    """The emails that can open their ticket before the others are processed one at a time:
    no Message-ID of their headers is known (stored, or in the chunk), no reference in their
    subject, and not answered by a message stored before or arriving earlier in the chunk
    (a later reply is threaded onto them afterwards, as it would be one at a time)."""
    own = {e.parsed.message_id for e in emails if e.parsed.message_id}
    mentioned = {i for e in emails for i in e.message_ids if i}
    known = set(
        Message.objects.filter(brand=brand, external_id__in=mentioned).values_list(
            "external_id", flat=True
        )
    )
    answered = set(
        MessageReference.objects.filter(
            brand=brand, key__in=[reference_key(i) for i in own]
        ).values_list("key", flat=True)
    )
    pattern = reference_pattern(brand.reference_prefix)
    alone = []
    earlier: set[str] = set()  # Message-IDs mentioned by the emails before this one
    for email in emails:
        mine = email.parsed.message_id
        related = (
            any(i in known or i in own for i in email.message_ids)
            or pattern.search(email.parsed.subject or "")
            or (mine and (mine in earlier or reference_key(mine) in answered))
        )
        earlier.update(email.message_ids)
        if not related:
            alone.append(email)
    return alone


def _open_together(brand: Brand, emails: list[_Email]) -> None:
    contacts = contacts_for_emails(
        brand=brand, people=[(e.address, e.name, e.language) for e in emails]
    )
    tickets = services.tickets_open(
        [_opening(email, contact) for email, contact in zip(emails, contacts, strict=True)]
    )
    now = clock.now()
    rows = []
    for email, ticket in zip(emails, tickets, strict=True):
        row = email.row
        row.attempts += 1
        row.ticket, row.new_ticket = ticket, True
        row.message = ticket.opening_message  # type: ignore[attr-defined]
        row.state, row.reason, row.detail, row.processed_at = (
            InboundState.TICKET_MESSAGE,
            "new_ticket",
            "",
            now,
        )
        rows.append(row)
    _save_final(rows)


def _save_final(rows: list[InboundEmail]) -> None:
    """`_finish` for many rows."""
    save_fields((row, _FINAL_FIELDS) for row in rows)


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
