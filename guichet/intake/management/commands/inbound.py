"""guichet inbound stats [--brand B] | replay ID… | replay --quarantined [--brand B]"""

from __future__ import annotations

import json
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.brands.models import Brand
from guichet.intake.email import ingest
from guichet.intake.email.stats import inbound_stats
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib.scoping import all_brands


class Command(BaseCommand):
    help = "Inbound email: accounting and replays of quarantined messages."
    # No system checks (the URLconf, every view and the API): `guichet check` does them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        stats = sub.add_parser("stats", help="Counts by state, as JSON.")
        stats.add_argument("--brand")
        replay = sub.add_parser("replay", help="Process quarantined messages again.")
        replay.add_argument("ids", nargs="*", type=int)
        replay.add_argument("--quarantined", action="store_true", help="Every quarantined message.")
        replay.add_argument("--brand")

    def _brand(self, slug: str | None) -> Brand | None:
        if not slug:
            return None
        brand = Brand.objects.filter(slug=slug).first()
        if brand is None:
            raise CommandError(f"no brand {slug!r}")
        return brand

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        brand = self._brand(options.get("brand"))
        if action == "stats":
            self.stdout.write(json.dumps(inbound_stats(brand), ensure_ascii=False, indent=2))
            return
        ids = list(options["ids"])
        if options["quarantined"]:
            with all_brands():
                rows = InboundEmail.objects.filter(state=InboundState.QUARANTINED)
                if brand is not None:
                    rows = rows.filter(brand=brand)
                ids += list(rows.order_by("pk").values_list("pk", flat=True))
        if not ids:
            raise CommandError("give message ids or --quarantined")
        results: dict[str, int] = {}
        for inbound_id in ids:
            state = ingest.replay(inbound_id).state
            results[state] = results.get(state, 0) + 1
        self.stdout.write(json.dumps({"replayed": len(ids), "now": results}, indent=2))
