"""make bench-api: the REST API through the production server, on PostgreSQL.

1. A database `guichet_bench_api` (DATABASE_URL overrides it), migrated, with the
   `jamla24` preset and an API key made for the run (agent role, read and write).
2. The production web server (`guichet up`'s: gunicorn, 2 worker processes of
   BENCH_API_THREADS threads, default 4) started on a free port.
3. Creations: BENCH_API_CLIENTS (default 8) clients on keep-alive connections POST
   /api/v1/tickets (each with an Idempotency-Key, a new customer each time: acknowledged,
   planned, referenced like any new request) for BENCH_API_SECONDS (default 20; 0 skips this): tickets
   created per second and the latency of a creation (target: at least 300 a second);
   then the same with `synchronous_commit=off` for the server's connections, to show how
   much of a creation is waiting for the disk.
4. The list at 10,000, 100,000 and 1,000,000 tickets (BENCH_API_SIZES): tickets are added
   with set-based SQL (generate_series; the search triggers paused and the index rebuilt
   once at the end) up to each size, ANALYZEd (as autovacuum would), then
   GET /api/v1/tickets is timed from one client through HTTP — newest first, oldest
   changed first (synchronisation), a filter on status and category, the unassigned
   view, and the 20th page by cursor: p50 and p95
   over BENCH_API_REQUESTS (default 100) requests after a warm-up (target: p95 under
   100 ms, flat as the tickets grow).

The load-generating clients share the machine's cores with the server: the figures are a
floor. Prints figures; asserts nothing about durations. The tickets added in step 4 stay
for later runs (sizes already reached are not loaded again).
"""

from __future__ import annotations

import http.client
import io
import json
import os
import socket
import statistics
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_bench_api")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

SIZES = [int(s) for s in os.environ.get("BENCH_API_SIZES", "10000,100000,1000000").split(",") if s]
CLIENTS = int(os.environ.get("BENCH_API_CLIENTS", "8"))
SECONDS = float(os.environ.get("BENCH_API_SECONDS", "20"))
REQUESTS = int(os.environ.get("BENCH_API_REQUESTS", "100"))
WARM_UP = 10
WORKERS = 2
THREADS = int(os.environ.get("BENCH_API_THREADS", "4"))
BRAND = "jamla24"
# Loaded tickets are spread over the year before this moment.
NOW = datetime(2026, 11, 23, 10, 0, tzinfo=UTC)
CONTACT_POOL = 20_000
CREATE_TARGET = 300
LIST_TARGET_MS = 100


# --- the database --------------------------------------------------------------------------------


def prepare() -> tuple[Any, str]:
    """The brand and a new API key's token."""
    import django

    django.setup()
    from django.core.management import call_command

    from guichet.accounts.models import Role
    from guichet.api.keys import api_key_create
    from guichet.brands.models import Brand

    call_command("migrate", verbosity=0)
    call_command("collectstatic", interactive=False, verbosity=0)  # as `guichet up` does
    call_command("load_presets", BRAND, verbosity=0, stdout=io.StringIO())
    brand = Brand.objects.get(slug=BRAND)
    _key, token = api_key_create(
        brand=brand,
        name="bench-api",
        scopes=["read", "write"],
        role=Role.AGENT,
        rate_per_minute=10_000_000,
    )
    return brand, token


def scalar(sql: str, params: Any = None) -> Any:
    from guichet.lib.bulk import literal_cursor

    with literal_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


def contact_pool(brand: Any) -> tuple[int, int]:
    """CONTACT_POOL customers with an address each (made once): their first and last ids."""
    from bench.loading import insert_select
    from guichet.contacts.models import Contact, ContactEmail

    have = scalar(
        "SELECT count(*) FROM contacts_contact WHERE brand_id = %s AND name LIKE 'Bench %%'",
        [brand.pk],
    )
    if have < CONTACT_POOL:
        params: dict[str, Any] = {"brand": brand.pk, "now": NOW, "n": CONTACT_POOL}
        insert_select(
            Contact,
            {
                "brand_id": "%(brand)s",
                "name": "'Bench ' || g",
                "language": "CASE WHEN g %% 3 = 0 THEN 'en' ELSE 'fr' END",
                "created_at": "%(now)s",
                "updated_at": "%(now)s",
            },
            "generate_series(1, %(n)s) g",
            params,
        )
        insert_select(
            ContactEmail,
            {
                "brand_id": "c.brand_id",
                "contact_id": "c.id",
                "address": "'bench-' || c.id || '@exemple.ma'",
                "is_primary": "true",
            },
            "contacts_contact c WHERE c.brand_id = %(brand)s AND c.name LIKE 'Bench %%' "
            "AND NOT EXISTS (SELECT 1 FROM contacts_contactemail e WHERE e.contact_id = c.id)",
            {"brand": brand.pk},
        )
    first, last = (
        scalar(
            f"SELECT {f}(id) FROM contacts_contact WHERE brand_id = %s AND name LIKE 'Bench %%'",
            [brand.pk],
        )
        for f in ("min", "max")
    )
    return first, last


