"""Polling IMAP mailboxes: every message arrives once, none is lost.

One poll of a mailbox:

1. claims the mailbox: a conditional UPDATE takes a lease (`poll_lease_owner`,
   `poll_lease_until`, times from the database's clock so hosts need not agree), so one poll
   runs at a time across workers and hosts; a dead worker's lease runs out after `LEASE`;
2. selects the folder and reads UIDVALIDITY; when it differs from the stored one the UIDs
   mean other messages, so the checkpoint starts again from 0 — what was already stored is
   recognised by `ingest.store` (brand + Message-ID, or the hash of the bytes) and kept once;
3. looks for new messages (UIDs above the checkpoint `last_uid`) and for unfinished ones
   (at or below it, still unseen — or still in the folder when mail is moved): a message
   whose fetch or store failed, or whose flag could not be set, is tried again;
4. in batches, in UID order: reads the sizes the server announces, fetches each message
   with BODY.PEEK[] (fetching does not mark it seen) — or, over GUICHET_INBOUND_MAX_BYTES,
   only its header and first megabyte, kept with a note — commits it with `ingest.store`; only then marks the batch \\Seen or moves it to
   `move_to`, advances the checkpoint (with the lease held), and queues `process_inbound`
   for the new rows.

A worker that dies before the commit leaves the message unseen above the checkpoint: the
next poll fetches it again. One that dies after the commit leaves a stored row that the
next poll recognises (and `process_pending` processes). There is no cap on the backlog.

Errors: a message that cannot be fetched or stored is recorded in `last_error` and the
stats, the others go on, and it is retried on the next poll. A connection or
authentication error ends the poll cleanly with `last_error` set. The password is never
logged, never in `last_error`, never in an exception this module raises.
"""

from __future__ import annotations

import base64
import contextlib
import imaplib
import logging
import os
import re
import secrets
import socket
import ssl
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, transaction
from django.db.models import Q
from django.db.models.functions import Now
from django.tasks import task

from guichet.intake.email import ingest
from guichet.intake.email.tasks import process_inbound
from guichet.intake.models import InboundSource, Mailbox
from guichet.lib import clock
from guichet.lib.crypto import SecretUnreadable
from guichet.lib.scoping import all_brands, brand_scope

logger = logging.getLogger(__name__)

# How long a claim holds without news from its poll. A poll renews it every RENEW_SECONDS;
# a worker that died holds the mailbox this long at most.
LEASE = timedelta(minutes=5)
RENEW_SECONDS = 60.0
# Messages per batch: flags and the checkpoint are written once per batch.
BATCH = 100
# Seconds a network read or write may wait (a message may take longer in total).
TIMEOUT = 60.0
# With "TLS" ticked, these ports speak plain IMAP upgraded with STARTTLS; others are IMAPS.
STARTTLS_PORTS = frozenset({143})
# What a poll writes; everything else is the administrators'.
POLL_FIELDS = [
    "uidvalidity",
    "last_uid",
    "polled_at",
    "last_error",
    "poll_lease_owner",
    "poll_lease_until",
]
STATS = ("fetched", "new", "duplicates", "failed", "vanished", "errors", "busy")


class MailboxError(Exception):
    """A problem with the mailbox as a whole (connection, login, folder). The message is
    meant for administrators and never holds the password."""


class LeaseLost(Exception):
    """Another poll took the mailbox over (this one was slower than the lease)."""


def tls_context() -> ssl.SSLContext:
    """Certificates are verified against the system's authorities (tests substitute theirs)."""
    return ssl.create_default_context()


# --- the lease --------------------------------------------------------------------------------


@dataclass
class Lease:
    mailbox_id: int
    owner: str
    renewed: float = field(default_factory=time.monotonic)


