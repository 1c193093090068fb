"""Every public page of every preset brand, in French and English: it renders (no
undefined variable), in the brand's name and colour, as well-formed semantic HTML; the
hours and channels page says what the policy says."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any

import django.test
import pytest
from django.utils.html import escape

from guichet.brands.models import Brand
from guichet.conftest import World
from guichet.portal.tests.conftest import url

VOID = {
    "area",
    "base",
    "br",
    "col",
    "embed",
    "hr",
    "img",
    "input",
    "link",
    "meta",
    "source",
    "track",
    "wbr",
}


class Checker(HTMLParser):
    """Tags closed in order, one h1, one main, every form field labelled."""

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []
        self.problems: list[str] = []
        self.count: dict[str, int] = {}
        self.ids: set[str] = set()
        self.labelled: set[str] = set()
        self.fields: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.count[tag] = self.count.get(tag, 0) + 1
        values = dict(attrs)
        if values.get("id"):
            if values["id"] in self.ids:
                self.problems.append(f"duplicate id {values['id']}")
            self.ids.add(str(values["id"]))
        if tag == "label" and values.get("for"):
            self.labelled.add(str(values["for"]))
        if tag in ("input", "select", "textarea") and values.get("type") not in (
            "hidden",
            "submit",
        ):
            self.fields.append(str(values.get("id")))
        if tag not in VOID:
            self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in VOID:
            return
        if not self.stack or self.stack[-1] != tag:
            self.problems.append(f"</{tag}> closes <{self.stack[-1] if self.stack else '-'}>")
            return
        self.stack.pop()

    def verdict(self) -> list[str]:
        problems = list(self.problems)
        if self.stack:
            problems.append(f"unclosed: {self.stack}")
        if self.count.get("h1") != 1 or self.count.get("main") != 1:
            problems.append("one h1 and one main expected")
        problems += [f"field {f} has no label" for f in self.fields if f not in self.labelled]
        return problems


def check_html(content: bytes) -> None:
    checker = Checker()
    checker.feed(content.decode())
    assert checker.verdict() == []


PAGES = ["home", "contact", "track", "hours"]


@pytest.mark.parametrize("prefix", ["", "/en"])
def test_every_public_page_of_every_preset(
    browser: django.test.Client, presets: dict[str, Brand], prefix: str
) -> None:
    for brand in presets.values():
        for name in PAGES:
            response = browser.get(prefix + url(brand, name))
            assert response.status_code == 200, (brand.slug, name)
            html = response.content.decode()
            assert escape(brand.name) in html and brand.colour in html
            assert f'<html lang="{prefix.strip("/") or "fr"}">' in html
            other = "fr" if prefix else "en"
            if other in brand.languages:
                assert f'hreflang="{other}"' in html  # the same page in the other language
            check_html(response.content)


def test_signed_in_pages_are_well_formed(signed_in: django.test.Client, world: World) -> None:
    for path in (
        url(world.ej, "requests"),
        url(world.ej, "request", reference=world.ticket.reference),
    ):
        response = signed_in.get("/en" + path)
        assert response.status_code == 200
        check_html(response.content)


def test_a_form_with_errors_is_well_formed(browser: django.test.Client, world: World) -> None:
    response = browser.post(url(world.ej, "contact"), {"name": "x"})
    assert response.status_code == 400
    check_html(response.content)


def test_hours_and_channels_come_from_the_policy(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    jamla = browser.get("/en" + url(presets["jamla24"], "hours")).content.decode()
    assert "09:00–21:00" in jamla and "Switchboard" in jamla and "support@jamla24.ma" in jamla
    ej = browser.get("/en" + url(presets["ej"], "hours")).content.decode()
    assert "mailto:" in ej
    ivoire = browser.get("/en" + url(presets["ivoire-toner"], "hours")).content.decode()
    assert "+225 27 00 00 00 00" in ivoire and "Facebook" in ivoire
    assert "Closed" in ivoire  # the weekend
    jive = browser.get("/en" + url(presets["jive"], "hours")).content.decode()
    assert "Commission for Complaints for Telecom-television Services" in jive
    assert "https://www.ccts-cprst.ca" in jive


def test_the_hours_page_has_no_private_channel(browser: django.test.Client, world: Any) -> None:
    html = browser.get("/en" + url(world.ej, "hours")).content.decode()
    assert ">API<" not in html


def test_the_pages_bring_their_icon_the_brands_initial_in_its_colour(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    """Without one, every customer's browser asks for /favicon.ico (a 404 in its log)."""
    from urllib.parse import unquote

    for brand in presets.values():
        html = browser.get(url(brand, "home")).content.decode()
        start = html.index('<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,')
        icon = unquote(html[start : html.index('">', start)])
        assert f"fill='{brand.colour}'" in icon
        assert f">{brand.name[0].upper()}</text>" in icon


def test_the_sms_channel_is_shown_once_the_brand_receives_sms(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    """Ivoire Toner's policy names SMS with no number: nothing to text until the brand has
    an SMS account; then its number, spaced for reading."""
    from guichet.channels.services import account_create

    ivoire = presets["ivoire-toner"]
    before = browser.get("/en" + url(ivoire, "hours")).content.decode()
    assert "SMS" not in before
    account_create(
        brand=ivoire, actor=None, provider="twilio", name="SMS", address="+2252722444444"
    )
    after = browser.get("/en" + url(ivoire, "hours")).content.decode()
    assert "<h3>SMS</h3>" in after and 'href="tel:+2252722444444"' in after
    assert "+225 27 22" in after  # spaced as the numbering plan groups it
