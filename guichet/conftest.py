"""Fixtures shared by every app's tests.

`world` is the cast of most tests: two preset brands (EJ and Jamla24), staff of each
role in EJ, an outsider with the same roles in Jamla24, a customer of each brand and an
open EJ complaint. `market` is a Jamla24 dispute with its seller, a rival seller and a
seller of another brand (docs/marketplace.md). `assert_hidden_from_outsider` is the isolation check every view and
endpoint test uses. The rules of the whole run (a skipped test fails it; PostgreSQL-only
tests) are in the repository's root `conftest.py`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import django.test
import pytest
from django.conf import settings
from django.db import connection
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from guichet.accounts.access import needs_second_factor
from guichet.accounts.models import Membership, Role, User
from guichet.brands.models import Brand, Team
from guichet.brands.services import policy_publish
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_for_email
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller, SellerPerson
from guichet.policies.registry import forget_all
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket

PRESETS = Path(settings.GUICHET_PRESETS_DIR)
# A Monday morning in Jamaica (EJ's business hours), fixed so tests read the same every day.
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _fresh_state() -> Iterator[None]:
    # Rolled-back test transactions reuse primary keys; a cached policy must not outlive its
    # test. A request activates its language for the thread; the next test starts afresh.
    forget_all()
    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.deactivate()


class VerifiedClient(django.test.Client):
    """The test client whose force_login also gives the second factor the person owes
    (administrators, staff with an authenticator: guichet/accounts/access.py), as if they
    had typed a code, so tests of other features meet the sign-in rule without going
    through it. The sign-in tests (accounts/tests/test_signin*.py) use Django's own."""

    def force_login(self, user: Any, backend: str | None = None) -> None:
        super().force_login(user, backend)
        fresh = User.objects.get(pk=user.pk)  # the roles are cached on the user object
        if needs_second_factor(fresh):
            device = TOTPDevice.objects.filter(user=fresh, confirmed=True).first()
            device = device or TOTPDevice.objects.create(user=fresh, name="test", confirmed=True)
            session = self.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()


@pytest.fixture
def client() -> VerifiedClient:
    return VerifiedClient()


@pytest.fixture
def frozen_clock() -> Iterator[clock.FrozenClock]:
    with clock.frozen(T0) as frozen:
        yield frozen


def publish_preset(slug: str) -> Brand:
    text = (PRESETS / f"{slug}.toml").read_text(encoding="utf-8")
    return policy_publish(text=text, source=f"preset:{slug}.toml").brand


@pytest.fixture
def presets(db: Any) -> dict[str, Brand]:
    return {path.stem: publish_preset(path.stem) for path in sorted(PRESETS.glob("*.toml"))}


def make_staff(
    brand: Brand, username: str, role: str, *, teams: list[str] | None = None, **extra: Any
) -> User:
    user = User.objects.create_user(
        username=username, password="pw", first_name=username.title(), **extra
    )
    membership = Membership.objects.create(user=user, brand=brand, role=role)
    if teams:
        with brand_scope(brand):
            membership.teams.add(*Team.objects.filter(key__in=teams))
    return user


@dataclass
class World:
    ej: Brand
    jamla: Brand
    agent: User
    agent2: User
    lead: User
    investigator: User
    director: User
    manager: User
    admin: User
    outsider: User
    outsider_admin: User
    superuser: User
    customer: Contact
    other_customer: Contact
    ticket: Ticket

    def scoped(self, brand: Brand | None = None) -> Any:
        return brand_scope(brand or self.ej)


@pytest.fixture
def world(db: Any, frozen_clock: clock.FrozenClock) -> World:
    ej = publish_preset("ej")
    jamla = publish_preset("jamla24")
    customer = contact_for_email(
        brand=ej, email="helene@exemple.fr", name="Hélène Lefèvre", language="fr"
    )
    ticket = services.ticket_open(
        brand=ej,
        contact=customer,
        contact_type="complaint",
        subject="Facture en double",
        text="J'ai été débitée deux fois.",
        channel=Channel.EMAIL,
        category="billing",
    )
    return World(
        ej=ej,
        jamla=jamla,
        agent=make_staff(ej, "agent", Role.AGENT, teams=["front-line"]),
        agent2=make_staff(ej, "agent2", Role.AGENT, teams=["front-line"]),
        lead=make_staff(ej, "lead", Role.TEAM_LEAD, teams=["front-line"]),
        investigator=make_staff(ej, "investigator", Role.INVESTIGATOR, teams=["gallery"]),
        director=make_staff(ej, "director", Role.DIRECTOR, teams=["direction"]),
        manager=make_staff(ej, "manager", Role.MANAGER, is_staff=True),
        admin=make_staff(ej, "ejadmin", Role.ADMIN, is_staff=True),
        outsider=make_staff(jamla, "outsider", Role.AGENT),
        outsider_admin=make_staff(jamla, "outsideradmin", Role.ADMIN, is_staff=True),
        superuser=User.objects.create_superuser(username="root", password="pw"),
        customer=customer,
        other_customer=contact_for_email(
            brand=jamla, email="salma@exemple.ma", name="Salma Alaoui"
        ),
        ticket=ticket,
    )


