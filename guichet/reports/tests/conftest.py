"""A small history the review tests read: EJ has two billing tickets in October, and three
in November (the world's billing complaint and two travel requests, one answered two hours
after it came); Jamla24 has five delivery tickets in November. The clock ends on 1
December 2026, noon UTC."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from guichet.brands.models import Brand
from guichet.conftest import World
from guichet.contacts.models import Contact
from guichet.lib import clock
from guichet.reports.tests.pdf import ensure_pdf_libraries
from guichet.tickets import services
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket

DECEMBER_1 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


@pytest.fixture(scope="session")
def pdf_libraries() -> None:
    ensure_pdf_libraries()


def open_ticket(
    frozen: clock.FrozenClock, brand: Brand, contact: Contact, category: str, at: datetime
) -> Ticket:
    frozen.set(at)
    return services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type="complaint",
        subject="Une demande",
        text="Bonjour, voici ma demande.",
        channel=Channel.EMAIL,
        category=category,
    )


@pytest.fixture
def history(world: World, frozen_clock: clock.FrozenClock) -> Iterator[World]:
    for day in (14, 15):
        open_ticket(
            frozen_clock,
            world.ej,
            world.customer,
            "billing",
            datetime(2026, 10, day, 15, tzinfo=UTC),
        )
    answered = open_ticket(
        frozen_clock, world.ej, world.customer, "travel", datetime(2026, 11, 10, 15, tzinfo=UTC)
    )
    open_ticket(
        frozen_clock, world.ej, world.customer, "travel", datetime(2026, 11, 10, 16, tzinfo=UTC)
    )
    frozen_clock.set(datetime(2026, 11, 10, 17, tzinfo=UTC))
    services.ticket_reply(ticket=answered, actor=world.agent, text="Nous regardons votre demande.")
    for hour in range(9, 14):
        open_ticket(
            frozen_clock,
            world.jamla,
            world.other_customer,
            "delivery",
            datetime(2026, 11, 12, hour, tzinfo=UTC),
        )
    frozen_clock.set(DECEMBER_1)
    yield world
