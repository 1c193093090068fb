"""What a seller sees: only the disputes it was asked about, and of each only the messages
to and from it and the customer's messages the agent shared — never the customer's name
or details, the agents' notes, the customer's other messages or another seller's. A rival
seller, a seller of another brand, a customer and a visitor get nothing."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import django.test
import pytest

from guichet.conftest import Market
from guichet.contacts.models import ContactPhone
from guichet.lib.scoping import brand_scope
from guichet.marketplace import signin
from guichet.portal.tests.conftest import new_link
from guichet.sellerportal.tests.conftest import ask_seller, portal_url, sign_in, url
from guichet.sellerportal.views import cookie_name
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Channel
from guichet.tickets.models import Attachment, Ticket

PDF = b"%PDF-1.4\n%%EOF\n"
# What a seller must never read, whatever page it opens.
NEVER = (
    "Salma",
    "Alaoui",
    "salma@exemple.ma",
    "0612345678",
    "+212 6 61 00 00 00",
    "Note interne",
    "note.pdf",
    "Mon code de carte",
    "private.pdf",
    "Message pour Souk Mode",
)


@dataclass
class Files:
    shared: Attachment
    unshared: Attachment
    note: Attachment
    rival: Attachment


@pytest.fixture
def dispute(market: Market) -> Files:
    """The Jamla24 dispute with everything a seller must not see around what it may: the
    customer's phone on record, a note, an unshared message, a message to a rival seller
    (named on the ticket before), and a shared message with a file."""
    brand, ticket = market.brand, market.ticket
    with brand_scope(brand):
        ContactPhone.objects.create(
            brand=brand, contact=market.customer, number="+212 6 61 00 00 00", is_primary=True
        )
        Ticket.objects.filter(pk=ticket.pk).update(order_reference="JM-889")
    ticket.refresh_from_db()
    services.ticket_change(
        ticket=ticket, actor=SYSTEM, subject="Lave-linge jamais livré (Salma Alaoui)"
    )
    services.ticket_change(ticket=ticket, actor=SYSTEM, seller=market.rival)
    rival = attachment_store(brand=brand, filename="souk.pdf", content=PDF)
    services.seller_contact(
        ticket=ticket, actor=market.agent, text="Message pour Souk Mode.", attachments=[rival]
    )
    services.ticket_change(ticket=ticket, actor=SYSTEM, seller=market.seller)
    note = attachment_store(brand=brand, filename="note.pdf", content=PDF)
    services.ticket_note(
        ticket=ticket, actor=market.agent, text="Note interne : client fidèle.", attachments=[note]
    )
    unshared = attachment_store(brand=brand, filename="private.pdf", content=PDF)
    services.ticket_receive(
        ticket=ticket,
        contact=market.customer,
        text="Mon code de carte est 4242.",
        channel=Channel.EMAIL,
        attachments=[unshared],
    )
    shared = attachment_store(brand=brand, filename="Salma Alaoui - bon.pdf", content=PDF)
    photo = services.ticket_receive(
        ticket=ticket,
        contact=market.customer,
        text="Voici le bon de commande. Salma, salma@exemple.ma",
        channel=Channel.EMAIL,
        attachments=[shared],
    )
    ask_seller(market)
    services.seller_share(ticket=ticket, actor=market.agent, messages=[photo])
    return Files(shared=shared, unshared=unshared, note=note, rival=rival)


def pages(market: Market, files: Files) -> list[str]:
    reference = market.ticket.reference
    return [
        url(market.brand),
        url(market.brand, "dispute", reference=reference),
        url(market.brand, "dispute", reference=reference, language="en"),
        url(market.brand, "attachment", reference=reference, pk=files.shared.pk),
    ]


def test_the_list_shows_the_disputes_the_seller_was_asked_about(
    client: django.test.Client, market: Market, dispute: Files
) -> None:
    not_asked = services.ticket_open(
        brand=market.brand,
        contact=market.customer,
        contact_type="dispute",
        subject="Autre commande, pas encore transmise",
        text="Rien reçu.",
        channel=Channel.WEB,
    )
    services.ticket_change(ticket=not_asked, actor=SYSTEM, seller=market.seller)
    sign_in(client, market.seller, market.person)
    page = client.get(url(market.brand)).content.decode()
    assert market.ticket.reference in page and "Lave-linge jamais livré" in page
    assert "Votre réponse" in page  # what is awaited
    assert "2026" in page  # its deadline
    assert not_asked.reference not in page
    # The rival was written to on this ticket once; it no longer names the rival.
    rival = sign_in(django.test.Client(), market.rival, market.rival_person)
    assert market.ticket.reference not in rival.get(url(market.brand)).content.decode()


def test_the_dispute_shows_what_the_agent_shared_and_nothing_of_the_customer(
    client: django.test.Client, market: Market, dispute: Files
) -> None:
    sign_in(client, market.seller, market.person)
    page = client.get(url(market.brand, "dispute", reference=market.ticket.reference))
    assert page.status_code == 200
    html = page.content.decode()
    for shown in (
        market.ticket.reference,
        "Lave-linge jamais livré",
        "JM-889",  # the order
        "Litige avec un vendeur",  # the category's name
        "Bonjour, le client n&#x27;a rien reçu.",  # the agent's message to the seller
        "Commande JM-889 payée",  # the customer's message, shared
        "Voici le bon de commande.",  # shared later, with its file
        "bon.pdf",
        "Le client a écrit",  # "the customer", never their name
    ):
        assert shown in html, shown
    for hidden in NEVER:
        assert hidden not in html, hidden


def test_no_seller_page_shows_the_customers_details_or_the_notes(
    client: django.test.Client, market: Market, dispute: Files
) -> None:
    sign_in(client, market.seller, market.person)
    for path in pages(market, dispute):
        response = client.get(path)
        assert response.status_code == 200, path
        body = b"".join(response) if response.streaming else response.content
        headers = " ".join(f"{k}: {v}" for k, v in response.items())
        for hidden in NEVER:
            assert hidden.encode() not in body and hidden not in headers, (path, hidden)


def test_a_rival_seller_gets_404_on_the_dispute_and_its_files(
    market: Market, dispute: Files
) -> None:
    rival = sign_in(django.test.Client(), market.rival, market.rival_person)
    reference = market.ticket.reference
    rivals_file = url(market.brand, "attachment", reference=reference, pk=dispute.rival.pk)
    for path in [*pages(market, dispute)[1:], rivals_file]:
        assert rival.get(path).status_code == 404, path
    answer = rival.post(url(market.brand, "answer", reference=reference), {"message": "Hop"})
    assert answer.status_code == 404


def test_files_the_seller_may_not_read_are_not_found(
    client: django.test.Client, market: Market, dispute: Files
) -> None:
    sign_in(client, market.seller, market.person)
    reference = market.ticket.reference
    for pk in (dispute.unshared.pk, dispute.note.pk, dispute.rival.pk, 999_999):
        path = url(market.brand, "attachment", reference=reference, pk=pk)
        assert client.get(path).status_code == 404, pk


def test_a_file_is_always_a_download_under_a_name_without_the_customer(
    client: django.test.Client, market: Market, dispute: Files
) -> None:
    sign_in(client, market.seller, market.person)
    response = client.get(pages(market, dispute)[3])
    assert response.status_code == 200
    assert response["Content-Disposition"].startswith("attachment;")
    assert "bon.pdf" in response["Content-Disposition"]
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Type"] == "application/octet-stream"
    assert "sandbox" in response["Content-Security-Policy"]
    assert b"".join(response) == PDF


def test_outsiders_get_nothing(client: django.test.Client, market: Market, dispute: Files) -> None:
    """A visitor, a customer signed in to the portal, staff signed in to the desk and a seller
    of another brand are all asked to sign in; nothing of the dispute reaches them."""
    targets = pages(market, dispute)
    visitor = django.test.Client()
    customer = django.test.Client()
    customer.post(
        portal_url(market.brand, "signin_confirm"),
        {"token": new_link(market.brand, market.customer)},
    )
    staff = django.test.Client()
    staff.force_login(market.manager)
    foreign = django.test.Client()
    _link, token = signin.link_create(seller=market.other_seller)
    signed = signin.signin(brand_id=market.other_brand.pk, token=token)
    assert signed is not None
    for language in ("fr", "en"):  # its key, under this brand's names
        foreign.cookies[cookie_name(market.brand, language)] = signed.key
        foreign.cookies[cookie_name(market.other_brand, language)] = signed.key
    for who in (visitor, customer, staff, foreign):
        for path in targets:
            response = who.get(path)
            assert response.status_code == 302, path
            assert "/signin" in response["Location"]
        answer = who.post(
            url(market.brand, "answer", reference=market.ticket.reference), {"message": "x"}
        )
        assert answer.status_code == 302
    with brand_scope(market.brand):
        assert not market.ticket.messages.filter(text="x").exists()


def test_a_restricted_seller_is_told_politely_and_may_still_answer(
    client: django.test.Client, market: Market, dispute: Files
) -> None:
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="restricted", reason="Trois retards."
    )
    sign_in(client, market.seller, market.person)
    for path in pages(market, dispute)[:2]:
        html = client.get(path).content.decode()
        assert "restreint" in html
        assert "Trois retards" not in html  # the staff's reason stays with the staff
    response = client.post(
        url(market.brand, "answer", reference=market.ticket.reference), {"message": "Réponse."}
    )
    assert response.status_code == 302


def test_the_english_pages(client: django.test.Client, market: Market, dispute: Files) -> None:
    sign_in(client, market.seller, market.person)
    html = client.get(pages(market, dispute)[2]).content.decode()
    assert 'lang="en"' in html
    assert "Dispute with a seller" in html and "The customer wrote" in html
    assert 'href="/s/jamla24/disputes/' in html  # the switch back to French


def test_the_list_needs_no_query_per_dispute(
    client: django.test.Client,
    market: Market,
    dispute: Files,
    django_assert_max_num_queries: Any,
) -> None:
    for n in range(5):
        ticket = services.ticket_open(
            brand=market.brand,
            contact=market.customer,
            contact_type="dispute",
            subject=f"Litige {n}",
            text="Rien reçu.",
            channel=Channel.WEB,
        )
        services.ticket_change(ticket=ticket, actor=SYSTEM, seller=market.seller)
        services.seller_contact(ticket=ticket, actor=market.agent, text="Merci de répondre.")
    sign_in(client, market.seller, market.person)
    with django_assert_max_num_queries(12):
        assert client.get(url(market.brand)).status_code == 200
