"""The portal as a customer of each brand sees it, in a real browser (Debian's Chromium,
guichet/desk/tests/browser.py): the brand's logo in the header, the language switch
naming each language in itself, nothing wider than a 360 px phone."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, expect

from guichet.brands.logos import SHAPES, drawn_logo
from guichet.brands.models import Brand
from guichet.brands.services import brand_set_logo
from guichet.desk.tests import browser as e2e
from guichet.portal.tests.conftest import url

browser = e2e.browser
template_errors = e2e.template_errors

SMALL_PHONE = {"width": 360, "height": 740}
PAGES = ("home", "contact", "track", "hours")


def test_the_language_switch_names_each_language_in_itself(
    browser: Browser, live_server: Any, presets: dict[str, Brand], template_errors: list[str]
) -> None:
    jive = presets["jive"]
    brand_set_logo(brand=jive, data=drawn_logo(jive.name, jive.colour, SHAPES[3]))
    context = browser.new_context(base_url=live_server.url, viewport=SMALL_PHONE)
    context.set_default_timeout(e2e.TIMEOUT_MS)
    page = context.new_page()
    page.goto(url(jive, "hours"))
    logo = page.locator("header img")
    expect(logo).to_have_attribute("alt", "Jive Canada")
    assert page.evaluate("document.querySelector('header img').naturalWidth") > 0
    switch = page.get_by_role("link", name="English")
    expect(switch).to_have_attribute("lang", "en")
    switch.click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hours and channels")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("address")).to_contain_text("United States")
    back = page.get_by_role("link", name="Français")
    expect(back).to_have_attribute("lang", "fr")
    back.click()
    expect(page.locator("address")).to_contain_text("États-Unis")
    e2e.shoot(page, "portal-jive-hours-fr", size=SMALL_PHONE)
    context.close()


def test_no_portal_page_is_wider_than_a_small_phone(
    browser: Browser, live_server: Any, presets: dict[str, Brand], template_errors: list[str]
) -> None:
    context = browser.new_context(base_url=live_server.url, viewport=SMALL_PHONE)
    context.set_default_timeout(e2e.TIMEOUT_MS)
    page = context.new_page()
    for index, brand in enumerate(presets.values()):
        brand_set_logo(brand=brand, data=drawn_logo(brand.name, brand.colour, SHAPES[index]))
        for prefix in ("", "/en"):
            for name in PAGES:
                page.goto(prefix + url(brand, name))
                width = page.evaluate("document.documentElement.scrollWidth")
                assert width <= SMALL_PHONE["width"], f"{prefix}{url(brand, name)}: {width} px"
    context.close()
