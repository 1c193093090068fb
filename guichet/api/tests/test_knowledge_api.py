"""/api/v1/help (public) and /api/v1/articles (keys): the help centre read without a key,
written with one whose role the policy lets write and publish; another brand's key sees
nothing, an internal article is never public."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from guichet.accounts.models import Role
from guichet.api.tests.conftest import Caller
from guichet.knowledge import services
from guichet.knowledge.models import Article, Visibility
from guichet.lib.scoping import brand_scope


@pytest.fixture
def help_centre(world: Any) -> Any:
    """EJ: a section, a published public article and its English translation, a published
    internal one, a draft. Jamla24: a published article."""

    class Help:
        pass

    h = Help()
    with brand_scope(world.ej):
        h.section = services.section_save(
            brand=world.ej, actor=world.manager, key="livraison", title={"fr": "Livraison"}
        )
        h.public = _published(world.ej, world.manager, h.section, "Délais de livraison")
        h.english = services.article_create(
            brand=world.ej,
            actor=world.manager,
            section=h.section,
            language="en",
            title="Delivery times",
            body="Three working days.",
            original=h.public,
        )
        services.article_publish(article=h.english, actor=world.manager)
        h.internal = _published(
            world.ej,
            world.manager,
            h.section,
            "Livraison : procédure interne",
            visibility=Visibility.INTERNAL,
        )
        h.draft = services.article_create(
            brand=world.ej,
            actor=world.manager,
            section=h.section,
            language="fr",
            title="Livraison brouillon",
            body="Pas encore.",
        )
    with brand_scope(world.jamla):
        section = services.section_save(
            brand=world.jamla,
            actor=world.outsider_admin,
            key="livraison",
            title={"fr": "Livraison"},
        )
        h.theirs = _published(world.jamla, world.outsider_admin, section, "Livraison au Maroc")
    return h


def _published(brand: Any, actor: Any, section: Any, title: str, **extra: Any) -> Article:
    article = services.article_create(
        brand=brand,
        actor=actor,
        section=section,
        language="fr",
        title=title,
        body="Votre **colis** arrive sous trois jours ouvrés.",
        **extra,
    )
    services.article_publish(article=article, actor=actor)
    return article


def public() -> Caller:
    return Caller(Client(), None)


def ids(response: Any) -> list[int]:
    assert response.status_code == 200, response.content
    return [item["id"] for item in response.json()["items"]]


# --- public -------------------------------------------------------------------------------------


def test_the_public_reads_published_public_articles_without_a_key(help_centre: Any) -> None:
    h = help_centre
    assert ids(public().get("/api/v1/help/ej/articles")) == [h.public.pk]
    assert ids(public().get("/api/v1/help/ej/articles", {"language": "en"})) == [h.english.pk]
    response = public().get(f"/api/v1/help/ej/articles/{h.public.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["title"] == "Délais de livraison"
    assert "<strong>colis</strong>" in body["html"]
    assert body["translations"] == {"en": h.english.pk}
    sections = public().get("/api/v1/help/ej/sections").json()
    assert [s["key"] for s in sections] == ["livraison"]


def test_the_public_searches(help_centre: Any) -> None:
    h = help_centre
    found = public().get("/api/v1/help/ej/articles", {"q": "colis livr"})
    assert ids(found) == [h.public.pk]
    assert "colis" in found.json()["items"][0]["excerpt"]
    assert ids(public().get("/api/v1/help/ej/articles", {"q": "maroc"})) == []
    assert ids(public().get("/api/v1/help/ej/articles", {"q": "procédure interne"})) == []


def test_internal_drafts_and_other_brands_are_never_public(help_centre: Any) -> None:
    h = help_centre
    for article in (h.internal, h.draft, h.theirs):
        response = public().get(f"/api/v1/help/ej/articles/{article.pk}")
        assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert public().get("/api/v1/help/nobody/articles").status_code == 404
    assert public().get("/api/v1/help/ej/articles/999999").status_code == 404
    with brand_scope(h.public.brand_id):
        services.article_withdraw(article=h.public, actor=h.public.created_by)
    assert public().get(f"/api/v1/help/ej/articles/{h.public.pk}").status_code == 404


def test_the_public_documents_are_in_openapi(help_centre: Any) -> None:
    document = public().get("/api/v1/openapi.json").json()
    paths = document["paths"]
    assert "/api/v1/help/{brand}/articles" in paths
    assert "/api/v1/articles/{article_id}/publish" in paths
    assert paths["/api/v1/help/{brand}/articles"]["get"].get("security") in (None, [])


# --- with a key ---------------------------------------------------------------------------------


def test_a_writer_drafts_and_a_publisher_publishes(world: Any, help_centre: Any, api: Any) -> None:
    writer, publisher = api(role=Role.AGENT), api(role=Role.MANAGER)
    created = writer.post(
        "/api/v1/articles",
        {"section": "livraison", "language": "fr", "title": "Retours", "body": "Sous 14 jours."},
    )
    assert created.status_code == 201, created.content
    article = created.json()
    assert article["latest"]["state"] == "draft" and article["published"] is None
    url = f"/api/v1/articles/{article['id']}"
    assert writer.post(f"{url}/submit").json()["latest"]["state"] == "in_review"
    refused = writer.post(f"{url}/publish")
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    assert ids(public().get("/api/v1/help/ej/articles", {"q": "retours"})) == []
    published = publisher.post(f"{url}/publish", {"note": "OK"})
    assert published.status_code == 200 and published.json()["published"] == 1
    assert ids(public().get("/api/v1/help/ej/articles", {"q": "retours"})) == [article["id"]]
    edited = writer.patch(url, {"body": "Sous 30 jours."})
    assert edited.json()["latest"]["number"] == 2 and edited.json()["published"] == 1
    assert publisher.post(f"{url}/withdraw").json()["published"] is None
    assert ids(public().get("/api/v1/help/ej/articles", {"q": "retours"})) == []


def test_a_translation_is_created_with_its_original(world: Any, help_centre: Any, api: Any) -> None:
    h = help_centre
    with brand_scope(world.ej):
        services.article_edit(
            article=h.public, actor=world.manager, title="Délais", body="Deux jours."
        )
        services.article_publish(article=h.public, actor=world.manager)
    read = api().get(f"/api/v1/articles/{h.english.pk}").json()
    assert read["original"] == h.public.pk and read["stale"] is True


def test_a_read_only_key_only_reads(help_centre: Any, api: Any) -> None:
    reader = api(scopes=("read",), role=Role.MANAGER)
    assert reader.get(f"/api/v1/articles/{help_centre.draft.pk}").status_code == 200
    refused = reader.post(f"/api/v1/articles/{help_centre.draft.pk}/publish")
    assert refused.status_code == 403 and refused.json()["code"] == "read_only_key"


def test_the_staff_list_holds_drafts_and_internal_articles(help_centre: Any, api: Any) -> None:
    h = help_centre
    listed = ids(api().get("/api/v1/articles"))
    assert set(listed) == {h.public.pk, h.english.pk, h.internal.pk, h.draft.pk}


def test_another_brands_key_sees_nothing(world: Any, help_centre: Any, api: Any) -> None:
    h = help_centre
    theirs = api(brand=world.jamla, role=Role.ADMIN)
    assert ids(theirs.get("/api/v1/articles")) == [h.theirs.pk]
    for article in (h.public, h.internal, h.draft):
        for method, url in [
            ("get", f"/api/v1/articles/{article.pk}"),
            ("patch", f"/api/v1/articles/{article.pk}"),
            ("post", f"/api/v1/articles/{article.pk}/publish"),
            ("post", f"/api/v1/articles/{article.pk}/withdraw"),
        ]:
            response = (
                getattr(theirs, method)(url) if method == "get" else theirs.send(method, url, {})
            )
            assert response.status_code == 404, (method, url)
    # A translation of another brand's article, or into another brand's section.
    refused = theirs.post(
        "/api/v1/articles",
        {
            "section": "livraison",
            "language": "en",
            "title": "x",
            "body": "y",
            "original": h.public.pk,
        },
    )
    assert refused.status_code == 400 and refused.json()["code"] == "original"
    assert (
        theirs.post(
            "/api/v1/articles",
            {"brand": "ej", "section": "livraison", "language": "fr", "title": "x", "body": "y"},
        ).status_code
        == 404
    )
    with brand_scope(world.ej):
        assert Article.objects.filter(brand=world.ej).count() == 4


def test_writing_needs_a_key(help_centre: Any) -> None:
    response = public().post(
        "/api/v1/articles", {"section": "livraison", "language": "fr", "title": "x", "body": "y"}
    )
    assert response.status_code == 401
