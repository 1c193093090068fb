"""guichet sla sweep [--at MOMENT]: run the watcher as of a moment (operations, replays)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.lib import clock
from guichet.sla import absences, watcher


def moment(value: str) -> datetime:
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        raise CommandError(
            f"{value!r} is not an ISO 8601 moment such as 2026-11-23T10:00:00+01:00"
        ) from None
    if parsed.tzinfo is None:
        raise CommandError("give the moment with its offset, such as 2026-11-23T10:00:00+01:00")
    return parsed


class Command(BaseCommand):
    help = "The policy engine's watcher."
    # No system checks (the URLconf, every view and the API): `guichet check` does them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        sweep = sub.add_parser(
            "sweep", help="Act on every deadline due at a moment (default: now)."
        )
        sweep.add_argument("--at", type=moment, default=None)

    def handle(self, *args: Any, action: str, at: datetime | None = None, **options: Any) -> None:
        if at is None:
            counts = watcher.sweep()
            applied = absences.apply_due_absences()
        else:
            with clock.frozen(at):
                applied = absences.apply_due_absences()
                counts = watcher.sweep()
        summary = ", ".join(f"{k}: {v}" for k, v in sorted(counts.items())) or "nothing due"
        self.stdout.write(f"{summary}; absences applied: {applied}")
