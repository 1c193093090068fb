"""The help centre's search: French and English words with or without their accents, the
last word found as it is typed, the ranking (title, then text, then popularity), the
excerpt, the index kept in step with publication, and brand isolation."""

from __future__ import annotations

from typing import Any

import pytest

from guichet.accounts.models import Role
from guichet.conftest import make_staff, publish_preset
from guichet.knowledge import index, services
from guichet.knowledge.models import Article, Visibility
from guichet.knowledge.search import search_articles
from guichet.lib.scoping import brand_scope


@pytest.fixture
def world(db: Any, frozen_clock: Any) -> Any:
    brand = publish_preset("ivoire-toner")
    other = publish_preset("jamla24")

    class World:
        pass

    w = World()
    w.brand, w.other = brand, other
    w.manager = make_staff(brand, "kouame", Role.MANAGER)
    w.other_manager = make_staff(other, "karim", Role.MANAGER)
    with brand_scope(brand):
        w.section = services.section_save(
            brand=brand, actor=w.manager, key="livraison", title={"fr": "Livraison"}
        )
    with brand_scope(other):
        w.other_section = services.section_save(
            brand=other, actor=w.other_manager, key="livraison", title={"fr": "Livraison"}
        )
    return w


def published(
    w: Any, title: str, body: str, *, language: str = "fr", other: bool = False, **extra: Any
) -> Article:
    brand, actor, section = (
        (w.other, w.other_manager, w.other_section) if other else (w.brand, w.manager, w.section)
    )
    with brand_scope(brand):
        article = services.article_create(
            brand=brand,
            actor=actor,
            section=section,
            language=language,
            title=title,
            body=body,
            **extra,
        )
        services.article_publish(article=article, actor=actor)
    return article


def found(w: Any, query: str, **kwargs: Any) -> list[int]:
    kwargs.setdefault("language", "fr")
    return [
        hit.article_id
        for hit in search_articles(brand=kwargs.pop("brand", w.brand), query=query, **kwargs)
    ]


def test_words_are_found_with_or_without_their_accents(world: Any) -> None:
    article = published(world, "Colis abîmé à la livraison", "Prenez une photo du carton.")
    assert found(world, "abime") == [article.pk]
    assert found(world, "ABÎMÉ") == [article.pk]
    assert found(world, "carton") == [article.pk]
    assert found(world, "facture") == []


def test_english_articles_are_searched_in_english(world: Any) -> None:
    article = published(
        world, "Returning a parcel", "Parcels are collected within two days.", language="en"
    )
    assert found(world, "parcels", language="en") == [article.pk]
    assert found(world, "collect", language="en") == [article.pk]
    assert found(world, "parcels", language="fr") == []


def test_plurals_and_endings_are_found(world: Any) -> None:
    # PostgreSQL by their stems, SQLite (no stemming) by their prefixes.
    article = published(world, "Commandes retardées", "Nos livreurs livrent en trois jours.")
    assert found(world, "commande retard") == [article.pk]


def test_the_last_word_is_found_as_it_is_typed(world: Any) -> None:
    article = published(world, "Délais de livraison", "Sous trois jours ouvrés à Abidjan.")
    for typed in ["livr", "délais de livra", "quand arrive ma livrais"]:
        assert found(world, typed) == [article.pk], typed


def test_the_title_ranks_first_then_the_text_then_popularity(world: Any) -> None:
    in_text = published(world, "Nos horaires", "Le remboursement arrive sous dix jours.")
    in_title = published(world, "Demander un remboursement", "Écrivez-nous.")
    popular = published(world, "Vos questions", "Tout sur le remboursement de vos achats.")
    with brand_scope(world.brand):
        Article.objects.filter(pk=popular.pk).update(views=50, helpful=3)
    assert found(world, "remboursement") == [in_title.pk, popular.pk, in_text.pk]
    # An article holding every word comes before one holding some.
    both = published(world, "Cartouche vide", "La cartouche est vide et le remboursement…")
    assert found(world, "remboursement cartouche")[0] == both.pk


