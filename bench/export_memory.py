"""The peak memory of an export of tickets (issue 18: "a CSV export of all tickets streamed
with peak memory < 200 MB"), on the desk's own path.

    .venv/bin/python bench/export_memory.py --tickets 200000
    DATABASE_URL=sqlite:////tmp/export.sqlite3 .venv/bin/python bench/export_memory.py

1. A database (`guichet_export_bench` on the local PostgreSQL unless DATABASE_URL says
   otherwise; created if missing) is migrated, the presets loaded, a manager of EJ made,
   and `--tickets` rows of the read model (TicketFact) written for EJ over a year, once.
2. Each export runs in a process of its own, as a manager asks the desk for it
   (`GET /desk/reports/export/tickets.csv|xlsx` for that year, and as CSV for its January
   alone; every byte read and dropped): its time, the bytes sent and the process's peak
   resident memory (VmHWM), beside the same export of a day without a ticket (the
   baseline: what starting Django and answering costs).

Prints figures; asserts nothing about them. docs/reports.md keeps the last ones.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import resource
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DATABASE_URL", "postgres://postgres@127.0.0.1:5432/guichet_export_bench")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "guichet.settings")
os.environ.setdefault("LOG_LEVEL", "WARNING")

MANAGER = "bench-export-manager"
YEAR = 2025
BATCH = 5000
# What each measuring process exports: the format and the period. The baseline is the same
# export of a day without a ticket (what starting Django and answering costs); January,
# a twelfth of the rows, shows whether memory grows with them.
KINDS = {
    "baseline": ("csv", {"start": f"{YEAR - 1}-06-01", "end": f"{YEAR - 1}-06-02"}),
    "csv-january": ("csv", {"month": f"{YEAR}-01"}),
    "csv": ("csv", {"start": f"{YEAR}-01-01", "end": f"{YEAR + 1}-01-01"}),
    "xlsx": ("xlsx", {"start": f"{YEAR}-01-01", "end": f"{YEAR + 1}-01-01"}),
}


def _create_database() -> None:
    url = os.environ["DATABASE_URL"]
    if not url.startswith("postgres"):
        return
    import psycopg

    server, name = url.rsplit("/", 1)
    with psycopg.connect(f"{server}/postgres", autocommit=True) as connection:
        found = connection.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if found.fetchone() is None:
            connection.execute(f'CREATE DATABASE "{name}"')


def populate(tickets: int) -> None:
    from django.core.management import call_command

    from guichet.accounts.models import Membership, Role, User
    from guichet.brands.models import Brand, Team
    from guichet.reports.models import TicketFact

    call_command("migrate", verbosity=0)
    if not Brand.objects.filter(slug="ej").exists():
        call_command("load_presets", verbosity=0, stdout=io.StringIO())
    ej = Brand.objects.get(slug="ej")
    user, made = User.objects.get_or_create(username=MANAGER, defaults={"first_name": "Bench"})
    if made:
        Membership.objects.create(user=user, brand=ej, role=Role.MANAGER)
    have = TicketFact._base_manager.filter(brand=ej).count()
    if have >= tickets:
        return
    teams = list(Team._base_manager.filter(brand=ej).values_list("pk", flat=True))
    categories = [c.key for c in ej.get_policy().categories]
    start = datetime(YEAR, 1, 1, 5, tzinfo=UTC)
    step = (365 * 86400 - 3600) / tickets
    print(f"writing {tickets - have:,} rows of the read model…", flush=True)
    began = time.perf_counter()
    for first in range(have, tickets, BATCH):
        rows = []
        for n in range(first, min(tickets, first + BATCH)):
            at = start + timedelta(seconds=n * step)
            closed = n % 3 != 0
            rows.append(
                TicketFact(
                    brand=ej,
                    ticket_id=10_000_000 + n,
                    reference=f"EJ-25-{n:07d}",
                    received_at=at,
                    received_on=(at - timedelta(hours=5)).date(),
                    channel=("email", "web", "phone", "letter")[n % 4],
                    contact_type=("complaint", "question", "comment")[n % 3],
                    category=categories[n % len(categories)],
                    priority="normal",
                    complexity=("simple", "complex")[n % 2],
                    team_id=teams[n % len(teams)],
                    level=1 + n % 3,
                    top_level=1 + n % 3,
                    is_open=not closed,
                    first_response_at=at + timedelta(hours=2),
                    first_response_s=7200 + n % 3600,
                    first_response_bs=3600 + n % 1800,
                    full_answer_at=at + timedelta(days=1) if closed else None,
                    resolved_at=at + timedelta(days=2) if closed else None,
                    resolution_s=2 * 86400 + n % 7200 if closed else None,
                    closed_at=at + timedelta(days=2) if closed else None,
                    outcome="upheld" if closed else "",
                    first_contact=(n % 5 == 0) if closed else None,
                    reopened=n % 7 == 0,
                    escalations=n % 3,
                    survey_score=1 + n % 5 if n % 4 == 0 else None,
                )
            )
        TicketFact._base_manager.bulk_create(rows)
    print(f"  in {time.perf_counter() - began:.0f} s", flush=True)


def measure(kind: str) -> dict[str, float]:
    """In this process: sign the manager in and ask for the export; the figures of this
    process."""
    import django

    django.setup()
    from django.test import Client

    from guichet.accounts.models import User

    client = Client(HTTP_HOST="localhost")
    client.force_login(User.objects.get(username=MANAGER))
    return export_peak(client, KINDS[kind][0], KINDS[kind][1])


def export_peak(client: Any, fmt: str, params: dict[str, str]) -> dict[str, float]:
    """The tickets export in `fmt` for `params`, asked of the desk by a signed-in client,
    every byte read and dropped: its time, the bytes sent and this process's peak resident
    memory (bench/reports.py measures its export with it too)."""
    began = time.perf_counter()
    response = client.get(f"/desk/reports/export/tickets.{fmt}", params)
    sent = sum(len(chunk) for chunk in response.streaming_content)
    response.close()
    assert response.status_code == 200, response.status_code
    return {
        "seconds": time.perf_counter() - began,
        "bytes": sent,
        "peak_mb": peak_mb(),
    }


def peak_mb() -> float:
    """This process's peak resident memory in MB: VmHWM, the high-water mark of its own
    memory since its exec. (`ru_maxrss` keeps the parent's when the parent was bigger:
    Linux carries it over the fork and the exec.)"""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--tickets", type=int, default=int(os.environ.get("BENCH_TICKETS", 200_000))
    )
    parser.add_argument("--measure", choices=list(KINDS))
    options = parser.parse_args()
    if options.measure:
        print(json.dumps(measure(options.measure)))
        return
    _create_database()
    import django

    django.setup()
    populate(options.tickets)
    print(f"{options.tickets:,} tickets, {os.environ['DATABASE_URL'].split(':')[0]}:")
    for kind in KINDS:
        done = subprocess.run(
            [sys.executable, __file__, "--measure", kind],
            capture_output=True,
            text=True,
            check=True,
        )
        figures = json.loads(done.stdout.strip().splitlines()[-1])
        print(
            f"  {kind:11} peak {figures['peak_mb']:6.0f} MB  {figures['seconds']:6.1f} s  "
            f"{figures['bytes'] / 1e6:7.1f} MB sent",
            flush=True,
        )


if __name__ == "__main__":
    main()
