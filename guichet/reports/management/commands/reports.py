"""`guichet reports rebuild [--brand SLUG]`: the reports' figures replayed from the events."""

from __future__ import annotations

import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.brands.models import Brand
from guichet.reports.rebuild import rebuild


class Command(BaseCommand):
    help = "The reports' figures: rebuild them from the event log."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        again = sub.add_parser("rebuild", help="Replay the events into fresh figures.")
        again.add_argument("--brand", action="append", default=[], help="a brand's slug")
        again.add_argument("--quiet", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        slugs = options["brand"]
        brands = list(Brand._base_manager.filter(slug__in=slugs)) if slugs else None
        if slugs and len(brands or []) != len(set(slugs)):
            known = {b.slug for b in brands or []}
            raise CommandError(f"no brand {', '.join(sorted(set(slugs) - known))}")
        bar = None if options["quiet"] else _bar
        done = rebuild(brands=brands, progress=bar)
        if bar is not None:
            sys.stderr.write("\n")
        self.stdout.write(
            f"{done.tickets} tickets, {done.events} events replayed in {done.seconds:.1f} s "
            f"({done.events_per_second:,.0f} events/s)"
        )


def _bar(done: int, total: int) -> None:
    width = 40
    share = done / total if total else 1.0
    filled = int(width * min(share, 1.0))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} events")
    sys.stderr.flush()
