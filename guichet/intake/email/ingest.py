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
from guichet.contacts.services import contacts_for_emails, normalise_email
from guichet.intake.classify import guess_language, read_message
from guichet.intake.email import content
from guichet.intake.email.parsing import ParsedEmail, parse_email
from guichet.intake.email.sellers import seller_threads, to_seller_side
from guichet.intake.email.threading import Lookup, Thread, reference_pattern, threads_for
from guichet.intake.models import InboundEmail, InboundSource, InboundState, Mailbox
from guichet.lib import clock
from guichet.lib.bulk import save_fields
from guichet.lib.errors import ServiceError
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.conduct import blocked_notice
from guichet.notify.delivery import mark_bounced
from guichet.notify.models import OutboundEmail
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket

logger = logging.getLogger(__name__)


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
    original_size: int | None = None,
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
        original_size=original_size,
    )


def _same(row: InboundEmail) -> InboundEmail:
    """The stored row `row` duplicates."""
    same = InboundEmail.objects.filter(dedupe_key=row.dedupe_key)
    if row.brand_id:
        return same.get(brand_id=row.brand_id)
    return same.get(brand__isnull=True)


def store(raw: bytes, **options: Any) -> Stored:
    """Commit the raw message, once. Returns the new row, or the row it duplicates.
    Options: source (required), brand, mailbox, envelope_from, envelope_to, and
    original_size when `raw` is only the beginning of a message too large to keep whole."""
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
            _serialise_brands([row.brand_id])
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

    @property
    def lookup(self) -> Lookup:
        parsed = self.parsed
        return Lookup(self.message_ids, parsed.subject, self.address, parsed.message_id)

    @property
    def names(self) -> set[str]:
        """The conversations it may belong to: Message-IDs (its own and those it answers),
        ticket references in its subject."""
        pattern = reference_pattern(self.brand.reference_prefix)
        ids = {i for i in [self.parsed.message_id, *self.message_ids] if i}
        return ids | {"ref:" + m.upper() for m in pattern.findall(self.parsed.subject or "")}