def _claim(mailbox: Mailbox) -> Lease | None:
    """Take the mailbox if no live poll holds it. Precondition: inside its brand scope."""
    owner = f"{socket.gethostname()[:60]}:{os.getpid()}:{secrets.token_hex(6)}"
    free = Q(poll_lease_until__isnull=True) | Q(poll_lease_until__lt=Now())
    won = (
        Mailbox.objects.filter(pk=mailbox.pk)
        .filter(free)
        .update(poll_lease_owner=owner, poll_lease_until=Now() + LEASE)
    )
    return Lease(mailbox.pk, owner) if won else None


def _renew(lease: Lease, **fields: object) -> None:
    """Write `fields` and extend the lease, only if this poll still holds it."""
    held = Mailbox.objects.filter(pk=lease.mailbox_id, poll_lease_owner=lease.owner).update(
        poll_lease_until=Now() + LEASE, **fields
    )
    if not held:
        raise LeaseLost(f"mailbox {lease.mailbox_id}: another poll holds it")
    lease.renewed = time.monotonic()


def _keep(lease: Lease) -> None:
    if time.monotonic() - lease.renewed > RENEW_SECONDS:
        _renew(lease)


def _release(lease: Lease, *, last_error: str) -> None:
    Mailbox.objects.filter(pk=lease.mailbox_id, poll_lease_owner=lease.owner).update(
        poll_lease_owner="", poll_lease_until=None, polled_at=clock.now(), last_error=last_error
    )


# --- talking to the server ------------------------------------------------------------------


def _scrub(text: str, password: str) -> str:
    """Remove the password (and its escaped forms) from a text about to be stored or logged."""
    if password:
        for form in {password, repr(password)[1:-1], password.encode("unicode_escape").decode()}:
            if form:
                text = text.replace(form, "********")
    return text


def _describe(exc: BaseException, password: str) -> str:
    return _scrub(f"{type(exc).__name__}: {exc}", password)[:2000]


def _text(data: object) -> str:
    """A server's response lines as text, for an error message."""
    if isinstance(data, list | tuple):
        return " ".join(_text(item) for item in data)
    if isinstance(data, bytes):
        return data.decode("utf-8", "replace")
    return "" if data is None else str(data)


