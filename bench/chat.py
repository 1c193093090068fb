"""make bench-chat: live chat connections held and messages delivered, on loopback, through
the servers `guichet up` runs (docs/chat.md, "Measured").

For each database — a fresh SQLite file in a temporary folder, then PostgreSQL too when
DATABASE_URL names one (that database is dropped and made again) — in a process of its own:

1. The database migrated, the presets loaded, and as many agents of Jamla24 (whose policy
   offers live chat) as the active chats need at its chats per agent (3 by default), each
   signed in as the desk signs people in (a session row; its cookie is what the console's
   websocket carries).
2. The servers `guichet up` starts: gunicorn for the pages (1 process of 4 threads) and
   uvicorn for the websockets (`guichet.ops.webserver.chat_server_command`), on free ports,
   with SITE_URL the pages' address (the `Origin` every client sends: Guichet's own site,
   which the widget always allows). All the bench's clients share one address, so the
   per-address limits (connections, starts, messages) are raised for the run.
3. With the `websockets` client, in one asyncio loop: `--idle` visitors (default 1,000)
   connect and send `hello`; agents open the console (`hello`); `--active` visitors
   (default 200) each `start` a chat, and the agents `accept` them (the policy's chats per
   agent each). Every connection pings every 25 s, as the widget and the console do.
4. Under that load, `--messages` messages (default 1,000) from the customers to their
   agents and as many from the agents to the customers, at the same time, one chat after
   another (each side of each chat writes every `--interval` s, default 20: 10 messages a
   second each way for 200 chats), each text carrying the moment it was sent: the delay
   until the other side's socket receives it (p50, p95, max).

Prints the server (uvicorn's version, its websocket library, the channel layer), the
connections held (idle, active, agents; any refused or dropped), the delays, and the
resident memory of the uvicorn process (VmRSS now, VmHWM its peak, from /proc) as the
connections come. The file-descriptor limit is raised to its hard limit first; uvicorn,
started by this process, inherits it.

Bounded: `--timeout` seconds (default 300) for the connections and messages of a run;
after that it stops and prints what it measured. `--smoke` (or BENCH_SMOKE=1, as `make
bench-smoke` runs it): 20 idle, 5 active, 20 messages. Prints figures; asserts nothing
about durations.
"""

from __future__ import annotations

import argparse
import asyncio
import http.client
import io
import json
import math
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BRAND = "jamla24"
AIM_IDLE, AIM_ACTIVE = 1000, 200  # issue 20: connections held on this machine
PING_EVERY = 25.0  # seconds: the widget's and the console's ping (docs/chat.md)
CONNECTING = 50  # connections opened at once
ANSWER_WITHIN = 60.0  # seconds for the server to answer a request
DRAIN = 15.0  # seconds to wait for the last messages to arrive
RAISED_LIMITS = {
    "GUICHET_CHAT_CONNECTIONS_PER_MINUTE": "1000000",
    "GUICHET_CHAT_STARTS_PER_HOUR": "1000000",
    "GUICHET_CHAT_MESSAGES_PER_MINUTE": "1000000",
}


def arguments(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description="Live chat connections and delivery delays.")
    parser.add_argument("--idle", type=int, default=AIM_IDLE, help="idle visitors (1,000)")
    parser.add_argument("--active", type=int, default=AIM_ACTIVE, help="active chats (200)")
    parser.add_argument("--messages", type=int, default=1000, help="messages each way (1,000)")
    parser.add_argument(
        "--interval",
        type=float,
        default=20.0,
        help="seconds between two messages of one side of a chat (20; at least 2.1: a visitor may send 30 a minute)",
    )
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per run (300)")
    parser.add_argument(
        "--chat-workers",
        type=int,
        default=1,
        help="uvicorn processes (1; more use Redis, REDIS_URL or redis://127.0.0.1:6379/0)",
    )
    parser.add_argument("--smoke", action="store_true", help="20 idle, 5 active, 20 messages")
    parser.add_argument("--database", help=argparse.SUPPRESS)  # one run: "sqlite" or a URL
    args = parser.parse_args(argv)
    if args.smoke or os.environ.get("BENCH_SMOKE") == "1":
        args.smoke = True
        args.idle, args.active, args.messages, args.interval = 20, 5, 20, 2.5
    args.interval = max(2.1, args.interval)
    args.active = max(1, args.active)
    return args


