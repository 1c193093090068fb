"""The desk's lists in a real browser, at a phone's, a tablet's and a laptop's width: no page
scrolls sideways, a phone shows each ticket as a card (reference, subject, customer,
status, next deadline) under the views folded behind a button and the filters behind
"Filtres"; the filters offered are those that can narrow the list for the person; an agent
saves the list as a view of their own, uses it, renames it and deletes it; the keyboard and
the live refresh work on a saved view as on the built-in ones.

Screenshots of each page at each width are kept in var/artefacts/e2e/."""

from __future__ import annotations

import re

from django.core.cache import cache
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from playwright.sync_api import Page, ViewportSize, expect

from guichet.accounts.models import Membership, Role
from guichet.conftest import T0
from guichet.desk.models import SavedView
from guichet.desk.tests import browser as e2e
from guichet.desk.tests.test_e2e import POLL_MS, Desk, desk, row, sign_in, totp_code
from guichet.intake.models import InboundEmail, InboundSource, InboundState
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller
from guichet.tickets import services

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors
__all__ = ["desk"]  # the fixture, from the desk's end-to-end tests

PHONE: ViewportSize = {"width": 360, "height": 780}
WIDTHS = [PHONE, {"width": 390, "height": 844}, e2e.TABLET, e2e.LAPTOP]


def assert_no_sideways_scroll(page: Page, name: str) -> None:
    """At every width: nothing wider than the window; a screenshot of each."""
    for size in WIDTHS:
        page.set_viewport_size(size)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= size["width"], f"{name} is {wide} px wide at {size['width']} px"
        e2e.shoot(page, name, size=size)
    page.set_viewport_size(e2e.LAPTOP)


def test_the_inbox_fits_a_phone_with_cards_and_folded_views(desk_page, desk: Desk):
    page = desk_page
    sign_in(page, "agent")
    expect(row(page, desk.billing)).to_be_visible()
    assert_no_sideways_scroll(page, "inbox")

    page.set_viewport_size(PHONE)
    # The views fold behind one button naming the current view; it opens them.
    views = page.locator("#views")
    toggle = page.locator(".nav-toggle")
    expect(views).to_be_hidden()
    expect(toggle).to_contain_text("Les miens")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    toggle.click()
    expect(views).to_be_visible()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(views.locator("a[aria-current=page]")).to_contain_text("Les miens")
    e2e.shoot(page, "inbox-views-open", size=PHONE, full_page=False)
    toggle.click()
    expect(views).to_be_hidden()

    # A card: reference, subject, customer, status and next deadline, one above the other.
    card = row(page, desk.billing)
    box = card.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    for text in (desk.billing.reference, "Facture en double", "Hélène Lefèvre", "Nouveau"):
        expect(card).to_contain_text(text)
    expect(card.locator(".c-due time")).to_be_visible()
    expect(page.locator("table.tickets thead")).to_have_css("position", "absolute")

    # The filters fold behind "Filtres"; the person's menu holds the languages.
    fields = page.locator("#filters")
    expect(fields).to_be_hidden()
    page.get_by_text("Filtres", exact=True).click()
    expect(fields).to_be_visible()
    e2e.shoot(page, "inbox-filters-open", size=PHONE, full_page=False)
    page.locator("details.menu > summary").click()
    menu = page.locator(".menu-panel")
    expect(menu.get_by_role("button", name="Français")).to_have_attribute("aria-current", "true")
    expect(menu.get_by_role("button", name="English")).to_have_attribute("lang", "en")
    e2e.shoot(page, "inbox-menu-open", size=PHONE, full_page=False)
    menu.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Mine")
    assert_no_sideways_scroll(page, "inbox-en")


def test_search_and_a_saved_view_fit_a_phone(desk_page, desk: Desk):
    page = desk_page
    sign_in(page, "agent")
    page.goto(reverse("desk:search") + "?q=Colis")
    expect(page.locator("table.tickets tbody tr")).to_have_count(1)
    assert_no_sideways_scroll(page, "search")
    with brand_scope(desk.world.ej):
        view = SavedView.objects.create(
            user=desk.world.agent,
            brand=desk.world.ej,
            name="Réclamations à traiter en priorité absolue cette semaine",
            base="mine",
            filters={"contact_type": "complaint"},
            created_at=T0,
            updated_at=T0,
        )
    page.goto(reverse("desk:saved", args=[view.pk]))
    expect(row(page, desk.parcel)).to_be_visible()
    assert_no_sideways_scroll(page, "saved-view-long-name")


def test_the_quarantine_fits_a_phone(desk_page, desk: Desk):
    world = desk.world
    with brand_scope(world.ej):
        InboundEmail.objects.create(
            brand=world.ej,
            source=InboundSource.choices[0][0],
            raw=b"From: nobody",
            size=12,
            sha256="0" * 64,
            dedupe_key="e2e-quarantined",
            received_at=T0,
            state=InboundState.QUARANTINED,
            reason="parse_error",
            detail="x" * 300,  # one long word: it wraps, the page does not widen
        )
    device = TOTPDevice.objects.create(user=world.admin, name="phone", confirmed=True)
    page = desk_page
    sign_in(page, "ejadmin")
    page.locator("#id_code").fill(totp_code(device))
    page.locator("main form button[type=submit]").first.click()
    expect(page.locator("h1")).to_have_text("Les miens")
    page.goto(reverse("desk:quarantine"))
    expect(page.locator("table.quarantine tbody tr")).to_have_count(1)
    assert_no_sideways_scroll(page, "quarantine")


