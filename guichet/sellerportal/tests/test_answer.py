"""The seller answers on the portal: text, evidence and a proposed resolution go through
`seller_receive` (channel web) to the seller's side of the ticket, which the customer never
sees; refusals of the form or the service show the page again with what was written."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

import django.test
from django.core.files.uploadedfile import SimpleUploadedFile

from guichet.conftest import Market
from guichet.lib.scoping import brand_scope
from guichet.marketplace import signin
from guichet.marketplace.models import Proposal
from guichet.portal.tests.conftest import new_link
from guichet.sellerportal.tests.conftest import portal_url, url
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.choices import Channel, Outcome, Status, Verb
from guichet.tickets.models import Message, Ticket

PDF = b"%PDF-1.4\n%%EOF\n"


def answer(client: django.test.Client, market: Market, **data: Any) -> Any:
    return client.post(url(market.brand, "answer", reference=market.ticket.reference), data)


def seller_messages(market: Market) -> list[Message]:
    with brand_scope(market.brand):
        return list(
            Message.objects.filter(ticket=market.ticket, seller=market.seller, direction="in")
        )


def test_an_answer_with_a_refund_goes_to_the_sellers_side_only(
    seller_client: django.test.Client, asked: Market
) -> None:
    market = asked
    page = seller_client.get(url(market.brand, "dispute", reference=market.ticket.reference))
    assert 'value="MAD"' in page.content.decode()  # the brand's currency by default
    response = answer(
        seller_client,
        market,
        message="Nous remboursons la commande JM-889.",
        proposal="refund",
        amount="2499,50",
        currency="MAD",
        attachments=SimpleUploadedFile("facture.pdf", PDF, content_type="application/pdf"),
    )
    assert response.status_code == 302
    [message] = seller_messages(market)
    assert message.is_internal and message.channel == Channel.WEB
    assert message.seller_person_id == market.person.pk
    with brand_scope(market.brand):
        proposal = Proposal.objects.get(message=message)
        assert [a.filename for a in message.attachments.all()] == ["facture.pdf"]
        ticket = Ticket.objects.get(pk=market.ticket.pk)
        deadline = Deadline.objects.get(ticket=ticket, kind="seller_response")
        event = ticket.events.get(verb=Verb.SELLER_ANSWERED)
    assert (proposal.kind, proposal.amount, proposal.currency) == (
        "refund",
        Decimal("2499.50"),
        "MAD",
    )
    assert deadline.met_at is not None and ticket.status == Status.OPEN
    assert event.actor_label == "seller" and event.data["channel"] == "web"
    page = seller_client.get(response["Location"]).content.decode()
    assert "Votre réponse est envoyée à Jamla24." in page
    assert "Nous remboursons la commande JM-889." in page
    assert "Remboursement" in page and "2\u202f499,50\xa0MAD" in page
    assert "Youssef a écrit" in page and "facture.pdf" in page
    # Nothing of it reaches the customer's portal: not the words, not the file.
    customer = django.test.Client()
    customer.post(
        portal_url(market.brand, "signin_confirm"),
        {"token": new_link(market.brand, market.customer)},
    )
    request = customer.get(portal_url(market.brand, "request", reference=market.ticket.reference))
    assert request.status_code == 200
    html = request.content.decode()
    assert "Nous remboursons" not in html and "facture.pdf" not in html
    assert "Bonjour, le client" not in html  # nor the agent's message to the seller
    with brand_scope(market.brand):
        file_pk = message.attachments.get().pk
    hidden = portal_url(market.brand, "attachment", reference=market.ticket.reference, pk=file_pk)
    assert customer.get(hidden).status_code == 404


def test_a_refusal_needs_its_reason_and_nothing_written_is_lost(
    seller_client: django.test.Client, asked: Market
) -> None:
    response = answer(
        seller_client,
        asked,
        message="Le colis a été livré le 12.",
        proposal="refusal",
        attachments=SimpleUploadedFile("preuve.pdf", PDF, content_type="application/pdf"),
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert "Indiquez le motif de votre refus." in html
    assert "Le colis a été livré le 12.</textarea>" in html
    assert re.search(r'<input type="radio" name="proposal" value="refusal"[^>]* checked', html)
    assert "Choisissez de nouveau vos fichiers" in html  # a browser cannot keep them
    assert seller_messages(asked) == []
    response = answer(
        seller_client,
        asked,
        message="Le colis a été livré le 12.",
        proposal="refusal",
        reason="Livré et signé par le client.",
    )
    assert response.status_code == 302
    with brand_scope(asked.brand):
        proposal = Proposal.objects.get()
    assert (proposal.kind, proposal.reason) == ("refusal", "Livré et signé par le client.")


def test_bad_amounts_and_currencies_are_refused_on_the_form(
    seller_client: django.test.Client, asked: Market
) -> None:
    for amount, currency, error in (
        ("-5", "MAD", "Le montant doit être supérieur à zéro."),
        ("beaucoup", "MAD", "n’est pas un montant"),
        ("12.345", "MAD", "au plus deux décimales"),
        ("10000000", "MAD", "ne peut pas dépasser"),
        ("10", "DIRHAMS", "au plus 3 caractères"),
        ("10", "XYZ", "code à trois lettres"),
    ):
        response = answer(
            seller_client,
            asked,
            message="Remboursement proposé.",
            proposal="refund",
            amount=amount,
            currency=currency,
        )
        assert response.status_code == 400, amount
        html = response.content.decode()
        assert error in html, (amount, currency)
        assert "Remboursement proposé.</textarea>" in html
    assert seller_messages(asked) == []
    # A refund without an amount, and the other kinds without one, are fine.
    for kind in ("refund", "replacement", "repair"):
        assert answer(seller_client, asked, message=kind, proposal=kind).status_code == 302
    with brand_scope(asked.brand):
        assert sorted(Proposal.objects.values_list("kind", flat=True)) == [
            "refund",
            "repair",
            "replacement",
        ]
        assert not Proposal.objects.filter(amount__isnull=False).exists()


def test_a_file_that_is_not_what_it_claims_is_refused(
    seller_client: django.test.Client, asked: Market
) -> None:
    fake = SimpleUploadedFile(
        "facture.pdf", b"MZ\x90\x00 not a pdf", content_type="application/pdf"
    )
    response = answer(seller_client, asked, message="Voici la facture.", attachments=fake)
    assert response.status_code == 400
    assert "Voici la facture.</textarea>" in response.content.decode()
    assert seller_messages(asked) == []


def test_the_text_is_required(seller_client: django.test.Client, asked: Market) -> None:
    response = answer(seller_client, asked, message="  ", proposal="repair")
    assert response.status_code == 400
    assert seller_messages(asked) == []


def test_a_closed_dispute_cannot_be_answered(
    seller_client: django.test.Client, asked: Market
) -> None:
    services.ticket_close(
        ticket=asked.ticket, actor=asked.agent, outcome=Outcome.UPHELD, summary="Remboursé."
    )
    page = seller_client.get(url(asked.brand, "dispute", reference=asked.ticket.reference))
    html = page.content.decode()
    assert "Ce litige est clos" in html and 'name="message"' not in html
    response = answer(seller_client, asked, message="Trop tard ?")
    assert response.status_code == 400
    assert seller_messages(asked) == []


def test_whoever_reads_the_sellers_address_answers_as_the_seller(
    client: django.test.Client, asked: Market
) -> None:
    target = url(asked.brand, "dispute", reference=asked.ticket.reference)
    _link, token = signin.link_create(seller=asked.seller, next_path=target)
    client.post(url(asked.brand, "signin", token=token))
    assert answer(client, asked, message="Réponse du service vendeur.").status_code == 302
    [message] = seller_messages(asked)
    assert message.seller_person_id is None
    assert "Atlas Électroménager a écrit" in client.get(target).content.decode()


def test_every_post_needs_the_csrf_token(asked: Market) -> None:
    client = django.test.Client(enforce_csrf_checks=True)
    _link, token = signin.link_create(seller=asked.seller, person=asked.person)
    assert client.post(url(asked.brand, "signin", token=token)).status_code == 403
    assert client.post(url(asked.brand, "signin_ask"), {"email": "x@y.z"}).status_code == 403
    assert client.post(url(asked.brand, "signout")).status_code == 403
    assert answer(client, asked, message="x").status_code == 403
