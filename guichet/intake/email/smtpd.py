"""The built-in SMTP and LMTP receiver (`guichet smtpd`, aiosmtpd): a message handed over
by another server is committed before it is acknowledged.

- RCPT: only an address of a brand (`ingest.brand_addresses()`) is accepted. Any other is
  refused in the session with 550 5.1.1, so that no bounce is ever sent to a sender who
  may be forged (backscatter). A look-up that fails answers 451 4.3.0.
- DATA: the raw bytes are stored with `ingest.store`, once per brand among the recipients
  (each brand keeps its own copy, with only its own addresses as envelope recipients), and
  each store commits its own transaction. The reply is 250 only when every store has
  returned: committed, or found the message already stored (a retry of a message whose
  250 was lost is also 250, and still one row). Any error answers 451 4.3.0, so that the
  sending server keeps the message and tries again (RFC 5321 §4.2.5, §6.1); what was
  already stored for another brand is found again by the retry. Over the size limit: 552.
- LMTP (RFC 2033 §4.2): after DATA, one reply per accepted recipient, in RCPT order, for
  that recipient's brand: one brand failing does not make the others deliver twice.
- After the reply, `process_inbound` is enqueued for each new row. If that fails, or the
  process stops first, the periodic `process_pending` job processes the row.

Threads: the protocol runs on one asyncio event loop in a thread of its own (`Receiver`).
Blocking work (look-ups, stores, enqueues) runs in a few database threads
(`DatabaseThreads`): Django's connections are per thread, so each thread keeps its own
while mail flows, checks it after a pause (a restarted database costs a reconnection,
not a 451), drops it after an error that left it unusable (the next message reconnects
instead of failing again), and closes it when the receiver stops. Stopping stops taking
connections, waits for the messages in hand to be stored and answered, then tells the
remaining sessions 421.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import math
import queue
import socket
import threading
import time
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from aiosmtpd.lmtp import LMTP
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.db import connection, connections

from guichet.brands.models import Brand
from guichet.intake.email import ingest
from guichet.intake.email.tasks import process_inbound
from guichet.intake.models import InboundSource

logger = logging.getLogger(__name__)

T = TypeVar("T")

MB = 1024 * 1024
DEFAULT_MAX_BYTES = 50 * MB
MAX_RECIPIENTS = 100  # RFC 5321 §4.5.3.1.8: a server must accept at least 100
ADDRESS_BOOK_SECONDS = 10.0
IDLE_SECONDS = 1.0

RECIPIENT_OK = "250 2.1.5 Ok"
UNKNOWN_RECIPIENT = "550 5.1.1 Recipient address rejected: no such mailbox here"
TOO_MANY_RECIPIENTS = "452 4.5.3 Too many recipients"
TEMPORARY_FAILURE = "451 4.3.0 Temporary failure, please try again later"
SHUTTING_DOWN = "421 4.3.2 Service shutting down, please try again later"


# --- database threads ----------------------------------------------------------------------------


_Job = tuple[Callable[[], Any], concurrent.futures.Future[Any]]


class DatabaseThreads:
    """A fixed pool of threads for blocking database work, each with its own Django
    connection. A thread keeps its connection while work keeps coming (opening one for
    every message costs more than storing it: 3 ms on SQLite); it drops it when an error
    left it unusable, checks that it still answers after `idle_seconds` without work (the
    database may have restarted meanwhile: a fresh connection, not a 451), and closes it
    when the pool stops."""

    def __init__(
        self, size: int, *, name: str = "smtpd-db", idle_seconds: float = IDLE_SECONDS
    ) -> None:
        self._idle_seconds = idle_seconds
        self._jobs: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._threads = [
            threading.Thread(target=self._work, name=f"{name}-{i}", daemon=True)
            for i in range(max(1, size))
        ]
        for thread in self._threads:
            thread.start()

    def submit(self, fn: Callable[[], T]) -> concurrent.futures.Future[T]:
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        self._jobs.put((fn, future))
        return future

    async def run(self, fn: Callable[[], T]) -> T:
        return await asyncio.wrap_future(self.submit(fn))

    def _work(self) -> None:
        last = time.monotonic()
        try:
            while (job := self._jobs.get()) is not None:
                fn, future = job
                if not future.set_running_or_notify_cancel():
                    continue
                if time.monotonic() - last > self._idle_seconds:
                    _drop_unusable_connections(check=True)
                try:
                    result = fn()
                except BaseException as exc:  # handed to whoever waits for the job
                    future.set_exception(exc)
                else:
                    future.set_result(result)
                finally:
                    _drop_unusable_connections()
                    last = time.monotonic()
        finally:
            _close_all()

    def stop(self, timeout: float = 10.0) -> None:
        """Finish the jobs already submitted, then close every thread's connections."""
        for _ in self._threads:
            self._jobs.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))


