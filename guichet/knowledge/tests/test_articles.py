"""Articles as versions: drafts, review, publication by the roles the policy names,
translations flagged stale, the Markdown shown safe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings

from guichet.accounts.models import Role
from guichet.brands.services import policy_publish
from guichet.conftest import make_staff, publish_preset
from guichet.knowledge import services
from guichet.knowledge.markdown import plain_text, render
from guichet.knowledge.models import Article, VersionState, Visibility
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope


@pytest.fixture
def world(db: Any, frozen_clock: Any) -> Any:
    brand = publish_preset("ivoire-toner")
    other = publish_preset("jamla24")

    class World:
        pass

    w = World()
    w.brand, w.other, w.clock = brand, other, frozen_clock
    w.agent = make_staff(brand, "awa", Role.AGENT)
    w.manager = make_staff(brand, "kouame", Role.MANAGER)
    w.outsider = make_staff(other, "karim", Role.MANAGER)
    with brand_scope(brand):
        w.section = services.section_save(
            brand=brand,
            actor=w.manager,
            key="livraison",
            title={"fr": "Livraison", "en": "Delivery"},
        )
    return w


def _article(w: Any, **kwargs: Any) -> Article:
    return services.article_create(
        brand=w.brand,
        actor=kwargs.pop("actor", w.agent),
        section=w.section,
        language=kwargs.pop("language", "fr"),
        title=kwargs.pop("title", "Quand arrive ma commande ?"),
        body=kwargs.pop("body", "Sous **3 jours ouvrés** à Abidjan."),
        **kwargs,
    )


def test_a_draft_goes_through_review_to_the_public(world: Any) -> None:
    article = _article(world)
    with brand_scope(world.brand):
        assert article.published is None
        assert not services.public_articles(world.brand, "fr").exists()
        services.article_submit(article=article, actor=world.agent)
        with pytest.raises(InvalidRequest):  # an agent writes; publishing is the managers'
            services.article_publish(article=article, actor=world.agent)
        version = services.article_publish(article=article, actor=world.manager)
        assert version.state == VersionState.PUBLISHED
        assert list(services.public_articles(world.brand, "fr")) == [article]
        # A new draft: the public keeps the published text until it is published.
        services.article_edit(
            article=article, actor=world.agent, title="Délais de livraison", body="Trois jours."
        )
        article.refresh_from_db()
        assert article.published == version
        assert article.latest.number == 2 and article.latest.state == VersionState.DRAFT
        services.article_publish(article=article, actor=world.manager)
        article.refresh_from_db()
        assert article.published.number == 2
        assert [v.state for v in article.versions.all()] == [
            VersionState.SUPERSEDED,
            VersionState.PUBLISHED,
        ]
        # Its address kept the first title's words (links to it keep working).
        assert article.slug == "quand-arrive-ma-commande"


def test_a_publisher_sends_a_draft_back_with_a_reason(world: Any) -> None:
    article = _article(world)
    with brand_scope(world.brand):
        services.article_submit(article=article, actor=world.agent)
        with pytest.raises(InvalidRequest):
            services.article_send_back(article=article, actor=world.manager, note=" ")
        back = services.article_send_back(
            article=article, actor=world.manager, note="Donnez le délai à l'intérieur du pays."
        )
        assert back.state == VersionState.DRAFT and back.reviewed_by == world.manager


def test_the_policy_names_who_writes_and_publishes(world: Any) -> None:
    text = (Path(settings.GUICHET_PRESETS_DIR) / "ivoire-toner.toml").read_text(encoding="utf-8")
    policy_publish(text=text + '\n[help_centre]\nwriters = ["manager"]\n', source="test")
    world.brand.refresh_from_db()
    with pytest.raises(InvalidRequest):
        _article(world)
    with pytest.raises(InvalidRequest):  # another brand's manager
        _article(world, actor=world.outsider)
    assert _article(world, actor=world.manager).pk


def test_a_translation_is_stale_once_its_original_is_published_again(world: Any) -> None:
    original = _article(world)
    with brand_scope(world.brand):
        services.article_publish(article=original, actor=world.manager)
        english = _article(
            world,
            language="en",
            title="When does my order arrive?",
            body="Within 3 days.",
            original=original,
        )
        assert english.source_number == 1 and not services.is_stale(english)
        with pytest.raises(InvalidRequest):  # one translation per language
            _article(world, language="en", title="Again", body="Again", original=original)
        services.article_edit(
            article=original, actor=world.agent, title="Délais", body="Deux jours."
        )
        services.article_publish(article=original, actor=world.manager)
        english.refresh_from_db()
        assert services.is_stale(english)
        services.translation_updated(article=english, actor=world.agent)
        english.refresh_from_db()
        assert not services.is_stale(english)


def test_internal_articles_are_never_public(world: Any) -> None:
    article = _article(world, visibility=Visibility.INTERNAL)
    with brand_scope(world.brand):
        services.article_publish(article=article, actor=world.manager)
        assert not services.public_articles(world.brand, "fr").exists()


def test_markdown_is_shown_safe() -> None:
    html = render(
        "# Titre\n\n<script>alert(1)</script>\n\n[lien](javascript:alert(1)) "
        "[site](https://exemple.ci) ![pixel](https://tracker.example/p.gif) "
        "![plan](/b/ivoire-toner/help/images/4/plan.png)\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    )
    assert "<script" not in html and 'href="javascript' not in html
    assert "&lt;script&gt;" in html  # shown as text
    assert "<h2>Titre</h2>" in html
    assert 'href="https://exemple.ci"' in html and "nofollow" in html
    assert "tracker.example" not in html
    assert 'src="/b/ivoire-toner/help/images/4/plan.png"' in html
    assert "<table>" in html
    assert plain_text("Sous **3 jours** &amp; <b>vite</b>") == "Sous 3 jours & <b>vite</b>"


def test_search_finds_published_articles_of_the_brand_title_first(world: Any) -> None:
    from guichet.knowledge.search import search_articles

    with brand_scope(world.brand):
        delivery = _article(world)
        services.article_publish(article=delivery, actor=world.manager)
        about = _article(world, title="Retours", body="Une commande arrive abîmée : retour.")
        services.article_publish(article=about, actor=world.manager)
        draft = _article(world, title="Commande perdue", body="Brouillon.")
        hidden = _article(world, title="Commande : note interne", visibility=Visibility.INTERNAL)
        services.article_publish(article=hidden, actor=world.manager)
    found = search_articles(brand=world.brand, language="fr", query="commande")
    assert [hit.article_id for hit in found] == [delivery.pk, about.pk]
    assert draft.pk not in {h.article_id for h in found}
    staff = search_articles(brand=world.brand, language="fr", query="commande", internal=True)
    assert hidden.pk in {hit.article_id for hit in staff}
    assert search_articles(brand=world.other, language="fr", query="commande") == []
