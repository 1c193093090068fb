"""Every link in every email starts with SITE_URL (the address the server answers on), but
the addresses a brand wrote in its own policy (its website, an ombudsman's): the demo's
whole life of 300 tickets, sign-in links and surveys, and every kind of letter for every
preset brand in both languages, with SITE_URL at an unusual host and port."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.message import EmailMessage
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives

from guichet.brands.models import Brand
from guichet.conftest import PRESETS
from guichet.contacts.models import ContactEmail
from guichet.demo.loader import load_demo
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.delivery import deliver_due
from guichet.notify.letters import compose
from guichet.notify.models import LetterKind
from guichet.portal.services import signin_link_request
from guichet.portal.surveys import surveys_send_due
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db

SITE_URL = "http://guichet.test:8731"
URL = re.compile(r"https?://[^\s<>\"'()]+")
NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
# What the callers of some letters add (a decision's summary, the other request's reference).
EXTRA = {"summary": "—", "merged_reference": "EJ-26-00001"}


# What the preset policies name themselves (the brands' websites, an ombudsman's).
OWN = {url for path in PRESETS.glob("*.toml") for url in URL.findall(path.read_text("utf-8"))}


def stray_links(text: str) -> list[str]:
    return [
        url
        for url in URL.findall(text)
        if not url.startswith(SITE_URL + "/") and url.rstrip(".,;") not in OWN
    ]


def parts(mail: EmailMultiAlternatives) -> list[str]:
    """The text part and every HTML part, as the customer's mail reader gets them."""
    message: EmailMessage = mail.message()  # type: ignore[assignment]
    return [
        part.get_content()
        for part in message.walk()
        if part.get_content_type() in ("text/plain", "text/html")
    ]


@pytest.fixture
def site_url(settings: Any) -> str:
    settings.SITE_URL = SITE_URL
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}
    return SITE_URL


def test_every_email_of_the_demo_links_to_the_site_url(
    presets: dict[str, Brand],
    site_url: str,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    # The scenes and two dozen drawn tickets a brand: every kind of email the demo sends
    # (every letter of every brand is the next test's).
    load_demo(now=NOW, per_brand=24)
    surveys_send_due(NOW)
    with all_brands():
        tickets = {
            brand.slug: Ticket.objects.filter(brand=brand).select_related("contact").first()
            for brand in presets.values()
        }
    for slug, ticket in tickets.items():
        assert ticket is not None
        with brand_scope(ticket.brand_id):
            address = ContactEmail.objects.filter(contact=ticket.contact).first()
        assert address is not None
        with django_capture_on_commit_callbacks(execute=True):
            signin_link_request(
                brand=presets[slug],
                reference=ticket.reference,
                email=address.address,
                language=ticket.language,
            )
    deliver_due(NOW)

    for mail in mailoutbox:
        for body in parts(mail):
            assert not stray_links(body), (mail.subject, stray_links(body))
    assert len(mailoutbox) > 300, "the demo's acknowledgements, replies, letters and surveys"
    customer_links = re.compile(re.escape(SITE_URL) + r"/(en/)?b/[a-z0-9-]+/signin/")
    assert sum(bool(customer_links.search(mail.body)) for mail in mailoutbox) == 5
    # The demo's sellers are written to about their disputes, with a link to their portal.
    seller_links = re.compile(re.escape(SITE_URL) + r"/(en/)?s/jamla24/signin/")
    assert sum(bool(seller_links.search(mail.body)) for mail in mailoutbox) >= 3
    assert sum("/survey/" in mail.body for mail in mailoutbox) > 10
    linked = [mail for mail in mailoutbox if SITE_URL + "/" in mail.body]
    assert len(linked) > 150, "acknowledgements, letters, surveys and sign-in links"


def test_every_letter_of_every_brand_links_to_the_site_url(
    presets: dict[str, Brand], site_url: str
) -> None:
    load_demo(now=NOW, per_brand=5)
    for brand in presets.values():
        with brand_scope(brand):
            ticket = Ticket.objects.filter(brand=brand).select_related("brand", "contact").first()
            assert ticket is not None
            for language in brand.languages:
                ticket.language = language
                for kind in LetterKind.values:
                    subject, text = compose(ticket, kind, EXTRA)
                    assert SITE_URL + "/" in text or kind != LetterKind.ACKNOWLEDGEMENT
                    assert not stray_links(subject + "\n" + text), (brand.slug, kind, language)
