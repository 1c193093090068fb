"""A new ticket, the caller log and the callbacks in a real browser (Debian's Chromium
driven by Playwright, the live server; docs/telephony.md): an agent finds the customer as
they type, logs the call and asks for a callback, opens the ticket and sees it; the caller
log shows a call ringing within the 5 seconds of its refresh; the callback waits in their
list. Each page at 360 px and 1366 px: nothing scrolls sideways, axe-core finds nothing
serious; screenshots in var/artefacts/e2e/."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from guichet.conftest import World
from guichet.contacts.services import contact_for_email
from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import sign_in
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.telephony import services
from guichet.telephony.models import Call, Callback
from guichet.tickets.models import Ticket

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors

PHONE: ViewportSize = {"width": 360, "height": 780}
# Longer than the caller log's refresh (every 5 s).
POLL_MS = 6_000


def look(page: Page, name: str) -> list[str]:
    """What is wrong with the page at a phone's width and a laptop's: anything wider than
    the phone, axe-core's serious and critical findings. A screenshot at each."""
    found: list[str] = []
    for size in (PHONE, e2e.LAPTOP):
        page.set_viewport_size(size)
        overflow = page.evaluate(
            "document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        if overflow > 0:
            found.append(f"{name} at {size['width']} px: scrolls sideways by {overflow} px")
        e2e.shoot(page, name, size=size)
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"][:3]]
            found.append(f"{name}: {violation['impact']} {violation['id']}: {targets}")
    return found


def test_an_agent_records_a_call_as_a_new_ticket_and_finds_it_in_the_calls(
    desk_page: Page, world: World, frozen_clock: clock.FrozenClock, template_errors: Any
):
    page = desk_page
    page.clock.install()
    contact_for_email(brand=world.ej, email="helena@example.jm", name="Helena Campbell")
    findings: list[str] = []
    sign_in(page, "agent")
    page.get_by_role("link", name="Nouveau ticket").first.click()
    expect(page.get_by_role("heading", name="Nouveau ticket")).to_be_visible()
    findings += look(page, "new-ticket-empty")

    # The customer, found as the agent types (EJ's only).
    page.get_by_label("Trouver le client").fill("Hél")
    choice = page.get_by_label("Hélène Lefèvre")
    expect(choice).to_be_visible()
    expect(page.locator("#customer-results")).not_to_contain_text("Helena Campbell")
    choice.check()

    # The request: on the phone (the default channel), the call, a callback.
    expect(page.get_by_label("Téléphone", exact=True)).to_be_checked()
    page.get_by_label("Type", exact=True).select_option("complaint")
    page.get_by_label("Catégorie", exact=True).select_option("billing")
    page.get_by_label("Objet").fill("Remboursement non reçu")
    page.get_by_label("Ce que le client a dit ou écrit").fill(
        "La cliente attend son remboursement depuis trois semaines."
    )
    expect(page.get_by_label("Durée (minutes)")).to_be_visible()
    page.get_by_label("Durée (minutes)").fill("6")
    page.get_by_label("Son numéro").fill("+33 6 12 34 56 78")
    expect(page.get_by_label("Au plus tard le")).to_be_hidden()
    page.get_by_label("Rappeler le client").check()
    expect(page.get_by_label("Au plus tard le")).to_be_visible()
    expect(page.locator(".nt-letter")).to_be_hidden()  # not a letter
    findings += look(page, "new-ticket-filled")

    page.get_by_role("button", name="Ouvrir le ticket").click()
    with brand_scope(world.ej):
        ticket = Ticket.objects.exclude(pk=world.ticket.pk).get()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:ticket", args=[ticket.reference]))))
    expect(page.locator("#flash")).to_contain_text(f"Ticket {ticket.reference} ouvert.")
    expect(page.locator("#flash")).to_contain_text("Rappel prévu.")
    expect(page.locator("#timeline")).to_contain_text("Appel")
    expect(page.locator("#timeline")).to_contain_text("6 min")
    e2e.shoot(page, "new-ticket-opened")
    assert ticket.channel == "phone" and ticket.contact == world.customer
    assert (ticket.contact_type, ticket.category) == ("complaint", "billing")
    with brand_scope(world.ej):
        call = Call.objects.get(ticket=ticket)
        callback = Callback.objects.get(ticket=ticket)
    assert call.duration_s == 360 and callback.assignee == world.agent

    # The caller log: the call is there; a call ringing appears within its refresh.
    page.goto(reverse("desk:calls"))
    expect(page.locator("#calls-log")).to_contain_text(ticket.reference)
    services.call_ring(
        brand=world.ej,
        external_id="e2e-1",
        direction="in",
        from_number="+33 6 12 34 56 78",
        to_number="+1 876 000 0000",
        at=clock.now(),
    )
    page.clock.fast_forward(POLL_MS)
    live = page.locator(".live-call")
    expect(live).to_contain_text("Hélène Lefèvre")
    expect(live).to_contain_text(ticket.reference)
    findings += look(page, "calls")

    # The callbacks: the agent's, due tomorrow.
    page.get_by_role("link", name=re.compile("^Rappels")).first.click()
    expect(page.locator(f"#cb{callback.pk}")).to_contain_text("Hélène Lefèvre")
    expect(page.locator(f"#cb{callback.pk}")).to_contain_text(
        "+33 6 12 34 56 78"
    )  # spaced to be read
    findings += look(page, "callbacks")
    assert not findings, "\n".join(findings)
