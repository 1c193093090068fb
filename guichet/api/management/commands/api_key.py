"""guichet api-key create | list | revoke: the brands' API keys without a browser.

`create` prints the key on standard output, alone on its line, once (only its hash is
kept), and what it made on standard error, so `TOKEN=$(guichet api-key create …)` keeps
the key and shows the rest. Keys are made and revoked by the same services as in the
admin (`guichet.api.keys`); `--by USERNAME` records who made one, as the admin does."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from guichet.accounts.models import STAFF_ROLES, User
from guichet.api.keys import api_key_create, api_key_revoke
from guichet.api.models import DEFAULT_RATE_PER_MINUTE, ApiKey, Scope
from guichet.brands.models import Brand
from guichet.lib.errors import ServiceError
from guichet.lib.scoping import all_brands

ROLES = [str(role) for role in STAFF_ROLES]


class Command(BaseCommand):
    help = "Create, list and revoke API keys."
    # No system checks (the URLconf, every view and the API): `guichet check` does them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser(
            "create", help="Make a key for a brand and print it, once, on standard output."
        )
        create.add_argument("--brand", required=True, help="The brand's slug (e.g. ej).")
        create.add_argument("--name", required=True, help="What the key is for (e.g. Boutique).")
        create.add_argument(
            "--role",
            default="agent",
            help=f"What the key may do, as a member of the staff with this role: {', '.join(ROLES)} (default: agent).",
        )
        create.add_argument(
            "--scope",
            action="append",
            dest="scopes",
            required=True,
            help=f"{', '.join(Scope.values)}; repeat it or separate with commas (--scope read,write).",
        )
        create.add_argument(
            "--rate",
            type=int,
            default=DEFAULT_RATE_PER_MINUTE,
            help=f"Requests a minute (default: {DEFAULT_RATE_PER_MINUTE}).",
        )
        create.add_argument("--by", default="", help="Username recorded as the key's maker.")
        listing = sub.add_parser("list", help="Every key (never its secret), revoked ones too.")
        listing.add_argument("--brand", default="", help="Only this brand's keys.")
        revoke = sub.add_parser("revoke", help="Revoke a key for good.")
        revoke.add_argument("key", help="The key's id, or its prefix (gch_<prefix>_…).")

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"do_{action}")(**options)

    def do_create(
        self,
        brand: str,
        name: str,
        role: str,
        scopes: list[str],
        rate: int,
        by: str,
        **options: Any,
    ) -> None:
        found = _brand(brand)
        if role not in ROLES:
            raise CommandError(f"unknown role {role!r}: choose among {', '.join(ROLES)}")
        wanted = sorted({s.strip() for value in scopes for s in value.split(",") if s.strip()})
        unknown = [s for s in wanted if s not in Scope.values]
        if unknown or not wanted:
            raise CommandError(
                f"unknown scope {', '.join(map(repr, unknown)) or '(none)'}: "
                f"choose among {', '.join(Scope.values)}"
            )
        actor = None
        if by:
            actor = User.objects.filter(username=by, is_active=True).first()
            if actor is None:
                raise CommandError(f"no active user {by!r}")
        try:
            key, token = api_key_create(
                brand=found,
                name=name,
                scopes=wanted,
                role=role,
                rate_per_minute=rate,
                actor=actor,
            )
        except ServiceError as exc:
            raise CommandError(str(exc)) from None
        self.stderr.write(
            f"API key {key.pk} “{key.name}” for {found.slug}: role {key.role}, "
            f"scopes {', '.join(key.scopes)}, {key.rate_per_minute} requests a minute."
        )
        self.stdout.write(token)
        self.stderr.write(
            self.style.WARNING(
                "Copy the key now: it will not be shown again (only its hash is stored)."
            )
        )

    def do_list(self, brand: str, **options: Any) -> None:
        with all_brands():
            keys = ApiKey.objects.select_related("brand").order_by("brand__slug", "created_at")
            if brand:
                keys = keys.filter(brand=_brand(brand))
            rows = [
                [
                    str(key.pk),
                    f"gch_{key.prefix}_…",
                    key.name,
                    key.brand.slug,
                    key.role,
                    ",".join(key.scopes),
                    f"{key.rate_per_minute}/min",
                    _when(key.created_at),
                    _when(key.last_used_at),
                    _when(key.revoked_at),
                ]
                for key in keys
            ]
        if not rows:
            self.stdout.write("no API keys")
            return
        header = [
            "id",
            "prefix",
            "name",
            "brand",
            "role",
            "scopes",
            "rate",
            "created (UTC)",
            "last used",
            "revoked",
        ]
        widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
        for row in [header, *rows]:
            self.stdout.write(
                "  ".join(
                    cell.ljust(width) for cell, width in zip(row, widths, strict=True)
                ).rstrip()
            )

    def do_revoke(self, key: str, **options: Any) -> None:
        found = _key(key)
        if found.revoked_at is not None:
            self.stdout.write(
                f"API key {found.pk} (gch_{found.prefix}_…) was already revoked on {_when(found.revoked_at)}"
            )
            return
        api_key_revoke(key=found)
        self.stdout.write(
            f"API key {found.pk} (gch_{found.prefix}_…) of {found.brand.slug} revoked"
        )


def _brand(slug: str) -> Brand:
    found = Brand.objects.filter(slug=slug).first()
    if found is None:
        known = ", ".join(Brand.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(f"no brand {slug!r} (brands: {known or 'none'})")
    return found


def _key(given: str) -> ApiKey:
    """The key named by its prefix (as `list` shows it, or the whole key), or by its id."""
    prefix = given.strip()
    if prefix.startswith("gch_"):
        prefix = prefix.split("_")[1]
    with all_brands():
        keys = ApiKey.objects.select_related("brand")
        found = keys.filter(prefix=prefix).first() if prefix else None
        if found is None and given.strip().isdigit():
            found = keys.filter(pk=int(given.strip())).first()
    if found is None:
        raise CommandError(
            f"no API key {given!r} (give its id or its prefix: guichet api-key list)"
        )
    return found


def _when(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "—"
