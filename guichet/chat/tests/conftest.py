"""What the chat tests share: Jamla24 (its policy offers live chat) with agents at each
level, a visitor, and a chat started by them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from guichet.accounts.models import Role, User
from guichet.brands.models import Brand
from guichet.chat import services
from guichet.chat.models import ChatSession
from guichet.conftest import make_staff, publish_preset
from guichet.lib import clock


@dataclass
class ChatWorld:
    brand: Brand
    other: Brand
    agent: User
    agent2: User
    investigator: User
    outsider: User
    clock: clock.FrozenClock

    def visitor(self, key: str = "a" * 32, language: str = "fr") -> services.Visitor:
        return services.Visitor(brand=self.brand, key=key, language=language)

    def start(
        self,
        text: str = "Bonjour, ma commande n'est pas arrivée.",
        *,
        key: str = "a" * 32,
        email: str = "yasmine@exemple.ma",
        client_id: str = "first",
    ) -> ChatSession:
        session = services.chat_start(
            visitor=self.visitor(key),
            intro=services.Intro(
                name="Yasmine Benali", email=email, topic="", text=text, consent=True
            ),
            client_id=client_id,
        )
        assert session is not None
        return session

    def present(self, *agents: User) -> None:
        for agent in agents:
            services.presence_seen(agent)


@pytest.fixture
def chat(db: Any, frozen_clock: clock.FrozenClock) -> ChatWorld:
    brand = publish_preset("jamla24")
    other = publish_preset("ivoire-toner")
    return ChatWorld(
        brand=brand,
        other=other,
        agent=make_staff(brand, "karim", Role.AGENT, teams=["customer-service"]),
        agent2=make_staff(brand, "nadia", Role.AGENT, teams=["customer-service"]),
        investigator=make_staff(brand, "omar", Role.INVESTIGATOR, teams=["problem-resolution"]),
        outsider=make_staff(other, "awa", Role.AGENT),
        clock=frozen_clock,
    )