def _close_all() -> None:
    try:
        connections.close_all()
    except Exception:
        logger.warning("smtpd: closing database connections failed", exc_info=True)


def _drop_unusable_connections(*, check: bool = False) -> None:
    """What Django does after a request (`close_if_unusable_or_obsolete`), without the age
    limit: a connection that saw an error (or any, with `check`) is kept only if it still
    answers."""
    for conn in connections.all(initialized_only=True):
        try:
            if conn.connection is None:
                continue
            if conn.in_atomic_block or conn.get_autocommit() != conn.settings_dict["AUTOCOMMIT"]:
                conn.close()  # a job must not leave a transaction behind: take no chances
            elif conn.errors_occurred or check:
                if conn.is_usable():
                    conn.errors_occurred = False
                else:
                    conn.close()
        except Exception:  # closing a broken connection can fail too: forget it
            logger.warning("smtpd: dropping a database connection failed", exc_info=True)
            conn.connection = None


# --- routing -------------------------------------------------------------------------------------


class AddressBook:
    """The brands' addresses, read again at most every `seconds`: a new address is
    accepted within that time, and a busy receiver does not read them for every RCPT."""

    def __init__(self, seconds: float = ADDRESS_BOOK_SECONDS) -> None:
        self._seconds = seconds
        self._lock = threading.Lock()
        self._read_at = -math.inf
        self._addresses: dict[str, int] = {}

    def brand_of(self, address: str) -> int | None:
        """The id of the brand `address` belongs to (blocking: call in a database thread)."""
        with self._lock:
            if time.monotonic() - self._read_at >= self._seconds:
                self._addresses = ingest.brand_addresses()
                self._read_at = time.monotonic()
            return self._addresses.get(address.strip().strip("<>").lower())


# --- storing -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Outcome:
    """What became of a message for one brand: stored (`inbound_id`), or not (None)."""

    inbound_id: int | None
    created: bool = False


def store_for_brands(
    raw: bytes, *, source: str, sender: str, recipients: dict[int, list[str]]
) -> dict[int, Outcome]:
    """Store `raw` once for each brand of `recipients` (brand id → its addresses), each in a
    transaction of its own. Blocking: call in a database thread, never inside a
    transaction (the caller acknowledges on return, so each store must have committed)."""
    if connection.in_atomic_block:
        raise RuntimeError("store_for_brands must commit: call it outside any transaction")
    brands = Brand.objects.in_bulk(list(recipients))
    outcomes: dict[int, Outcome] = {}
    for brand_id, addresses in recipients.items():
        try:
            brand = brands.get(brand_id)
            if brand is None:
                raise LookupError(f"brand {brand_id} no longer exists")
            stored = ingest.store(
                raw, source=source, brand=brand, envelope_from=sender, envelope_to=addresses
            )
        except Exception:
            logger.exception("smtpd: a message for brand %s could not be stored", brand_id)
            outcomes[brand_id] = Outcome(None)
        else:
            outcomes[brand_id] = Outcome(stored.inbound.pk, stored.created)
    return outcomes


def enqueue_processing(inbound_ids: list[int]) -> None:
    """Blocking: call in a database thread."""
    for inbound_id in inbound_ids:
        try:
            process_inbound.enqueue(inbound_id)
        except Exception:  # stored and acknowledged: process_pending will take it
            logger.exception("smtpd: processing of inbound email %s not enqueued", inbound_id)


# --- the protocol --------------------------------------------------------------------------------


