"""make bench-sla: the policy engine's watcher at scale, on PostgreSQL.

1. A database `guichet_bench` with 1,000,000 open tickets and 3 running deadlines each
   (made once with generate_series; reused by later runs).
2. The due-deadline query the watcher runs: its plan (it must use the partial index on
   next_action_at) and its time over 50 runs (target: under 50 ms).
3. 10,000 deadlines made due, then two worker processes (`guichet sla sweep --at`) act on
   them: actions per second (target: at least 1,000 on this 2-core machine).

Prints figures; asserts nothing about durations. DATABASE_URL overrides the database,
BENCH_TICKETS the number of tickets, BENCH_DUE the deadlines made due (`make bench-smoke`
runs it with a few thousand).
"""

from __future__ import annotations

import io
import os
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

TICKETS = int(os.environ.get("BENCH_TICKETS", "1000000"))
DUE = int(os.environ.get("BENCH_DUE", "10000"))
# make bench-smoke: a tiny size, to prove the bench runs; its figures are not judged.
SMOKE = os.environ.get("BENCH_SMOKE") == "1"
NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def populate() -> int:
    from django.core.management import call_command
    from django.db import connection

    from bench.loading import insert_select
    from guichet.brands.models import Brand
    from guichet.contacts.services import contact_for_email
    from guichet.search.maintenance import rebuild, triggers_paused
    from guichet.sla.models import Deadline
    from guichet.tickets.models import Ticket

    call_command("migrate", verbosity=0)
    call_command("load_presets", "jamla24", verbosity=0, stdout=io.StringIO())
    brand = Brand.objects.get(slug="jamla24")
    contact = contact_for_email(brand=brand, email="bench@exemple.ma")
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM tickets_ticket")
        have = cursor.fetchone()[0]
        if have >= TICKETS:
            return have
        print(
            f"creating {TICKETS - have:,} tickets and {3 * (TICKETS - have):,} deadlines…",
            flush=True,
        )
        started = time.perf_counter()
        # The search index is rebuilt once after the load rather than row by row.
        with triggers_paused():
            insert_select(
                Ticket,
                {
                    "brand_id": "%(brand)s",
                    "reference": "'JM-B-' || g",
                    "contact_type": "'question'",
                    "category": "'order'",
                    "priority": "'normal'",
                    "complexity": "'simple'",
                    "status": "'open'",
                    "level": "1",
                    "channel": "'email'",
                    "subject": "'bench ' || g",
                    "language": "'fr'",
                    "contact_id": "%(contact)s",
                    "created_at": "%(now)s - (g %% 5000) * interval '1 minute'",
                    "updated_at": "%(now)s",
                    "level_started_at": "%(now)s - (g %% 5000) * interval '1 minute'",
                },
                "generate_series(%(first)s, %(last)s) g",
                {
                    "brand": brand.pk,
                    "contact": contact.pk,
                    "now": NOW,
                    "first": have + 1,
                    "last": TICKETS,
                },
            )
            for kind, spread_minutes in (
                ("first_response", 4 * 60),
                ("resolution", 5 * 1440),
                ("escalation", 1440),
            ):
                insert_select(
                    Deadline,
                    {
                        "brand_id": "t.brand_id",
                        "ticket_id": "t.id",
                        "kind": "%(kind)s",
                        "level": "%(level)s",
                        "rule": "'bench'",
                        "clock": "'calendar'",
                        "target": "'bench'",
                        "started_at": "t.created_at",
                        "due_at": "%(now)s + interval '1 hour' + (t.id %% %(spread)s) * interval '1 minute'",
                        "next_action_at": "%(now)s + interval '1 hour' + (t.id %% %(spread)s) * interval '1 minute'",
                    },
                    "tickets_ticket t WHERE t.reference LIKE 'JM-B-%%' AND NOT EXISTS "
                    "(SELECT 1 FROM sla_deadline d WHERE d.ticket_id = t.id AND d.kind = %(kind)s)",
                    {
                        "kind": kind,
                        "level": 2 if kind == "escalation" else 0,
                        "now": NOW,
                        "spread": spread_minutes,
                    },
                )
        rebuild()
        cursor.execute("ANALYZE tickets_ticket")
        cursor.execute("ANALYZE sla_deadline")
        print(f"  done in {time.perf_counter() - started:.0f} s", flush=True)
        return TICKETS