def _read(row: InboundEmail) -> _Email | None:
    """Parse and check a stored message; None for a delivery report (see `_bounce`)."""
    brand = row.brand
    if brand is None:
        raise Quarantine("unknown_recipient", "no brand has this recipient address")
    parsed = row.__dict__.get("parsed") or parse_email(bytes(row.raw), **content.limits(brand))
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
    attachments, withheld = content.store_attachments(brand, parsed)
    withheld += content.truncation(email.row)
    policy = brand.get_policy()
    text = content.body_text(parsed, withheld)
    reading = read_message(policy, parsed.subject or "", parsed.new_text or text)
    return services.Opening(
        brand=brand,
        contact=contact,
        contact_type=reading.contact_type,
        category=reading.category,
        guess=reading.as_data(),
        subject=parsed.subject or (parsed.new_text or text)[:80] or "(no subject)",
        text=text,
        html=parsed.html,
        channel=Channel.WEB if email.row.source == InboundSource.WEB else Channel.EMAIL,
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
    _apply(email.brand, [email], threads_for(email.brand, [email.lookup]))
    _finish(row, row.state, row.reason, row.detail)


def _apply(brand: Brand, emails: list[_Email], threads: list[Thread | None]) -> None:
    """Write what each email calls for — join its thread, open a ticket (linked to the
    thread a non-participant answered), or nothing for a robot writing about a ticket it is
    not part of or for a blocked contact (quarantined: no ticket, no reply) — and leave the
    outcome on its row (state, reason, ticket, message).
    An email on the seller's side of a ticket goes there instead (`sellers.py`).
    The emails are of one brand and join distinct tickets."""
    sides = seller_threads(brand, [email.lookup for email in emails])
    for email, side in zip(emails, sides, strict=True):
        if side is not None:
            to_seller_side(email, side)
    kept = [(e, t) for e, t, side in zip(emails, threads, sides, strict=True) if side is None]
    emails, threads = [e for e, _t in kept], [t for _e, t in kept]
    joins = [(e, t) for e, t in zip(emails, threads, strict=True) if t and t.participant]
    opens = [(e, t) for e, t in zip(emails, threads, strict=True) if not (t and t.participant)]
    opens = _without_outside_robots(opens)
    contacts = _unblocked_contacts(brand, [e for e, _t in joins] + [e for e, _t in opens])
    _join(brand, [(e, t) for e, t in joins if id(e) in contacts], contacts)
    _open_new([(e, t) for e, t in opens if id(e) in contacts], contacts)


def _without_outside_robots(
    opens: list[tuple[_Email, Thread | None]],
) -> list[tuple[_Email, Thread | None]]:
    """The emails to open tickets for, without those of robots writing about a ticket they
    are not part of (ignored)."""
    for email, thread in opens:
        if thread is not None and email.robot:
            _outcome(
                email.row,
                InboundState.IGNORED,
                "robot_not_participant",
                f"automatic mail about {thread.ticket.reference}",
            )
    return [(e, t) for e, t in opens if not (t and e.robot)]


def _unblocked_contacts(brand: Brand, writers: list[_Email]) -> dict[int, Contact]:
    """The contact of each writer, by `id` of their email, found or made in one go; the
    email of a blocked contact is quarantined and left out."""
    contacts = dict(
        zip(
            (id(e) for e in writers),
            contacts_for_emails(
                brand=brand, people=[(e.address, e.name, e.language) for e in writers]
            ),
            strict=True,
        )
    )
    blocked = {key for key, contact in contacts.items() if contact.blocked_since is not None}
    for email in writers:
        if id(email) in blocked:
            since = contacts[id(email)].blocked_since
            _outcome(
                email.row,
                InboundState.QUARANTINED,
                "blocked_sender",
                f"{email.address} is blocked since {since:%Y-%m-%d %H:%M} UTC: no ticket, no reply",
            )
            blocked_notice(contacts[id(email)])
    return {key: contact for key, contact in contacts.items() if key not in blocked}


def _join(
    brand: Brand, joins: list[tuple[_Email, Thread | None]], contacts: dict[int, Contact]
) -> None:
    """Each email becomes a message of its thread's ticket, where its sender takes part;
    the tickets that answer the same message are linked to it. Each thread is given."""
    receipts = []
    for email, thread in joins:
        assert thread is not None
        attachments, withheld = content.store_attachments(brand, email.parsed)
        withheld += content.truncation(email.row)
        receipts.append(
            services.Receipt(
                ticket=thread.ticket,
                contact=contacts[id(email)],
                text=content.body_text(email.parsed, withheld),
                html=email.parsed.html,
                channel=Channel.EMAIL,
                external_id=email.parsed.message_id,
                references=email.message_ids,
                attachments=attachments,
                automatic=email.robot,
            )
        )
    messages = services.tickets_receive(receipts)
    for (email, thread), message in zip(joins, messages, strict=True):
        assert thread is not None
        for branch in thread.also:
            services.ticket_link(
                ticket=branch,
                other=thread.ticket,
                actor=SYSTEM,
                reason="answers the same message (it arrived after them)",
            )
        email.row.ticket, email.row.message = thread.ticket, message
        _outcome(email.row, InboundState.TICKET_MESSAGE, f"threaded_by_{thread.by}")


def _open_new(opens: list[tuple[_Email, Thread | None]], contacts: dict[int, Contact]) -> None:
    """Each email opens a ticket, linked to the thread it answers when its sender is not a
    participant of it."""
    tickets = services.tickets_open([_opening(e, contacts[id(e)]) for e, _t in opens])
    for (email, thread), ticket in zip(opens, tickets, strict=True):
        if thread is not None:
            services.ticket_link(
                ticket=ticket,
                other=thread.ticket,
                actor=SYSTEM,
                reason="reply from someone who is not a participant of the first ticket",
            )
        row = email.row
        row.ticket, row.new_ticket = ticket, True
        row.message = ticket.opening_message  # type: ignore[attr-defined]
        reason = "new_ticket_related" if thread else "new_ticket"
        _outcome(row, InboundState.TICKET_MESSAGE, reason)


def _outcome(row: InboundEmail, state: str, reason: str, detail: str = "") -> None:
    row.state, row.reason, row.detail = state, reason, detail


# --- 2b. many at once ------------------------------------------------------------------------------


def process_many(inbound_ids: Sequence[int], *, chunk: int = 100, skip_locked: bool = False) -> int:
    """Bring stored messages to their final states, in the order given, a chunk per
    transaction (the worker and `ingest-eml`). Returns how many were processed.

    Within a chunk, messages are processed in waves (`_process_group`): unrelated ones are
    written together — tickets opened with `services.tickets_open`, replies added with
    `services.tickets_receive`, a few statements for the lot — while the messages of one
    conversation are taken in the order they arrived, so the outcome is the one a message
    at a time would give. What cannot be processed together (a failure in a wave) is
    processed one at a time, each in its own savepoint. With `skip_locked` (workers on
    PostgreSQL), rows another worker holds are left to it. A chunk that meets a deadlock or
    a lock timeout is tried again."""
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
        _serialise_brands([brand_id for brand_id in groups if brand_id is not None])
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
                _process_group(brand, group)
    return len(rows)


def _serialise_brands(brand_ids: list[int]) -> None:
    """On PostgreSQL, where several workers process at once: one transaction at a time
    processes a brand's mail (until it commits; the brands in the order of their ids, so no
    two transactions wait on each other). A reply and the message it answers are then never
    threaded by two transactions that cannot see each other, and no two wait on each
    other's new contacts; a brand's tickets are created one transaction at a time anyway
    (its reference counter is locked until commit). Brands proceed in parallel. SQLite has
    one writer at a time."""
    connection = transaction.get_connection()
    if connection.vendor != "postgresql" or not brand_ids:
        return
    with connection.cursor() as cursor:
        for brand_id in sorted(set(brand_ids)):
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [_LOCK_NAMESPACE, brand_id])


