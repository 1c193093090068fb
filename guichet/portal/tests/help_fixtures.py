"""Articles for the help centre's tests: EJ's "Livraison" section with an article in
French and its English translation, an internal article, an unpublished draft, and a
Jamla24 article (another brand)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from guichet.brands.models import Brand
from guichet.conftest import World
from guichet.knowledge import services
from guichet.knowledge.models import Article, Section
from guichet.lib.scoping import brand_scope


@dataclass
class Help:
    section: Section
    article: Article  # French, public, published
    english: Article  # its translation, published
    internal: Article  # published, internal
    draft: Article  # public, never published
    other: Article  # Jamla24's, public, published


def published(brand: Brand, actor: Any, section: Section, **kwargs: Any) -> Article:
    with brand_scope(brand):
        article = services.article_create(
            brand=brand,
            actor=actor,
            section=section,
            language=kwargs.pop("language", "fr"),
            title=kwargs.pop("title"),
            body=kwargs.pop("body"),
            **kwargs,
        )
        services.article_publish(article=article, actor=actor)
        article.refresh_from_db()
    return article


def make_help(world: World) -> Help:
    with brand_scope(world.ej):
        section = services.section_save(
            brand=world.ej,
            actor=world.manager,
            key="livraison",
            title={"fr": "Livraison", "en": "Delivery"},
        )
    article = published(
        world.ej,
        world.manager,
        section,
        title="Quand arrive ma commande ?",
        body="Votre commande arrive sous **trois jours ouvrés**.\n\n## Suivi\n\nSuivez-la en ligne.",
    )
    english = published(
        world.ej,
        world.manager,
        section,
        language="en",
        original=article,
        title="When does my order arrive?",
        body="Your order arrives within **three working days**.",
    )
    internal = published(
        world.ej,
        world.manager,
        section,
        visibility="internal",
        title="Procédure interne de remboursement",
        body="Réservé aux agents : commande remboursée après accord du responsable.",
    )
    with brand_scope(world.ej):
        draft = services.article_create(
            brand=world.ej,
            actor=world.manager,
            section=section,
            language="fr",
            title="Brouillon sur la commande",
            body="Pas encore publié.",
        )
    jamla = make_jamla_manager(world)
    with brand_scope(world.jamla):
        other_section = services.section_save(
            brand=world.jamla, actor=jamla, key="livraison", title={"fr": "Livraison"}
        )
    other = published(
        world.jamla,
        jamla,
        other_section,
        title="Délai de livraison de la commande Jamla24",
        body="Chez Jamla24, la commande arrive en 48 heures.",
    )
    return Help(section, article, english, internal, draft, other)


def make_jamla_manager(world: World) -> Any:
    from guichet.accounts.models import Role
    from guichet.conftest import make_staff

    return make_staff(world.jamla, "jamlamanager", Role.MANAGER)