def raise_file_limit() -> tuple[int, int]:
    """The soft limit of open files up to the hard one (children inherit it): what it
    was, and what it is."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = hard if hard != resource.RLIM_INFINITY else max(soft, 1 << 20)
    if wanted > soft:
        with suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (wanted, hard))
    return soft, resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def main() -> None:
    args = arguments()
    if args.database:
        run(args)
        return
    before, now = raise_file_limit()
    databases = ["sqlite"]
    url = os.environ.get("DATABASE_URL", "")
    if url.startswith(("postgres://", "postgresql://")):
        databases.append(url)
    print(f"open files: the limit raised from {before:,} to {now:,}", flush=True)
    failed = []
    for database in databases:
        command = [sys.executable, __file__, *sys.argv[1:], "--database", database]
        try:
            done = subprocess.run(command, cwd=ROOT, timeout=args.timeout + 900, check=False)
            if done.returncode:
                failed.append(database)
        except subprocess.TimeoutExpired:
            print(f"bench-chat: the run on {database} did not stop: killed", flush=True)
            failed.append(database)
    if failed:
        raise SystemExit(f"bench-chat failed on {', '.join(failed)}")


# --- one run -------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(args: argparse.Namespace) -> None:
    raise_file_limit()
    with tempfile.TemporaryDirectory(prefix="guichet-bench-chat-") as folder:
        var = Path(folder) / "var"
        (var / "static").mkdir(parents=True)
        if args.database == "sqlite":
            os.environ["DATABASE_URL"] = f"sqlite:///{folder}/bench-chat.sqlite3"
        else:
            from bench.loading import ensure_database

            os.environ["DATABASE_URL"] = args.database
            ensure_database(args.database, fresh=True)
        if args.chat_workers > 1:
            # The notices between the processes go through Redis (and the rate limits'
            # counts with them, as in production); this run's keys apart from any other's.
            os.environ.setdefault("REDIS_URL", "redis://127.0.0.1:6379/0")
            os.environ["GUICHET_CHAT_PREFIX"] = f"bench-chat-{os.getpid()}"
        web_port, chat_port = free_port(), free_port()
        site = f"http://127.0.0.1:{web_port}"
        os.environ.update(
            {
                "GUICHET_VAR_DIR": str(var),
                "SITE_URL": site,
                "DJANGO_SETTINGS_MODULE": "guichet.settings",
                "LOG_LEVEL": "WARNING",
                **RAISED_LIMITS,
            }
        )
        began = time.perf_counter()
        cookies, per_agent = prepare(args.active)
        prepared = time.perf_counter() - began
        with servers(web_port, chat_port, args.chat_workers) as (uvicorn, ws):
            found = Results(
                database=database_name(), prepared_s=prepared, per_agent=per_agent, ws=ws
            )
            found.widget = widget_size(site)
            target = Target(
                visit=f"ws://127.0.0.1:{chat_port}/chat/ws/visit/{BRAND}/",
                staff=f"ws://127.0.0.1:{chat_port}/chat/ws/staff/",
                origin=site,
                cookies=cookies,
                uvicorn=uvicorn,
            )
            asyncio.run(bounded(args, target, found))
        report(args, found)


def widget_size(site: str) -> tuple[int, int]:
    """The widget's script as a company's site loads it: bytes as served, and gzipped."""
    import gzip
    import urllib.request

    with urllib.request.urlopen(f"{site}/chat/{BRAND}/widget.js", timeout=30) as answer:  # noqa: S310
        body = answer.read()
    return len(body), len(gzip.compress(body, compresslevel=6))


def database_name() -> str:
    from django.db import connection

    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SHOW server_version")
            return f"PostgreSQL {cursor.fetchone()[0].split()[0]}"
    import sqlite3

    return f"SQLite {sqlite3.sqlite_version}"


def prepare(active: int) -> tuple[list[str], int]:
    """The database migrated with the presets, and the agents the active chats need,
    signed in: their session cookies ("sessionid=…"), and the chats each may hold."""
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import transaction
    from django.test import Client

    from guichet.accounts.models import Membership, Role, User
    from guichet.brands.models import Brand, Team
    from guichet.chat.services import chats_per_agent
    from guichet.lib.scoping import brand_scope

    call_command("migrate", verbosity=0)
    call_command("load_presets", verbosity=0, stdout=io.StringIO())
    brand = Brand.objects.get(slug=BRAND)
    per_agent = chats_per_agent(brand.get_policy())
    needed = math.ceil(active / per_agent)
    with transaction.atomic(), brand_scope(brand):
        teams = list(Team.objects.filter(brand=brand, key="customer-service"))
        agents = []
        for n in range(needed):
            # No password: the session is made directly (hashing one costs a third of a
            # second each).
            user = User.objects.create_user(
                username=f"bench-agent-{n}", first_name=f"Agent{n}", last_name="Bench"
            )
            membership = Membership.objects.create(user=user, brand=brand, role=Role.AGENT)
            membership.teams.add(*teams)
            agents.append(user)
    cookies = []
    for user in agents:
        client = Client()
        client.force_login(user)
        name = settings.SESSION_COOKIE_NAME
        cookies.append(f"{name}={client.cookies[name].value}")
    return cookies, per_agent


@contextmanager
def servers(
    web_port: int, chat_port: int, workers: int
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """gunicorn and uvicorn as `guichet up` starts them; yields uvicorn's process and its
    websocket implementation."""
    from guichet.ops.webserver import chat_server_command, web_server_command

    started: list[subprocess.Popen[bytes]] = []
    try:
        web = subprocess.Popen(
            web_server_command("127.0.0.1", web_port, workers=1, threads=4), cwd=ROOT
        )
        started.append(web)
        command = chat_server_command("127.0.0.1", chat_port, workers=workers)
        chat = subprocess.Popen(command, cwd=ROOT)
        started.append(chat)
        for port, process in ((web_port, web), (chat_port, chat)):
            wait_for(port, process)
        yield chat, command[command.index("--ws") + 1] if "--ws" in command else "auto"
    finally:
        for process in started:
            process.terminate()
        for process in started:
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
            connection.request("GET", "/healthz")
            connection.getresponse().read()
            connection.close()
            return
        except OSError:
            if process.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the server on port {port} did not start") from None
            time.sleep(0.2)


# --- the clients ---------------------------------------------------------------------------


@dataclass
class Target:
    visit: str
    staff: str
    origin: str
    cookies: list[str]
    uvicorn: subprocess.Popen[bytes]


@dataclass
class Results:
    database: str
    prepared_s: float
    per_agent: int
    ws: str = ""  # uvicorn's websocket implementation (its --ws)
    widget: tuple[int, int] = (0, 0)  # the widget's script: bytes served, gzipped
    phase: str = "starting"
    timed_out: bool = False
    idle: int = 0
    visitors: int = 0
    agents: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    dropped: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    # Requests the server did not answer within a minute (or before the connection closed).
    unanswered: Counter[str] = field(default_factory=Counter)
    started: int = 0
    accepted: int = 0
    sent: dict[str, int] = field(default_factory=lambda: {"c2a": 0, "a2c": 0})
    delays: dict[str, dict[int, float]] = field(default_factory=lambda: {"c2a": {}, "a2c": {}})
    memory: list[tuple[str, int, int, int]] = field(default_factory=list)  # kB, kB, fds
    # Per phase: its seconds, and the processor seconds of uvicorn and of the bench.
    phases: list[tuple[str, float, float, float]] = field(default_factory=list)
    held_at_end: int = 0


Predicate = Callable[[dict[str, Any]], bool]
# Why a connection failed, in words. InvalidMessage: the server closed the connection
# without answering the handshake.
REFUSALS = {
    "InvalidMessage": "handshake closed unanswered",
    "TimeoutError": "no handshake within 30 s",
    "ConnectionRefusedError": "connection refused",
}


class Peer:
    """One websocket: its reader hands each message to the waiting requests and to
    `on_message`."""

    def __init__(self, results: Results, kind: str, on_message: Callable[..., None]) -> None:
        self.results = results
        self.kind = kind
        self.on_message = on_message
        self.ws: Any = None
        self.waiting: list[tuple[Predicate, asyncio.Future[dict[str, Any]]]] = []
        self.reader: asyncio.Task[None] | None = None
        self.closing = False
        self.open = False
        self.chat: int | None = None  # a visitor's chat, once started

    async def connect(self, url: str, origin: str, headers: dict[str, str] | None = None) -> bool:
        from websockets.asyncio.client import connect
        from websockets.exceptions import InvalidStatus, WebSocketException

        try:
            self.ws = await connect(
                url,
                origin=origin,
                additional_headers=headers,
                proxy=None,
                ping_interval=None,  # browsers send none; the protocol's `ping` is ours
                open_timeout=30,
                close_timeout=5,
            )
        except InvalidStatus as refusal:
            self.results.refused[f"{self.kind}: HTTP {refusal.response.status_code}"] += 1
            return False
        except (OSError, TimeoutError, WebSocketException) as failure:
            reason = REFUSALS.get(type(failure).__name__, type(failure).__name__)
            self.results.refused[f"{self.kind}: {reason}"] += 1
            return False
        self.open = True
        self.reader = asyncio.create_task(self._read())
        return True

    async def _read(self) -> None:
        from websockets.exceptions import ConnectionClosed

        try:
            async for raw in self.ws:
                now = time.monotonic_ns()
                message = json.loads(raw)
                if message.get("type") == "error":
                    self.results.errors[f"{self.kind}: {message.get('code')}"] += 1
                for waiter in list(self.waiting):
                    wanted, future = waiter
                    if wanted(message) and not future.done():
                        future.set_result(message)
                        self.waiting.remove(waiter)
                self.on_message(message, now)
        except ConnectionClosed:
            pass
        finally:
            self.open = False
            if not self.closing:
                code = self.ws.close_code
                self.results.dropped[f"{self.kind}: closed {code}"] += 1
            for _wanted, future in self.waiting:
                if not future.done():
                    future.set_exception(ConnectionError("closed"))

    async def send(self, message: dict[str, Any]) -> None:
        if self.open:
            with suppress(Exception):
                await self.ws.send(json.dumps(message))

    async def ask(self, message: dict[str, Any], wanted: Predicate) -> dict[str, Any] | None:
        """Send `message`; the first message `wanted` accepts, or an error (None when the
        connection closes or nothing comes within a minute)."""
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self.waiting.append((lambda m: wanted(m) or m.get("type") == "error", future))
        await self.send(message)
        try:
            return await asyncio.wait_for(future, ANSWER_WITHIN)
        except (TimeoutError, ConnectionError):
            return None

    async def close(self) -> None:
        self.closing = True
        if self.ws is not None:
            with suppress(Exception):
                await self.ws.close()
        if self.reader is not None:
            with suppress(Exception):
                await self.reader


def of_type(*kinds: str) -> Predicate:
    return lambda message: message.get("type") in kinds


def processes(process: subprocess.Popen[bytes]) -> list[int]:
    """uvicorn's process and, with several workers, the worker processes it started."""
    try:
        children = Path(f"/proc/{process.pid}/task/{process.pid}/children").read_text().split()
    except OSError:
        children = []
    return [process.pid, *map(int, children)]


