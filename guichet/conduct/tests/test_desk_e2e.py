"""The conduct procedure in a real browser (Debian's Chromium, Playwright, the live server),
Respect's policy: the flag with its words marked, confirmed from the panel (the warning),
then the block and its banner, the held message on the manager's page; at laptop and
phone widths, in French and English, without sideways scrolling. Screenshots in
var/artefacts/e2e/."""

from __future__ import annotations

import re
from typing import Any

from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Page, ViewportSize, expect

from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import sign_in

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors

DESKTOP: ViewportSize = {"width": 1280, "height": 800}
PHONE: ViewportSize = {"width": 390, "height": 844}
INSULT = "Bonjour, vous êtes vraiment une bande de connards, ma commande n'est jamais arrivée."
AGAIN = "Toujours rien. Bande de connards."
HELD = "Je voulais aussi signaler un vrai défaut du produit."

NO_SIDEWAYS = """() => {
  const root = document.documentElement;
  return root.scrollWidth - root.clientWidth;
}"""


def both(page: Page, name: str) -> None:
    for size in (DESKTOP, PHONE):
        page.set_viewport_size(size)
        assert page.evaluate(NO_SIDEWAYS) <= 0, (name, size)
        e2e.shoot(page, name)
    page.set_viewport_size(DESKTOP)


def english(name: str, *args: Any) -> str:
    with translation.override("en"):
        return reverse(name, args=args)


def test_a_flag_confirmed_then_the_block_and_the_held_message(desk_page: Page, respect):
    page = desk_page
    page.set_viewport_size(DESKTOP)
    ticket = respect.email(INSULT).ticket
    sign_in(page, "respect-manager")
    page.goto(reverse("desk:ticket", args=[ticket.reference]))
    panel = page.locator("#conduct")
    expect(panel).to_contain_text("Insulte")
    expect(page.locator("#timeline mark")).to_have_text(["connards"])
    both(page, "conduct-flag-fr")
    page.goto(english("desk:ticket", ticket.reference))
    expect(panel).to_contain_text("Insult")
    both(page, "conduct-flag-en")

    # Confirmed from the panel: the flash says the warning went out.
    page.goto(reverse("desk:ticket", args=[ticket.reference]))
    panel.get_by_role("button", name="Confirmer : abusif").click()
    expect(page.locator("#flash")).to_contain_text(re.compile(r"Avertissement 1 sur 1 envoyé"))
    expect(panel).to_contain_text("Confirmé abusif")

    # It goes on; confirmed again, the customer is blocked: the banner.
    respect.email(AGAIN, reply_to=ticket.reference)
    page.reload()
    panel.get_by_role("button", name="Confirmer : abusif").click()
    expect(page.locator("#flash")).to_contain_text("Client bloqué")
    expect(page.locator("#head .banner.blocked")).to_contain_text("Client bloqué")
    page.evaluate("window.scrollTo(0, 0)")
    both(page, "conduct-blocked-fr")

    # The next email is held: on the manager's page, with the count in the views.
    respect.email(HELD)
    page.goto(reverse("desk:held"))
    expect(page.locator(".held-list")).to_contain_text(HELD)
    expect(page.locator("#views")).to_contain_text("Messages retenus")
    both(page, "conduct-held-fr")
    page.goto(english("desk:held"))
    expect(page.locator(".held-list")).to_contain_text("lift the block")
    both(page, "conduct-held-en")
