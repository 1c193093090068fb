"""Which sites may embed a brand's widget: Guichet's own site always, the others listed in
the brand's ChatWidget (guichet/chat/origins.py)."""

from __future__ import annotations

import pytest
from django.test import override_settings

from guichet.brands.models import Brand
from guichet.chat.models import ChatWidget
from guichet.chat.origins import (
    allowed_origins,
    normalise,
    origin_allowed,
    site_origin,
    widget_brand,
)
from guichet.conftest import World
from guichet.lib import clock


def listing(world: World, text: str, *, brand: Brand | None = None) -> ChatWidget:
    brand = brand or world.ej
    with world.scoped(brand):
        return ChatWidget.objects.create(brand=brand, allowed_origins=text, updated_at=clock.now())


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("https://www.example.com", "https://www.example.com"),
        ("HTTPS://WWW.Example.COM/", "https://www.example.com"),
        ("https://example.com:443", "https://example.com"),
        ("http://example.com:80", "http://example.com"),
        ("http://127.0.0.1:8000", "http://127.0.0.1:8000"),
        ("https://example.com:8443", "https://example.com:8443"),
        ("http://[::1]:8000", "http://[::1]:8000"),
        ("  https://example.com  ", "https://example.com"),
        ("null", None),
        ("", None),
        ("example.com", None),
        ("ftp://example.com", None),
        ("https://example.com/page", None),
        ("https://example.com?x=1", None),
        ("https://user@example.com", None),
        ("https://example.com:99999", None),
        ("javascript:alert(1)", None),
    ],
)
def test_normalise(given: str, expected: str | None) -> None:
    assert normalise(given) == expected


@override_settings(SITE_URL="https://help.example.org")
def test_site_origin_is_the_site_without_path() -> None:
    assert site_origin() == "https://help.example.org"


@override_settings(SITE_URL="http://127.0.0.1:8000")
def test_a_brand_without_a_widget_row_allows_only_the_site(world: World) -> None:
    assert origin_allowed(world.ej, "http://127.0.0.1:8000")
    assert origin_allowed(world.ej, "http://127.0.0.1:8000/")
    assert not origin_allowed(world.ej, "http://127.0.0.1:8001")
    assert not origin_allowed(world.ej, "https://www.ej.example")
    assert not origin_allowed(world.ej, None)
    assert not origin_allowed(world.ej, "")
    assert not origin_allowed(world.ej, "null")
    assert allowed_origins(world.ej) == ["http://127.0.0.1:8000"]


@override_settings(SITE_URL="https://help.example.org")
def test_the_listed_origins_are_allowed_whatever_their_spelling(world: World) -> None:
    listing(world, "https://www.ej.example/\nHTTPS://Shop.EJ.example:443\n\nhttp://localhost:3000")
    for origin in (
        "https://www.ej.example",
        "https://shop.ej.example",
        "http://localhost:3000",
        "https://help.example.org",
    ):
        assert origin_allowed(world.ej, origin), origin
    for origin in (
        "http://www.ej.example",  # another scheme is another site
        "https://ej.example",
        "https://www.ej.example.evil.com",
        "https://evil.com",
        "http://localhost:3001",
    ):
        assert not origin_allowed(world.ej, origin), origin
    assert allowed_origins(world.ej) == [
        "https://help.example.org",
        "https://www.ej.example",
        "https://shop.ej.example",
        "http://localhost:3000",
    ]


@override_settings(SITE_URL="https://help.example.org")
def test_one_brands_list_does_not_open_another_brand(world: World) -> None:
    listing(world, "https://www.ej.example")
    assert origin_allowed(world.ej, "https://www.ej.example")
    assert not origin_allowed(world.jamla, "https://www.ej.example")
    assert origin_allowed(world.jamla, "https://help.example.org")


@override_settings(SITE_URL="https://help.example.org")
def test_a_malformed_line_is_ignored(world: World) -> None:
    listing(world, "not-an-origin\nhttps://www.ej.example/some/page\nhttps://ok.example")
    assert allowed_origins(world.ej) == ["https://help.example.org", "https://ok.example"]
    assert not origin_allowed(world.ej, "not-an-origin")


def test_a_widget_runs_for_a_brand_that_offers_chat(world: World) -> None:
    # Jamla24's policy offers a chat; EJ's does not.
    assert widget_brand("jamla24") == world.jamla
    assert widget_brand("ej") is None
    assert widget_brand("nobody") is None


def test_a_widget_turned_off_or_an_inactive_brand_does_not_run(world: World) -> None:
    widget = listing(world, "", brand=world.jamla)
    assert widget_brand("jamla24") == world.jamla
    widget.is_enabled = False
    with world.scoped(world.jamla):
        widget.save()
    assert widget_brand("jamla24") is None
    widget.is_enabled = True
    with world.scoped(world.jamla):
        widget.save()
    world.jamla.is_active = False
    world.jamla.save()
    assert widget_brand("jamla24") is None
