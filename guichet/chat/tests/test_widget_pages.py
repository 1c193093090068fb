"""The pages around the widget: the preview page staff try it on, the brand's hours page on
the portal (its chat channel opens the widget), and the page's Content-Security-Policy
that lets the widget reach the websockets."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from guichet.conftest import World, assert_hidden_from_outsider

pytestmark = pytest.mark.django_db


def preview_url(slug: str = "jamla24") -> str:
    return reverse("chat:preview", kwargs={"brand": slug})


def test_the_preview_is_for_the_brands_staff(client: Any, world: World) -> None:
    anonymous = client.get(preview_url())
    assert anonymous.status_code == 302 and "/desk/account/" in anonymous["Location"]
    # An EJ agent sees nothing of Jamla24, as if the brand did not exist.
    assert_hidden_from_outsider(client, world.agent, preview_url())
    client.force_login(world.outsider)  # an agent of Jamla24
    page = client.get(preview_url())
    assert page.status_code == 200
    assert page["Cache-Control"] == "private, no-store"
    html = page.content.decode()
    assert "<title>Aperçu du chat · Jamla24</title>" in html
    assert '<html lang="fr">' in html
    assert '<script src="/chat/jamla24/widget.js" data-lang="fr" async></script>' in html
    assert "data-guichet-chat-open" in html
    # The tag to paste names the site's public address.
    assert f"{settings.SITE_URL}/chat/jamla24/widget.js" in html
    assert client.get(preview_url("nobody")).status_code == 404


def test_the_preview_in_english_and_for_a_brand_without_chat(client: Any, world: World) -> None:
    client.force_login(world.superuser)
    english = client.get(preview_url() + "?lang=en").content.decode()
    assert '<html lang="en">' in english and "<title>Chat preview · Jamla24</title>" in english
    assert 'data-lang="en"' in english
    # EJ's policy offers no chat: the page says so and loads no script.
    ej = client.get(preview_url("ej")).content.decode()
    assert "Le widget ne fonctionne pas pour cette marque" in ej
    assert "widget.js" in ej and "<script" not in ej


def test_the_hours_page_opens_the_chat_where_the_brand_offers_one(
    client: Any, world: World
) -> None:
    html = client.get(reverse("portal:hours", kwargs={"brand": "jamla24"})).content.decode()
    # Hidden until the widget's script runs and shows it (none when it does not run).
    assert (
        '<button type="button" data-guichet-chat-open hidden>Discuter maintenant</button>' in html
    )
    assert '<script src="/chat/jamla24/widget.js" data-lang="fr" async></script>' in html
    english = client.get("/en" + reverse("portal:hours", kwargs={"brand": "jamla24"}))
    assert 'data-lang="en"' in english.content.decode()
    ej = client.get(reverse("portal:hours", kwargs={"brand": "ej"})).content.decode()
    assert "data-guichet-chat-open" not in ej and "widget.js" not in ej


def test_the_pages_may_reach_the_chats_websockets(client: Any, world: World) -> None:
    page = client.get(reverse("portal:hours", kwargs={"brand": "jamla24"}))
    policy = page["Content-Security-Policy"]
    socket = settings.SITE_URL.replace("http", "ws", 1)
    assert f"connect-src 'self' {socket}" in policy
