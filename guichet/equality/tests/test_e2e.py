"""Equality monitoring in a real browser (Debian's Chromium driven by Playwright; see
guichet/desk/tests/browser.py), at a phone's width (360 px): a customer sends a complaint,
follows the offer and answers; a manager reads the figures in the desk, in French. On
each page axe-core finds no serious or critical violation and nothing scrolls sideways;
screenshots (phone and laptop) are kept in var/artefacts/e2e/equality-*.png."""

from __future__ import annotations

import re
from typing import Any

from axe_playwright_python.sync_playwright import Axe
from django.urls import reverse
from django.utils import translation
from playwright.sync_api import Browser, Page, ViewportSize, expect

from guichet.conftest import World
from guichet.desk.tests import browser as e2e
from guichet.equality import services
from guichet.equality.tests.conftest import counts, open_ticket
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import url

browser = e2e.browser
template_errors = e2e.template_errors

PHONE: ViewportSize = {"width": 360, "height": 780}


def look(page: Page, name: str) -> list[str]:
    """What is wrong with the page as it is: axe-core's serious and critical findings, and
    anything wider than the phone. Screenshots at the phone's and a laptop's width."""
    page.wait_for_load_state("load")
    found = []
    overflow = page.evaluate(
        "document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )
    if overflow > 0:
        found.append(f"{name}: scrolls sideways by {overflow} px")
    for violation in Axe().run(page).response["violations"]:
        if violation["impact"] in ("serious", "critical"):
            targets = [node["target"] for node in violation["nodes"][:3]]
            found.append(f"{name}: {violation['impact']} {violation['id']}: {targets}")
    # A fresh load: axe leaves style attributes behind on what it looked at.
    page.reload()
    for size in (PHONE, e2e.LAPTOP):
        e2e.shoot(page, f"equality-{name}", size=size)
    return found


def test_a_customer_answers_and_a_manager_reads_the_figures(
    browser: Browser, live_server: Any, world: World, template_errors: list[str]
) -> None:
    findings: list[str] = []
    customer = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    customer.set_default_timeout(e2e.TIMEOUT_MS)
    page = customer.new_page()
    page.goto("/en" + url(world.ej, "contact"))
    page.get_by_label("Your name").fill("Ana Brown")
    page.get_by_label("Your email address").fill("ana@example.org")
    page.get_by_label("What is it about?").select_option("complaint")
    page.get_by_label("Topic").select_option("billing")
    page.get_by_label("Subject").fill("Charged twice")
    page.get_by_label("Your message").fill("My card was charged twice.")
    page.get_by_label("I agree").check()
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_role("heading", name="Help us treat everyone fairly")).to_be_visible()
    findings += look(page, "offer")

    page.get_by_role("link", name="Answer the questions (optional)").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("About you (optional)")
    for question in ("What is your age group?", "Are you…", "Do you have a disability"):
        group = page.get_by_role("group", name=re.compile(re.escape(question)))
        expect(group.get_by_label("Prefer not to say")).to_be_checked()
    findings += look(page, "form")
    page.get_by_label("35 to 44").check()
    page.get_by_label("A woman").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_text("your answers are counted, apart from your request")).to_be_visible()
    expect(page.get_by_role("link", name="Answer the questions (optional)")).to_have_count(0)
    customer.close()
    assert counts(world.ej) == {
        ("age", "35-44"): 1,
        ("sex", "woman"): 1,
        ("disability", "prefer_not_to_say"): 1,
    }

    for _ in range(4):
        ticket = open_ticket(world.ej, world.customer)
        with brand_scope(world.ej):
            services.equality_answer(brand=world.ej, ticket=ticket, answers={"sex": "woman"})

    manager = browser.new_context(
        base_url=live_server.url, viewport=PHONE, locale="fr-FR", timezone_id="America/Jamaica"
    )
    manager.set_default_timeout(e2e.TIMEOUT_MS)
    page = manager.new_page()
    with translation.override("fr"):
        login, report = reverse("account:login"), reverse("desk:equality")
    page.goto(login)
    page.locator("#id_username").fill(world.manager.username)
    page.locator("#id_password").fill("pw")  # make_staff's
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(re.escape(login)))
    page.goto(report)
    expect(page.get_by_role("heading", level=1)).to_have_text("Suivi de l’égalité")
    sex = page.get_by_role("table", name="Vous êtes…")
    expect(sex.get_by_role("row", name=re.compile("Une femme"))).to_contain_text("5 à 9")
    expect(sex.get_by_role("row", name=re.compile("Un homme"))).to_contain_text("moins de 5")
    findings += look(page, "desk")
    manager.close()
    assert not findings, "\n".join(findings)