class InboundHandler:
    """The aiosmtpd hooks of one receiver, shared by all its sessions. Runs on the event
    loop; every database access goes to the database threads."""

    def __init__(
        self, *, threads: DatabaseThreads, addresses: AddressBook, lmtp: bool = False
    ) -> None:
        self.lmtp = lmtp
        self.source = InboundSource.LMTP if lmtp else InboundSource.SMTP
        self._threads = threads
        self._addresses = addresses
        # Accepted recipient → brand id, per transaction (aiosmtpd makes a new Envelope for
        # each, so entries go away with the transaction).
        self._routes: weakref.WeakKeyDictionary[Envelope, dict[str, int]] = (
            weakref.WeakKeyDictionary()
        )
        self._busy = 0
        self._quiet = asyncio.Event()
        self._quiet.set()
        self._tasks: set[asyncio.Task[None]] = set()

    # Work in hand (a look-up, a store until its reply is written, an enqueue): stopping
    # waits for it, so that a message stored is also acknowledged.
    def _begin(self) -> None:
        self._busy += 1
        self._quiet.clear()

    def _end(self) -> None:
        self._busy -= 1
        if not self._busy:
            self._quiet.set()

    async def settle(self) -> None:
        """Return when no work is in hand."""
        await self._quiet.wait()

    async def handle_RCPT(
        self,
        server: SMTP,
        session: Session,
        envelope: Envelope,
        address: str,
        rcpt_options: list[str],
    ) -> str:
        if len(envelope.rcpt_tos) >= MAX_RECIPIENTS:
            return TOO_MANY_RECIPIENTS
        self._begin()
        try:
            brand_id = await self._threads.run(lambda: self._addresses.brand_of(address))
        except Exception:
            logger.exception("smtpd: the recipient %r could not be looked up", address)
            return TEMPORARY_FAILURE
        finally:
            self._end()
        if brand_id is None:
            logger.info("smtpd: %r refused for %s: no brand has it", address, session.peer)
            return UNKNOWN_RECIPIENT
        envelope.rcpt_tos.append(address)
        envelope.rcpt_options.extend(rcpt_options)
        self._routes.setdefault(envelope, {})[address] = brand_id
        return RECIPIENT_OK

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        routes = self._routes.pop(envelope, {})
        recipients: dict[int, list[str]] = {}
        for address in envelope.rcpt_tos:
            brand_id = routes[address]
            if address not in recipients.setdefault(brand_id, []):
                recipients[brand_id].append(address)
        sender = envelope.mail_from or ""
        self._begin()  # ended once the reply is written (below, then by aiosmtpd)
        try:
            try:
                outcomes = await self._threads.run(
                    lambda: store_for_brands(
                        raw, source=self.source, sender=sender, recipients=recipients
                    )
                )
            except Exception:  # the database is down, say: nothing was acknowledged
                logger.exception("smtpd: a message from %s could not be stored", session.peer)
                outcomes = {}
            new = [o.inbound_id for o in outcomes.values() if o.created and o.inbound_id]
            if new:
                self._later(lambda: enqueue_processing(new))
            stored = {b: o.inbound_id for b, o in outcomes.items() if o.inbound_id is not None}
            logger.info(
                "smtpd: %d bytes from %s for %s: stored as %s",
                len(raw),
                session.peer,
                sorted(recipients),
                stored,
            )
            if self.lmtp:
                return "\r\n".join(
                    self._reply(address, stored.get(routes[address]))
                    for address in envelope.rcpt_tos
                )
            if stored.keys() == recipients.keys():
                return "250 2.0.0 Ok: stored as " + " ".join(str(i) for i in stored.values())
            return TEMPORARY_FAILURE
        finally:
            # aiosmtpd writes the returned reply before this task next yields, so whoever
            # waits for `settle()` runs after the reply is on its way.
            self._end()

    @staticmethod
    def _reply(address: str, inbound_id: int | None) -> str:
        if inbound_id is None:
            return f"451 4.3.0 <{address}> Temporary failure, please try again later"
        return f"250 2.0.0 <{address}> Ok: stored as {inbound_id}"

    def _later(self, fn: Callable[[], None]) -> None:
        async def work() -> None:
            try:
                await self._threads.run(fn)
            except Exception:
                logger.exception("smtpd: background work failed")
            finally:
                self._end()

        self._begin()
        task = asyncio.get_running_loop().create_task(work())
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def handle_exception(self, error: Exception) -> str:
        """Anything unexpected in a session: the client keeps its message and retries;
        nothing about the error is told to it."""
        logger.error("smtpd: error in a session", exc_info=error)
        return TEMPORARY_FAILURE


# --- the receiver --------------------------------------------------------------------------------


