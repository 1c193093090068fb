"""guichet policy check FILE… | show BRAND | diff BRAND FILE | publish FILE | simulate FILE

`check` prints OK per valid file and every error of an invalid one with its key path and
line, and exits non-zero if any file is invalid. `simulate` runs a file against made-up
traffic (guichet/sla/simulator/) and prints what it would keep of its promises; the same
options give the same output."""

from __future__ import annotations

import argparse
import difflib
import json
import time
from collections.abc import Callable
from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from guichet.brands.models import Brand
from guichet.brands.services import PolicyConflict, policy_publish
from guichet.lib.scoping import brand_scope
from guichet.policies.loader import PolicyInvalid, load_policy_file, parse_policy
from guichet.policies.models import PolicyVersion
from guichet.sla import simulator


class Command(BaseCommand):
    help = "Check, show, compare and publish policy files."
    # No system checks (the URLconf, every view and the API): `guichet check` does them.
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        check = sub.add_parser("check", help="Validate policy files.")
        check.add_argument("files", nargs="+")
        show = sub.add_parser("show", help="Print the policy in force for a brand.")
        show.add_argument("brand")
        show.add_argument(
            "--json", action="store_true", dest="as_json", help="The validated policy, as JSON."
        )
        show.add_argument("--version", type=int, help="An earlier version number.")
        diff = sub.add_parser("diff", help="Compare a file with the policy in force.")
        diff.add_argument("brand")
        diff.add_argument("file")
        publish = sub.add_parser("publish", help="Make a file the policy in force of its brand.")
        publish.add_argument("file")
        publish.add_argument("--note", default="")
        simulate = sub.add_parser(
            "simulate", help="Run a policy file against simulated traffic and print the results."
        )
        simulate.add_argument("file")
        simulate.add_argument("--days", type=_at_least(1), default=90, help="Default: 90.")
        simulate.add_argument(
            "--per-day", type=_at_least(0), default=200, help="Tickets a day on average (200)."
        )
        simulate.add_argument("--seed", type=int, default=1, help="Default: 1.")
        simulate.add_argument(
            "--start",
            type=_day,
            default=simulator.DEFAULT_START,
            help="First day, YYYY-MM-DD, from 00:00 in the brand's time zone (2026-01-05).",
        )

    def handle(self, *args: Any, action: str, **options: Any) -> None:
        getattr(self, f"do_{action}")(**options)

    def do_check(self, files: list[str], **options: Any) -> None:
        failed = 0
        for name in files:
            result = load_policy_file(name)
            if result.ok:
                self.stdout.write(f"{name}: OK")
            else:
                failed += 1
                for error in result.errors:
                    self.stdout.write(error.format(name))
        if failed:
            raise CommandError(f"{failed} of {len(files)} policy files are invalid", returncode=1)

    def _version(self, slug: str, number: int | None = None) -> PolicyVersion:
        brand = Brand.objects.filter(slug=slug).first()
        if brand is None:
            raise CommandError(f"no brand {slug!r}")
        with brand_scope(brand):
            if number is not None:
                version = PolicyVersion.objects.filter(number=number).first()
            elif brand.policy_id is not None:
                version = PolicyVersion.objects.filter(pk=brand.policy_id).first()
            else:
                version = None
        if version is None:
            raise CommandError(f"brand {slug!r} has no such policy version")
        return version

    def do_show(
        self, brand: str, as_json: bool = False, version: int | None = None, **options: Any
    ) -> None:
        found = self._version(brand, version)
        if as_json:
            self.stdout.write(_json(found))
        else:
            self.stdout.write(f"# {found} — published {found.created_at:%Y-%m-%d %H:%M} UTC")
            self.stdout.write(found.text, ending="" if found.text.endswith("\n") else "\n")

    def do_diff(self, brand: str, file: str, **options: Any) -> None:
        current = self._version(brand)
        result = load_policy_file(file)
        lines = difflib.unified_diff(
            current.text.splitlines(keepends=True),
            result.text.splitlines(keepends=True),
            fromfile=f"{brand} v{current.number}",
            tofile=file,
        )
        self.stdout.write("".join(lines) or "no difference\n", ending="")

    def do_publish(self, file: str, note: str, **options: Any) -> None:
        result = load_policy_file(file)
        try:
            published = policy_publish(text=result.text, source=file, note=note)
        except PolicyInvalid as exc:
            raise CommandError(str(exc)) from None
        except PolicyConflict as exc:
            raise CommandError(str(exc)) from None
        state = "published" if published.changed else "unchanged"
        self.stdout.write(f"{published.brand.slug}: {state} (v{published.version.number})")

    def do_simulate(
        self, file: str, days: int, per_day: int, seed: int, start: date, **options: Any
    ) -> None:
        result = load_policy_file(file)
        if not result.ok or result.policy is None:
            errors = "\n".join(error.format(file) for error in result.errors)
            raise CommandError(
                _("%(file)s is not a valid policy: nothing simulated.") % {"file": file}
                + "\n"
                + errors
            )
        began = time.perf_counter()
        try:
            simulated = simulator.simulate(
                result.policy, days=days, per_day=per_day, seed=seed, start=start
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(simulator.format_report(simulated), ending="")
        # Only on stderr, so that stdout is the same for the same options.
        self.stderr.write(
            _("%(tickets)s tickets simulated in %(seconds)s s")
            % {"tickets": simulated.tickets, "seconds": f"{time.perf_counter() - began:.1f}"}
        )


def _at_least(low: int) -> Callable[[str], int]:
    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        if number < low:
            raise argparse.ArgumentTypeError(f"{value} is less than {low}")
        return number

    return parse


def _day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a date such as 2026-01-05") from None


def _json(version: PolicyVersion) -> str:
    policy = version.brand.get_policy() if version.brand.policy_id == version.pk else None
    if policy is None:
        policy = parse_policy(version.text, published=True)
    return json.dumps(policy.model_dump(mode="json"), ensure_ascii=False, indent=2)