def cpu_seconds(process: subprocess.Popen[bytes]) -> float:
    """The processor time uvicorn has used (user and system, its workers included)."""
    total = 0
    for pid in processes(process):
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        # utime and stime: the 14th and 15th fields of the line, the 12th and 13th after ")".
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def memory(process: subprocess.Popen[bytes]) -> tuple[int, int, int]:
    """uvicorn's resident memory now and at its peak (kB), and its open files (the sums
    over its processes)."""
    values = {"VmRSS": 0, "VmHWM": 0}
    files = 0
    for pid in processes(process):
        with suppress(OSError):
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                name, _, rest = line.partition(":")
                if name in values:
                    values[name] += int(rest.split()[0])
        with suppress(OSError):
            files += sum(1 for _ in Path(f"/proc/{pid}/fd").iterdir())
    return values["VmRSS"], values["VmHWM"], files


class Bench:
    """The connections of one run and what they measure."""

    def __init__(self, args: argparse.Namespace, target: Target, results: Results) -> None:
        self.args = args
        self.target = target
        self.results = results
        self.peers: list[Peer] = []
        self.chats: list[tuple[int, Peer, Peer]] = []  # (chat, visitor, agent)
        self.arrived: dict[str, asyncio.Event] = {"c2a": asyncio.Event(), "a2c": asyncio.Event()}
        self.sending_done = {"c2a": False, "a2c": False}
        self.gate = asyncio.Semaphore(CONNECTING)

    def note_memory(self, moment: str) -> None:
        self.results.memory.append((moment, *memory(self.target.uvicorn)))

    def _delivered(self, direction: str, author: str) -> Callable[[dict[str, Any], int], None]:
        """What a socket does with each message: an `entry` of the bench's from the other
        side is timed (once: a later copy of the same line is not)."""
        prefix = f"bench:{direction}:"
        delays = self.results.delays[direction]

        def seen(message: dict[str, Any], now: int) -> None:
            text = message.get("text") or ""
            if message.get("type") != "entry" or message.get("author") != author:
                return
            if not text.startswith(prefix):
                return
            _bench, _direction, number, stamp = text.split(":")
            if int(number) not in delays:
                delays[int(number)] = (now - int(stamp)) / 1e6
                if len(delays) >= self.results.sent[direction] and self.sending_done[direction]:
                    self.arrived[direction].set()

        return seen

    async def visitor(self, index: int, *, active: bool) -> Peer | None:
        kind = "visitor" if active else "idle visitor"
        on_message = self._delivered("a2c", "agent") if active else (lambda m, now: None)
        peer = Peer(self.results, kind, on_message)
        async with self.gate:
            if not await peer.connect(self.target.visit, self.target.origin):
                return None
            hello = {"type": "hello", "token": None, "language": "fr", "after": 0, "page": "/"}
            welcome = await peer.ask(hello, of_type("welcome"))
        self.peers.append(peer)
        if welcome is None:
            self.results.unanswered[f"{kind}: hello"] += 1
        if welcome is None or welcome.get("type") != "welcome":
            return peer
        if not active:
            self.results.idle += 1
            return peer
        self.results.visitors += 1
        start = {
            "type": "start",
            "name": f"Visiteur {index}",
            "email": f"visiteur{index}@bench.exemple.ma",
            "topic": "",
            "consent": True,
            "text": "Bonjour, où en est ma commande ?",
            "client_id": "start",
        }
        state = await peer.ask(start, of_type("state"))
        if state is None:
            self.results.unanswered["visitor: start"] += 1
        elif state.get("type") == "state":
            self.results.started += 1
            peer.chat = state["chat"]["id"]
        return peer

    async def agent(self, cookie: str) -> Peer | None:
        peer = Peer(self.results, "agent", self._delivered("c2a", "customer"))
        async with self.gate:
            if not await peer.connect(self.target.staff, self.target.origin, {"Cookie": cookie}):
                return None
            queue = await peer.ask({"type": "hello", "chats": {}}, of_type("queue"))
        self.peers.append(peer)
        if queue is None:
            self.results.unanswered["agent: hello"] += 1
        elif queue.get("type") == "queue":
            self.results.agents += 1
        return peer

    async def accept(self, agent: Peer, visitors: list[Peer]) -> None:
        for visitor in visitors:
            chat = visitor.chat
            if chat is None:
                continue

            def holds(message: dict[str, Any], chat: int = chat) -> bool:
                return message.get("type") == "mine" and any(
                    c.get("id") == chat for c in message.get("chats", [])
                )

            answer = await agent.ask({"type": "accept", "chat": chat}, holds)
            if answer is None:
                self.results.unanswered["agent: accept"] += 1
            elif answer.get("type") == "mine":
                self.results.accepted += 1
                self.chats.append((chat, visitor, agent))

    async def ping(self) -> None:
        """Every connection pings every 25 s, spread evenly over the 25 s."""
        loop = asyncio.get_running_loop()
        while True:
            peers = [peer for peer in self.peers if peer.open]
            if not peers:
                await asyncio.sleep(1)
                continue
            began = loop.time()
            for n, peer in enumerate(peers):
                await peer.send({"type": "ping"})
                await asyncio.sleep(
                    max(0.0, began + (n + 1) * PING_EVERY / len(peers) - loop.time())
                )

    async def exchange(self, direction: str) -> None:
        """`--messages` messages one way, one chat after another, each chat every
        `--interval` seconds; then wait for the last to arrive."""
        count, chats = self.args.messages, self.chats
        if not chats:
            return
        gap = self.args.interval / len(chats)
        loop = asyncio.get_running_loop()
        # The agents write between the customers' messages.
        began = loop.time() + (gap / 2 if direction == "a2c" else 0.0)
        for n in range(count):
            await asyncio.sleep(max(0.0, began + n * gap - loop.time()))
            chat, visitor, agent = chats[n % len(chats)]
            text = f"bench:{direction}:{n}:{time.monotonic_ns()}"
            self.results.sent[direction] += 1
            if direction == "c2a":
                await visitor.send({"type": "message", "client_id": f"c{n}", "text": text})
            else:
                await agent.send(
                    {"type": "message", "chat": chat, "client_id": f"a{n}", "text": text}
                )
        self.sending_done[direction] = True
        if len(self.results.delays[direction]) >= self.results.sent[direction]:
            return
        with suppress(TimeoutError):
            await asyncio.wait_for(self.arrived[direction].wait(), DRAIN)

    @contextmanager
    def phase(self, name: str) -> Iterator[None]:
        """A step of the run: its time, and the processor time uvicorn and the bench used."""
        self.results.phase = name
        began, server, own = (
            time.perf_counter(),
            cpu_seconds(self.target.uvicorn),
            own_cpu_seconds(),
        )
        try:
            yield
        finally:
            self.results.phases.append(
                (
                    name,
                    time.perf_counter() - began,
                    cpu_seconds(self.target.uvicorn) - server,
                    own_cpu_seconds() - own,
                )
            )

    async def scenario(self) -> None:
        args, results = self.args, self.results
        self.note_memory("servers started")
        pinger = asyncio.create_task(self.ping())
        try:
            with self.phase(f"{args.idle:,} idle visitors connect"):
                await asyncio.gather(*(self.visitor(n, active=False) for n in range(args.idle)))
            self.note_memory(f"{results.idle:,} idle visitors")
            with self.phase(f"{len(self.target.cookies):,} agents sign in"):
                agents = [
                    peer
                    for peer in await asyncio.gather(
                        *(self.agent(cookie) for cookie in self.target.cookies)
                    )
                    if peer is not None
                ]
            with self.phase(f"{args.active:,} chats start"):
                visitors = [
                    peer
                    for peer in await asyncio.gather(
                        *(self.visitor(n, active=True) for n in range(args.active))
                    )
                    if peer is not None
                ]
            with self.phase("the agents accept them"):
                per = results.per_agent
                await asyncio.gather(
                    *(
                        self.accept(agent, visitors[n * per : (n + 1) * per])
                        for n, agent in enumerate(agents)
                    )
                )
            self.note_memory("chats active")
            with self.phase(f"{args.messages:,} messages each way"):
                await asyncio.gather(self.exchange("c2a"), self.exchange("a2c"))
            results.phase = "done"
        finally:
            results.held_at_end = sum(1 for peer in self.peers if peer.open)
            self.note_memory("at the end")
            pinger.cancel()

    async def close(self) -> None:
        with suppress(TimeoutError):
            await asyncio.wait_for(
                asyncio.gather(*(peer.close() for peer in self.peers), return_exceptions=True), 60
            )


