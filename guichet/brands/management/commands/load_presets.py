"""guichet load-presets: create or update the five preset brands (idempotent)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from guichet.brands.services import policy_publish


def preset_files() -> list[Path]:
    return sorted(Path(settings.GUICHET_PRESETS_DIR).glob("*.toml"))


class Command(BaseCommand):
    help = "Create or update the preset brands from guichet/policies/presets/*.toml."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Only these presets (default: all).")

    def handle(self, *args: Any, slugs: list[str], **options: Any) -> None:
        for path in preset_files():
            if slugs and path.stem not in slugs:
                continue
            result = policy_publish(
                text=path.read_text(encoding="utf-8"), source=f"preset:{path.name}"
            )
            if result.created_brand:
                state = "created"
            elif result.changed:
                state = "updated"
            else:
                state = "unchanged"
            self.stdout.write(f"{result.brand.slug}: {state} (policy v{result.version.number})")
