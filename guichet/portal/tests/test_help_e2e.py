"""The help centre in a real browser (Chromium driven by Playwright, against the live
server; see guichet/desk/tests/browser.py), on a phone-sized window: as the customer types
the subject and message of the contact form, the best articles appear below the message
(htmx, debounced); opening one shows the article in a new tab and records the suggestion;
answering that it helped marks it. Screenshots in var/artefacts/e2e/."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import Browser, expect

from guichet.conftest import World
from guichet.desk.tests import browser as e2e
from guichet.knowledge.models import Suggestion
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import url
from guichet.portal.tests.help_fixtures import make_help
from guichet.portal.tests.test_e2e import PHONE, shoot

browser = e2e.browser
template_errors = e2e.template_errors


def test_suggestions_appear_as_the_customer_types_and_open(
    browser: Browser, live_server: Any, world: World, template_errors: list[str]
) -> None:
    help_ = make_help(world)
    context = browser.new_context(base_url=live_server.url, viewport=PHONE, locale="en-GB")
    context.set_default_timeout(e2e.TIMEOUT_MS)
    page = context.new_page()
    page.goto("/en" + url(world.ej, "contact"))
    suggested = page.locator("#suggested")
    expect(suggested).to_be_hidden()  # empty until the customer types
    page.get_by_label("Subject").press_sequentially("My order", delay=20)
    link = suggested.get_by_role("link", name="When does my order arrive?")
    expect(link).to_be_visible()
    expect(suggested.get_by_role("heading")).to_have_text("These articles may answer your question")
    shoot(page, "contact-suggestions")
    with context.expect_page() as opened:
        link.click()
    article = opened.value
    expect(article.get_by_role("heading", level=1)).to_have_text("When does my order arrive?")
    article.get_by_role("button", name="Yes").click()
    expect(article.get_by_text("Thank you for your answer.").first).to_be_visible()
    shoot(article, "help-article")
    article.goto("/en" + url(world.ej, "help"))
    expect(article.get_by_role("heading", level=1)).to_have_text("Help centre")
    shoot(article, "help-home")
    with brand_scope(world.ej):
        [suggestion] = Suggestion.objects.filter(brand=world.ej)
    assert suggestion.article_id == help_.english.pk
    assert suggestion.source == "contact" and suggestion.helpful is True
    # The form the customer was filling in is still there, untouched.
    expect(page.get_by_label("Subject")).to_have_value("My order")
    context.close()
    assert template_errors == []
