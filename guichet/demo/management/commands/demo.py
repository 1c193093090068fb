"""guichet demo: add the demo people and about 300 tickets (once; --force adds more)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from guichet.demo.loader import DEMO_USERS_HELP, demo_present, load_demo


class Command(BaseCommand):
    help = "Add demo people and tickets to the preset brands (skipped when tickets exist)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--force", action="store_true", help="Add tickets even if some exist.")
        parser.add_argument("--seed", type=int, default=2026)
        parser.add_argument("--per-brand", type=int, default=60)
        parser.add_argument(
            "--no-sign-ins",
            action="store_true",
            help="Do not print the demo sign-ins (guichet up prints them with the address).",
        )

    def handle(
        self,
        *args: Any,
        force: bool,
        seed: int,
        per_brand: int,
        no_sign_ins: bool = False,
        **options: Any,
    ) -> None:
        if demo_present() and not force:
            self.stdout.write(
                "demo: tickets already present, nothing added (use --force to add more)"
            )
            return
        created = load_demo(seed=seed, per_brand=per_brand)
        for slug, count in created.items():
            self.stdout.write(f"demo: {slug}: {count} tickets")
        if not no_sign_ins:
            self.stdout.write(DEMO_USERS_HELP.format(password=settings.GUICHET_DEMO_PASSWORD))
