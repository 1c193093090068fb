"""The customer's letters of a marketplace dispute, in French and English, in their
conversation (docs/marketplace.md): the seller's contact details released (what was given)
or refused (why), a refund or a credit recorded (the amount as the language writes it)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from babel.numbers import format_currency
from django.urls import reverse

from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.lib.ttlcache import clear_all
from guichet.notify.letters import compose, default_template
from guichet.notify.models import LetterKind, LetterTemplate, OutboundEmail
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM, Customer
from guichet.tickets.choices import Channel, Verb

pytestmark = pytest.mark.django_db

CUSTOMER_LETTERS = (LetterKind.CONTACT_RELEASED, LetterKind.CONTACT_REFUSED, LetterKind.PAYMENT)


def english_dispute(market):
    john = contact_for_email(
        brand=market.brand, email="john@example.com", name="John Smith", language="en"
    )
    ticket = services.ticket_open(
        brand=market.brand,
        contact=john,
        contact_type="dispute",
        subject="Washing machine never delivered",
        text="Order JM-901, nothing received.",
        channel=Channel.EMAIL,
    )
    services.ticket_change(ticket=ticket, actor=SYSTEM, seller=market.seller)
    return ticket


def last_letter(ticket):
    """The latest letter on the ticket: its message, its REPLIED event, its email."""
    with brand_scope(ticket.brand_id):
        event = ticket.events.filter(verb=Verb.REPLIED).order_by("pk").last()
        email = OutboundEmail.objects.get(message=event.message)
        return event.message, event, email


def assert_in_the_conversation(ticket, kind):
    message, event, email = last_letter(ticket)
    assert event.data["letter"] == kind and event.data["automatic"]
    assert not message.is_internal and message.seller_id is None
    assert email.to_address == ticket.contact.primary_email and email.seller_id is None
    return message.text, email.subject


def test_every_dispute_letter_is_worded_in_french_and_english():
    for kind in CUSTOMER_LETTERS:
        fr, en = default_template(kind, "fr"), default_template(kind, "en")
        assert fr != en and "{{ reference }}" in fr[0] and "{{ reference }}" in en[0]


def test_the_sellers_details_released_are_written_to_the_customer(market):
    services.contact_release_request(ticket=market.ticket, actor=market.agent)
    text, subject = assert_in_the_conversation(market.ticket, LetterKind.CONTACT_RELEASED)
    assert subject == f"[{market.ticket.reference}] Les coordonnées du vendeur"
    assert text.startswith("Bonjour Salma Alaoui,")
    for line in (
        "Vendeur : Atlas Électroménager",
        "Raison sociale : Atlas Électroménager SARL",
        "E-mail : contact@atlas.example",
        "Téléphone : +212 5 22 00 00 00",
        "12 rue des Vendeurs, Casablanca",
    ):
        assert line in text, line

    ticket = english_dispute(market)
    services.contact_release_request(ticket=ticket, actor=market.agent)
    text, subject = assert_in_the_conversation(ticket, LetterKind.CONTACT_RELEASED)
    assert subject == f"[{ticket.reference}] The seller's contact details"
    assert "Legal name: Atlas Électroménager SARL" in text and "Phone: +212 5 22" in text


def test_the_letter_gives_what_the_release_gave_and_no_more(market):
    """A seller with no phone: the line is left out (the release's log says what was given)."""
    with brand_scope(market.brand):
        type(market.seller).objects.filter(pk=market.seller.pk).update(phone="")
    market.ticket.seller.refresh_from_db()
    release = services.contact_release_request(ticket=market.ticket, actor=market.agent)
    text, _subject = assert_in_the_conversation(market.ticket, LetterKind.CONTACT_RELEASED)
    assert "phone" not in release.details and "Téléphone" not in text


def test_a_refusal_is_written_with_its_reason(market):
    release = services.contact_release_request(
        ticket=market.ticket, actor=Customer(market.customer)
    )
    assert release.status == "requested"  # Jamla24: not before the seller was asked
    services.contact_release_decide(
        release=release, actor=market.agent, give=False, reason="le vendeur a répondu à temps"
    )
    text, subject = assert_in_the_conversation(market.ticket, LetterKind.CONTACT_REFUSED)
    assert subject.endswith("Votre demande des coordonnées du vendeur")
    assert "pour la raison suivante :\n\nle vendeur a répondu à temps" in text

    ticket = english_dispute(market)
    release = services.contact_release_request(ticket=ticket, actor=Customer(ticket.contact))
    services.contact_release_decide(
        release=release, actor=market.agent, give=False, reason="the seller answered in time"
    )
    text, _subject = assert_in_the_conversation(ticket, LetterKind.CONTACT_REFUSED)
    assert "We cannot give them to you, for this reason:\n\nthe seller answered in time" in text


def test_a_refund_and_a_credit_are_written_with_the_amount_as_the_language_writes_it(market):
    services.ticket_record_payment(
        ticket=market.ticket,
        actor=market.agent,
        kind="refund",
        amount="1234.50",
        reason="Lave-linge jamais livré",
    )
    text, subject = assert_in_the_conversation(market.ticket, LetterKind.PAYMENT)
    amount = format_currency(Decimal("1234.50"), "MAD", locale="fr")
    assert amount == "1\u202f234,50\xa0MAD"
    assert subject.endswith("Votre remboursement")
    assert f"nous avons procédé à votre remboursement de {amount}." in text
    assert "Motif : Lave-linge jamais livré" in text

    ticket = english_dispute(market)
    services.ticket_record_payment(
        ticket=ticket,
        actor=market.agent,
        kind="credit",
        amount=Decimal("49.90"),
        currency="EUR",
        reason="Delivery charged twice",
    )
    text, subject = assert_in_the_conversation(ticket, LetterKind.PAYMENT)
    assert subject.endswith("A credit in your favour")
    assert "we have credited €49.90 to your account." in text
    assert "Reason: Delivery charged twice" in text


def test_a_letter_to_the_seller_is_given_nothing_of_the_customer(market, frozen_clock):
    """A brand that words the seller's letter can place only the values offered to it."""
    with brand_scope(market.brand):
        LetterTemplate.objects.create(
            brand=market.brand,
            kind=LetterKind.SELLER_CONTACTED,
            language="fr",
            subject="[{{ reference }}] {{ customer_name }}",
            body="{{ customer_name }} {{ subject }} {{ tracking_url }} {{ seller_name }}",
            updated_at=frozen_clock.now(),
        )
    clear_all()
    subject, text = compose(market.ticket, LetterKind.SELLER_CONTACTED, {})
    assert subject == f"[{market.ticket.reference}]"
    assert text.strip() == "Atlas Électroménager"


def test_the_letters_admin_previews_the_dispute_letters_with_sample_values(client, world):
    """A manager words them like the other letters; a letter to the seller's preview
    offers none of the customer's values, as the letter itself."""
    client.force_login(world.manager)
    preview = reverse("admin:notify_lettertemplate_preview")
    seller_letter = client.post(
        preview,
        {
            "brand": world.ej.pk,
            "kind": LetterKind.SELLER_CONTACTED,
            "language": "fr",
            "subject": "[{{ reference }}] Litige",
            "body": "{{ seller_name }}|{{ customer_name }}|{{ agent_text }}|{{ portal_url }}",
        },
    ).content.decode()
    assert "[EJ-26-00042] Litige" in seller_letter
    assert "Atlas Électroménager||La cliente n’a pas reçu le lave-linge" in seller_letter
    assert "/s/ej/signin/…" in seller_letter
    assert "Helen Lee" not in seller_letter and "Hélène Lefèvre" not in seller_letter
    assert "Hello Atlas Électroménager," in seller_letter  # English: Guichet's wording

    payment = client.post(
        preview,
        {
            "brand": world.ej.pk,
            "kind": LetterKind.PAYMENT,
            "language": "fr",
            "subject": "[{{ reference }}] Remboursement",
            "body": "{{ amount }} : {{ payment_reason }}",
        },
    ).content.decode()
    amount = format_currency(Decimal("49.90"), "JMD", locale="fr")
    assert f"{amount} : frais de livraison facturés deux fois" in payment
    assert format_currency(Decimal("49.90"), "JMD", locale="en") in payment  # English