def load_to(brand: Any, size: int) -> bool:
    """Add tickets (with a running deadline each) until the brand has `size`; whether any
    were added."""
    from bench.loading import insert_select
    from guichet.search.maintenance import triggers_paused
    from guichet.sla.models import Deadline
    from guichet.tickets.models import Ticket

    have = scalar("SELECT count(*) FROM tickets_ticket WHERE brand_id = %s", [brand.pk])
    if have >= size:
        return False
    policy = brand.get_policy()
    categories = [c.key for c in policy.categories]
    first_contact, last_contact = contact_pool(brand)
    start = scalar(
        "SELECT count(*) FROM tickets_ticket WHERE brand_id = %s AND reference LIKE 'JM-B-%%'",
        [brand.pk],
    )
    print(f"  adding {size - have:,} tickets…", end=" ", flush=True)
    started = time.perf_counter()
    with triggers_paused():
        insert_select(
            Ticket,
            {
                "brand_id": "%(brand)s",
                "reference": "'JM-B-' || g",
                "contact_type": "CASE WHEN g %% 3 = 0 THEN 'complaint' ELSE 'question' END",
                "category": "(%(categories)s::text[])[1 + (g / 7) %% cardinality(%(categories)s::text[])]",
                "priority": "CASE WHEN g %% 10 = 0 THEN 'high' ELSE 'normal' END",
                "complexity": "'simple'",
                "status": "CASE WHEN g %% 5 < 3 THEN 'closed' WHEN g %% 5 = 3 THEN 'open' "
                "ELSE 'new' END",
                "level": "1",
                "channel": "CASE WHEN g %% 4 = 0 THEN 'web' ELSE 'email' END",
                "subject": "'Commande ' || g",
                "language": "'fr'",
                "contact_id": "%(first_contact)s + g %% %(contacts)s",
                "outcome": "''",
                "created_at": "%(now)s - interval '1 second' * ((%(end)s - g) * 31536000.0 / %(end)s)",
                "updated_at": "%(now)s - interval '1 second' * ((%(end)s - g) * 31536000.0 / %(end)s)",
                "level_started_at": "%(now)s",
                "revision": "1",
            },
            "generate_series(%(start)s, %(end)s) g",
            {
                "brand": brand.pk,
                "categories": categories,
                "first_contact": first_contact,
                "contacts": last_contact - first_contact + 1,
                "now": NOW,
                "start": start + 1,
                "end": start + size - have,
            },
        )
        insert_select(
            Deadline,
            {
                "brand_id": "t.brand_id",
                "ticket_id": "t.id",
                "kind": "'resolution'",
                "level": "0",
                "rule": "'bench'",
                "clock": "'calendar'",
                "target": "'bench'",
                "started_at": "t.created_at",
                "due_at": "t.created_at + interval '5 days'",
                "next_action_at": "CASE WHEN t.status <> 'closed' "
                "THEN t.created_at + interval '5 days' END",
                "claimed_by": "''",
            },
            "tickets_ticket t WHERE t.brand_id = %(brand)s AND t.reference LIKE 'JM-B-%%' "
            "AND t.id > %(after)s",
            {
                "brand": brand.pk,
                "after": scalar(
                    "SELECT coalesce(max(ticket_id), 0) FROM sla_deadline WHERE rule = 'bench'"
                ),
            },
        )
    print(f"{time.perf_counter() - started:.0f} s", flush=True)
    return True


def analyze() -> None:
    """Fresh planner statistics, as autovacuum keeps them in production: the creations
    and loads above change the tables faster than it runs."""
    from django.db import connection

    with connection.cursor() as cursor:
        for table in (
            "tickets_ticket",
            "sla_deadline",
            "contacts_contact",
            "contacts_contactemail",
        ):
            cursor.execute(f"ANALYZE {table}")


# --- the server ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextmanager
def server(extra_env: dict[str, str] | None = None) -> Iterator[int]:
    port = free_port()
    from guichet.ops.webserver import web_server_command

    command = web_server_command("127.0.0.1", port, workers=WORKERS, threads=THREADS)
    process = subprocess.Popen(command, cwd=ROOT, env={**os.environ, **(extra_env or {})})
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                connection.request("GET", "/healthz")
                connection.getresponse().read()
                connection.close()
                break
            except OSError:
                if process.poll() is not None or time.monotonic() > deadline:
                    raise SystemExit("the server did not start") from None
                time.sleep(0.2)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=30)


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))]


# --- creations -----------------------------------------------------------------------------------


