"""The portal in a real browser (Debian's Chromium driven by Playwright, against the live
server; see guichet/desk/tests/browser.py), on a phone-sized window: submit the contact
form with a file, ask for a sign-in link, follow it, reply, ask for the next level.
Screenshots at phone and laptop sizes are kept in var/artefacts/e2e/."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import Browser, Page, ViewportSize, expect

from guichet.conftest import World
from guichet.desk.tests import browser as e2e
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.portal.tests.conftest import url
from guichet.tickets.models import Ticket

browser = e2e.browser
template_errors = e2e.template_errors

PHONE: ViewportSize = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n%%EOF\n"


def shoot(page: Page, name: str) -> None:
    for size in (PHONE, e2e.LAPTOP):
        e2e.shoot(page, f"portal-{name}", size=size)


def test_a_customer_writes_follows_and_escalates(
    browser: Browser,
    live_server: Any,
    world: World,
    mailoutbox: list[Any],
    template_errors: list[str],
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(e2e.TIMEOUT_MS)
    page = context.new_page()

    page.goto("/en" + url(world.ej, "contact"))
    page.get_by_label("Your name").fill("Ana Brown")
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_label("What is it about?").select_option("complaint")
    page.get_by_label("Topic").select_option("billing")
    page.get_by_label("Subject").fill("Charged twice")
    page.get_by_label("Your message").fill("My card was charged twice.")
    page.get_by_label("Files (optional)").set_input_files(
        [{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_label("I agree").check()
    shoot(page, "contact")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("received your request")
    reference = page.locator(".reference strong").inner_text()
    shoot(page, "contact-sent")
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(reference=reference)
        assert OutboundEmail.objects.filter(ticket=ticket, automatic=True).exists()

    page.goto("/en" + url(world.ej, "track"))
    page.get_by_label("Reference of your request").fill(reference)
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    [mail] = mailoutbox
    path = re.search(r"https?://[^/\s]+(/\S+)", mail.body)
    assert path

    page.goto(path.group(1))
    shoot(page, "signin")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Charged twice")
    assert "/signin" not in page.url  # the secret left the address bar
    expect(page.locator(".timeline")).to_contain_text("receipt.pdf")

    page.locator("#reply-message").fill("Here is my bank statement.")
    page.get_by_role("button", name="Send").click()
    expect(page.locator(".timeline")).to_contain_text("Here is my bank statement.")

    page.locator("#escalate-reason").fill("Nobody answers.")
    page.get_by_role("button", name="Ask for the next level").click()
    expect(page.locator(".timeline")).to_contain_text("At your request, moved to")
    shoot(page, "request")
    with brand_scope(world.ej):
        assert Ticket.objects.get(pk=ticket.pk).level == 2
    context.close()
