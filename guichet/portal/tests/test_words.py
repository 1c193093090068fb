"""The portal words everything in the reader's language: each language named in itself
in the switch, French elision where a brand name follows a preposition, the consent
linking the brand's privacy policy."""

from __future__ import annotations

from typing import Any

import django.test
import pytest

from guichet.brands.models import Brand
from guichet.conftest import World
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import url
from guichet.tickets import services
from guichet.tickets.choices import Channel
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_the_language_switch_names_each_language_in_itself(
    browser: django.test.Client, world: World
) -> None:
    french = browser.get(url(world.ej, "home")).content.decode()
    english = browser.get("/en" + url(world.ej, "home")).content.decode()
    assert 'hreflang="en" lang="en">English</a>' in french and "Anglais" not in french
    assert 'hreflang="fr" lang="fr">Français</a>' in english and ">French<" not in english


def test_the_language_for_our_answers_is_named_in_itself(
    browser: django.test.Client, world: World
) -> None:
    html = browser.get(url(world.ej, "contact")).content.decode()
    assert '<option value="en">English</option>' in html
    assert '<option value="fr" selected>Français</option>' in html


def test_a_brand_name_after_de_is_elided_in_french(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    ej = browser.get(url(presets["ej"], "home")).content.decode()
    assert "Service client d’Expérience Jamaïque" in ej
    assert "de Expérience" not in ej
    assert (
        "Service client de Jamla24" in browser.get(url(presets["jamla24"], "home")).content.decode()
    )
    english = browser.get("/en" + url(presets["ej"], "home")).content.decode()
    assert "Expérience Jamaïque customer service" in english


def test_the_generic_consent_elides_the_brand_name(db: None) -> None:
    from guichet.portal.tests.conftest import publish_variant

    brand = publish_variant("jamla24", "")
    from guichet.portal.forms import consent_text

    with brand_scope(brand):
        policy = brand.get_policy()
    assert consent_text(policy, "Ivoire Toner", "fr").startswith("J’accepte qu’Ivoire Toner ")
    assert consent_text(policy, "Jamla24", "fr").startswith("J’accepte que Jamla24 ")


def test_the_consent_links_the_privacy_policy(browser: django.test.Client, world: World) -> None:
    html = browser.get(url(world.ej, "contact")).content.decode()
    link = (
        '<a href="https://www.experiencejamaique.com/politique-de-confidentialite" '
        'rel="noopener">Lire la politique de confidentialité d’Expérience Jamaïque</a>'
    )
    assert link in html
    assert 'target="_blank"' not in html  # it opens as any link does
    english = browser.get("/en" + url(world.ej, "contact")).content.decode()
    assert "Read the privacy policy of Expérience Jamaïque</a>" in english


def test_a_privacy_policy_per_language(
    browser: django.test.Client, presets: dict[str, Brand]
) -> None:
    french = browser.get(url(presets["jive"], "contact")).content.decode()
    english = browser.get("/en" + url(presets["jive"], "contact")).content.decode()
    assert 'href="https://www.jive.example/fr/confidentialite"' in french
    assert 'href="https://www.jive.example/en/privacy"' in english


def test_every_page_links_it_in_the_footer(browser: django.test.Client, world: World) -> None:
    html = browser.get("/en" + url(world.ej, "hours")).content.decode()
    footer = html.split("<footer>")[1]
    assert "politique-de-confidentialite" in footer and "Privacy policy" in footer


def test_without_a_privacy_policy_there_is_no_link(browser: django.test.Client, db: None) -> None:
    from guichet.brands.services import policy_publish
    from guichet.conftest import PRESETS

    text = "\n".join(
        line
        for line in (PRESETS / "respect.toml").read_text(encoding="utf-8").splitlines()
        if not line.startswith("privacy_policy_url")
    )
    brand = policy_publish(text=text, source="test").brand
    html = browser.get(url(brand, "contact")).content.decode()
    assert "politique de confidentialité" not in html.lower().split("<footer>")[1]
    assert 'rel="noopener">Lire la politique' not in html


def test_the_sign_in_email_elides_the_brand_name(
    browser: django.test.Client,
    world: World,
    mailoutbox: list[Any],
    django_capture_on_commit_callbacks: Any,
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        browser.post(
            url(world.ej, "track"),
            {"reference": world.ticket.reference, "email": "helene@exemple.fr"},
        )
    [mail] = mailoutbox
    assert "auprès d’Expérience Jamaïque" in mail.body
    assert "auprès de Expérience" not in mail.body


def test_french_pages_use_non_breaking_spaces_before_colons(
    browser: django.test.Client, world: World
) -> None:
    html = browser.get(url(world.ej, "hours")).content.decode()
    assert "Fuseau horaire\u00a0:" in html and "Fuseau horaire :" not in html


def test_a_ticket_page_before_any_answer_offers_no_next_level(
    browser: django.test.Client, world: World
) -> None:
    from guichet.portal.tests.conftest import sign_in

    sign_in(browser, world.ej, world.customer)
    ticket: Ticket = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="complaint",
        subject="Encore",
        text="…",
        channel=Channel.WEB,
    )
    html = browser.get(url(world.ej, "request", reference=ticket.reference)).content.decode()
    assert "escalate-reason" not in html
    assert "une fois que nous vous aurons répondu" in html
