"""The help centre in the desk: the articles' list and its filters, the editor, the review
through the pages (draft, review, sent back, published, withdrawn), the history with its
differences, translations flagged stale, the sections — each for the roles the policy
names, and never another brand's article."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.urls import reverse

from guichet.brands.services import policy_publish
from guichet.conftest import World, assert_hidden_from_outsider
from guichet.desk.kb_diff import text_diff
from guichet.knowledge import services
from guichet.knowledge.models import Article, Section, VersionState, Visibility
from guichet.lib.scoping import brand_scope


@pytest.fixture
def kb(world: World) -> Any:
    """EJ's help centre: a section, a published article (French) and a draft (English)."""
    with brand_scope(world.ej):
        section = services.section_save(
            brand=world.ej,
            actor=world.manager,
            key="commandes",
            title={"fr": "Commandes", "en": "Orders"},
        )
        published = services.article_create(
            brand=world.ej,
            actor=world.agent,
            section=section,
            language="fr",
            title="Suivre ma commande",
            body="Votre numéro de suivi est dans l'e-mail de confirmation.\n\nIl arrive sous 24 h.",
        )
        services.article_publish(article=published, actor=world.manager)
        draft = services.article_create(
            brand=world.ej,
            actor=world.agent,
            section=section,
            language="en",
            title="Returning an item",
            body="Send it back within 30 days.",
        )
    jamla_section = services.section_save(
        brand=world.jamla,
        actor=world.outsider_admin,
        key="livraison",
        title={"fr": "Livraison"},
    )
    theirs = services.article_create(
        brand=world.jamla,
        actor=world.outsider_admin,
        section=jamla_section,
        language="fr",
        title="Article de Jamla",
        body="Réservé à Jamla24.",
    )

    class KB:
        pass

    k = KB()
    k.section, k.published, k.draft, k.theirs = section, published, draft, theirs
    return k


def _fresh(article: Article) -> Article:
    with brand_scope(article.brand_id):
        return Article.objects.select_related("latest", "published").get(pk=article.pk)


