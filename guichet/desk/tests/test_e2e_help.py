"""The help centre in the desk, in a real browser (Debian's Chromium, Playwright, the live
server): an agent finds an article from the reply box and inserts its link, then sends
the reply; a manager writes an article with the live preview and an uploaded image,
publishes it, and reads its history. Every help page in French and English, at a
desktop's and a phone's width: no sideways scrolling at 360 px, no serious or critical
axe-core violation, a screenshot in var/artefacts/e2e/ (help-*)."""

from __future__ import annotations

import io
import re
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from PIL import Image
from playwright.sync_api import Page, Route, ViewportSize, expect

from guichet.conftest import World
from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import sign_in
from guichet.knowledge import services
from guichet.knowledge.models import Article, Visibility
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Message

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors

DESKTOP: ViewportSize = {"width": 1366, "height": 900}
PHONE: ViewportSize = {"width": 360, "height": 780}


def _png() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (320, 120), (31, 78, 121)).save(out, format="PNG")
    return out.getvalue()


@pytest.fixture
def kb(world: World) -> Any:
    section = services.section_save(
        brand=world.ej, actor=world.manager, key="factures", title={"fr": "Factures", "en": "Bills"}
    )
    with brand_scope(world.ej):
        public = services.article_create(
            brand=world.ej,
            actor=world.agent,
            section=section,
            language="fr",
            title="Remboursement d’un double débit",
            body="Un **double débit** est remboursé sous 5 jours ouvrés.\n\nGardez votre relevé.",
        )
        services.article_publish(article=public, actor=world.manager)
        services.article_edit(
            article=public,
            actor=world.agent,
            title="Remboursement d’un double débit",
            body="Un **double débit** est remboursé sous 3 jours ouvrés.\n\nGardez votre relevé.",
            note="Délai plus court",
        )
        internal = services.article_create(
            brand=world.ej,
            actor=world.manager,
            section=section,
            language="fr",
            title="Procédure interne : double débit",
            body="Vérifier le paiement dans l’outil avant de rembourser.",
            visibility=Visibility.INTERNAL,
        )
        services.article_publish(article=internal, actor=world.manager)
        english = services.article_create(
            brand=world.ej,
            actor=world.agent,
            section=section,
            language="en",
            title="Double charge refund",
            body="A double charge is refunded within 5 working days.",
            original=public,
        )
        services.article_submit(article=english, actor=world.agent)

    class KB:
        pass

    k = KB()
    k.section, k.public, k.internal, k.english = section, public, internal, english
    return k


def test_an_agent_inserts_an_article_in_a_reply(desk_page: Page, world: World, kb: Any):
    page = desk_page
    sign_in(page, "agent")
    page.goto(reverse("desk:ticket", args=[world.ticket.reference]))
    box = page.locator("#reply-box")
    box.click()
    page.keyboard.type("Bonjour Hélène,")
    search = page.get_by_label("Articles du centre d’aide")
    search.fill("double débit")
    hits = page.locator("#kb-results .kb-hits li")
    expect(hits).to_have_count(2)
    expect(hits.first).to_contain_text("Remboursement d’un double débit")
    expect(hits.nth(1)).to_contain_text("interne")
    expect(hits.nth(1).get_by_role("button", name=re.compile("Insérer un lien"))).to_have_count(0)
    e2e.shoot(page, "help-reply-search")
    with page.expect_response(re.compile(r".*/help/suggest\?.*")):
        search.press("Enter")  # searches; never sends the reply
    expect(hits).to_have_count(2)
    hits.first.get_by_role("button", name=re.compile("Insérer un lien")).click()
    link = box.locator("a")
    expect(link).to_have_text("Remboursement d’un double débit")
    expect(link).to_have_attribute("href", re.compile(rf"/b/ej/help/a/{kb.public.pk}-"))
    expect(box).to_contain_text("Bonjour Hélène,")  # the draft kept, the link after it
    # The search and its results are still there: an excerpt of the internal article too.
    page.locator("#kb-results .kb-hits li").nth(1).get_by_role(
        "button", name=re.compile("Insérer un extrait")
    ).click()
    expect(box).to_contain_text("Vérifier le paiement dans l’outil")
    e2e.shoot(page, "help-reply-inserted")
    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator("#flash")).to_contain_text("Réponse envoyée.")
    with brand_scope(world.ej):
        sent = Message.objects.get(ticket=world.ticket, direction="out", is_automatic=False)
    assert f"/b/ej/help/a/{kb.public.pk}-" in sent.html
    assert "Remboursement d’un double débit (http" in sent.text