def filters_offered(page: Page) -> set[str]:
    return set(page.locator("#filters select").evaluate_all("els => els.map(e => e.name)"))


def test_the_filters_offered_are_those_that_apply_to_the_person(desk_page, desk: Desk):
    page = desk_page
    world = desk.world
    sign_in(page, "agent")
    offered = filters_offered(page)
    assert "brand" not in offered and "seller" not in offered  # one brand, no marketplace
    assert {"status", "priority", "category", "level"} <= offered
    page.goto(reverse("desk:inbox", args=["team"]))
    assert "team" not in filters_offered(page)  # the agent is in one team

    # Once in Jamla24 too, which has a seller: the brand and the seller are offered.
    Membership.objects.create(user=world.agent, brand=world.jamla, role=Role.AGENT)
    with brand_scope(world.jamla):
        Seller.objects.create(brand=world.jamla, name="Boutique Kingston", created_at=T0)
    page.goto(reverse("desk:inbox", args=["unassigned"]))
    offered = filters_offered(page)
    assert {"brand", "seller", "team"} <= offered
    expect(page.locator("#id_seller option", has_text="Boutique Kingston")).to_have_count(1)
    e2e.shoot(page, "inbox-filters-two-brands", full_page=False)


def test_an_agent_saves_uses_renames_and_deletes_a_view(desk_page, desk: Desk):
    page = desk_page
    world = desk.world
    page.clock.install()  # the live refresh runs on a clock the test moves
    sign_in(page, "agent")
    expect(row(page, desk.billing)).to_be_visible()

    # Narrow "mine" to complaints, oldest first: chips say so, each can be taken away.
    page.get_by_text("Filtres", exact=True).click()
    page.locator("#id_contact_type").select_option("complaint")
    page.get_by_role("button", name="Appliquer les filtres").click()
    chips = page.locator("ul.chips")
    expect(chips).to_contain_text("Type\u00a0: Réclamation")
    page.locator("#id_sort").select_option("created")  # sent as soon as chosen
    expect(page).to_have_url(re.compile(r"sort=created"))
    expect(row(page, desk.parcel)).to_be_visible()
    expect(row(page, desk.gallery)).to_have_count(0)  # a question

    # Saved under a name: the view is among "Mes vues", current, with its count.
    page.get_by_text("Enregistrer comme vue", exact=True).click()
    page.get_by_label("Nom de la vue").fill("Réclamations")
    page.get_by_role("button", name="Enregistrer la vue").click()
    expect(page.locator("#flash")).to_contain_text("Vue enregistrée")
    expect(page.locator("h1")).to_have_text("Réclamations")
    mine = page.locator("#views a[aria-current=page]")
    expect(mine).to_contain_text("Réclamations")
    expect(mine.locator(".count")).to_have_text("2")  # Hélène's and Awa's complaints
    view = SavedView.objects.get(user=world.agent)
    assert view.filters == {"contact_type": "complaint"} and view.sort == "created"
    e2e.shoot_both(page, "saved-view")

    # The keyboard moves in it as in any list.
    page.keyboard.press("j")
    expect(page.locator("#list tbody tr").first).to_have_class(re.compile(r"\bcurrent\b"))

    # The live refresh: a complaint given to the agent joins the view and its count.
    desk.tick()
    services.ticket_change(ticket=desk.booking, actor=world.lead, contact_type="complaint")
    services.ticket_assign(ticket=desk.booking, actor=world.lead, assignee=world.agent)
    cache.clear()
    page.clock.fast_forward(POLL_MS)
    expect(row(page, desk.booking)).to_be_visible()
    expect(page.locator("#views a[aria-current=page] .count")).to_have_text("3")

    # Renamed, then deleted: back to the list it was made from.
    page.get_by_text("Modifier cette vue", exact=True).click()
    page.locator(".edit-view").get_by_label("Nom de la vue").fill("Réclamations à suivre")
    page.get_by_role("button", name="Renommer", exact=True).click()
    expect(page.locator("h1")).to_have_text("Réclamations à suivre")
    expect(page.locator("#views")).to_contain_text("Réclamations à suivre")
    page.get_by_text("Modifier cette vue", exact=True).click()
    page.get_by_role("button", name="Supprimer cette vue").click()
    expect(page.locator("#flash")).to_contain_text("Vue supprimée.")
    expect(page.locator("h1")).to_have_text("Les miens")
    expect(page.locator("#views")).not_to_contain_text("Réclamations")
    assert not SavedView.objects.exists()


def test_another_agent_does_not_see_the_view(desk_page, desk: Desk):
    world = desk.world
    with brand_scope(world.ej):
        SavedView.objects.create(
            user=world.agent,
            brand=world.ej,
            name="Réclamations de l'agent",
            base="mine",
            filters={"contact_type": "complaint"},
            created_at=T0,
            updated_at=T0,
        )
    page = desk_page
    sign_in(page, "agent2")
    expect(page.locator("h1")).to_have_text("Les miens")
    expect(page.locator("#views")).not_to_contain_text("Réclamations de l'agent")
    expect(page.locator(".views-hint")).to_be_visible()