def creations(port: int, token: str, category: str, note: str = "") -> None:
    latencies: list[float] = []
    failures: list[int] = []
    lock = threading.Lock()
    stop = time.perf_counter() + SECONDS
    run = uuid.uuid4().hex[:8]

    def client(number: int) -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine: list[float] = []
        bad: list[int] = []
        i = 0
        while time.perf_counter() < stop:
            i += 1
            body = json.dumps(
                {
                    "contact": {
                        "email": f"api-{run}-{number}-{i}@exemple.ma",
                        "name": f"Client {number}-{i}",
                    },
                    "contact_type": "question",
                    "category": category,
                    "subject": f"Commande {number}-{i}",
                    "text": "Bonjour, où en est ma commande ?",
                }
            )
            headers = {
                "Authorization": f"Bearer {token}",
                "Content-Type": "application/json",
                "Idempotency-Key": f"{run}-{number}-{i}",
            }
            began = time.perf_counter()
            connection.request("POST", "/api/v1/tickets", body=body, headers=headers)
            response = connection.getresponse()
            response.read()
            if response.status == 201:
                mine.append((time.perf_counter() - began) * 1000)
            else:
                bad.append(response.status)
        connection.close()
        with lock:
            latencies.extend(mine)
            failures.extend(bad)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    print(
        f"\nCreations{note} (POST /api/v1/tickets, {CLIENTS} clients, gunicorn {WORKERS} "
        f"workers x {THREADS} threads, {elapsed:.0f} s):\n"
        f"  {len(latencies):,} tickets created = {len(latencies) / elapsed:,.0f} per second "
        f"(target: at least {CREATE_TARGET}); latency p50 {statistics.median(latencies):.0f} ms, "
        f"p95 {percentile(latencies, 0.95):.0f} ms"
        + (f"; {len(failures)} refused: {sorted(set(failures))}" if failures else "")
    )


# --- the list ------------------------------------------------------------------------------------


def get(connection: http.client.HTTPConnection, token: str, query: dict[str, Any]) -> Any:
    connection.request(
        "GET",
        "/api/v1/tickets?" + urlencode(query),
        headers={"Authorization": f"Bearer {token}"},
    )
    response = connection.getresponse()
    body = response.read()
    if response.status != 200:
        raise SystemExit(
            f"GET /api/v1/tickets?{urlencode(query)}: {response.status} {body[:300]!r}"
        )
    return json.loads(body)


def list_latency(port: int, token: str, category: str) -> list[tuple[str, float]]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    queries: list[tuple[str, dict[str, Any]]] = [
        ("newest first", {"limit": 50}),
        ("oldest changed first (sync)", {"limit": 50, "sort": "updated"}),
        ("status=open&category", {"limit": 50, "status": "open", "category": category}),
        ("view=unassigned", {"limit": 50, "view": "unassigned"}),
    ]
    page: dict[str, Any] = {"limit": 50}
    for _ in range(19):
        cursor = get(connection, token, page)["next_cursor"]
        if cursor is None:
            break
        page = {"limit": 50, "cursor": cursor}
    queries.append(("20th page by cursor", page))
    total = scalar("SELECT count(*) FROM tickets_ticket")
    print(f"\nGET /api/v1/tickets with {total:,} tickets ({REQUESTS} requests each, one client):")
    p95s = []
    for label, query in queries:
        for _ in range(WARM_UP):
            get(connection, token, query)
        times = []
        for _ in range(REQUESTS):
            began = time.perf_counter()
            rows = len(get(connection, token, query)["items"])
            times.append((time.perf_counter() - began) * 1000)
        p95 = percentile(times, 0.95)
        p95s.append((label, p95))
        print(
            f"  {label:<30} {rows:>3} rows  p50 {statistics.median(times):6.1f} ms  "
            f"p95 {p95:6.1f} ms"
        )
    connection.close()
    return p95s


def creation_figures(token: str, category: str) -> None:
    with server() as port:
        creations(port, token, category)
    # The same with PostgreSQL's commits not waiting for the disk (a server setting some
    # installations choose: a crash may lose the last moments of commits, never corrupts):
    # how much of a creation is the disk's flush on this machine.
    with server({"PGOPTIONS": "-c synchronous_commit=off"}) as port:
        creations(port, token, category, note=" with synchronous_commit=off")


def main() -> None:
    from bench.loading import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    brand, token = prepare()
    category = brand.get_policy().categories[0].key
    print(
        f"bench-api on {os.environ['DATABASE_URL'].rsplit('/', 1)[-1]}: brand {BRAND}, "
        f"{os.cpu_count()} cores"
    )
    if SECONDS > 0:
        creation_figures(token, category)
    worst: dict[int, float] = {}
    loaded = False
    for size in SIZES:
        loaded = load_to(brand, size) or loaded
        total = scalar("SELECT count(*) FROM tickets_ticket")
        if total in worst:  # the database had more than this size already
            continue
        analyze()
        with server() as port:
            p95s = list_latency(port, token, category)
        worst[total] = max(p95 for _, p95 in p95s)
    if not worst:
        return
    print("\nWorst p95 of the list by number of tickets (target: under 100 ms, flat):")
    for total, p95 in worst.items():
        print(f"  {total:>9,} tickets: {p95:6.1f} ms")
    if not loaded:
        return
    from guichet.search.maintenance import rebuild

    started = time.perf_counter()
    rebuild()
    print(f"\nsearch index rebuilt after the loads in {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
