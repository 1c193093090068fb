"""The demo's live chats: three weeks of chats on each brand whose policy offers chat, played
through the chat's services as a visitor and an agent would have (started, taken after a
wait, a few lines, ended, often rated; some abandoned in the queue; a message left now and
then), so the ticket pages, the reports' chat figures and the transcripts have something
to show. Every chat has ended: the queue of a demo starts empty."""

from __future__ import annotations

import random
import secrets
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from guichet.accounts.models import User
from guichet.brands.models import Brand
from guichet.chat import services as chat
from guichet.contacts.models import Contact
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.policies.schema import Policy

DAYS = 21
CHATS_PER_DAY = 2

# (the visitor's first line, the agent's answer, the visitor's thanks), per language.
LINES = {
    "fr": [
        (
            "Bonjour, ma commande n'est toujours pas arrivée.",
            "Je regarde tout de suite : pouvez-vous me donner votre numéro de commande ?",
            "Merci beaucoup pour votre aide.",
        ),
        (
            "Bonjour, je n'arrive pas à me connecter à mon compte.",
            "Je vous envoie un lien pour choisir un nouveau mot de passe.",
            "C'est bon, ça marche. Merci !",
        ),
        (
            "J'ai été débité deux fois pour le même achat.",
            "Je vois les deux paiements : le second vous sera remboursé sous 5 jours.",
            "Parfait, merci.",
        ),
    ],
    "en": [
        (
            "Hello, my order still has not arrived.",
            "Let me check right away: could you give me your order number?",
            "Thank you very much for your help.",
        ),
        (
            "Hi, I cannot sign in to my account.",
            "I am sending you a link to choose a new password.",
            "It works now. Thanks!",
        ),
        (
            "I was charged twice for the same purchase.",
            "I can see both payments: the second will be refunded within 5 days.",
            "Great, thank you.",
        ),
    ],
}


def load_chats(
    rng: random.Random,
    brand: Brand,
    policy: Policy,
    people: dict[str, User],
    contacts: list[Contact],
    now: datetime,
    days: int = DAYS,
) -> int:
    """The brand's chats of the last `days` days, at its opening hours. Returns how many."""
    if policy.channel("chat") is None:
        return 0
    zone = ZoneInfo(brand.timezone)
    writers = [c for c in contacts if c.primary_email][:20]
    made = 0
    for days_ago in range(days, 0, -1):
        day = (now - timedelta(days=days_ago)).astimezone(zone).date()
        if day.weekday() >= 5:
            continue
        for _ in range(CHATS_PER_DAY):
            local = datetime(day.year, day.month, day.day, 10, tzinfo=zone) + timedelta(
                minutes=rng.randrange(7 * 60)
            )
            started = local.astimezone(ZoneInfo("UTC"))
            if chat.is_open(brand, started):
                _chat(rng, brand, people, rng.choice(writers), started)
                made += 1
    return made


def _chat(
    rng: random.Random, brand: Brand, people: dict[str, User], contact: Contact, at: datetime
) -> None:
    language = contact.language if contact.language in LINES else "fr"
    first, answer, thanks = rng.choice(LINES[language])
    visitor = chat.Visitor(brand=brand, key=secrets.token_hex(16), language=language)
    intro = chat.Intro(
        name=contact.name, email=contact.primary_email, topic="", text=first, consent=True
    )
    agent = people[rng.choice(["agent", "agent", "agent2"])]
    with clock.frozen(at) as frozen, brand_scope(brand):
        session = chat.chat_start(visitor=visitor, intro=intro)
        if session is None:
            return
        if rng.random() < 0.1:  # gone before anyone answered
            frozen.advance(timedelta(seconds=rng.randint(60, 240)))
            chat.chat_end(session_id=session.pk, brand=brand, visitor=visitor.key)
            return
        frozen.advance(timedelta(seconds=rng.randint(5, 180)))
        chat.chat_accept(session_id=session.pk, brand=brand, agent=agent)
        for n, (text, by_agent) in enumerate([(answer, True), (thanks, False)]):
            frozen.advance(timedelta(seconds=rng.randint(20, 120)))
            chat.chat_post(
                session_id=session.pk,
                brand=brand,
                text=text,
                client_id=f"demo-{n}",
                agent=agent if by_agent else None,
                visitor=None if by_agent else visitor.key,
            )
        frozen.advance(timedelta(seconds=rng.randint(10, 60)))
        try:
            chat.chat_end(session_id=session.pk, brand=brand, agent=agent, resolved=True)
        except InvalidRequest:  # a complaint closes with its outcome: it stays open
            chat.chat_end(session_id=session.pk, brand=brand, agent=agent)
        if rng.random() < 0.6:
            chat.chat_rate(
                session_id=session.pk,
                brand=brand,
                visitor=visitor.key,
                score=rng.choice([3, 4, 4, 5, 5, 5]),
            )