def test_the_list_shows_the_brands_articles_with_their_state(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    page = client.get(reverse("desk:help_articles"))
    assert page.status_code == 200
    text = page.content.decode()
    assert "Suivre ma commande" in text and "Returning an item" in text
    assert "Article de Jamla" not in text  # another brand's: never
    # The navigation names the help centre for who writes.
    assert (
        reverse("desk:help_articles")
        in client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    )
    drafts = client.get(reverse("desk:help_articles"), {"state": "draft"}).content.decode()
    assert "Returning an item" in drafts and "Suivre ma commande" not in drafts
    english = client.get(reverse("desk:help_articles"), {"language": "en"}).content.decode()
    assert "Returning an item" in english and "Suivre ma commande" not in english


def test_the_list_in_english(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    page = client.get("/en" + reverse("desk:help_articles"))
    text = page.content.decode()
    assert "Help centre articles" in text and "Waiting for review" in text


def test_the_list_in_french(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    text = client.get(reverse("desk:help_articles")).content.decode()
    assert "Articles du centre d’aide" in text and "Brouillon" in text


def test_an_agent_writes_and_sends_for_review_a_manager_sends_back_then_publishes(
    client: Any, world: World, kb: Any
):
    client.force_login(world.agent)
    new = client.get(reverse("desk:help_new"))
    assert new.status_code == 200
    assert "Enregistrer et publier" not in new.content.decode()  # an agent does not publish
    created = client.post(
        reverse("desk:help_new"),
        {
            "brand": "ej",
            "title": "Changer mon adresse",
            "language": "fr",
            "section": kb.section.pk,
            "visibility": "public",
            "body": "Écrivez-nous **avant** l'expédition.",
            "note": "Première version",
            "then": "submit",
        },
    )
    assert created.status_code == 302
    with brand_scope(world.ej):
        article = Article.objects.get(latest__title="Changer mon adresse")
    assert (
        article.latest.state == VersionState.IN_REVIEW and article.latest.note == "Première version"
    )
    # The agent may not publish, even by posting.
    refused = client.post(reverse("desk:help_publish", args=[article.pk]))
    assert refused.status_code == 403
    assert _fresh(article).published_id is None

    client.force_login(world.manager)
    page = client.get(reverse("desk:help_edit", args=[article.pk])).content.decode()
    assert "Renvoyer à l’auteur" in page and "Publier la version 1" in page
    client.post(reverse("desk:help_send_back", args=[article.pk]), {"note": "Donnez le délai."})
    assert _fresh(article).latest.state == VersionState.DRAFT

    client.force_login(world.agent)
    page = client.get(reverse("desk:help_edit", args=[article.pk])).content.decode()
    assert "Donnez le délai." in page  # the writer reads why
    client.post(
        reverse("desk:help_edit", args=[article.pk]),
        {
            "title": "Changer mon adresse",
            "section": kb.section.pk,
            "visibility": "public",
            "body": "Écrivez-nous **avant** l'expédition, sous 2 heures.",
            "note": "Le délai",
            "then": "submit",
        },
    )
    client.force_login(world.manager)
    client.post(reverse("desk:help_publish", args=[article.pk]))
    article = _fresh(article)
    assert article.published.number == 2 and article.published.body.endswith("sous 2 heures.")
    client.post(reverse("desk:help_withdraw", args=[article.pk]))
    assert _fresh(article).published_id is None


def test_a_publisher_saves_and_publishes_at_once(client: Any, world: World, kb: Any):
    client.force_login(world.manager)
    client.post(
        reverse("desk:help_edit", args=[kb.draft.pk]),
        {
            "title": "Returning an item",
            "section": kb.section.pk,
            "visibility": "internal",
            "body": "Send it back within 30 days, in its box.",
            "then": "publish",
        },
    )
    article = _fresh(kb.draft)
    assert article.published.number == 2 and article.visibility == Visibility.INTERNAL
    with brand_scope(world.ej):  # internal: never public
        assert not services.public_articles(world.ej, "en").exists()


def test_the_policy_decides_who_writes(client: Any, world: World, kb: Any):
    text = (Path(settings.GUICHET_PRESETS_DIR) / "ej.toml").read_text(encoding="utf-8")
    policy_publish(
        text=text + '\n[help_centre]\nwriters = ["manager"]\npublishers = ["admin"]\n',
        source="test",
    )
    client.force_login(world.agent)
    assert client.get(reverse("desk:help_articles")).status_code == 404
    assert client.get(reverse("desk:help_edit", args=[kb.draft.pk])).status_code == 404
    inbox = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    assert reverse("desk:help_articles") not in inbox
    # The manager writes but no longer publishes; the administrator publishes.
    client.force_login(world.manager)
    page = client.get(reverse("desk:help_edit", args=[kb.draft.pk])).content.decode()
    assert "Enregistrer et publier" not in page
    assert client.post(reverse("desk:help_publish", args=[kb.draft.pk])).status_code == 403
    assert client.get(reverse("desk:help_sections")).status_code == 404
    client.force_login(world.admin)
    client.post(reverse("desk:help_publish", args=[kb.draft.pk]))
    assert _fresh(kb.draft).published_id is not None


@pytest.mark.parametrize(
    "name,args",
    [
        ("desk:help_edit", True),
        ("desk:help_history", True),
        ("desk:help_submit", True),
        ("desk:help_publish", True),
        ("desk:help_withdraw", True),
    ],
)
def test_another_brands_article_is_not_found(
    client: Any, world: World, kb: Any, name: str, args: bool
):
    method = "get" if name in ("desk:help_edit", "desk:help_history") else "post"
    assert_hidden_from_outsider(
        client, world.outsider_admin, reverse(name, args=[kb.published.pk]), method
    )
    # And EJ's people do not reach Jamla24's article either.
    assert_hidden_from_outsider(client, world.manager, reverse(name, args=[kb.theirs.pk]), method)


def test_another_brands_pages_are_not_found(client: Any, world: World, kb: Any):
    assert_hidden_from_outsider(
        client, world.manager, reverse("desk:help_translate", args=[kb.theirs.pk, "en"])
    )
    assert_hidden_from_outsider(client, world.manager, reverse("desk:help_new") + "?brand=jamla24")
    assert_hidden_from_outsider(
        client, world.manager, reverse("desk:help_sections") + "?brand=jamla24"
    )
    # Saving an EJ article into Jamla24's section is refused.
    client.force_login(world.manager)
    with brand_scope(world.jamla):
        theirs = Section.objects.get(brand=world.jamla)
    answer = client.post(
        reverse("desk:help_edit", args=[kb.draft.pk]),
        {"title": "x", "section": theirs.pk, "visibility": "public", "body": "y"},
    )
    assert answer.status_code == 400
    assert _fresh(kb.draft).section_id == kb.section.pk


def test_the_history_shows_every_version_and_what_changed(client: Any, world: World, kb: Any):
    with brand_scope(world.ej):
        services.article_edit(
            article=kb.published,
            actor=world.agent,
            title="Suivre ma commande",
            body="Votre numéro de suivi est dans l'e-mail de confirmation.\n\nIl arrive sous 48 h.",
            note="Délai corrigé",
        )
    client.force_login(world.agent)
    page = client.get(reverse("desk:help_history", args=[kb.published.pk])).content.decode()
    assert "Délai corrigé" in page and "Agent" in page
    assert "<del>24</del>" in page and "<ins>48</ins>" in page


def test_a_diff_marks_the_words_and_folds_what_did_not_change():
    old = "\n".join(f"ligne {i}" for i in range(20)) + "\nfin ancienne"
    new = "\n".join(f"ligne {i}" for i in range(20)) + "\nfin nouvelle\najout"
    lines = text_diff(old, new)
    kinds = [line.kind for line in lines]
    assert kinds[0] == "fold" and kinds.count("same") == 2
    assert ("del", "ancienne") in lines[-3].parts and ("add", "nouvelle") in lines[-2].parts
    assert lines[-1].parts == [("add", "ajout")]


def test_a_translation_is_made_flagged_stale_and_brought_up_to_date(
    client: Any, world: World, kb: Any
):
    client.force_login(world.agent)
    form = client.get(reverse("desk:help_translate", args=[kb.published.pk, "en"]))
    assert "Votre numéro de suivi" in form.content.decode()  # the original beside it
    client.post(
        reverse("desk:help_translate", args=[kb.published.pk, "en"]),
        {"title": "Tracking my order", "body": "Your tracking number is in the email."},
    )
    with brand_scope(world.ej):
        english = Article.objects.get(original=kb.published, language="en")
    assert english.source_number == 1
    # The original is published again: the translation is flagged, in the list and editor.
    with brand_scope(world.ej):
        services.article_edit(
            article=kb.published,
            actor=world.agent,
            title="Suivre ma commande",
            body="Le numéro de suivi est aussi dans votre espace client.",
        )
        services.article_publish(article=kb.published, actor=world.manager)
    stale = client.get(reverse("desk:help_articles"), {"stale": "1"}).content.decode()
    assert "Tracking my order" in stale and "Returning an item" not in stale
    editor = client.get(reverse("desk:help_edit", args=[english.pk])).content.decode()
    assert "espace client" in editor  # what changed in the original
    client.post(reverse("desk:help_up_to_date", args=[english.pk]))
    assert not services.is_stale(_fresh(english))
    stale = client.get(reverse("desk:help_articles"), {"stale": "1"}).content.decode()
    assert "Tracking my order" not in stale


def test_the_preview_renders_the_markdown_safely(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    shown = client.post(
        reverse("desk:help_preview"), {"body": "## Délai\n\n<script>alert(1)</script> **trois**"}
    ).content.decode()
    assert "<h3>Délai</h3>" in shown and "<strong>trois</strong>" in shown
    assert "<script>" not in shown


def test_publishers_add_rename_and_order_sections(client: Any, world: World, kb: Any):
    client.force_login(world.agent)
    assert client.get(reverse("desk:help_sections")).status_code == 404  # agents write only
    client.force_login(world.manager)
    client.post(
        reverse("desk:help_sections"),
        {"brand": "ej", "key": "paiement", "title_fr": "Paiement", "title_en": "Payment"},
    )
    with brand_scope(world.ej):
        added = Section.objects.get(brand=world.ej, key="paiement")
    assert [s.key for s in _sections(world)] == ["commandes", "paiement"]
    client.post(reverse("desk:help_sections"), {"brand": "ej", "section": added.pk, "move": "up"})
    assert [s.key for s in _sections(world)] == ["paiement", "commandes"]
    client.post(
        reverse("desk:help_sections"),
        {"brand": "ej", "section": added.pk, "title_fr": "Payer", "title_en": "Paying"},
    )
    with brand_scope(world.ej):
        added.refresh_from_db()
    assert added.title == {"fr": "Payer", "en": "Paying"}
    page = client.get(reverse("desk:help_sections")).content.decode()
    assert 'value="Payer"' in page


def _sections(world: World) -> list[Section]:
    with brand_scope(world.ej):
        return list(Section.objects.filter(brand=world.ej).order_by("position", "pk"))


def _png() -> bytes:
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (60, 40), (10, 120, 60)).save(out, format="PNG")
    return out.getvalue()


def test_an_image_is_uploaded_checked_and_its_markdown_given(client: Any, world: World, kb: Any):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(world.agent)
    url = reverse("desk:help_image_upload")
    ok = client.post(
        url,
        {"brand": "ej", "alt": "Le bouton", "image": SimpleUploadedFile("bouton.png", _png())},
        HTTP_HX_REQUEST="true",
    )
    assert ok.status_code == 200
    assert 'data-markdown="![Le bouton](/b/ej/help/images/' in ok.content.decode()
    for name, data in [
        ("schema.svg", b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>"),
        ("page.png", b"<html><script>alert(1)</script></html>"),
    ]:
        refused = client.post(
            url,
            {"brand": "ej", "image": SimpleUploadedFile(name, data)},
            HTTP_HX_REQUEST="true",
        )
        assert refused.status_code == 400 and 'role="alert"' in refused.content.decode()
    # Without JavaScript: the draft comes back, the image's Markdown at its end, unsaved.
    page = client.post(
        url,
        {
            "brand": "ej",
            "article": kb.draft.pk,
            "title": "Returning an item",
            "section": kb.section.pk,
            "visibility": "public",
            "body": "Send it back.",
            "image": SimpleUploadedFile("box.png", _png()),
        },
    ).content.decode()
    assert "Send it back.\n\n![](/b/ej/help/images/" in page
    assert _fresh(kb.draft).latest.body == "Send it back within 30 days."
    # Another brand's writers upload nothing here.
    assert_hidden_from_outsider(
        client,
        world.outsider_admin,
        url,
        "post",
        brand="ej",
        image=SimpleUploadedFile("a.png", _png()),
    )
