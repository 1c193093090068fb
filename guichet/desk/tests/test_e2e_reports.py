"""The reports' dashboard in a real browser, at a laptop's width and a phone's: the cards,
the five charts drawn (images with their titles), the brand's figures as tables that
scroll inside their box rather than widen the page, the filters (a form that works without
a script), and a number followed to the tickets behind it.

Screenshots at 1280 and 390 px wide are kept in var/artefacts/e2e/."""

from __future__ import annotations

import re

from django.urls import reverse
from playwright.sync_api import Page, ViewportSize, expect

from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import Desk, desk, sign_in

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors
__all__ = ["desk"]  # the fixture, from the desk's end-to-end tests

DESKTOP: ViewportSize = {"width": 1280, "height": 900}
PHONE: ViewportSize = {"width": 390, "height": 844}


def fits(page: Page, size: ViewportSize) -> None:
    page.set_viewport_size(size)
    wide = page.evaluate("document.documentElement.scrollWidth")
    assert wide <= size["width"], f"the dashboard is {wide} px wide at {size['width']} px"


def test_the_dashboard_draws_its_charts_and_leads_to_the_tickets(desk_page: Page, desk: Desk):
    page = desk_page
    sign_in(page, "lead")
    page.get_by_role("link", name="Rapports").first.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:reports"))))
    expect(page.locator("h1")).to_contain_text("Rapports · Expérience Jamaïque")

    charts = page.locator("svg.chart[role=img]")
    expect(charts).to_have_count(5)
    for title in ("Dossiers reçus par jour et par canal", "Dossiers ouverts par ancienneté"):
        expect(page.get_by_role("img", name=title)).to_be_visible()
    # Each chart is as wide as its box, at a laptop's width and a phone's.
    for size in (DESKTOP, PHONE):
        fits(page, size)
        for index in range(5):
            chart, box = charts.nth(index), page.locator(".chart-box").nth(index)
            drawn, inside = chart.bounding_box(), box.bounding_box()
            assert drawn and inside and drawn["width"] <= inside["width"]
            assert drawn["height"] > 40
        e2e.shoot(page, "reports-dashboard", size=size)
    # A figure's table scrolls inside its box on a phone.
    page.set_viewport_size(PHONE)
    scroller = page.locator("#kpi-deadlines_met_per_level .table-scroll")
    expect(scroller).to_be_visible()
    assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")
    page.set_viewport_size(DESKTOP)

    # The filters: a plain GET form.
    page.locator("#id_channel").select_option("email")
    page.get_by_role("button", name="Afficher").click()
    expect(page).to_have_url(re.compile(r"channel=email"))
    received = page.locator(".report-card").first.locator(".card-number a")
    expect(received).to_have_text("4")

    # A number leads to the tickets it counts.
    received.click()
    expect(page).to_have_url(re.compile(re.escape(reverse("desk:report_tickets"))))
    expect(page.locator("h1")).to_have_text("4 dossiers derrière ce chiffre")
    for ticket in (desk.billing, desk.gallery, desk.parcel, desk.booking):
        expect(page.locator("table.behind")).to_contain_text(ticket.reference)
    fits(page, PHONE)
    e2e.shoot(page, "reports-tickets", size=PHONE)
    page.set_viewport_size(DESKTOP)
    page.get_by_role("link", name="Retour aux rapports").click()
    expect(page.locator("#id_channel")).to_have_value("email")


def test_the_dashboard_in_english(desk_page: Page, desk: Desk):
    page = desk_page
    sign_in(page, "manager")
    page.goto("/en" + reverse("desk:reports"))
    expect(page.locator("h1")).to_contain_text("Reports · ")
    expect(page.get_by_role("img", name="Tickets received per day and channel")).to_be_visible()
    for size in (DESKTOP, PHONE):
        fits(page, size)
        e2e.shoot(page, "reports-dashboard-en", size=size)
