"""On the request page of a dispute that names a seller: the customer asks for the
seller's direct contact details (MK-3) and the page says what became of it, as the
brand's `[marketplace] contact_release` rule decides; the refunds and credits recorded on
the request are listed, each amount written for the page's language."""

from __future__ import annotations

from pathlib import Path

import django.test
import pytest

from guichet.brands.models import Brand
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, Market
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import ContactRelease, ReleaseStatus
from guichet.portal.tests.conftest import sign_in, url
from guichet.tickets import services
from guichet.tickets.actors import SellerParty
from guichet.tickets.choices import Channel


def with_release_rule(rule: str) -> Brand:
    """Jamla24's policy with another `contact_release` rule."""
    text = (Path(PRESETS) / "jamla24.toml").read_text(encoding="utf-8")
    current = 'contact_release = "after_seller_contacted"'
    assert current in text
    changed = text.replace(current, f'contact_release = "{rule}"')
    return policy_publish(text=changed, source=f"test:jamla24-{rule}").brand


@pytest.fixture
def customer(browser: django.test.Client, market: Market) -> django.test.Client:
    sign_in(browser, market.brand, market.customer)
    return browser


def page(client: django.test.Client, market: Market, language: str = "") -> str:
    path = url(market.brand, "request", reference=market.ticket.reference)
    response = client.get(language + path)
    assert response.status_code == 200
    return response.content.decode()


def ask(client: django.test.Client, market: Market) -> str:
    path = url(market.brand, "seller_contact", reference=market.ticket.reference)
    response = client.post(path)
    assert response.status_code == 302, response.status_code
    return page(client, market)


def releases(market: Market) -> list[ContactRelease]:
    with brand_scope(market.brand):
        return list(ContactRelease.objects.order_by("pk"))


BUTTON = "Demander les coordonnées du vendeur"


def test_before_the_seller_was_asked_an_agent_decides(
    customer: django.test.Client, market: Market
) -> None:
    assert BUTTON in page(customer, market)
    html = ask(customer, market)
    assert "Votre demande est enregistrée : un conseiller y répondra." in html.replace("\xa0", " ")
    assert "un conseiller répondra à votre demande" in html
    assert BUTTON not in html and "contact@atlas.example" not in html
    [release] = releases(market)
    assert release.status == ReleaseStatus.REQUESTED
    assert release.requested_by_contact_id == market.customer.pk
    # The agent refuses, saying why: the customer reads it and may ask again later.
    services.contact_release_decide(
        release=release, actor=market.agent, give=False, reason="Le vendeur a répondu hier."
    )
    html = page(customer, market)
    assert "Le vendeur a répondu hier." in html and BUTTON in html


def test_released_once_the_seller_refused_with_the_details_on_the_page(
    customer: django.test.Client, market: Market
) -> None:
    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Merci de répondre.")
    services.seller_receive(
        ticket=market.ticket,
        party=SellerParty(market.seller, market.person),
        text="Non.",
        channel=Channel.WEB,
        proposal="refusal",
        reason="Livré.",
    )
    html = ask(customer, market)
    assert "Les coordonnées du vendeur sont ci-dessous" in html
    for detail in (
        "Atlas Électroménager SARL",
        "contact@atlas.example",
        "+212 5 22 00 00 00",
        "12 rue des Vendeurs, Casablanca",
    ):
        assert detail in html, detail
    assert BUTTON not in html
    [release] = releases(market)
    assert release.status == ReleaseStatus.RELEASED and release.decided_by_label == "policy"
    # Asking again changes nothing: they were given.
    response = customer.post(url(market.brand, "seller_contact", reference=market.ticket.reference))
    assert response.status_code == 302 and len(releases(market)) == 1


def test_on_request_the_details_are_given_at_once(
    customer: django.test.Client, market: Market
) -> None:
    with_release_rule("on_request")
    html = ask(customer, market)
    assert "contact@atlas.example" in html
    assert [r.status for r in releases(market)] == [ReleaseStatus.RELEASED]


def test_never_means_no_button_and_no_request(customer: django.test.Client, market: Market) -> None:
    with_release_rule("never")
    html = page(customer, market)
    assert BUTTON not in html and "Les coordonnées du vendeur" not in html
    path = url(market.brand, "seller_contact", reference=market.ticket.reference)
    assert customer.post(path).status_code == 404
    assert releases(market) == []


def test_a_request_without_a_seller_has_no_button(
    customer: django.test.Client, market: Market
) -> None:
    other = services.ticket_open(
        brand=market.brand,
        contact=market.customer,
        contact_type="complaint",
        subject="Compte bloqué",
        text="Je ne peux plus me connecter.",
        channel=Channel.WEB,
    )
    path = url(market.brand, "request", reference=other.reference)
    assert BUTTON not in customer.get(path).content.decode()
    post = url(market.brand, "seller_contact", reference=other.reference)
    assert customer.post(post).status_code == 404
    assert releases(market) == []


def test_another_customer_and_a_visitor_cannot_ask(market: Market) -> None:
    from guichet.contacts.services import contact_for_email

    stranger = contact_for_email(
        brand=market.brand, email="autre@exemple.ma", name="Autre", language="fr"
    )
    other = django.test.Client()
    sign_in(other, market.brand, stranger)
    path = url(market.brand, "seller_contact", reference=market.ticket.reference)
    assert other.post(path).status_code == 404
    assert django.test.Client().post(path).status_code == 302  # to the tracking page
    csrf = django.test.Client(enforce_csrf_checks=True)
    assert csrf.post(path).status_code == 403
    assert releases(market) == []


def test_refunds_and_credits_are_listed_in_the_pages_language(
    customer: django.test.Client, market: Market
) -> None:
    assert "Remboursements et avoirs" not in page(customer, market)
    services.ticket_record_payment(
        ticket=market.ticket,
        actor=market.agent,
        kind="refund",
        amount="2499.00",
        reason="Commande jamais livrée.",
    )
    services.ticket_record_payment(
        ticket=market.ticket,
        actor=market.agent,
        kind="credit",
        amount="50",
        currency="EUR",
        reason="Geste commercial.",
    )
    html = page(customer, market)
    assert "Remboursements et avoirs" in html
    assert "2\u202f499,00\xa0MAD" in html and "Remboursement" in html
    assert "50,00\xa0€" in html and "Avoir" in html
    # The reason is the customer's to read: the letter that tells them says it.
    assert "Motif\u00a0: Geste commercial." in html or "Motif : Geste commercial." in html
    english = page(customer, market, "/en")
    assert "Refunds and credits" in english
    assert "MAD2,499.00" in english and "€50.00" in english