def test_a_manager_writes_with_the_preview_and_an_image_then_publishes(
    desk_page: Page, world: World, kb: Any
):
    page = desk_page
    picture = _png()

    def portal_image(route: Route) -> None:  # the portal serves the images (its own part)
        route.fulfill(status=200, body=picture, content_type="image/png")

    page.route(re.compile(r".*/help/images/\d+/.*"), portal_image)
    sign_in(page, "manager")
    page.goto(reverse("desk:help_new"))
    page.get_by_label("Titre").fill("Payer en trois fois")
    page.get_by_label("Interne\u00a0: le personnel seulement").check()
    body = page.locator("[data-kb-body]")
    body.fill("## Conditions\n\nÀ partir de **100 €**.\n\n")
    expect(page.locator("#kb-preview h3")).to_have_text("Conditions")
    expect(page.locator("#kb-preview strong")).to_have_text("100 €")
    page.locator("#kb-image").set_input_files(
        files=[{"name": "écran.png", "mimeType": "image/png", "buffer": picture}]
    )
    page.get_by_label("Ce qu’elle montre").fill("Le choix du paiement")
    page.get_by_role("button", name="Ajouter l’image").click()
    expect(page.locator("#kb-image-result")).to_contain_text("Image ajoutée")
    expect(body).to_have_value(
        re.compile(r"!\[Le choix du paiement\]\(/b/ej/help/images/\d+/ecran\.png\)")
    )
    expect(page.locator("#kb-preview img")).to_have_attribute("alt", "Le choix du paiement")
    e2e.shoot(page, "help-editor-new")
    page.get_by_role("button", name="Enregistrer et publier").click()
    expect(page.locator("#flash")).to_contain_text("Enregistré et publié.")
    with brand_scope(world.ej):
        made = Article.objects.select_related("published").get(
            published__title="Payer en trois fois"
        )
    assert (
        made.visibility == Visibility.INTERNAL and "![Le choix du paiement]" in made.published.body
    )
    # The reviewer's view of the English translation waiting for review, then its history.
    page.goto(reverse("desk:help_edit", args=[kb.english.pk]))
    expect(page.get_by_role("button", name="Renvoyer à l’auteur")).to_be_visible()
    page.goto(reverse("desk:help_history", args=[kb.public.pk]))
    expect(page.locator(".kb-diff ins")).to_have_text("3")
    expect(page.locator(".kb-diff del")).to_have_text("5")


JUDGED = ("serious", "critical")


def test_the_help_pages_in_both_languages_at_both_widths(desk_page: Page, world: World, kb: Any):
    page = desk_page
    with brand_scope(world.ej):  # the English translation is stale once the original moves on
        services.article_publish(article=kb.public, actor=world.manager)
    sign_in(page, "manager")
    pages = {
        "list": reverse("desk:help_articles"),
        "editor": reverse("desk:help_edit", args=[kb.public.pk]),
        "editor-stale-translation": reverse("desk:help_edit", args=[kb.english.pk]),
        "history": reverse("desk:help_history", args=[kb.public.pk]),
        "translate": None,
        "sections": reverse("desk:help_sections"),
        "reply-box": reverse("desk:ticket", args=[world.ticket.reference]),
    }
    axe = Axe()
    findings: list[str] = []
    for language in ("fr", "en"):
        prefix = "/en" if language == "en" else ""
        for name, url in pages.items():
            if url is None:  # a translation into a language the article lacks
                with brand_scope(world.ej):
                    url = reverse("desk:help_translate", args=[kb.internal.pk, "en"])
            page.goto(prefix + url)
            if name == "reply-box":
                page.locator("#kb-q").fill("double")
                expect(page.locator("#kb-results li")).to_have_count(2)
            for size, viewport in (("desktop", DESKTOP), ("phone", PHONE)):
                page.set_viewport_size(viewport)
                where = f"{name} [{language}, {size}]"
                if size == "phone":
                    overflow = page.evaluate(
                        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                    )
                    if overflow > 0:
                        findings.append(f"{where}: scrolls sideways by {overflow} px")
                for v in axe.run(page).response["violations"]:
                    if v["impact"] in JUDGED:
                        targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
                        findings.append(f"{where}: {v['impact']} {v['id']}: {targets}")
                e2e.shoot(page, f"help-{name}-{language}")
            page.set_viewport_size(e2e.LAPTOP)
    assert not findings, "\n".join(findings)
