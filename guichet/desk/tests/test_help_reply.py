"""The help centre in the reply box: the agent searches the brand's published articles
(internal ones too, the ticket's language first) and puts a link or an excerpt after the
draft; another brand's articles never show."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from guichet.conftest import World, assert_hidden_from_outsider
from guichet.knowledge import services
from guichet.knowledge.models import Visibility
from guichet.lib.scoping import brand_scope

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def kb(world: World) -> Any:
    def article(
        brand: Any, actor: Any, section: Any, language: str, title: str, body: str, **kw: Any
    ) -> Any:
        with brand_scope(brand):
            made = services.article_create(
                brand=brand,
                actor=actor,
                section=section,
                language=language,
                title=title,
                body=body,
                **kw,
            )
            services.article_publish(article=made, actor=actor)
            return made

    section = services.section_save(
        brand=world.ej, actor=world.manager, key="factures", title={"fr": "Factures", "en": "Bills"}
    )

    class KB:
        pass

    k = KB()
    k.public = article(
        world.ej,
        world.manager,
        section,
        "fr",
        "Remboursement d'un double débit",
        "## Délai\n\nUn **double débit** est remboursé sous 5 jours.\n\n![capture](/b/ej/help/images/1/a.png)\n\nGardez votre relevé.",
    )
    k.english = article(
        world.ej,
        world.manager,
        section,
        "en",
        "Double charge refund",
        "A double charge is refunded within 5 days.",
    )
    k.internal = article(
        world.ej,
        world.manager,
        section,
        "fr",
        "Procédure interne : double débit",
        "Vérifier dans l'outil de paiement avant de rembourser.",
        visibility=Visibility.INTERNAL,
    )
    with brand_scope(world.ej):
        draft = services.article_create(
            brand=world.ej,
            actor=world.manager,
            section=section,
            language="fr",
            title="Double débit (brouillon)",
            body="Pas encore publié.",
        )
    k.draft = draft
    theirs = services.section_save(
        brand=world.jamla, actor=world.outsider_admin, key="x", title={"fr": "X"}
    )
    k.theirs = article(
        world.jamla, world.outsider_admin, theirs, "fr", "Double débit chez Jamla", "Jamla."
    )
    return k


def _suggest(client: Any, world: World, q: str) -> str:
    answer = client.get(
        reverse("desk:help_suggest"), {"ticket": world.ticket.reference, "kb_q": q}, **HTMX
    )
    assert answer.status_code == 200
    return answer.content.decode()


def test_the_agent_finds_the_brands_published_articles_internal_ones_too(
    client: Any, world: World, kb: Any
):
    client.force_login(world.agent)
    found = _suggest(client, world, "double")
    assert (
        "Remboursement d&#x27;un double débit" in found
        or "Remboursement d'un double débit" in found
    )
    assert "Procédure interne" in found and "interne" in found
    assert "Double charge refund" in found  # the ticket is in French: English after
    assert found.index("Procédure interne") < found.index("Double charge refund")
    assert "brouillon" not in found  # not published
    assert "Jamla" not in found  # another brand's
    # An internal article offers an excerpt only, never a link.
    assert f'value="{kb.internal.pk}:link"' not in found
    assert f'value="{kb.internal.pk}:excerpt"' in found
    assert f'value="{kb.public.pk}:link"' in found
    assert "Aucun article publié" in _suggest(client, world, "zzzz")


def test_the_search_of_another_brands_ticket_is_not_found(client: Any, world: World, kb: Any):
    assert_hidden_from_outsider(
        client,
        world.outsider,
        reverse("desk:help_suggest") + f"?ticket={world.ticket.reference}&kb_q=double",
    )
    assert_hidden_from_outsider(
        client,
        world.outsider,
        reverse("desk:help_insert", args=[world.ticket.reference]),
        "post",
        article=f"{kb.public.pk}:link",
        revision=world.ticket.revision,
    )


def test_a_link_goes_into_an_empty_draft(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    answer = client.post(
        reverse("desk:help_insert", args=[world.ticket.reference]),
        {
            "article": f"{kb.public.pk}:link",
            "revision": world.ticket.revision,
            "html": "",
            "text": "",
        },
        **HTMX,
    )
    shown = answer.content.decode()
    url = f"{settings.SITE_URL}/b/ej/help/a/{kb.public.pk}-remboursement-dun-double-debit"
    assert f'href="{url}"' in shown
    assert 'id="reply-box"' in shown  # the editor, redrawn


def test_an_excerpt_follows_a_formatted_draft(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    answer = client.post(
        reverse("desk:help_insert", args=[world.ticket.reference]),
        {
            "article": f"{kb.public.pk}:excerpt",
            "revision": world.ticket.revision,
            "html": "<p>Bonjour <b>Hélène</b>,</p>",
            "text": "Bonjour Hélène,",
        },
        **HTMX,
    )
    shown = answer.content.decode()
    assert "Bonjour <b>Hélène</b>," in shown
    assert "<p><b>Délai</b></p>" in shown and "<strong>double débit</strong>" in shown
    assert "capture" not in shown.split('id="reply-box"')[1].split("</div>")[0]  # no image
    assert f"/b/ej/help/a/{kb.public.pk}-" in shown  # the public article's link after it


def test_an_internal_article_gives_an_excerpt_without_a_link(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    for how in ("link", "excerpt"):  # a link to an internal article is never made
        shown = client.post(
            reverse("desk:help_insert", args=[world.ticket.reference]),
            {"article": f"{kb.internal.pk}:{how}", "revision": world.ticket.revision},
            **HTMX,
        ).content.decode()
        assert "Vérifier dans l&#x27;outil de paiement" in shown or "outil de paiement" in shown
        assert "/help/a/" not in shown


def test_without_javascript_the_search_and_a_text_draft_come_back(
    client: Any, world: World, kb: Any
):
    client.force_login(world.agent)
    page = client.post(
        reverse("desk:help_insert", args=[world.ticket.reference]),
        {"kb_search": "1", "kb_q": "double", "text": "Bonjour,", "revision": world.ticket.revision},
    ).content.decode()
    assert "Bonjour," in page and "Procédure interne" in page
    assert 'value="double"' in page
    page = client.post(
        reverse("desk:help_insert", args=[world.ticket.reference]),
        {"article": f"{kb.english.pk}:link", "text": "Hello,", "revision": world.ticket.revision},
    ).content.decode()
    assert (
        f"Hello,\n\nDouble charge refund ({settings.SITE_URL}/en/b/ej/help/a/{kb.english.pk}-"
        in page
    )


def test_another_brands_article_cannot_be_inserted(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    shown = client.post(
        reverse("desk:help_insert", args=[world.ticket.reference]),
        {
            "article": f"{kb.theirs.pk}:excerpt",
            "revision": world.ticket.revision,
            "text": "Bonjour",
        },
        **HTMX,
    ).content.decode()
    assert "Jamla" not in shown.split('id="editor"')[1]


def test_the_reply_box_is_on_the_ticket_page(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    page = client.get(reverse("desk:ticket", args=[world.ticket.reference])).content.decode()
    assert 'id="kb-q"' in page and "Articles du centre d’aide" in page
    client.force_login(world.agent)
    english = client.get(
        "/en" + reverse("desk:ticket", args=[world.ticket.reference])
    ).content.decode()
    assert "Help centre articles" in english
