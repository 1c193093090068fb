"""Live chats as the chat server records them (docs/chat.md: the chat's events on its
ticket, through `ticket_record`), with a moved clock: what the chat figures' tests read.

Jamla24 (Africa/Casablanca), 10 November 2026 (UTC):

| chat | queued | then | |
|---|---|---|---|
| 101 | 09:00 | Amina takes it after 30 s, transfers it to Bilal at 09:05, Bilal ends it at 09:15, rated 5 (Bilal) | answered |
| 102 | 10:00 | Amina takes it after 120 s, the customer ends it at 10:10, rated 3 (Amina) | answered |
| 103 | 11:00 | the customer's tab closes at 11:04 (abandoned) | abandoned |
| 104 | 12:00 | the customer leaves after 20 s | abandoned |
| 105 | 13:00 | nobody writes for 30 min (idle) | ended unanswered |
| 106 | 14:00 | Bilal takes it after 60 s, still going on | answered |
| 107 | 15:00 | still waiting | |

and a message left through the widget at 20:00; one chat in October (108, answered); EJ
one chat on 12 November (201, answered by its agent, rated 1).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from guichet.accounts.models import Role, User
from guichet.brands.models import Brand
from guichet.conftest import World, make_staff
from guichet.contacts.services import contact_for_email
from guichet.lib.clock import FrozenClock
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM, Customer
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Ticket

NOVEMBER_10 = datetime(2026, 11, 10, tzinfo=UTC)


@dataclass
class Chats:
    amina: User
    bilal: User
    # The chat's ticket, by chat id.
    tickets: dict[int, Ticket] = field(default_factory=dict)
    left: Ticket | None = None


def chat_ticket(
    brand: Brand, n: int, at: datetime, frozen_clock: FrozenClock, category: str = ""
) -> Ticket:
    frozen_clock.set(at)
    contact = contact_for_email(
        brand=brand, email=f"visiteur{n}@exemple.ma", name=f"Visiteur {n}", language="fr"
    )
    return services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type="question",
        subject="Chat en direct",
        text="Bonjour, où en est ma commande ?",
        channel=Channel.CHAT,
        category=category or brand.get_policy().categories[0].key,
    )


class Recorder:
    """Records a chat's events at moments of the frozen clock."""

    def __init__(self, frozen_clock: FrozenClock) -> None:
        self.clock = frozen_clock

    def __call__(self, ticket: Ticket, at: datetime, actor: Any, verb: str, **data: Any) -> None:
        self.clock.set(at)
        services.ticket_record(ticket=ticket, actor=actor, verb=verb, data=data)

    def queued(self, ticket: Ticket, chat: int, at: datetime, level: int = 1) -> None:
        self(ticket, at, Customer(ticket.contact), Verb.CHAT_QUEUED, chat=chat, level=level)

    def accepted(self, ticket: Ticket, chat: int, at: datetime, agent: User, wait: int) -> None:
        self(ticket, at, agent, Verb.CHAT_ACCEPTED, chat=chat, agent=agent.pk, wait_s=wait)

    def ended(
        self,
        ticket: Ticket,
        chat: int,
        at: datetime,
        reason: str,
        *,
        agent: User | None = None,
        wait: int | None = None,
        length: int | None = None,
    ) -> None:
        actor: Any = agent if reason in ("agent", "abusive") and agent else None
        if actor is None:
            actor = Customer(ticket.contact) if reason in ("customer", "abandoned") else SYSTEM
        self(
            ticket,
            at,
            actor,
            Verb.CHAT_ENDED,
            chat=chat,
            reason=reason,
            answered=length is not None,
            wait_s=wait,
            agent=agent.pk if agent else None,
            length_s=length,
        )

    def rated(self, ticket: Ticket, chat: int, at: datetime, score: int, agent: User) -> None:
        self(
            ticket,
            at,
            Customer(ticket.contact),
            Verb.CHAT_RATED,
            chat=chat,
            score=score,
            agent=agent.pk,
        )


def jamla_chats(world: World, frozen_clock: FrozenClock) -> Chats:
    """The history in the module's docstring; the clock ends on 1 December 2026."""
    jamla = world.jamla
    found = Chats(
        amina=make_staff(jamla, "amina", Role.AGENT, last_name="Alaoui"),
        bilal=make_staff(jamla, "bilal", Role.AGENT, last_name="Bennani"),
    )
    amina, bilal = found.amina, found.bilal
    record = Recorder(frozen_clock)

    def hour(h: int, minutes: int = 0, seconds: int = 0) -> datetime:
        return NOVEMBER_10 + timedelta(hours=h, minutes=minutes, seconds=seconds)

    for chat, h in ((101, 9), (102, 10), (103, 11), (104, 12), (105, 13), (106, 14), (107, 15)):
        ticket = found.tickets[chat] = chat_ticket(jamla, chat, hour(h), frozen_clock)
        record.queued(ticket, chat, hour(h))
    t = found.tickets
    record.accepted(t[101], 101, hour(9, 0, 30), amina, 30)
    record(
        t[101],
        hour(9, 5),
        amina,
        Verb.CHAT_TRANSFERRED,
        chat=101,
        to=bilal.pk,
        level=None,
        **{"from": amina.pk},
    )
    record.ended(t[101], 101, hour(9, 15), "agent", agent=bilal, length=870)
    record.rated(t[101], 101, hour(9, 16), 5, bilal)
    record.accepted(t[102], 102, hour(10, 2), amina, 120)
    record.ended(t[102], 102, hour(10, 10), "customer", agent=amina, length=480)
    record.rated(t[102], 102, hour(10, 11), 3, amina)
    record.ended(t[103], 103, hour(11, 4), "abandoned", wait=240)
    record.ended(t[104], 104, hour(12, 0, 20), "customer", wait=20)
    record.ended(t[105], 105, hour(13, 30), "idle", wait=1800)
    record.accepted(t[106], 106, hour(14, 1), bilal, 60)

    found.left = chat_ticket(jamla, 199, hour(20), frozen_clock)
    record(found.left, hour(20), Customer(found.left.contact), Verb.CHAT_MESSAGE_LEFT)

    october = chat_ticket(jamla, 108, datetime(2026, 10, 20, 9, tzinfo=UTC), frozen_clock)
    record.queued(october, 108, datetime(2026, 10, 20, 9, tzinfo=UTC))
    record.accepted(october, 108, datetime(2026, 10, 20, 9, 1, tzinfo=UTC), amina, 60)

    ej_chat = chat_ticket(world.ej, 201, datetime(2026, 11, 12, 15, tzinfo=UTC), frozen_clock)
    record.queued(ej_chat, 201, datetime(2026, 11, 12, 15, tzinfo=UTC))
    record.accepted(ej_chat, 201, datetime(2026, 11, 12, 15, 5, tzinfo=UTC), world.agent, 300)
    record.rated(ej_chat, 201, datetime(2026, 11, 12, 15, 20, tzinfo=UTC), 1, world.agent)

    frozen_clock.set(datetime(2026, 12, 1, 12, tzinfo=UTC))
    return found
