"""guichet ingest-eml FILE_OR_DIR… [--brand B] [--queue]: store raw messages (files in name
order), then process them before returning — or leave that to the worker with --queue."""

from __future__ import annotations

import json
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, connections

from guichet.brands.models import Brand
from guichet.intake.email import ingest
from guichet.intake.email.stats import inbound_stats
from guichet.intake.models import InboundSource

CHUNK = 100


def files(paths: list[str]) -> list[Path]:
    found: list[Path] = []
    for name in paths:
        path = Path(name)
        if path.is_dir():
            found += sorted(p for p in path.iterdir() if p.is_file() and not p.name.startswith("."))
        elif path.is_file():
            found.append(path)
        else:
            raise CommandError(f"{name}: no such file or directory")
    return found


def default_jobs() -> int:
    """Processes working at once: on PostgreSQL one per core (at most 4); SQLite has one
    writer at a time, so one."""
    if connection.vendor != "postgresql":
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def _process_chunk(ids: list[int]) -> int:
    return ingest.process_many(ids)


def process_in_parallel(ids: list[int], jobs: int) -> int:
    """Chunks handed to `jobs` processes in order. Messages of one conversation are never
    processed by two of them at once (ingest.process_many locks conversations), so the
    result is the same as one process would give; only the order of unrelated tickets'
    references may differ."""
    chunks = [ids[start : start + CHUNK] for start in range(0, len(ids), CHUNK)]
    if jobs <= 1 or len(chunks) <= 1:
        return sum(_process_chunk(chunk) for chunk in chunks)
    connections.close_all()  # each process opens its own
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    with ProcessPoolExecutor(max_workers=jobs, mp_context=context) as pool:
        return sum(pool.map(_process_chunk, chunks))


class Command(BaseCommand):
    help = "Store and process raw email messages (.eml files, or a directory of them)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
        parser.add_argument(
            "--brand", help="The brand they are for (default: found from the recipients)."
        )
        parser.add_argument(
            "--queue", action="store_true", help="Store only; the worker processes them."
        )
        parser.add_argument(
            "--jobs",
            type=int,
            default=None,
            help="Processes working at once (default: one per core on PostgreSQL, at most 4;"
            " 1 on SQLite).",
        )

    def handle(
        self,
        *args: Any,
        paths: list[str],
        brand: str | None,
        queue: bool,
        jobs: int | None,
        **options: Any,
    ) -> None:
        target = None
        if brand:
            target = Brand.objects.filter(slug=brand).first()
            if target is None:
                raise CommandError(f"no brand {brand!r}")
        todo = files(paths)
        started = time.perf_counter()
        stored = []
        duplicates = 0
        for start in range(0, len(todo), CHUNK):
            # The files stay where they are until this returns: a commit per chunk is as
            # durable as one per file, and much faster.
            chunk = [path.read_bytes() for path in todo[start : start + CHUNK]]
            for result in ingest.store_many(chunk, source=InboundSource.FILE, brand=target):
                stored.append(result.inbound.pk)
                duplicates += not result.created
        if queue:
            from guichet.intake.tasks import process_inbound

            for inbound_id in stored:
                process_inbound.enqueue(inbound_id)
        else:
            process_in_parallel(stored, jobs or default_jobs())
        elapsed = time.perf_counter() - started
        summary = {
            "files": len(todo),
            "duplicates": duplicates,
            "seconds": round(elapsed, 2),
            "per_second": round(len(todo) / elapsed, 1) if elapsed else None,
            "queued": queue,
            "jobs": 1 if queue else (jobs or default_jobs()),
            "stats": inbound_stats(target),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
