"""The seller portal in a real browser (Debian's Chromium driven by Playwright, against
the live server; see guichet/desk/tests/browser.py), on a phone-sized window: a seller's
person asks for a sign-in link with their address, follows the emailed link, reads the
dispute the agent asked about, and answers with evidence and a proposed refund. The
screenshots are kept in var/artefacts/e2e/."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from playwright.sync_api import Browser, ConsoleMessage, Page, ViewportSize, expect

from guichet.conftest import Market
from guichet.desk.tests import browser as e2e
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Proposal
from guichet.sellerportal.tests.conftest import url
from guichet.tickets.models import Message, Ticket

browser = e2e.browser
template_errors = e2e.template_errors

PHONE: ViewportSize = {"width": 390, "height": 844}
PDF = b"%PDF-1.4\n%%EOF\n"


def shoot(page: Page, name: str) -> None:
    for size in (PHONE, e2e.LAPTOP):
        e2e.shoot(page, f"sellerportal-{name}", size=size)


def test_a_seller_signs_in_by_link_reads_the_dispute_and_proposes_a_refund(
    browser: Browser,
    live_server: Any,
    asked: Market,
    mailoutbox: list[Any],
    template_errors: list[str],
) -> None:
    market = asked
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(e2e.TIMEOUT_MS)
    problems: list[str] = []

    def console(message: ConsoleMessage) -> None:
        # The refused answer below is a 400 on purpose; any other error is a problem.
        where = message.location.get("url", "")
        if message.type == "error" and not where.endswith("/answer"):
            problems.append(f"{message.text} ({where})")

    context.on("console", console)
    page = context.new_page()

    # Signed out, the dispute's address leads to the sign-in page, which brings back there.
    page.goto(url(market.brand, "dispute", reference=market.ticket.reference, language="en"))
    expect(page.get_by_role("heading", level=1)).to_have_text("Seller area: sign in")
    shoot(page, "signin-ask")
    page.get_by_label("Your email address").fill("youssef@atlas.example")
    page.get_by_role("button", name="Send me a link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Check your email")
    [mail] = mailoutbox
    found = re.search(r"https?://[^/\s]+(/en/s/jamla24/signin/\S+)", mail.body)
    assert found, mail.body

    page.goto(found.group(1))
    expect(page.locator("main")).to_contain_text("Atlas Électroménager")
    shoot(page, "signin")
    page.locator("main").get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lave-linge jamais livré")
    assert "/signin" not in page.url  # the secret left the address bar
    timeline = page.locator(".timeline")
    expect(timeline).to_contain_text("The customer wrote")
    expect(timeline).to_contain_text("Commande JM-889")
    expect(timeline).not_to_contain_text("Salma")
    expect(timeline).not_to_contain_text("0612345678")
    expect(page.locator("main")).to_contain_text("Dispute with a seller")
    shoot(page, "dispute")

    # The list of disputes, in French too: the session holds in both languages.
    page.get_by_role("link", name="Français").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Lave-linge jamais livré")
    page.get_by_role("navigation").get_by_role("link", name="Mes litiges").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Mes litiges")
    expect(page.locator(".requests")).to_contain_text(market.ticket.reference)
    shoot(page, "disputes")
    page.get_by_role("link", name="English").click()
    page.get_by_role("link", name="Lave-linge jamais livré").click()

    # An answer with a refusal but no reason: the form says so and keeps what was written.
    page.get_by_label("Your answer").fill("The parcel was delivered on the 12th.")
    page.get_by_label("Refusal").check()
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator("main")).to_contain_text("Say why you refuse.")
    expect(page.get_by_label("Your answer")).to_have_value("The parcel was delivered on the 12th.")
    shoot(page, "answer-refused")

    # Then the answer it means: a refund, with its amount and the invoice.
    page.get_by_label("Your answer").fill("We refund the order JM-889 in full.")
    page.get_by_label("Refund", exact=True).check()
    page.get_by_label("Amount of the refund (optional)").fill("2499.50")
    page.get_by_label("Evidence: files (optional)").set_input_files(
        [{"name": "invoice.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Send my answer").click()
    expect(page.locator(".flash")).to_contain_text("Your answer is sent to Jamla24.")
    expect(timeline).to_contain_text("We refund the order JM-889 in full.")
    expect(page.locator(".proposal")).to_contain_text("Refund")
    expect(page.locator(".proposal")).to_contain_text("2,499.50")
    expect(timeline).to_contain_text("invoice.pdf")
    shoot(page, "answered")

    with brand_scope(market.brand):
        answer = Message.objects.get(ticket=market.ticket, seller=market.seller, direction="in")
        proposal = Proposal.objects.get(message=answer)
        ticket = Ticket.objects.get(pk=market.ticket.pk)
    assert answer.is_internal and answer.seller_person_id == market.person.pk
    assert (proposal.kind, proposal.amount, proposal.currency) == (
        "refund",
        Decimal("2499.50"),
        "MAD",
    )
    assert ticket.seller_answered_at is not None

    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Seller area: sign in")
    context.close()
    assert not problems, problems
