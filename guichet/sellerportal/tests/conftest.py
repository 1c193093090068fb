"""Fixtures of the seller portal's tests: a clean cache (rate limits), templates that fail
on an undefined variable, sign-in links emailed at once; a dispute the seller was asked
about, and helpers to sign a seller (or a customer) in."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django.test
import pytest
from django.core.cache import cache
from django.template import engines
from django.urls import reverse
from django.utils import translation

from guichet.brands.models import Brand
from guichet.conftest import Market
from guichet.lib.scoping import brand_scope
from guichet.marketplace import signin
from guichet.marketplace.models import Seller, SellerPerson
from guichet.tickets import services
from guichet.tickets.models import Message


class _Strict(str):
    """string_if_invalid that fails the test on any undefined variable."""

    def __contains__(self, key: object) -> bool:
        return key == "%s"

    def __mod__(self, name: object) -> str:
        raise AssertionError(f"undefined template variable: {name}")


@pytest.fixture(autouse=True)
def _seller_portal_state(settings: Any) -> Iterator[None]:
    cache.clear()
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    engine: Any = engines["django"]
    previous = engine.engine.string_if_invalid
    engine.engine.string_if_invalid = _Strict()
    try:
        yield
    finally:
        engine.engine.string_if_invalid = previous
        cache.clear()


def url(brand: Brand, name: str = "home", *, language: str = "fr", **kwargs: Any) -> str:
    """A page of the brand's seller portal (French: unprefixed; English: /en/…)."""
    with translation.override(language):
        return reverse(f"sellerportal:{name}", kwargs={"brand": brand.slug, **kwargs})


def portal_url(brand: Brand, name: str, **kwargs: Any) -> str:
    """A page of the brand's customer portal, in French."""
    with translation.override("fr"):
        return reverse(f"portal:{name}", kwargs={"brand": brand.slug, **kwargs})


def sign_in(
    client: django.test.Client, seller: Seller, person: SellerPerson | None = None
) -> django.test.Client:
    """Sign `client` in for `seller` (as `person`) with a link, as the email would bring."""
    with brand_scope(seller.brand_id):
        brand = seller.brand
    _link, token = signin.link_create(seller=seller, person=person)
    response = client.post(url(brand, "signin", token=token))
    assert response.status_code == 302, response.status_code
    return client


def ask_seller(market: Market, text: str = "Bonjour, le client n'a rien reçu.") -> Message:
    """The agent writes to the dispute's seller, sharing the customer's first message."""
    with brand_scope(market.brand):
        first = market.ticket.messages.filter(direction="in", seller__isnull=True).earliest(
            "created_at", "pk"
        )
    return services.seller_contact(
        ticket=market.ticket, actor=market.agent, text=text, share=[first]
    )


@pytest.fixture
def asked(market: Market) -> Market:
    """The Jamla24 dispute after the agent asked the seller, sharing the customer's message."""
    ask_seller(market)
    return market


@pytest.fixture
def seller_client(asked: Market) -> django.test.Client:
    """A browser signed in as the seller's person."""
    return sign_in(django.test.Client(), asked.seller, asked.person)
