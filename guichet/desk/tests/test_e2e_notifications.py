"""The bell and the notifications' panel in a real browser (Debian's Chromium driven by
Playwright; guichet/desk/tests/browser.py): a deadline warning recorded while the agent's
inbox is open appears in the bell's count at its next refresh (announced by its status
region), the agent opens the panel, the warning is there marked unread, a click goes to
the ticket and the count drops.

Time: the domain's clock is frozen; the page's timers (the bell's refresh every 30 s) run
on Playwright's clock, fast-forwarded instead of waited for."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import expect

from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import sign_in
from guichet.tickets import services
from guichet.tickets.actors import System
from guichet.tickets.choices import Verb

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors

BELL_MS = 31_000  # longer than the bell's refresh (every 30 s)


def test_a_deadline_warning_rings_the_bell_and_leads_to_its_ticket(desk_page, world):
    page = desk_page
    ticket = world.ticket
    services.ticket_assign(ticket=ticket, actor=world.agent, assignee=world.agent)
    page.clock.install()
    sign_in(page, "agent")
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:inbox", args=["mine"]))))
    bell = page.locator("a.bell")
    expect(bell).to_have_accessible_name("Notifications")
    expect(page.locator(".bell-badge")).to_have_count(0)

    # The watcher warns of the deadline while the inbox is open.
    services.ticket_record(
        ticket=ticket,
        actor=System("sla"),
        verb=Verb.DEADLINE_WARNED,
        data={"kind": "first_response", "due": "2026-11-24T14:00:00+00:00"},
    )
    page.clock.fast_forward(BELL_MS)
    expect(page.locator(".bell-badge")).to_have_text("1")
    expect(bell).to_have_accessible_name("Notifications (1 non lue)")
    expect(page.locator("#bell-status")).to_have_text("Vous avez 1 notification non lue.")
    e2e.shoot(page, "bell-rings", full_page=False)

    bell.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:notifications"))))
    expect(page.locator("h1")).to_have_text("Notifications")
    item = page.locator("ol.notes li.note").first
    expect(item).to_have_class(re.compile(r"\bunread\b"))
    expect(item.locator(".note-kind")).to_have_text("Échéance proche")
    expect(item.locator(".badge.new")).to_have_text("Nouveau")
    e2e.shoot_both(page, "notifications-panel")

    item.get_by_role("link").click()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:ticket", args=[ticket.reference]))))
    expect(page.locator(".bell-badge")).to_have_count(0)
    expect(bell).to_have_accessible_name("Notifications")

    page.go_back()
    page.reload()
    expect(page.locator("ol.notes li.note.unread")).to_have_count(0)