async def bounded(args: argparse.Namespace, target: Target, results: Results) -> None:
    bench = Bench(args, target, results)
    try:
        await asyncio.wait_for(bench.scenario(), args.timeout)
    except TimeoutError:
        results.timed_out = True
    finally:
        await bench.close()


# --- the report ----------------------------------------------------------------------------


def spread(values: list[float]) -> str:
    if not values:
        return "nothing received"
    ordered = sorted(values)

    def at(share: float) -> float:
        return ordered[min(len(ordered) - 1, int(len(ordered) * share))]

    return f"p50 {at(0.5):6.1f} ms  p95 {at(0.95):6.1f} ms  max {ordered[-1]:6.1f} ms"


def report(args: argparse.Namespace, results: Results) -> None:
    import channels
    import uvicorn
    import websockets
    from django.conf import settings

    layer = settings.CHANNEL_LAYERS["default"]["BACKEND"].rsplit(".", 1)[-1]
    size = " (smoke size: not judged)" if args.smoke else ""
    print(f"\nbench-chat on {results.database}{size}")
    print(
        f"  server: uvicorn {uvicorn.__version__} ({args.chat_workers} process"
        f"{'es' if args.chat_workers > 1 else ''}, --ws {results.ws}, websockets"
        f" {websockets.__version__}),"
        f" Django Channels {channels.__version__}, channel layer {layer}; pages: gunicorn"
    )
    raw, packed = results.widget
    print(f"  the widget's script: {raw / 1024:.1f} KB as served, {packed / 1024:.1f} KB gzipped")
    soft = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    print(
        f"  open files: limit {soft:,} (uvicorn inherits it); database ready in {results.prepared_s:.0f} s"
    )
    if results.timed_out:
        print(f"  STOPPED after {args.timeout:.0f} s while {results.phase}: the figures so far")
    held = results.idle + results.visitors + results.agents
    print(
        f"  connections held: {results.idle:,} idle + {results.visitors:,} visitors in a chat"
        f" + {results.agents:,} agents = {held:,}; still open at the end: {results.held_at_end:,}"
    )
    if results.refused:
        print(f"  refused: {dict(results.refused)}")
    if results.dropped:
        print(f"  dropped by the server: {dict(results.dropped)}")
    if results.errors:
        print(f"  errors answered: {dict(results.errors)}")
    if results.unanswered:
        print(f"  requests unanswered within a minute: {dict(results.unanswered)}")
    print(
        f"  chats: {results.started:,} started, {results.accepted:,} accepted by their agents"
        f" ({results.per_agent} a head)"
    )
    for name, seconds, server, own in results.phases:
        print(
            f"  {name:<36} {seconds:6.1f} s   processor: uvicorn {server:5.1f} s,"
            f" the bench {own:5.1f} s"
        )
    rate = results.accepted / args.interval if results.accepted else 0
    for direction, label in (("c2a", "customer → agent"), ("a2c", "agent → customer")):
        delays = list(results.delays[direction].values())
        sent = results.sent[direction]
        lost = f", {sent - len(delays):,} not received" if sent > len(delays) else ""
        print(
            f"  delivery {label}: {len(delays):,} of {sent:,} messages ({rate:.0f}/s{lost}):"
            f"  {spread(delays)}"
        )
    for moment, rss, peak, files in results.memory:
        print(
            f"  uvicorn {moment:<24} RSS {rss / 1024:6.0f} MB  peak {peak / 1024:6.0f} MB  open files {files:,}"
        )
    if len(results.memory) >= 2 and results.idle:
        added = results.memory[1][1] - results.memory[0][1]
        print(
            f"  about {added / results.idle:.0f} kB of uvicorn's memory a connection (idle visitors)"
        )
    if not args.smoke:
        verdict = (
            "ok"
            if results.idle >= AIM_IDLE and results.accepted >= AIM_ACTIVE and not results.dropped
            else "MISSED"
        )
        print(f"  aim: {AIM_IDLE:,} idle and {AIM_ACTIVE:,} active held: {verdict}")


if __name__ == "__main__":
    main()
