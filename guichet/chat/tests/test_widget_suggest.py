"""GET /chat/<brand>/suggest: the help centre's articles the widget's form suggests as the
visitor types — the brand's public published articles in the widget's language only,
each opening as suggested by the chat, readable across the sites the brand allows."""

from __future__ import annotations

from typing import Any

import django.test
import pytest
from django.test import override_settings
from django.urls import reverse

from guichet.chat.models import ChatWidget
from guichet.conftest import World
from guichet.knowledge import services
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.help_fixtures import make_jamla_manager, published

pytestmark = pytest.mark.django_db
SITE = "https://help.example.org"


@pytest.fixture
def articles(world: World) -> Any:
    manager = make_jamla_manager(world)
    with brand_scope(world.jamla):
        section = services.section_save(
            brand=world.jamla, actor=manager, key="litiges", title={"fr": "Litiges"}
        )
    french = published(
        world.jamla,
        manager,
        section,
        title="Puis-je contacter directement le vendeur ?",
        body="Demandez les coordonnées du vendeur depuis votre demande.",
    )
    published(
        world.jamla,
        manager,
        section,
        visibility="internal",
        title="Vendeur : procédure interne",
        body="Réservé aux agents.",
    )
    return french


def ask(query: str, *, language: str = "fr", origin: str | None = None) -> Any:
    headers = {"Origin": origin} if origin else {}
    with override_settings(SITE_URL=SITE):
        return django.test.Client().get(
            reverse("chat:suggest", kwargs={"brand": "jamla24"}),
            {"q": query, "language": language},
            headers=headers,
        )


def test_the_widget_is_told_where_to_ask(world: World) -> None:
    with override_settings(SITE_URL=SITE):
        script = django.test.Client().get(reverse("chat:widget", kwargs={"brand": "jamla24"}))
    assert f'"suggest":"{SITE}/chat/jamla24/suggest"' in script.content.decode()


def test_public_articles_are_suggested_with_their_address(world: World, articles: Any) -> None:
    response = ask("vendeur")
    assert response.status_code == 200
    assert response.json() == {
        "articles": [
            {
                "title": "Puis-je contacter directement le vendeur ?",
                "url": f"{SITE}/b/jamla24/help/a/{articles.pk}-{articles.slug}?from=chat",
            }
        ]
    }
    assert ask("vendeur", language="en").json() == {"articles": []}
    assert ask("").json() == {"articles": []}


def test_only_the_sites_the_brand_allows_read_them(world: World, articles: Any) -> None:
    with brand_scope(world.jamla):
        ChatWidget.objects.create(
            brand=world.jamla, allowed_origins="https://www.jamla24.ma", updated_at=clock.now()
        )
    allowed = ask("vendeur", origin="https://www.jamla24.ma")
    assert allowed["Access-Control-Allow-Origin"] == "https://www.jamla24.ma"
    assert len(allowed.json()["articles"]) == 1
    refused = ask("vendeur", origin="https://evil.example")
    assert "Access-Control-Allow-Origin" not in refused
    assert refused.json() == {"articles": []}


def test_a_brand_without_chat_has_no_suggestions(world: World) -> None:
    with override_settings(SITE_URL=SITE):
        response = django.test.Client().get(reverse("chat:suggest", kwargs={"brand": "ej"}))
    assert response.status_code == 404
