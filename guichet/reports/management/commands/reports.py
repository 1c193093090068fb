"""`guichet reports rebuild [--brand SLUG]`: the reports' figures replayed from the events.
`guichet reports review --brand SLUG --month 2026-11 [--language en] --output FILE.pdf`:
a brand's periodic review as PDF (`--week 2026-W48`, `--quarter 2026-Q4`, or `--period
DATE` for the period of the brand's policy that holds that day)."""

from __future__ import annotations

import re
import sys
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.brands.models import Brand
from guichet.lib.errors import ServiceError
from guichet.lib.scoping import brand_scope
from guichet.reports.rebuild import rebuild
from guichet.reports.review import Kind, review_pdf


class Command(BaseCommand):
    help = "The reports' figures: rebuild them from the event log; make a periodic review."

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        again = sub.add_parser("rebuild", help="Replay the events into fresh figures.")
        again.add_argument("--brand", action="append", default=[], help="a brand's slug")
        again.add_argument("--quiet", action="store_true", help="no progress bar")
        review = sub.add_parser("review", help="A brand's periodic review as PDF.")
        review.add_argument("--brand", required=True, help="the brand's slug")
        which = review.add_mutually_exclusive_group(required=True)
        which.add_argument("--month", help="a monthly review: YYYY-MM")
        which.add_argument("--week", help="a weekly review: YYYY-Www (ISO week, from Monday)")
        which.add_argument("--quarter", help="a quarterly review: YYYY-Qn")
        which.add_argument(
            "--period", help="YYYY-MM-DD: the review the brand's policy makes for that day"
        )
        review.add_argument("--language", help="fr or en (default: the brand's language)")
        review.add_argument("--output", required=True, help="the PDF file to write")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "review":
            self.review(options)
            return
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

    def review(self, options: dict[str, Any]) -> None:
        brand = Brand._base_manager.filter(slug=options["brand"]).first()
        if brand is None:
            raise CommandError(f"no brand {options['brand']}")
        day, kind = _period_option(options)
        started = time.monotonic()
        try:
            with brand_scope(brand):
                pdf = review_pdf(brand, day, language=options["language"], kind=kind)
        except ServiceError as error:
            raise CommandError(str(error)) from error
        output = Path(options["output"])
        output.write_bytes(pdf)
        self.stdout.write(f"{output}: {len(pdf):,} bytes in {time.monotonic() - started:.1f} s")


def _period_option(options: dict[str, Any]) -> tuple[date, Kind | None]:
    """The day the review's period holds, and its kind (None: the brand's policy's)."""
    try:
        if options["month"]:
            year, month = _numbers(r"(\d{4})-(\d{1,2})", options["month"])
            return date(year, month, 1), "monthly"
        if options["week"]:
            year, week = _numbers(r"(\d{4})-?[Ww](\d{1,2})", options["week"])
            return date.fromisocalendar(year, week, 1), "weekly"
        if options["quarter"]:
            year, quarter = _numbers(r"(\d{4})-?[Qq]([1-4])", options["quarter"])
            return date(year, 3 * quarter - 2, 1), "quarterly"
        return date.fromisoformat(options["period"]), None
    except ValueError as error:
        raise CommandError(
            "the period: --month YYYY-MM, --week YYYY-Www, --quarter YYYY-Qn or "
            f"--period YYYY-MM-DD ({error})"
        ) from error


def _numbers(pattern: str, text: str) -> tuple[int, int]:
    found = re.fullmatch(pattern, text.strip())
    if not found:
        raise ValueError(f"not understood: {text!r}")
    return int(found[1]), int(found[2])


def _bar(done: int, total: int) -> None:
    width = 40
    share = done / total if total else 1.0
    filled = int(width * min(share, 1.0))
    sys.stderr.write(f"\r[{'#' * filled}{'.' * (width - filled)}] {done}/{total} events")
    sys.stderr.flush()