class Receiver:
    """An SMTP (or LMTP) receiver listening on host:port. `start()` returns once it
    listens (port 0 picks a free port, then `port` tells which); `stop()` stops taking
    connections, waits up to `grace` seconds for the messages in hand to be stored and
    acknowledged, tells the remaining sessions 421, and closes the database threads."""

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 2525,
        lmtp: bool = False,
        max_bytes: int = DEFAULT_MAX_BYTES,
        threads: int = 4,
        hostname: str = "",
        address_book_seconds: float = ADDRESS_BOOK_SECONDS,
        idle_seconds: float = IDLE_SECONDS,
        session_timeout: float = 300.0,
    ) -> None:
        self.host = host
        self.port = port
        self.lmtp = lmtp
        self.max_bytes = max_bytes
        self.hostname = hostname or socket.gethostname()  # not getfqdn(): no DNS per session
        self._size = threads
        self._address_book_seconds = address_book_seconds
        self._idle_seconds = idle_seconds
        self._session_timeout = session_timeout
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.Server | None = None
        self._database: DatabaseThreads | None = None
        self._error: BaseException | None = None
        self._sessions: weakref.WeakSet[SMTP] = weakref.WeakSet()
        self.handler: InboundHandler | None = None

    @property
    def protocol(self) -> str:
        return "LMTP" if self.lmtp else "SMTP"

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def start(self) -> None:
        if self._thread is not None:
            raise RuntimeError("the receiver is already running")
        self._database = DatabaseThreads(self._size, idle_seconds=self._idle_seconds)
        self.handler = InboundHandler(
            threads=self._database,
            addresses=AddressBook(self._address_book_seconds),
            lmtp=self.lmtp,
        )
        self._loop = asyncio.new_event_loop()
        self._error = None
        ready = threading.Event()
        self._thread = threading.Thread(target=self._run, args=(ready,), name="smtpd", daemon=True)
        self._thread.start()
        ready.wait()
        if self._error is not None:
            self._thread.join()
            self._thread = None
            self._database.stop()
            raise self._error

    def _run(self, ready: threading.Event) -> None:
        loop = self._loop
        assert loop is not None
        asyncio.set_event_loop(loop)
        try:
            try:
                self._server = loop.run_until_complete(
                    loop.create_server(self._new_session, self.host, self.port)
                )
            except BaseException as exc:  # cannot listen: start() raises it
                self._error = exc
                return
            self.port = self._server.sockets[0].getsockname()[1]
            ready.set()
            loop.run_forever()
        finally:
            ready.set()
            loop.close()

    def _new_session(self) -> SMTP:
        assert self.handler is not None and self._loop is not None
        kind = LMTP if self.lmtp else SMTP
        session = kind(
            self.handler,
            data_size_limit=self.max_bytes,
            enable_SMTPUTF8=True,
            hostname=self.hostname,
            ident=f"Guichet {self.protocol}",
            timeout=self._session_timeout,
            loop=self._loop,
        )
        self._sessions.add(session)
        return session

    def settle(self, timeout: float = 10.0) -> None:
        """Wait until no work is in hand (tests: after a reply, the enqueue has happened)."""
        assert self._loop is not None and self.handler is not None
        handler = self.handler
        asyncio.run_coroutine_threadsafe(
            asyncio.wait_for(handler.settle(), timeout), self._loop
        ).result(timeout + 1)

    def stop(self, grace: float = 30.0) -> None:
        if self._thread is None:
            return
        assert self._loop is not None and self._database is not None
        if self._thread.is_alive():
            done = asyncio.run_coroutine_threadsafe(self._shutdown(grace), self._loop)
            try:
                done.result(grace + 15)
            except Exception:
                logger.exception("smtpd: stopping was not clean")
            self._loop.call_soon_threadsafe(self._loop.stop)
            self._thread.join(15)
        self._thread = None
        self._database.stop()
        logger.info("smtpd: stopped")

    async def _shutdown(self, grace: float) -> None:
        assert self._server is not None and self.handler is not None
        self._server.close()  # no new connection
        try:
            await asyncio.wait_for(self.handler.settle(), grace)
        except TimeoutError:
            logger.warning("smtpd: stopping with work still in hand after %.0f s", grace)
        for session in list(self._sessions):
            transport = session.transport
            if isinstance(transport, asyncio.WriteTransport) and not transport.is_closing():
                transport.write(SHUTTING_DOWN.encode("ascii") + b"\r\n")
                transport.close()
        try:
            await asyncio.wait_for(self._server.wait_closed(), 5)
        except TimeoutError:
            logger.warning("smtpd: sessions still open when stopping")
        current = asyncio.current_task()
        rest = [task for task in asyncio.all_tasks() if task is not current]
        for task in rest:
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    def __enter__(self) -> Receiver:
        self.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.stop()
