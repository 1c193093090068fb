"""The Respect preset (the small company's conduct policy) with its staff and a customer."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from guichet.accounts.models import Role, User
from guichet.brands.models import Brand
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, make_staff, publish_preset
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_for_email
from guichet.intake.email import ingest
from guichet.intake.models import InboundEmail, InboundSource
from guichet.intake.tests.test_ingest import mail
from guichet.lib import clock

RESPECT = "contact@respect.example"


@dataclass
class Respect:
    brand: Brand
    agent: User
    agent2: User
    lead: User
    manager: User
    director: User
    customer: Contact
    outsider: User
    count: int = 0

    def republish(self, old: str, new: str) -> None:
        """Publish Respect's policy with one line changed (as an administrator would)."""
        text = (PRESETS / "respect.toml").read_text(encoding="utf-8")
        assert old in text
        policy_publish(text=text.replace(old, new), source="test")
        self.brand.refresh_from_db()

    def email(self, body: str, *, subject: str = "Ma commande", reply_to: str = "") -> InboundEmail:
        """An email from the customer (a reply to `reply_to`'s reference when given)."""
        self.count += 1
        return ingest.ingest(
            mail(
                sender="Paul Martin <paul@exemple.fr>",
                to=RESPECT,
                subject=f"Re: [{reply_to}] {subject}" if reply_to else subject,
                body=body,
                message_id=f"<respect{self.count}@exemple.fr>",
            ),
            source=InboundSource.FILE,
        )


@pytest.fixture
def respect(db: Any, frozen_clock: clock.FrozenClock) -> Respect:
    brand = publish_preset("respect")
    other = publish_preset("ej")
    return Respect(
        brand=brand,
        agent=make_staff(brand, "respect-agent", Role.AGENT, teams=["team"], last_name="Durand"),
        agent2=make_staff(brand, "respect-agent2", Role.AGENT, teams=["team"]),
        lead=make_staff(brand, "respect-lead", Role.TEAM_LEAD, teams=["team"]),
        manager=make_staff(brand, "respect-manager", Role.MANAGER, teams=["management"]),
        director=make_staff(brand, "respect-director", Role.DIRECTOR, teams=["management"]),
        customer=contact_for_email(brand=brand, email="paul@exemple.fr", name="Paul Martin"),
        outsider=make_staff(other, "outsider", Role.MANAGER),
    )