def _mutf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 §5.1.3): "Traités" -> "Trait&AOk-s"."""
    out: list[str] = []
    pending: list[str] = []

    def flush() -> None:
        if pending:
            encoded = base64.b64encode("".join(pending).encode("utf-16-be")).decode()
            out.append("&" + encoded.rstrip("=").replace("/", ",") + "-")
            pending.clear()

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending.append(char)
    flush()
    return "".join(out)


def _folder(name: str) -> str:
    """A folder name as a quoted IMAP string (imaplib sends arguments as they are)."""
    encoded = _mutf7(name)
    return '"' + encoded.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _connect(mailbox: Mailbox) -> imaplib.IMAP4:
    host, port = mailbox.host, mailbox.port
    if not mailbox.use_ssl:
        return imaplib.IMAP4(host, port, timeout=TIMEOUT)
    if port in STARTTLS_PORTS:
        conn = imaplib.IMAP4(host, port, timeout=TIMEOUT)
        try:
            conn.starttls(ssl_context=tls_context())
        except BaseException:
            conn.shutdown()
            raise
        return conn
    return imaplib.IMAP4_SSL(host, port, ssl_context=tls_context(), timeout=TIMEOUT)


def _authenticate(conn: imaplib.IMAP4, username: str, password: str) -> None:
    if "AUTH=PLAIN" in conn.capabilities:
        # SASL PLAIN carries UTF-8, and imaplib writes only the length of its exchange to
        # the command log it keeps in memory.
        blob = b"\0" + username.encode() + b"\0" + password.encode()
        conn.authenticate("PLAIN", lambda _challenge: blob)
        return
    if not (username.isascii() and password.isascii()):
        raise MailboxError(
            "the user name or password has non-ASCII characters and the server offers no "
            "AUTH=PLAIN to send them"
        )
    conn.login(username, password)
    # imaplib keeps the last lines it sent (the LOGIN line holds the password) for its debug
    # output: forget them.
    log = getattr(conn, "_cmd_log", None)
    if isinstance(log, dict):
        log.clear()


def open_mailbox(mailbox: Mailbox) -> imaplib.IMAP4:
    """Connect and sign in. Raises MailboxError, whose text never holds the password."""
    try:
        password = mailbox.get_password()
    except SecretUnreadable:
        raise MailboxError(
            "the stored password cannot be decrypted (the encryption key changed): enter it again"
        ) from None
    if not password:
        raise MailboxError("no password is stored for this mailbox")
    where = f"{mailbox.host}:{mailbox.port}"
    try:
        conn = _connect(mailbox)
    except (OSError, imaplib.IMAP4.error) as exc:
        raise MailboxError(f"cannot connect to {where}: {_describe(exc, password)}") from None
    try:
        _authenticate(conn, mailbox.username, password)
    except MailboxError:
        conn.shutdown()
        raise
    except (OSError, imaplib.IMAP4.error) as exc:
        conn.shutdown()
        raise MailboxError(
            f"{where} refused the sign-in of {mailbox.username!r}: {_describe(exc, password)}"
        ) from None
    return conn


def _close(conn: imaplib.IMAP4) -> None:
    try:
        conn.logout()
    except (OSError, imaplib.IMAP4.error):
        with contextlib.suppress(OSError):
            conn.shutdown()


def _select(conn: imaplib.IMAP4, folder: str) -> int:
    """Open the folder for writing. Returns its UIDVALIDITY."""
    try:
        typ, data = conn.select(_folder(folder))
    except imaplib.IMAP4.readonly:
        raise MailboxError(
            f"the folder {folder!r} is read-only: messages cannot be marked"
        ) from None
    if typ != "OK":
        raise MailboxError(f"cannot open the folder {folder!r}: {_text(data)}")
    values = conn.untagged_responses.get("UIDVALIDITY") or []
    if not values or not isinstance(values[-1], bytes) or not values[-1].strip().isdigit():
        raise MailboxError(f"the server gave no UIDVALIDITY for {folder!r}")
    return int(values[-1])


def check_connection(mailbox: Mailbox) -> int:
    """Sign in and open the folder; returns how many messages it holds. Raises
    MailboxError. Changes nothing on the server or in the database."""
    conn = open_mailbox(mailbox)
    try:
        try:
            typ, data = conn.select(_folder(mailbox.folder), readonly=True)
        except (OSError, imaplib.IMAP4.error) as exc:
            raise MailboxError(f"cannot open the folder {mailbox.folder!r}: {exc}") from None
        if typ != "OK":
            raise MailboxError(f"cannot open the folder {mailbox.folder!r}: {_text(data)}")
        return int(data[0]) if data and data[0] else 0
    finally:
        _close(conn)


def _search(conn: imaplib.IMAP4, *criteria: str) -> list[int]:
    typ, data = conn.uid("SEARCH", *criteria)
    if typ != "OK":
        raise MailboxError(f"the server refused UID SEARCH {' '.join(criteria)}: {_text(data)}")
    return sorted({int(uid) for line in data if line for uid in line.split()})


def _uid_set(uids: Iterable[int]) -> str:
    """1,2,3,5 -> "1:3,5"."""
    ranges: list[list[int]] = []
    for uid in sorted(set(uids)):
        if ranges and uid == ranges[-1][1] + 1:
            ranges[-1][1] = uid
        else:
            ranges.append([uid, uid])
    return ",".join(str(a) if a == b else f"{a}:{b}" for a, b in ranges)


_UID = re.compile(rb"\bUID (\d+)")


_SIZE = re.compile(rb"\bRFC822\.SIZE (\d+)", re.IGNORECASE)

# Of a message too large to take whole: at most this much of its header, of its body.
HEAD_BYTES = 256 * 1024
KEPT_BYTES = 1024 * 1024


def _sizes(conn: imaplib.IMAP4, uids: list[int]) -> dict[int, int]:
    """The sizes the server announces for these messages (one command for the batch); a
    message missing from the answer is fetched as usual."""
    typ, data = conn.uid("FETCH", _uid_set(uids), "(RFC822.SIZE)")
    if typ != "OK":
        return {}
    sizes = {}
    for item in data:
        head = item[0] if isinstance(item, tuple) else item
        if isinstance(head, bytes):
            uid, size = _UID.search(head), _SIZE.search(head)
            if uid and size:
                sizes[int(uid.group(1))] = int(size.group(1))
    return sizes


def _parts(data: list[Any], uid: int) -> dict[bytes, bytes] | None:
    """The literals of a FETCH answer for `uid`, by item name (BODY[], BODY[HEADER]…)."""
    found: dict[bytes, bytes] = {}
    matched = False
    for item in data:
        head = item[0] if isinstance(item, tuple) else item
        if not isinstance(head, bytes) or b"BODY[" not in head.upper():
            continue  # unsolicited FETCH responses (flag changes) carry no body
        number = _UID.search(head)
        if number and int(number.group(1)) != uid:
            continue
        matched = True
        name = re.findall(rb"BODY\[[^\]]*\](?:<\d+>)?", head.upper())[-1]
        found[name] = item[1] if isinstance(item, tuple) else b""  # "" : an empty literal
    return found if matched else None


def _fetch(
    conn: imaplib.IMAP4, uid: int, size: int | None = None
) -> tuple[bytes, int | None] | None:
    """The message's bytes, without setting \\Seen, and None — or, for a message larger
    than GUICHET_INBOUND_MAX_BYTES, only its header and the beginning of its body, and its
    size (never read whole into memory). None if it is no longer there.
    Raises imaplib.IMAP4.error when the server refuses."""
    large = size is not None and size > settings.GUICHET_INBOUND_MAX_BYTES
    items = (
        f"(BODY.PEEK[HEADER]<0.{HEAD_BYTES}> BODY.PEEK[TEXT]<0.{KEPT_BYTES}>)"
        if large
        else "(BODY.PEEK[])"
    )
    typ, data = conn.uid("FETCH", str(uid), items)
    if typ != "OK":
        raise imaplib.IMAP4.error(f"UID FETCH {uid}: {typ} {_text(data)}")
    parts = _parts(data, uid)
    if parts is None:
        return None
    if not large:
        return next(iter(parts.values()), b""), None
    head = next((v for k, v in parts.items() if k.startswith(b"BODY[HEADER]")), b"")
    body = next((v for k, v in parts.items() if k.startswith(b"BODY[TEXT]")), b"")
    if not head.endswith(b"\r\n\r\n"):
        head = head.rstrip(b"\r\n") + b"\r\n\r\n"  # a header cut short still ends
    return head + body, size


def _finish_on_server(conn: imaplib.IMAP4, mailbox: Mailbox, uids: list[int]) -> str:
    """Mark committed messages \\Seen, or move them to `move_to`. Returns "" or what went
    wrong (they stay unseen / in the folder, and the next poll tries again)."""
    uid_set = _uid_set(uids)
    if not mailbox.move_to:
        typ, data = conn.uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Seen)")
        return "" if typ == "OK" else f"marking {uid_set} seen: {_text(data)}"
    target = _folder(mailbox.move_to)
    for attempt in range(2):
        if "MOVE" in conn.capabilities:
            typ, data = conn.uid("MOVE", uid_set, target)
        else:
            typ, data = conn.uid("COPY", uid_set, target)
        if typ == "OK":
            break
        if attempt == 0 and "TRYCREATE" in _text(data):
            conn.create(target)  # the folder does not exist yet: create it once
            continue
        return f"moving {uid_set} to {mailbox.move_to!r}: {_text(data)}"
    if "MOVE" not in conn.capabilities:
        typ, data = conn.uid("STORE", uid_set, "+FLAGS.SILENT", "(\\Seen \\Deleted)")
        if typ != "OK":
            return f"marking {uid_set} deleted after copying: {_text(data)}"
        # UID EXPUNGE removes only these; a plain EXPUNGE would also remove what someone
        # else marked deleted in the folder.
        if "UIDPLUS" in conn.capabilities:
            typ, data = conn.uid("EXPUNGE", uid_set)
        else:
            typ, data = conn.expunge()
        if typ != "OK":
            return f"expunging {uid_set}: {_text(data)}"
    return ""


# --- the poll ----------------------------------------------------------------------------------


def _batches(items: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]


@dataclass
class _Run:
    mailbox: Mailbox
    lease: Lease
    stats: Counter[str]
    failures: list[str] = field(default_factory=list)


def _take(run: _Run, conn: imaplib.IMAP4, uid: int, size: int | None) -> tuple[str, int | None]:
    """Fetch and commit one message: ("new" | "duplicate", row id), ("vanished", None), or
    ("failed", None) with the failure recorded. Connection and database outages raise."""
    try:
        fetched = _fetch(conn, uid, size)
    except imaplib.IMAP4.abort:
        raise
    except imaplib.IMAP4.error as exc:
        return _failed(run, uid, exc)
    if fetched is None:
        run.stats["vanished"] += 1
        return "vanished", None
    raw, original_size = fetched
    run.stats["fetched"] += 1
    try:
        stored = ingest.store(
            raw, source=InboundSource.IMAP, mailbox=run.mailbox, original_size=original_size
        )
    except (OperationalError, InterfaceError):
        raise  # the database is down: every message would fail, stop here
    except Exception as exc:
        return _failed(run, uid, exc)
    if stored.created:
        run.stats["new"] += 1
        return "new", stored.inbound.pk
    run.stats["duplicates"] += 1
    return "duplicate", stored.inbound.pk


def _failed(run: _Run, uid: int, exc: Exception) -> tuple[str, None]:
    text = f"UID {uid}: {_describe(exc, '')}"[:500]
    logger.warning("mailbox %s: message not taken, retried next poll: %s", run.mailbox.pk, text)
    run.stats["failed"] += 1
    run.failures.append(text)
    return "failed", None


def _poll_folder(run: _Run, conn: imaplib.IMAP4) -> None:
    mailbox = run.mailbox
    uidvalidity = _select(conn, mailbox.folder)
    if mailbox.uidvalidity != uidvalidity:
        if mailbox.uidvalidity is not None:
            logger.warning(
                "mailbox %s: UIDVALIDITY changed from %s to %s, reading the folder again "
                "(messages already stored are recognised)",
                mailbox.pk,
                mailbox.uidvalidity,
                uidvalidity,
            )
        _renew(run.lease, uidvalidity=uidvalidity, last_uid=0)
        mailbox.uidvalidity, mailbox.last_uid = uidvalidity, 0
    checkpoint = mailbox.last_uid
    # `n:*` always includes the highest UID, even when it is below n.
    new = [uid for uid in _search(conn, "UID", f"{checkpoint + 1}:*") if uid > checkpoint]
    unfinished: list[int] = []
    if checkpoint:
        criteria = ["UID", f"1:{checkpoint}", "UNDELETED"]
        unfinished = _search(conn, *criteria if mailbox.move_to else [*criteria, "UNSEEN"])
    for batch in _batches(unfinished + new, BATCH):
        done: list[int] = []
        fresh: list[int] = []
        sizes = _sizes(conn, batch)
        for uid in batch:
            outcome, inbound_id = _take(run, conn, uid, sizes.get(uid))
            if inbound_id is not None:
                done.append(uid)
                if outcome == "new":
                    fresh.append(inbound_id)
            _keep(run.lease)
        # Only now, with every row of the batch committed, may the server forget them.
        try:
            problem = _finish_on_server(conn, mailbox, done) if done else ""
        except imaplib.IMAP4.abort:
            raise
        except imaplib.IMAP4.error as exc:  # BAD: refused, not disconnected
            problem = f"marking or moving UIDs {_uid_set(done)}: {_describe(exc, '')}"
        if problem:
            run.failures.append(problem)
            logger.warning("mailbox %s: %s", mailbox.pk, problem)
        checkpoint = max(checkpoint, *batch)
        _renew(run.lease, last_uid=checkpoint)
        mailbox.last_uid = checkpoint
        for inbound_id in fresh:
            process_inbound.enqueue(inbound_id)


def poll(mailbox: Mailbox) -> dict[str, int]:
    """Bring every new message of the mailbox's folder into the database, once.

    Preconditions: not inside a transaction (each message is committed before the server
    is told to forget it); `mailbox` may be stale — the poll reads its settings and
    checkpoint after claiming it, and refreshes the instance's poll fields at the end.
    Returns counts (fetched, new, duplicates, failed, vanished, errors, busy). A server or
    message problem ends up in `last_error` and the counts, not in an exception.
    """
    if not transaction.get_autocommit():
        raise RuntimeError("poll() commits message by message: call it outside a transaction")
    stats: Counter[str] = Counter(dict.fromkeys(STATS, 0))
    with brand_scope(mailbox.brand_id):
        lease = _claim(mailbox)
        if lease is None:
            stats["busy"] += 1
            return dict(stats)
        run = _Run(mailbox, lease, stats)
        error = ""
        try:
            mailbox.refresh_from_db()
            conn = open_mailbox(mailbox)
            try:
                _poll_folder(run, conn)
            finally:
                _close(conn)
        except MailboxError as exc:
            error = str(exc)
        except LeaseLost as exc:
            # Another poll holds the mailbox now and writes its state: leave it alone.
            logger.warning("%s; this poll stops", exc)
            stats["errors"] += 1
            mailbox.refresh_from_db(fields=POLL_FIELDS)
            return dict(stats)
        except (OSError, imaplib.IMAP4.error) as exc:
            error = f"IMAP error during the poll: {_describe(exc, '')}"
        except Exception as exc:
            logger.exception("mailbox %s: poll failed", mailbox.pk)
            error = f"the poll failed: {_describe(exc, '')}"
        if error:
            stats["errors"] += 1
            logger.warning("mailbox %s: %s", mailbox.pk, _scrub(error, _password(mailbox)))
        try:
            _release(lease, last_error=_scrub(_summary(error, run.failures), _password(mailbox)))
            # All of the poll's fields, the released lease included: a caller that saves
            # this instance afterwards must not write the lease back.
            mailbox.refresh_from_db(fields=POLL_FIELDS)
        except DatabaseError:
            # The database is gone too; the lease runs out by itself.
            logger.exception("mailbox %s: the poll's end could not be recorded", mailbox.pk)
            stats["errors"] += 1
    logger.info("mailbox %s polled: %s", mailbox.pk, dict(stats))
    return dict(stats)


def _summary(error: str, failures: list[str]) -> str:
    """`last_error`: what stopped the poll, then the messages left for the next one."""
    if not failures:
        return error
    listed = "\n".join(failures[:20])
    if len(failures) > 20:
        listed += f"\n… and {len(failures) - 20} more"
    retried = f"{len(failures)} problem(s), retried on the next poll:\n{listed}"
    return f"{error}\n{retried}" if error else retried


def _password(mailbox: Mailbox) -> str:
    try:
        return mailbox.get_password()
    except SecretUnreadable:
        return ""


def poll_all() -> dict[str, int]:
    """Poll every active mailbox of every active brand, one after the other; one failing
    mailbox never stops the others. Precondition: not inside a transaction."""
    with all_brands():
        mailboxes = list(
            Mailbox.objects.filter(is_active=True, brand__is_active=True).order_by("pk")
        )
    total: Counter[str] = Counter(dict.fromkeys(STATS, 0))
    total["mailboxes"] = len(mailboxes)
    for mailbox in mailboxes:
        try:
            total.update(poll(mailbox))
        except Exception:
            logger.exception("mailbox %s: poll failed", mailbox.pk)
            total["errors"] += 1
    return dict(total)


@task
def poll_mailboxes() -> dict[str, int]:
    """Every active mailbox, polled (periodic)."""
    return poll_all()
