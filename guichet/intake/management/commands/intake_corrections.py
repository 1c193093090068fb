"""guichet intake-corrections --export FILE [--brand B] [--since DATE]: the tickets whose
guessed contact type or category a person corrected, in the format of bench/intake/corpus.jsonl
(`CORRECTIONS=FILE make bench-intake` measures the reader on them).

A ticket counts when its opening event records the intake's guess (`data.guess`, written by
the email intake since issue 17) and a member of staff changed its contact type or category
afterwards (FIELD_CHANGED events). Its row holds the first customer message (email
addresses, phone numbers and the customer's name hidden), the ticket's language, the brand's
slug, and the values the person chose — the guess where they left a field alone. `--since`
keeps the tickets opened on or after that date (YYYY-MM-DD)."""

from __future__ import annotations

import json
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from guichet.brands.models import Brand
from guichet.lib.scoping import brand_scope
from guichet.tickets.choices import Verb
from guichet.tickets.masking import CustomerMask
from guichet.tickets.models import Event

FIELDS = ("contact_type", "category")


def corrections(brand: Brand, since: datetime | None = None) -> list[dict[str, Any]]:
    """The corrected tickets of a brand, each as a corpus row, oldest first."""
    rows = []
    with brand_scope(brand):
        openings = Event.objects.filter(verb=Verb.OPENED, data__has_key="guess")
        if since is not None:
            openings = openings.filter(at__gte=since)
        openings = openings.select_related("ticket", "ticket__contact", "message")
        opened = {event.ticket_id: event for event in openings.order_by("at", "pk")}
        changed: dict[int, dict[str, Any]] = {}
        fixes = Event.objects.filter(
            verb=Verb.FIELD_CHANGED,
            ticket_id__in=list(opened),
            actor_user__isnull=False,
            data__field__in=FIELDS,
        ).order_by("at", "pk")
        for fix in fixes:
            changed.setdefault(fix.ticket_id, {})[fix.data["field"]] = fix.data.get("to") or ""
        for ticket_id, event in opened.items():
            chosen = changed.get(ticket_id)
            if not chosen:
                continue
            guess = event.data["guess"]
            final = {name: chosen.get(name, guess.get(name, "")) for name in FIELDS}
            if all(final[name] == guess.get(name, "") for name in FIELDS):
                continue  # changed and changed back: the guess stood
            ticket = event.ticket
            mask = CustomerMask(ticket.contact)
            text = event.message.text if event.message is not None else ""
            fixed = ", ".join(
                f"{name} {guess.get(name) or '—'} → {final[name] or '—'}"
                for name in FIELDS
                if final[name] != guess.get(name, "")
            )
            rows.append(
                {
                    "text": mask(text),
                    "subject": mask(ticket.subject),
                    "lang": ticket.language,
                    "brand": brand.slug,
                    "contact_type": final["contact_type"],
                    "category": final["category"],
                    "note": f"{ticket.reference}: corrected {fixed}",
                    "guess": guess,
                }
            )
    return rows


class Command(BaseCommand):
    help = "Export the tickets whose guessed contact type or category staff corrected."
    requires_system_checks: list[str] = []

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--export", required=True, metavar="FILE", help="The file written.")
        parser.add_argument("--brand", help="One brand's slug (default: every brand).")
        parser.add_argument("--since", help="Tickets opened on or after this date (YYYY-MM-DD).")

    def handle(
        self, *args: Any, export: str, brand: str | None, since: str | None, **options: Any
    ) -> None:
        brands = list(Brand.objects.order_by("slug"))
        if brand:
            brands = [b for b in brands if b.slug == brand]
            if not brands:
                raise CommandError(f"no brand {brand!r}")
        start = None
        if since:
            try:
                day = date.fromisoformat(since)
            except ValueError as exc:
                raise CommandError(f"--since {since!r}: not a date (YYYY-MM-DD)") from exc
            start = timezone.make_aware(datetime.combine(day, time.min))
        rows = [row for each in brands for row in corrections(each, start)]
        path = Path(export)
        with path.open("w", encoding="utf-8") as out:
            for row in rows:
                out.write(json.dumps(row, ensure_ascii=False) + "\n")
        self.stdout.write(f"{len(rows)} corrected tickets written to {path}")