_LOCK_NAMESPACE = 0x6775  # "gu": inbound email processing, per brand


def _process_group(brand: Brand, rows: list[InboundEmail]) -> None:
    """A brand's messages of a chunk, in waves: each wave takes, in arrival order, the first
    pending message of every conversation, so related messages are processed in the order
    they arrived — as one at a time would — while unrelated ones are written together."""
    pending: list[_Email] = []
    alone: list[InboundEmail] = []  # bounces and what cannot be read: one at a time
    for row in rows:
        try:
            email = _read(row)
        except Exception:
            email = None
        if email is None:
            alone.append(row)
        else:
            pending.append(email)
    unknown = _unknown_references(brand, pending)
    while pending:
        wave = _next_wave(pending, unknown)
        try:
            with transaction.atomic():
                done = _process_wave(brand, wave)
        except Exception as exc:
            if transient(exc):
                raise
            logger.exception("processing %d emails together failed; one at a time", len(wave))
            for email in wave:
                row = email.row
                row.ticket, row.message, row.new_ticket = None, None, False
                row.state = InboundState.RECEIVED
                _attempt(row)
            done = wave
        processed = {id(email) for email in done}
        pending = [email for email in pending if id(email) not in processed]
    for row in alone:
        _attempt(row)


def _unknown_references(brand: Brand, emails: list[_Email]) -> set[int]:
    """The emails whose subject names a ticket reference that does not exist (yet): one
    opened earlier in the same chunk may be it, so they wait for everything before them."""
    wanted = {id(e): {n[4:] for n in e.names if n.startswith("ref:")} for e in emails}
    references = {r for refs in wanted.values() for r in refs}
    if not references:
        return set()
    known = set(
        Ticket.objects.filter(brand=brand, reference__in=references).values_list(
            "reference", flat=True
        )
    )
    return {key for key, refs in wanted.items() if refs - known}


def _next_wave(pending: list[_Email], unknown: set[int]) -> list[_Email]:
    wave: list[_Email] = []
    seen: set[str] = set()
    for index, email in enumerate(pending):
        names = email.names
        if index and id(email) in unknown:
            break  # it waits for all before it; so does everything after it
        if not names & seen:
            wave.append(email)
        seen |= names
    return wave


def _process_wave(brand: Brand, wave: list[_Email]) -> list[_Email]:
    """Process unrelated emails together; returns those done. One that would join a ticket
    another of the wave joins waits for the next wave (a ticket changes once per batch)."""
    threads = threads_for(brand, [email.lookup for email in wave])
    emails, chosen, joined = [], [], set()
    for email, thread in zip(wave, threads, strict=True):
        if thread is not None and thread.participant:
            if thread.ticket.pk in joined:
                continue
            joined.add(thread.ticket.pk)
        emails.append(email)
        chosen.append(thread)
    _apply(brand, emails, chosen)
    now = clock.now()
    for email in emails:
        email.row.attempts += 1
        email.row.processed_at = now
    _save_final([email.row for email in emails])
    return emails


def _save_final(rows: list[InboundEmail]) -> None:
    """`_finish` for many rows."""
    save_fields((row, _FINAL_FIELDS) for row in rows)


def _bounce(row: InboundEmail, brand: Brand, parsed: ParsedEmail) -> None:
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
