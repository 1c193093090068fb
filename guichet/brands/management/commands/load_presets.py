"""guichet load-presets: create or update the five preset brands (idempotent), each with a
drawn logo while it has none of its own."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from guichet.brands.logos import SHAPES, drawn_logo
from guichet.brands.models import BrandLogo
from guichet.brands.services import brand_set_logo, policy_publish
from guichet.lib.scoping import brand_scope


def preset_files() -> list[Path]:
    return sorted(Path(settings.GUICHET_PRESETS_DIR).glob("*.toml"))


class Command(BaseCommand):
    help = "Create or update the preset brands from guichet/policies/presets/*.toml."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slugs", nargs="*", help="Only these presets (default: all).")

    def handle(self, *args: Any, slugs: list[str], **options: Any) -> None:
        for index, path in enumerate(preset_files()):
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
            brand = result.brand
            with brand_scope(brand):
                has_logo = BrandLogo.objects.filter(brand=brand).exists()
            if not has_logo:  # an uploaded logo is never replaced
                brand_set_logo(
                    brand=brand,
                    data=drawn_logo(brand.name, brand.colour, SHAPES[index % len(SHAPES)]),
                )
            self.stdout.write(f"{brand.slug}: {state} (policy v{result.version.number})")
