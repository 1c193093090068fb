"""The hours page shows only what the brand has, worded in the reader's language: the
channels a customer can use, the time zone by its place, the postal address as each
language writes it, delays in words."""

from __future__ import annotations

import django.test
import pytest

from guichet.brands.models import Brand
from guichet.portal.tests.conftest import publish_variant, url

pytestmark = pytest.mark.django_db


def hours(browser: django.test.Client, brand: Brand, prefix: str = "") -> str:
    response = browser.get(prefix + url(brand, "hours"))
    assert response.status_code == 200
    return response.content.decode()


def headings(html: str) -> list[str]:
    import re

    return re.findall(r"<h3>([^<]*)</h3>", html)


def test_a_channel_the_policy_gives_no_way_to_use_has_no_heading(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    """Ivoire Toner's policy names a chat, SMS and notifications, with no address, number
    or link: a customer could do nothing with those headings. Its help centre is ours
    (/b/<brand>/help): shown, with its link."""
    html = hours(browser, presets["ivoire-toner"], "/en")
    assert headings(html) == ["Phone", "Email", "Social networks", "Help centre", "Contact form"]
    assert 'href="/en/b/ivoire-toner/help/"' in html
    for absent in ("Live chat", "SMS", "Notifications"):
        assert absent not in html
    french = hours(browser, presets["ivoire-toner"])
    assert "Chat en direct" not in french and 'href="/b/ivoire-toner/help/"' in french


def test_a_chat_with_a_link_is_shown_with_it(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    html = hours(browser, presets["jamla24"], "/en")
    assert "Live chat on our site" in html and 'href="https://www.jamla24.ma"' in html
    assert "Live chat" not in headings(hours(browser, presets["jive"], "/en"))


def test_the_time_zone_is_named_by_its_place_in_the_readers_language(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    english = hours(browser, presets["ivoire-toner"], "/en")
    french = hours(browser, presets["ivoire-toner"])
    assert "Africa/Abidjan" not in english + french
    assert "Time zone: Abidjan time (UTC)" in english
    assert "Fuseau horaire\u00a0: heure d’Abidjan (UTC)" in french
    assert "heure de Toronto (UTC−5)" in hours(browser, presets["jive"])


def test_the_postal_address_is_written_in_the_readers_language(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    french = hours(browser, presets["jive"])
    english = hours(browser, presets["jive"], "/en")
    assert "Service de traitement des plaintes" in french and "États-Unis" in french
    assert "United States" not in french
    assert "United States" in english and "États-Unis" not in english
    assert "GoTo<br>333 Summer Street" in english  # one line of the address a line


def test_one_address_for_every_language_is_still_accepted(
    browser: django.test.Client, db: None
) -> None:
    brand = publish_variant(
        "respect",
        '[[channels]]\nkind = "letter"\npostal_address = "1 rue de la Paix, 75002 Paris"\n',
    )
    assert "1 rue de la Paix" in hours(browser, brand, "/en")


def test_delays_are_written_in_words(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    english = hours(browser, presets["ivoire-toner"], "/en")
    assert "We aim to answer calls within 30 seconds." in english
    assert "We answer within 24 hours." in english
    assert "30 secondes" in hours(browser, presets["ivoire-toner"])


def test_social_networks_by_their_names(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    html = hours(browser, presets["ivoire-toner"], "/en")
    assert "Facebook, Instagram, X (Twitter), LinkedIn" in html
