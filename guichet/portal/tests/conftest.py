"""Fixtures of the portal's tests: a clean cache (rate limits), templates that fail on an
undefined variable, sign-in links emailed at once, and a signed-in customer."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import django.test
import pytest
from django.core.cache import cache
from django.template import engines

from guichet.brands.models import Brand
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, World
from guichet.contacts.models import Contact
from guichet.lib.scoping import brand_scope
from guichet.portal import services
from guichet.portal.models import SignInLink


class _Strict(str):
    """string_if_invalid that fails the test on any undefined variable."""

    def __contains__(self, key: object) -> bool:
        return key == "%s"

    def __mod__(self, name: object) -> str:
        raise AssertionError(f"undefined template variable: {name}")


@pytest.fixture(autouse=True)
def _portal_state(settings: Any) -> Iterator[None]:
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


@pytest.fixture
def browser() -> django.test.Client:
    """A visitor's browser (Django's client: no staff sign-in)."""
    return django.test.Client()


def publish_variant(slug: str, extra: str) -> Brand:
    """A preset with a few more lines (for instance a small [intake] limit)."""
    text = (Path(PRESETS) / f"{slug}.toml").read_text(encoding="utf-8") + "\n" + extra
    return policy_publish(text=text, source=f"test:{slug}").brand


def url(brand: Brand, name: str = "", **kwargs: Any) -> str:
    """The French (unprefixed) path of a portal page; prefix "/en" for English."""
    from django.urls import reverse
    from django.utils import translation

    with translation.override("fr"):
        return reverse(f"portal:{name or 'home'}", kwargs={"brand": brand.slug, **kwargs})


def new_link(brand: Brand, contact: Contact, *, next_path: str = "") -> str:
    """A sign-in link's secret for the contact (as the email would carry it)."""
    import secrets
    from datetime import timedelta

    from django.conf import settings

    from guichet.lib import clock

    token = secrets.token_urlsafe(32)
    now = clock.now()
    with brand_scope(brand):
        SignInLink.objects.create(
            brand=brand,
            contact=contact,
            address=contact.primary_email,
            token_hash=services.digest(token),
            next_path=next_path,
            created_at=now,
            expires_at=now + timedelta(minutes=settings.GUICHET_PORTAL_LINK_MINUTES),
        )
    return token


def sign_in(client: django.test.Client, brand: Brand, contact: Contact) -> None:
    token = new_link(brand, contact)
    response = client.post(url(brand, "signin_confirm"), {"token": token})
    assert response.status_code == 302, response.status_code


@pytest.fixture
def signed_in(browser: django.test.Client, world: World) -> django.test.Client:
    """The EJ customer of `world` signed in at EJ."""
    sign_in(browser, world.ej, world.customer)
    return browser
