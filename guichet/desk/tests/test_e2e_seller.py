"""A marketplace dispute in a real browser (Debian's Chromium, Playwright, the live server):
the agent writes to the seller from the seller's panel, showing it the customer's message;
the seller's answer arrives on the seller's side of the history (live); the agent passes it
on to the customer from the reply editor, the seller's words quoted. The pages at laptop,
tablet and phone widths; screenshots in var/artefacts/e2e/."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from playwright.sync_api import Page, expect

from guichet.conftest import Market
from guichet.desk.tests import browser as e2e
from guichet.desk.tests.seller_cases import customer_message
from guichet.desk.tests.test_e2e import POLL_MS, sign_in
from guichet.desk.tests.test_e2e_ticket_page import PHONE
from guichet.lib.clock import FrozenClock
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import SellerParty
from guichet.tickets.choices import Channel, Direction, Verb
from guichet.tickets.models import Message

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors


NO_SIDEWAYS = """() => {
  const root = document.documentElement;
  return root.scrollWidth - root.clientWidth;
}"""


def test_the_agent_writes_to_the_seller_and_passes_its_answer_on(
    desk_page: Page, market: Market, frozen_clock: FrozenClock
):
    page = desk_page
    page.clock.install()
    ticket = market.ticket
    sign_in(page, "jagent")
    page.goto(reverse("desk:ticket", args=[ticket.reference]))
    panel = page.locator("#seller")
    expect(panel).to_contain_text("Atlas Électroménager")
    expect(panel).to_contain_text("pas encore sollicité")

    # Write to the seller, showing it the customer's first message.
    panel.get_by_role("link", name="Écrire au vendeur").click()
    box = page.get_by_role("textbox", name="Message au vendeur")
    expect(box).to_be_focused()
    page.keyboard.type("Bonjour, la cliente n'a rien reçu. Pouvez-vous vérifier l'envoi ?")
    first = customer_message(ticket)
    page.locator(f'#seller-form input[name="share"][value="{first.pk}"]').check()
    e2e.shoot_both(page, "seller-write")
    page.get_by_role("button", name="Envoyer au vendeur").click()
    expect(page.locator("#flash")).to_contain_text("Envoyé au vendeur.")
    to_seller = page.locator("#timeline li.msg.seller.out")
    expect(to_seller).to_contain_text("Au vendeur, Atlas Électroménager")
    expect(to_seller).to_contain_text("Pouvez-vous vérifier l'envoi ?")
    expect(page.locator("#timeline li.msg.note")).to_have_count(0)
    expect(page.locator(f"#m{first.pk}")).to_contain_text("montré au vendeur")
    expect(panel).to_contain_text("Sa réponse")
    with brand_scope(market.brand):
        first.refresh_from_db()
        assert first.shared_with_seller_at is not None

    # The seller answers on its portal; the open page shows it on the seller's side.
    frozen_clock.advance(timedelta(hours=2))
    answer = services.seller_receive(
        ticket=ticket,
        party=SellerParty(market.seller, market.person),
        text="Le colis est reparti hier avec un nouveau transporteur.",
        channel=Channel.WEB,
        proposal="replacement",
    )
    page.clock.fast_forward(POLL_MS)
    from_seller = page.locator(f"#m{answer.pk}")
    expect(from_seller).to_contain_text("Du vendeur — Youssef")
    expect(from_seller).to_contain_text("Remplacement")
    expect(from_seller).to_have_class("msg seller in")
    expect(panel).to_contain_text("a répondu le")  # the panel is redrawn with the history
    expect(panel).to_contain_text("Remplacement")

    # Pass it on: the editor comes back with the seller's words quoted.
    from_seller.get_by_role("button", name="Transmettre au client").click()
    editor = page.locator("#editor")
    expect(editor.locator(".passing-on")).to_contain_text("Atlas Électroménager")
    reply_box = page.get_by_role("textbox", name="Réponse au client")
    expect(reply_box).to_contain_text("nous a répondu")
    expect(reply_box).to_contain_text("Le colis est reparti hier avec un nouveau transporteur.")
    expect(reply_box).to_be_focused()
    page.keyboard.press("Enter")
    page.keyboard.type("Nous suivons la livraison pour vous.")
    e2e.shoot_both(page, "seller-pass-on")
    page.get_by_role("button", name="Envoyer au client").click()
    expect(page.locator("#flash")).to_contain_text("La réponse du vendeur est transmise au client.")
    expect(editor.locator(".passing-on")).to_have_count(0)  # the editor is a reply's again
    sent = page.locator("#timeline li.msg.out:not(.seller):not(.auto)").last
    expect(sent).to_contain_text("Le colis est reparti hier")
    expect(sent).to_contain_text("Nous suivons la livraison pour vous.")
    with brand_scope(market.brand):
        reply = Message.objects.get(
            ticket=ticket, direction=Direction.OUTBOUND, is_internal=False, is_automatic=False
        )
        shared = ticket.events.get(verb=Verb.SELLER_ANSWER_SHARED)
    assert "Le colis est reparti hier avec un nouveau transporteur." in reply.text
    assert "Nous suivons la livraison pour vous." in reply.text
    assert shared.data["seller_message"] == answer.pk

    # The page with the seller's side, at a phone's width: nothing scrolls sideways.
    page.set_viewport_size(PHONE)
    assert page.evaluate(NO_SIDEWAYS) <= 0
    e2e.shoot(page, "seller-ticket-phone")


def test_the_sellers_pages_in_the_browser(desk_page: Page, market: Market):
    page = desk_page
    services.strike_record(
        ticket=market.ticket, actor=market.agent, reason="refused", note="Refuse tout échange."
    )
    sign_in(page, "jmanager")
    page.goto(reverse("desk:inbox", args=["mine"]))
    page.get_by_role("navigation", name="Vues").get_by_role("link", name="Vendeurs").click()
    expect(page.locator("h1")).to_have_text("Vendeurs")
    page.get_by_role("link", name="Atlas Électroménager").click()
    expect(page.locator("h1")).to_contain_text("Atlas Électroménager")
    page.get_by_text("Changer son statut").click()
    page.get_by_label("Nouveau statut").select_option("restricted")
    page.get_by_label("Motif").fill("Refus répétés de coopérer.")
    e2e.shoot_both(page, "seller-page")
    page.get_by_role("button", name="Changer le statut").click()
    expect(page.locator("#flash")).to_contain_text("Le vendeur est désormais restreint.")
    expect(page.locator("h1 .badge")).to_have_text("Restreint")
    page.goto(reverse("desk:ticket", args=[market.ticket.reference]))
    expect(page.locator("#head .badge.seller")).to_contain_text("restreint")
    page.set_viewport_size(PHONE)
    page.goto(reverse("desk:seller", args=[market.seller.pk]))
    assert page.evaluate(NO_SIDEWAYS) <= 0
    e2e.shoot(page, "seller-page-phone")
