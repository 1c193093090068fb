"""The public help centre: pages in both languages, only the brand's published public
articles, proper titles, canonical links, hreflang and a sitemap, "was this helpful?"
once per browser, images served by the rules, few queries."""

from __future__ import annotations

import re
from typing import Any
from xml.etree import ElementTree

import django.test
import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage

from guichet.conftest import World
from guichet.knowledge.models import Article, ArticleDay, ArticleImage
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import url
from guichet.portal.tests.help_fixtures import Help, make_help, published

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00"
    b"\x00\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N"
    b"\x00\x00\x00\x00IEND\xaeB`\x82"
)


@pytest.fixture
def help_(world: World) -> Help:
    return make_help(world)


def image_url(brand: Any, pk: int, name: str) -> str:
    from django.urls import reverse
    from django.utils import translation

    with translation.override("fr"):
        return reverse("portal:help_image", kwargs={"brand": brand.slug, "pk": pk, "name": name})


def article_url(article: Article, english: bool = False) -> str:
    path = url(article.brand, "help_article", pk=article.pk, slug=article.slug)
    return "/en" + path if english else path


def test_the_home_shows_the_sections_and_articles_in_each_language(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    french = browser.get(url(world.ej, "help")).content.decode()
    assert "<title>Centre d’aide · " in french
    assert "Livraison" in french and "Quand arrive ma commande ?" in french
    assert "Procédure interne" not in french and "Brouillon" not in french
    assert "Jamla24" not in french
    assert 'name="robots"' not in french  # meant to be indexed
    english = browser.get("/en" + url(world.ej, "help")).content.decode()
    assert "<title>Help centre · " in english
    assert "Delivery" in english and "When does my order arrive?" in english
    assert "Quand arrive" not in english
    assert f'<link rel="canonical" href="http://testserver/en/b/{world.ej.slug}/help/">' in english
    assert f'hreflang="fr" href="http://testserver/b/{world.ej.slug}/help/"' in english


def test_the_most_read_articles_come_first(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    assert "Les plus lus" not in browser.get(url(world.ej, "help")).content.decode()
    browser.get(article_url(help_.article))
    html = browser.get(url(world.ej, "help")).content.decode()
    assert re.search(r"Les plus lus</h2>\s*<ul[^>]*><li><a href=\"[^\"]+\">Quand arrive", html)


def test_an_article_page_has_its_title_canonical_link_and_translation(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    response = browser.get(article_url(help_.article))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<title>Quand arrive ma commande ? · Centre d’aide · " in html
    assert "<strong>trois jours ouvrés</strong>" in html
    assert "<h3>Suivi</h3>" in html  # the page's h1 is the title; its h2 the vote
    canonical = f"http://testserver{article_url(help_.article)}"
    assert f'<link rel="canonical" href="{canonical}">' in html
    english = f"http://testserver{article_url(help_.english, english=True)}"
    assert f'<link rel="alternate" hreflang="en" href="{english}">' in html
    assert f'<link rel="alternate" hreflang="fr" href="{canonical}">' in html
    # The language switch goes to the translation, not to a redirect.
    assert f'href="{article_url(help_.english, english=True)}" hreflang="en"' in html
    with brand_scope(world.ej):
        help_.article.refresh_from_db()
        assert help_.article.views == 1
        assert ArticleDay.objects.get(article=help_.article).views == 1


def test_an_old_slug_or_the_wrong_language_redirects_to_the_one_address(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    path = url(world.ej, "help_article", pk=help_.article.pk, slug="ancien-titre")
    response = browser.get(path)
    assert response.status_code == 301 and response["Location"] == article_url(help_.article)
    response = browser.get("/en" + article_url(help_.article))
    assert response.status_code == 301 and response["Location"] == article_url(help_.article)


@pytest.mark.parametrize("which", ["other", "internal", "draft"])
def test_another_brands_internal_or_unpublished_articles_are_not_found(
    browser: django.test.Client, world: World, help_: Help, which: str
) -> None:
    article = getattr(help_, which)
    path = url(world.ej, "help_article", pk=article.pk, slug=article.slug)
    assert browser.get(path).status_code == 404
    assert browser.get("/en" + path).status_code == 404
    vote = url(world.ej, "help_vote", pk=article.pk)
    assert browser.post(vote, {"helpful": "yes"}).status_code == 404
    search = browser.get(url(world.ej, "help_search"), {"q": "commande"}).content.decode()
    assert "Quand arrive ma commande ?" in search
    assert "Procédure interne" not in search and "Brouillon" not in search
    assert "Jamla24" not in search


def test_an_ej_article_is_not_found_under_jamla24(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    path = url(world.jamla, "help_article", pk=help_.article.pk, slug=help_.article.slug)
    assert browser.get(path).status_code == 404
    html = browser.get(url(world.jamla, "help")).content.decode()
    assert "Délai de livraison de la commande Jamla24" in html
    assert "Quand arrive" not in html


def test_a_section_page_lists_its_public_articles(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    html = browser.get(url(world.ej, "help_section", key="livraison")).content.decode()
    assert "<h1>Livraison</h1>" in html and "Quand arrive ma commande ?" in html
    assert "Procédure interne" not in html
    assert browser.get(url(world.ej, "help_section", key="nothing")).status_code == 404


def test_the_search_page_answers_in_its_language(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    html = browser.get("/en" + url(world.ej, "help_search"), {"q": "order"}).content.decode()
    assert "When does my order arrive?" in html and "1 article found" in html
    assert 'name="robots" content="noindex"' in html  # result pages are not indexed
    empty = browser.get(url(world.ej, "help_search"), {"q": "parapluie"}).content.decode()
    assert "0 article trouvé" in empty or "0 articles trouvés" in empty


def test_a_browser_answers_was_this_helpful_once(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    vote = url(world.ej, "help_vote", pk=help_.article.pk)
    response = browser.post(vote, {"helpful": "yes"})
    assert response.status_code == 302
    assert response["Location"] == article_url(help_.article) + "#vote"
    browser.post(vote, {"helpful": "no"})
    with brand_scope(world.ej):
        help_.article.refresh_from_db()
        assert (help_.article.helpful, help_.article.unhelpful) == (1, 0)
    html = browser.get(article_url(help_.article)).content.decode()
    assert "Merci pour votre réponse." in html and 'name="helpful"' not in html
    other = django.test.Client()
    other.post(vote, {"helpful": "no"})
    with brand_scope(world.ej):
        help_.article.refresh_from_db()
        assert (help_.article.helpful, help_.article.unhelpful) == (1, 1)


def test_the_vote_needs_the_csrf_token(world: World, help_: Help) -> None:
    strict = django.test.Client(enforce_csrf_checks=True)
    vote = url(world.ej, "help_vote", pk=help_.article.pk)
    assert strict.post(vote, {"helpful": "yes"}).status_code == 403
    assert strict.get(vote).status_code == 405


def test_a_script_in_the_markdown_is_never_run(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    hostile = published(
        world.ej,
        world.manager,
        help_.section,
        title="Un <script>alert(1)</script> titre",
        body=(
            "<script>alert('x')</script>\n\n"
            "[cliquez](javascript:alert(1)) <img src=x onerror=alert(1)>\n\n"
            "![pisteur](https://tracker.example/pixel.png)"
        ),
    )
    html = browser.get(article_url(hostile)).content.decode()
    body = html.split('<div class="help-body">', 1)[1].split("</div>", 1)[0]
    assert "<script" not in body and "onerror" not in body.replace("onerror=alert(1)&gt;", "")
    assert 'href="javascript:' not in body and "tracker.example" not in body
    assert "<script>alert(1)</script>" not in html  # the title is escaped too
    assert "Un &lt;script&gt;alert(1)&lt;/script&gt; titre" in html


def test_the_sitemap_lists_every_public_article_with_its_alternates(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    response = browser.get(url(world.ej, "help_sitemap"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/xml")
    xml = response.content.decode()
    french = f"http://testserver{article_url(help_.article)}"
    english = f"http://testserver{article_url(help_.english, english=True)}"
    assert f"<loc>{french}</loc>" in xml and f"<loc>{english}</loc>" in xml
    assert xml.count(f'hreflang="en" href="{english}"') == 2  # under both of them
    assert f"<loc>http://testserver/en/b/{world.ej.slug}/help/</loc>" in xml
    for hidden in (help_.internal, help_.draft):
        assert f"/help/a/{hidden.pk}-" not in xml
    assert f"/help/a/{help_.other.pk}-" not in xml
    root = ElementTree.fromstring(response.content)  # noqa: S314 (our own answer: well formed)
    assert root.tag == "{http://www.sitemaps.org/schemas/sitemap/0.9}urlset"


def _image(brand: Any, content: bytes, content_type: str, name: str = "photo.png") -> Any:
    key = default_storage.save(f"help/{brand.pk}/test-{name}", ContentFile(content))
    with brand_scope(brand):
        return ArticleImage.objects.create(
            brand=brand,
            storage_key=key,
            filename=name,
            content_type=content_type,
            size=len(content),
            created_at=clock.now(),
        )


def test_an_image_is_public_only_once_a_published_public_article_shows_it(
    browser: django.test.Client, world: World, help_: Help
) -> None:
    image = _image(world.ej, PNG, "image/png")
    path = image_url(world.ej, image.pk, "photo.png")
    assert browser.get(path).status_code == 404  # used by nothing yet
    staff = django.test.Client()
    staff.force_login(world.agent)
    preview = staff.get(path)
    assert preview.status_code == 200 and preview["Cache-Control"] == "private, no-store"
    outsider = django.test.Client()
    outsider.force_login(world.outsider)
    assert outsider.get(path).status_code == 404
    published(
        world.ej,
        world.manager,
        help_.section,
        visibility="internal",
        title="Avec image, interne",
        body=f"![photo]({path})",
    )
    assert browser.get(path).status_code == 404  # an internal article is not the public's
    published(world.ej, world.manager, help_.section, title="Avec image", body=f"![photo]({path})")
    response = browser.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"].startswith("inline")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert b"".join(response.streaming_content) == PNG
    # The same image's id under another brand's address: not found.
    other = image_url(world.jamla, image.pk, "photo.png")
    assert browser.get(other).status_code == 404


@pytest.mark.parametrize(
    ("content", "content_type"),
    [
        (b"<html><script>alert(1)</script></html>", "text/html"),
        (b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', "image/svg+xml"),
    ],
)
def test_a_hostile_image_file_is_never_shown_as_a_page(
    browser: django.test.Client, world: World, help_: Help, content: bytes, content_type: str
) -> None:
    image = _image(world.ej, content, content_type, name="image.png")
    path = image_url(world.ej, image.pk, "image.png")
    published(world.ej, world.manager, help_.section, title="Piège", body=f"![x]({path})")
    response = browser.get(path)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["Content-Disposition"].startswith("attachment")
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "sandbox" in response["Content-Security-Policy"]


def test_the_pages_take_few_queries(
    browser: django.test.Client,
    world: World,
    help_: Help,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(20):
        published(world.ej, world.manager, help_.section, title=f"Question {n}", body="Réponse.")
    browser.get(url(world.ej, "help"))  # warm caches (the policy, the logo)
    with django_assert_max_num_queries(6):
        assert browser.get(url(world.ej, "help")).status_code == 200
    browser.get(article_url(help_.article))
    with django_assert_max_num_queries(12):
        assert browser.get(article_url(help_.article)).status_code == 200


def test_the_portal_home_links_the_help_centre_once_it_has_articles(
    browser: django.test.Client, world: World
) -> None:
    help_link = f'href="/b/{world.ej.slug}/help/"'
    assert help_link not in browser.get(url(world.ej)).content.decode()
    make_help(world)
    assert help_link in browser.get(url(world.ej)).content.decode()