def test_the_excerpt_is_the_text_around_the_first_match(world: Any) -> None:
    filler = "Lorem ipsum dolor sit amet. " * 20
    published(world, "Garantie", filler + "Elle couvre le toner un an. " + filler)
    (hit,) = search_articles(brand=world.brand, language="fr", query="toner", limit=5)
    assert "Elle couvre le toner un an." in hit.excerpt
    assert hit.excerpt.startswith("…") and len(hit.excerpt) < 260
    # Only the title matches: the start of the text.
    (hit,) = search_articles(brand=world.brand, language="fr", query="garantie", limit=5)
    assert hit.title == "Garantie" and hit.excerpt.startswith("Lorem ipsum")


def test_the_markdown_is_searched_as_its_plain_text(world: Any) -> None:
    article = published(world, "Contact", "Appelez le **service client** : [ici](https://x.ci).")
    (hit,) = search_articles(brand=world.brand, language="fr", query="service", limit=5)
    assert hit.article_id == article.pk and "**" not in hit.excerpt and "https" not in hit.excerpt


def test_the_index_follows_publication_withdrawal_and_edits(world: Any) -> None:
    article = published(world, "Toner compatible", "Nos toners compatibles.")
    with brand_scope(world.brand):
        # A new draft changes nothing until it is published.
        services.article_edit(
            article=article, actor=world.manager, title="Cartouches d'encre", body="Encre."
        )
        assert found(world, "toner") == [article.pk] and found(world, "encre") == []
        services.article_publish(article=article, actor=world.manager)
        assert found(world, "toner") == [] and found(world, "encre") == [article.pk]
        services.article_withdraw(article=article, actor=world.manager)
        assert found(world, "encre") == []
        services.article_edit(article=article, actor=world.manager, title="Encre", body="Encre.")
        services.article_publish(article=article, actor=world.manager)
        assert found(world, "encre") == [article.pk]
        # Made internal: the staff's only.
        services.article_edit(
            article=article,
            actor=world.manager,
            title="Encre",
            body="Encre.",
            visibility=Visibility.INTERNAL,
        )
        assert found(world, "encre") == []
        assert found(world, "encre", internal=True) == [article.pk]


def test_a_draft_is_never_found(world: Any) -> None:
    with brand_scope(world.brand):
        services.article_create(
            brand=world.brand,
            actor=world.manager,
            section=world.section,
            language="fr",
            title="Brouillon secret",
            body="Pas encore publié.",
        )
    assert found(world, "secret") == []
    assert found(world, "secret", internal=True) == []


def test_internal_articles_only_for_the_staff(world: Any) -> None:
    internal = published(
        world, "Procédure de remboursement interne", "Étapes.", visibility=Visibility.INTERNAL
    )
    public = published(world, "Remboursement", "Sous dix jours.")
    assert found(world, "remboursement") == [public.pk]
    assert set(found(world, "remboursement", internal=True)) == {internal.pk, public.pk}


def test_another_brands_articles_are_never_found(world: Any) -> None:
    ours = published(world, "Livraison à Abidjan", "Trois jours.")
    theirs = published(world, "Livraison à Casablanca", "Deux jours.", other=True)
    assert found(world, "livraison") == [ours.pk]
    assert found(world, "casablanca") == []
    assert found(world, "livraison", internal=True) == [ours.pk]
    assert found(world, "livraison", brand=world.other) == [theirs.pk]


@pytest.mark.parametrize(
    "query",
    [
        "",
        "   ",
        "le la de",
        '"',
        "NEAR(a b)",
        "toner*",
        "a OR b AND NOT c",
        "'; DROP TABLE knowledge_article_index; --",
        "(((",
        "{title}: toner",
        "\\",
        "x" * 5000,
        "é" * 70,
        "!&|<->:*",
        "toner \x00 encre",
    ],
)
def test_any_text_is_a_query(world: Any, query: str) -> None:
    published(world, "Toner", "Toner et encre.")
    hits = search_articles(brand=world.brand, language="fr", query=query)
    assert all(isinstance(hit.article_id, int) for hit in hits)


def test_the_index_is_rebuilt_from_the_articles(world: Any) -> None:
    a = published(world, "Toner", "Toner et encre.")
    b = published(world, "Livraison", "Livraison.", language="en")
    before = (found(world, "toner"), found(world, "livraison", language="en"))
    assert index.rebuild() == 2
    assert (found(world, "toner"), found(world, "livraison", language="en")) == before
    assert before == ([a.pk], [b.pk])
