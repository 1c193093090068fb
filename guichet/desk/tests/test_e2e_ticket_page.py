"""The ticket page in a real browser (Debian's Chromium, Playwright, the live server): the
history folded into one line per moment that opens on demand and stays open through a
live refresh; the summary bar after an escalation, with the hand-over to the people of
the new level; the reply editor's formatting, sent as HTML and text; the page at phone
and tablet widths with no sideways scrolling. Screenshots go to var/artefacts/e2e/."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from guichet.desk.tests import browser as e2e
from guichet.desk.tests import test_e2e as day
from guichet.desk.tests.test_e2e import POLL_MS, Desk, fresh, sign_in
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.models import Message

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors
desk = day.desk  # an agent's morning: three tickets of theirs, one nobody has taken yet

PHONE: ViewportSize = {"width": 360, "height": 740}
PHONE_390: ViewportSize = {"width": 390, "height": 844}


def open_ticket(page: Page, reference: str) -> None:
    page.goto(reverse("desk:ticket", args=[reference]))  # waits for the page to load
    expect(page.locator("#head h1")).to_contain_text(reference)


def test_the_editor_formats_a_reply_and_sends_html_and_text(desk_page: Page, desk: Desk):
    page = desk_page
    sign_in(page, "agent")
    open_ticket(page, desk.billing.reference)
    box = page.get_by_role("textbox", name="Réponse au client")
    page.keyboard.press("r")
    expect(box).to_be_focused()

    page.keyboard.type("Bonjour ")
    page.keyboard.press("Control+b")
    expect(page.get_by_role("button", name="Gras")).to_have_attribute("aria-pressed", "true")
    page.keyboard.type("Hélène")
    page.keyboard.press("Control+b")
    page.keyboard.type(",")
    page.keyboard.press("Enter")
    page.keyboard.type("Nous avons :")
    page.keyboard.press("Enter")
    page.get_by_role("button", name="Liste à puces").click()
    page.keyboard.type("annulé le doublon")
    page.keyboard.press("Enter")
    page.keyboard.type("remboursé 49 €")
    page.keyboard.press("Enter")
    page.keyboard.press("Enter")  # out of the list
    page.keyboard.type("Voir la FAQ")
    for _ in "la FAQ":
        page.keyboard.press("Shift+ArrowLeft")
    page.once("dialog", lambda dialog: dialog.accept("ej.example/faq"))
    page.get_by_role("button", name="Ajouter un lien").click()
    expect(box.locator("a")).to_have_attribute("href", "https://ej.example/faq")
    expect(box.locator("b")).to_have_text("Hélène")
    expect(box.locator("ul > li")).to_have_count(2)
    e2e.shoot(page, "reply-formatted")

    page.get_by_role("button", name="Envoyer la réponse").click()
    expect(page.locator("#flash")).to_contain_text("Réponse envoyée.")
    shown = page.locator("#timeline li.msg.out").last.locator(".body.rich")
    expect(shown.locator("b")).to_have_text("Hélène")
    expect(shown.locator("ul > li")).to_have_text(["annulé le doublon", "remboursé 49 €"])
    expect(shown.locator("a")).to_have_attribute("href", "https://ej.example/faq")
    expect(box).to_have_text("")  # sent: the editor is empty again
    with brand_scope(desk.world.ej):
        sent = Message.objects.get(ticket=desk.billing, direction="out", is_automatic=False)
    assert "<b>Hélène</b>" in sent.html
    assert "<ul><li>annulé le doublon</li><li>remboursé 49 €</li></ul>" in sent.html
    assert '<a href="https://ej.example/faq" rel="noopener noreferrer nofollow">' in sent.html
    assert sent.text == (
        "Bonjour Hélène,\n"
        "Nous avons :\n\n"
        "- annulé le doublon\n"
        "- remboursé 49 €\n\n"
        "Voir la FAQ (https://ej.example/faq)"
    )


def test_the_history_folds_each_moment_and_opens_it_on_demand(desk_page: Page, desk: Desk):
    page = desk_page
    page.clock.install()
    world = desk.world
    desk.tick()
    services.ticket_reply(ticket=fresh(desk.billing), actor=world.agent, text="Bien reçu.")
    sign_in(page, "agent")
    open_ticket(page, desk.billing.reference)
    timeline = page.locator("#timeline")
    # One line for the reply's consequences, right after it; its details closed.
    after_reply = page.locator("#timeline li.msg.out:not(.auto) + li.moment")
    expect(after_reply).to_contain_text("Agent")
    expect(after_reply.locator("summary")).to_contain_text(re.compile(r"échéances? mises? à jour"))
    expect(after_reply.locator("ul")).to_be_hidden()
    lines = page.locator("#timeline li.moment")
    assert lines.count() < page.locator("#timeline li.moment li").count()  # folded
    after_reply.locator("summary").click()
    expect(after_reply.locator("ul")).to_contain_text("Échéance respectée : Première réponse")
    e2e.shoot(page, "history-moment-open")

    # A colleague changes the priority: the live refresh adds its line; the opened one stays.
    desk.tick()
    services.ticket_change(ticket=fresh(desk.billing), actor=world.lead, priority="urgent")
    page.clock.fast_forward(POLL_MS)
    expect(timeline).to_contain_text("priorité : Haute → Urgente")
    expect(page.locator("#timeline li.moment").last).to_contain_text("Lead")
    expect(after_reply.locator("ul")).to_be_visible()


def test_after_an_escalation_the_head_shows_who_has_it_and_hands_it_over(
    desk_page: Page, desk: Desk
):
    page = desk_page
    world = desk.world
    sign_in(page, "agent")
    open_ticket(page, desk.billing.reference)
    head = page.locator("#head")
    expect(head.locator(".who")).to_contain_text("Agent")
    expect(head.locator(".level")).to_contain_text("Niveau 1 – service clients")
    expect(head.locator(".deadline")).to_contain_text("Première réponse")

    page.keyboard.press("e")  # the level's form opens among the actions
    expect(page.locator("#escalate-reason")).to_be_focused()
    page.locator("#escalate-form select[name=to_level]").select_option("2")
    page.locator("#escalate-reason").fill("Litige sur le montant remboursé.")
    page.locator("#escalate-form").get_by_role("button", name="Changer de niveau").click()
    expect(page.locator("#flash")).to_contain_text("Niveau changé.")
    expect(head.locator(".who")).to_contain_text("Personne pour l’instant")
    expect(head.locator(".who")).to_have_class(re.compile(r"\bnobody\b"))
    expect(head.locator(".level")).to_contain_text("Niveau 2 – département concerné")
    expect(head.locator(".level")).to_contain_text("niveau 2 sur 3")
    expect(page.locator("#handoff-form")).to_have_count(0)  # an agent hands nothing out
    e2e.shoot(page, "head-after-escalation-agent")

    # The team lead sees whom to give it to: the people of level 2, and hands it over.
    lead = page.context.browser.new_context(  # type: ignore[union-attr]
        base_url=page.url.split("/desk/")[0], viewport=e2e.LAPTOP, locale="fr-FR"
    )
    try:
        other = lead.new_page()
        sign_in(other, "lead")
        open_ticket(other, desk.billing.reference)
        handoff = other.locator("#head .who #handoff-form")
        expect(handoff).to_contain_text("Le confier à")
        expect(handoff.locator("option")).to_have_text(["Investigator", "Lead"])
        e2e.shoot(other, "head-after-escalation-lead")
        handoff.locator("select").select_option(label="Investigator")
        handoff.get_by_role("button", name="Confier").click()
        expect(other.locator("#head .who")).to_contain_text("Investigator")
        expect(other.locator("#handoff-form")).to_have_count(0)
    finally:
        lead.close()
    assert fresh(desk.billing).assignee == world.investigator


def no_sideways_scroll(page: Page) -> None:
    """Nothing of the ticket page reaches past the window's right edge, nor scrolls inside
    it. (The desk's top bar, shared by every page, is held to the same by its own tests.)"""
    past = page.evaluate(
        """() => {
            const width = document.documentElement.clientWidth;
            const main = document.querySelector("main");
            const over = [...main.querySelectorAll("*")]
                .filter((el) => el.getClientRects().length)
                .filter((el) => el.getBoundingClientRect().right > width + 0.5)
                .map((el) => el.tagName.toLowerCase() + (el.id ? "#" + el.id : ""));
            if (main.scrollWidth > main.clientWidth) over.push("main scrolls");
            return over;
        }"""
    )
    assert not past, f"past the right edge: {past[:10]}"


def test_the_ticket_page_fits_a_phone_and_a_tablet(desk_page: Page, desk: Desk):
    page = desk_page
    world = desk.world
    services.ticket_reply(
        ticket=fresh(desk.billing),
        actor=world.agent,
        text="",
        html="<p>Voir https://ej.example/une-adresse-tres-longue-sans-espace-aucun-"
        "qui-ne-doit-pas-deborder-de-l-ecran-du-telephone</p>",
    )
    services.ticket_escalate(ticket=fresh(desk.billing), actor=world.agent, reason="Litige.")
    sign_in(page, "lead")
    for size in (PHONE, PHONE_390, e2e.TABLET):
        page.set_viewport_size(size)
        open_ticket(page, desk.billing.reference)
        no_sideways_scroll(page)
        summary = page.locator("#head .summary")
        expect(summary).to_be_in_viewport()  # who, which level, until when: at once
        expect(summary).to_contain_text("Personne pour l’instant")
        page.get_by_role("link", name="Répondre").click()
        box = page.locator("#reply-box")
        expect(box).to_be_focused()
        expect(box).to_be_in_viewport()
        no_sideways_scroll(page)
        page.evaluate("window.scrollTo(0, 0)")
        e2e.shoot(page, "ticket-page")
        page.locator("#level-box > summary").click()  # an action opened: still no scroll
        no_sideways_scroll(page)