def due_query_figures() -> None:
    from django.db import connection, transaction
    from django.db.models import Q

    from guichet.lib.scoping import all_brands
    from guichet.sla.models import Deadline

    with all_brands(), transaction.atomic():
        query = (
            Deadline.objects.select_for_update(skip_locked=True)
            .filter(next_action_at__lte=NOW)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=NOW))
            .order_by("next_action_at")
            .values_list("pk", flat=True)[:200]
        )
        sql, params = query.query.sql_with_params()
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql, params)
        plan = "\n".join(row[0] for row in cursor.fetchall())
    print("\nThe watcher's due query (the 200 most overdue deadlines):")
    print("  " + sql % tuple(repr(p) for p in params))
    print("\n".join("  | " + line for line in plan.splitlines()))
    if "deadline_next_action" not in plan:
        # At a smoke run's size a scan of the table may well be the planner's best choice.
        if not SMOKE:
            raise SystemExit("the due query does not use the partial index")
        print("  (not the partial index: not judged at a smoke run's size)")
    times = []
    for _ in range(50):
        with transaction.atomic(), connection.cursor() as cursor:
            started = time.perf_counter()
            cursor.execute(sql, params)
            cursor.fetchall()
            times.append((time.perf_counter() - started) * 1000)
    times.sort()
    print(
        f"\ndue query: median {statistics.median(times):.2f} ms, p95 {times[int(len(times) * 0.95)]:.2f} ms, "
        f"max {times[-1]:.2f} ms over 50 runs (target: under 50 ms)"
    )


def make_due() -> list[int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE sla_deadline SET due_at = %s - interval '1 hour', next_action_at = %s - interval '1 hour',
                breached_at = NULL, claimed_by = '', claimed_until = NULL
            WHERE id IN (
                SELECT id FROM sla_deadline
                WHERE kind = 'first_response' AND breached_at IS NULL AND met_at IS NULL
                ORDER BY id LIMIT %s)
            RETURNING id
            """,
            [NOW, NOW, DUE],
        )
        return [row[0] for row in cursor.fetchall()]


def act_figures(ids: list[int]) -> None:
    from django.db import connection

    command = [sys.executable, "-m", "guichet", "sla", "sweep", "--at", NOW.isoformat()]
    started = time.perf_counter()
    workers = [
        subprocess.Popen(
            command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=ROOT
        )
        for _ in range(2)
    ]
    outputs = [w.communicate() for w in workers]
    elapsed = time.perf_counter() - started
    for worker, (out, err) in zip(workers, outputs, strict=True):
        if worker.returncode:
            print(err)
            raise SystemExit("a worker failed")
        print(f"  worker: {out.strip()}")
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM sla_deadline WHERE id = ANY(%s) AND breached_at = %s", [ids, NOW]
        )
        acted = cursor.fetchone()[0]
    print(
        f"acting on {len(ids):,} due deadlines with 2 worker processes: {elapsed:.2f} s "
        f"(including process start-up) = {acted / elapsed:,.0f} actions per second; {acted:,} acted on "
        f"(target: at least 1,000 per second)"
    )


def main() -> None:
    from bench.loading import ensure_database

    ensure_database(os.environ["DATABASE_URL"])
    import django

    django.setup()
    from guichet.lib.bulk import literal_parameters

    with literal_parameters():  # hand-written SQL with untyped parameters, and EXPLAIN
        count = populate()
        print(f"open tickets in the benchmark database: {count:,}")
        ids = make_due()
        print(f"made {len(ids):,} of their deadlines due")
        due_query_figures()
        print()
        act_figures(ids)


if __name__ == "__main__":
    main()
