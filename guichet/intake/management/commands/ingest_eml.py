"""guichet ingest-eml FILE_OR_DIR… [--brand B] [--queue]: store raw messages (files in name
order), then process them before returning — or leave that to the worker with --queue."""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.brands.models import Brand
from guichet.intake.email import ingest
from guichet.intake.email.stats import inbound_stats
from guichet.intake.email.tasks import process_inbound
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


class Command(BaseCommand):
    help = "Store and process raw email messages (.eml files, or a directory of them)."
    # No system checks: they import the URLconf and with it every view and the API, which
    # storing and processing email never uses and an MTA's pipe would pay for every
    # message. `guichet check` and `guichet migrate` check the installation.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+")
        parser.add_argument(
            "--brand", help="The brand they are for (default: found from the recipients)."
        )
        parser.add_argument(
            "--queue", action="store_true", help="Store only; the worker processes them."
        )

    def handle(
        self,
        *args: Any,
        paths: list[str],
        brand: str | None,
        queue: bool,
        **options: Any,
    ) -> None:
        target = None
        if brand:
            target = Brand.objects.filter(slug=brand).first()
            if target is None:
                raise CommandError(f"no brand {brand!r}")
        paths_found = files(paths)
        started = time.perf_counter()
        stored = []
        duplicates = 0
        for start in range(0, len(paths_found), CHUNK):
            # The files stay where they are until this returns: a commit per chunk is as
            # durable as one per file, and much faster.
            chunk = [path.read_bytes() for path in paths_found[start : start + CHUNK]]
            for result in ingest.store_many(chunk, source=InboundSource.FILE, brand=target):
                stored.append(result.inbound.pk)
                duplicates += not result.created
        if queue:
            for inbound_id in stored:
                process_inbound.enqueue(inbound_id)
        else:
            ingest.process_many(stored, chunk=CHUNK)
        elapsed = time.perf_counter() - started
        summary = {
            "files": len(paths_found),
            "duplicates": duplicates,
            "seconds": round(elapsed, 2),
            "per_second": round(len(paths_found) / elapsed, 1) if elapsed else None,
            "queued": queue,
            "stats": inbound_stats(target),
        }
        self.stdout.write(json.dumps(summary, ensure_ascii=False, indent=2))