@dataclass
class Market:
    """A Jamla24 dispute: the marketplace, its staff, a seller with one person who may sign
    in, a rival seller (who must never see the dispute), and the customer's ticket naming
    the seller. `other_brand` is EJ, with a seller of its own."""

    brand: Brand
    agent: User
    manager: User
    seller: Seller
    person: SellerPerson
    rival: Seller
    rival_person: SellerPerson
    customer: Contact
    ticket: Ticket
    other_brand: Brand
    other_seller: Seller


def make_seller(brand: Brand, name: str, email: str, *, person: str = "") -> Seller:
    with brand_scope(brand):
        seller = Seller.objects.create(
            brand=brand,
            name=name,
            legal_name=f"{name} SARL",
            email=email,
            phone="+212 5 22 00 00 00",
            address="12 rue des Vendeurs, Casablanca",
            created_at=clock.now(),
        )
        if person:
            SellerPerson.objects.create(
                brand=brand,
                seller=seller,
                name=person,
                email=f"{person.lower()}@{email.split('@')[1]}",
                created_at=clock.now(),
            )
    return seller


@pytest.fixture
def market(db: Any, frozen_clock: clock.FrozenClock) -> Market:
    jamla = publish_preset("jamla24")
    ej = publish_preset("ej")
    seller = make_seller(jamla, "Atlas Électroménager", "contact@atlas.example", person="Youssef")
    rival = make_seller(jamla, "Souk Mode", "vendeur@souk.example", person="Nadia")
    customer = contact_for_email(
        brand=jamla, email="salma@exemple.ma", name="Salma Alaoui", language="fr"
    )
    ticket = services.ticket_open(
        brand=jamla,
        contact=customer,
        contact_type="dispute",
        subject="Lave-linge jamais livré",
        text="Commande JM-889 payée il y a dix jours, rien reçu. Mon adresse : 4 rue Ibn Sina, 0612345678.",
        channel=Channel.EMAIL,
        category="seller",
    )
    services.ticket_change(ticket=ticket, actor=SYSTEM, seller=seller)
    with brand_scope(jamla):
        person = seller.people.get()
        rival_person = rival.people.get()
    return Market(
        brand=jamla,
        agent=make_staff(jamla, "jagent", Role.AGENT, teams=["customer-service"]),
        manager=make_staff(jamla, "jmanager", Role.MANAGER, is_staff=True),
        seller=seller,
        person=person,
        rival=rival,
        rival_person=rival_person,
        customer=customer,
        ticket=ticket,
        other_brand=ej,
        other_seller=make_seller(ej, "Kingston Crafts", "shop@kingston.example", person="Marlon"),
    )


def assert_hidden_from_outsider(
    client: Any, outsider: User, url: str, method: str = "get", **data: Any
) -> None:
    """An outsider from another brand gets exactly what a missing object gives: 404."""
    client.force_login(outsider)
    response = getattr(client, method)(url, data or None)
    assert response.status_code == 404, (
        f"{method.upper()} {url} gave {response.status_code} to an outsider"
    )
    client.logout()


def database_url() -> str:
    """DATABASE_URL of the test database, for a command run in a separate process."""
    from urllib.parse import quote

    settings_dict = connection.settings_dict
    if connection.vendor == "sqlite":
        return f"sqlite:///{settings_dict['NAME']}"
    password = f":{quote(settings_dict['PASSWORD'])}" if settings_dict.get("PASSWORD") else ""
    return (
        f"postgres://{quote(settings_dict['USER'] or '')}{password}@{settings_dict['HOST'] or '127.0.0.1'}"
        f":{settings_dict['PORT'] or 5432}/{settings_dict['NAME']}"
    )


BOOKKEEPING = {"deadline_set", "deadline_met", "deadline_cancelled"}


def story(ticket: Ticket) -> list[tuple[str, Any]]:
    """The ticket's events as a person tells them: (verb, actor user id), without the
    policy engine's bookkeeping of deadlines and without automatic letters."""
    with brand_scope(ticket.brand_id):
        events = ticket.events.exclude(verb__in=BOOKKEEPING).order_by("at", "pk")
        return [
            (e.verb, e.actor_user_id)
            for e in events
            if not (e.verb == "replied" and e.data.get("automatic"))
        ]


def last(ticket: Ticket, verb: str) -> Any:
    """The latest event of `verb` on the ticket."""
    with brand_scope(ticket.brand_id):
        return ticket.events.filter(verb=verb).order_by("at", "pk").last()


@pytest.fixture(autouse=True)
def _fresh_addresses() -> None:
    # Brand addresses are cached for a few seconds; each test starts with its own brands.
    from guichet.intake.email.ingest import forget_addresses

    forget_addresses()


@pytest.fixture(autouse=True)
def _fresh_caches() -> None:
    # Teams and letter templates are cached per process, counts per view and rate limits in
    # Django's cache; each test starts with its own (primary keys come back after a rollback).
    from django.core.cache import cache

    from guichet.lib.ttlcache import clear_all

    clear_all()
    cache.clear()
