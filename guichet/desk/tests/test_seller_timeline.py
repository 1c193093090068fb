"""The seller's side in the ticket's history: messages to and from the seller are apart
from the customer's conversation and are never internal notes; the events of the seller's
side, of a return and of money paid back read as sentences in French and in English; the
seller's standing shows on each of its tickets."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import translation

from guichet.desk.tests.seller_cases import answered, customer_message, url
from guichet.desk.timeline import describe, timeline
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Strike
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Event, Ticket

pytestmark = pytest.mark.django_db


def entry(page: str, message_id: int) -> str:
    """The timeline's <li> of one message."""
    start = page.index(f'id="m{message_id}"')
    return page[page.rindex("<li", 0, start) : page.index("</li>", start)]


def test_the_sellers_messages_are_its_own_kind_never_notes(market):
    answer = answered(market)
    services.ticket_note(ticket=market.ticket, actor=market.agent, text="À surveiller.")
    with brand_scope(market.brand):
        kinds = {
            item.message.text[:12]: item.kind
            for item in timeline(market.ticket).items
            if item.message is not None and not item.message.is_automatic
        }
    assert kinds == {
        "Commande JM-": "message",
        "Bonjour, la ": "seller",
        answer.text[:12]: "seller",
        "À surveiller": "note",
    }


def test_the_page_shows_the_seller_side_apart_with_who_wrote(client, market):
    answer = answered(market, proposal="refund", amount="2499.00")
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    with brand_scope(market.brand):
        asked = market.ticket.messages.get(seller__isnull=False, direction="out")
    to_seller, from_seller = entry(page, asked.pk), entry(page, answer.pk)
    assert 'class="msg seller out"' in to_seller
    assert "Au vendeur, Atlas Électroménager" in to_seller and "Jagent" in to_seller
    assert 'class="msg seller in"' in from_seller
    assert "Du vendeur — Youssef, Formulaire web" in from_seller
    assert "Propose" in from_seller and "Remboursement" in from_seller
    assert "2\u202f499,00\xa0MAD" in from_seller
    assert "Transmettre au client" in from_seller
    for seller_side in (to_seller, from_seller):
        assert "note" not in seller_side.split(">")[0]  # not drawn as a note
        assert "Note interne" not in seller_side
    # The customer's message the seller was shown says so.
    assert "montré au vendeur" in entry(page, customer_message(market.ticket).pk)


def test_in_english_the_seller_side_reads_as_such(client, market):
    answered(market)
    client.force_login(market.agent)
    page = client.get("/en" + url("ticket", market.ticket)).content.decode()
    assert "To the seller, Atlas Électroménager" in page
    assert "From the seller — Youssef, Web form" in page
    assert "Pass on to the customer" in page


def test_a_seller_answer_by_its_own_address_names_the_seller(client, market):
    from guichet.tickets.actors import SellerParty

    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Bonjour")
    answer = services.seller_receive(
        ticket=market.ticket, party=SellerParty(market.seller), text="Reçu.", channel=Channel.EMAIL
    )
    client.force_login(market.agent)
    shown = entry(client.get(url("ticket", market.ticket)).content.decode(), answer.pk)
    assert "Atlas Électroménager" in shown and "Du vendeur, E-mail" in shown


def event(ticket: Ticket, verb: str) -> Event:
    with brand_scope(ticket.brand_id):
        return ticket.events.filter(verb=verb).latest("pk")


def said(ticket: Ticket, verb: str, language: str) -> str:
    """What the timeline says of the ticket's latest event `verb`, in `language`."""
    with brand_scope(ticket.brand_id):
        found = event(ticket, verb)
        items = [i for i in timeline(ticket, everything=True).items if i.event == found]
        with translation.override(language):
            return items[0].summary


def test_the_seller_side_events_are_said_in_french_and_english(market):
    answer = answered(market)
    ticket = market.ticket
    services.seller_answer_share(
        ticket=ticket, actor=market.agent, message=answer, text="Le vendeur a répondu."
    )
    strike = services.strike_record(
        ticket=ticket, actor=market.agent, reason="refused", note="Refuse tout échange."
    )
    services.strike_withdraw(strike=strike, actor=market.manager, reason="Erreur de saisie")
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="restricted", reason="Trop de retards"
    )
    release = services.contact_release_request(ticket=ticket, actor=Customer(market.customer))
    services.contact_release_decide(
        release=release, actor=market.agent, give=False, reason="Le vendeur a répondu"
    )
    services.contact_release_request(ticket=ticket, actor=market.agent)
    expected = {
        Verb.SHARED_WITH_SELLER: (
            "Message du client montré au vendeur\xa0: Atlas Électroménager",
            "Customer's message shown to the seller: Atlas Électroménager",
        ),
        Verb.SELLER_ANSWER_SHARED: (
            "Réponse du vendeur transmise au client\xa0: Atlas Électroménager",
            "Seller's answer passed on to the customer: Atlas Électroménager",
        ),
        Verb.STRIKE_RECORDED: (
            "Pénalité pour le vendeur\xa0: Atlas Électroménager — Refus de coopérer — "
            "1 pénalité sur 3 avant une restriction",
            "Strike against the seller: Atlas Électroménager — Refused to cooperate — "
            "1 strike of 3 before a restriction",
        ),
        Verb.STRIKE_WITHDRAWN: (
            "Pénalité retirée\xa0: Atlas Électroménager — Erreur de saisie",
            "Strike withdrawn: Atlas Électroménager — Erreur de saisie",
        ),
        Verb.SELLER_STATUS_CHANGED: (
            "Statut du vendeur modifié\xa0: Atlas Électroménager\xa0: Actif → Restreint — "
            "Trop de retards",
            "Seller's status changed: Atlas Électroménager: Active → Restricted — Trop de retards",
        ),
        Verb.CONTACT_DETAILS_REQUESTED: (
            "Coordonnées du vendeur demandées\xa0: Atlas Électroménager",
            "Seller's contact details requested: Atlas Électroménager",
        ),
        Verb.CONTACT_DETAILS_REFUSED: (
            "Coordonnées du vendeur refusées\xa0: Atlas Électroménager — Le vendeur a répondu",
            "Seller's contact details refused: Atlas Électroménager — Le vendeur a répondu",
        ),
        Verb.CONTACT_DETAILS_RELEASED: (
            "Coordonnées du vendeur communiquées\xa0: Atlas Électroménager — donnés\xa0: nom, "
            "raison sociale, adresse e-mail, numéro de téléphone, adresse postale",
            "Seller's contact details released: Atlas Électroménager — given: name, legal "
            "name, email address, phone number, postal address",
        ),
    }
    for verb, (french, english) in expected.items():
        assert said(ticket, verb, "fr") == french, verb
        assert said(ticket, verb, "en") == english, verb


def test_a_change_of_seller_names_the_seller(market):
    assert said(market.ticket, Verb.FIELD_CHANGED, "fr") == (
        "Champ modifié\xa0: vendeur\xa0: — → Atlas Électroménager"
    )


def test_money_and_returns_are_said_in_french_and_english(world, frozen_clock):
    services.ticket_record_payment(
        ticket=world.ticket,
        actor=world.agent,
        kind="credit",
        amount="1500.50",
        reason="Erreur de facturation",
    )
    assert said(world.ticket, Verb.PAYMENT_RECORDED, "fr") == (
        "Remboursement ou avoir enregistré\xa0: Avoir de 1\u202f500,50\xa0JMD — "
        "Erreur de facturation"
    )
    assert said(world.ticket, Verb.PAYMENT_RECORDED, "en") == (
        "Refund or credit recorded: Credit of 1,500.50\xa0JMD — Erreur de facturation"
    )
    data = {
        "item_received_at": (clock.now() - timedelta(days=2)).isoformat(),
        "item_returned_at": clock.now().isoformat(),
    }
    with brand_scope(world.ej), translation.override("en"):
        line = describe(Event(ticket=world.ticket, verb=Verb.RETURN_RECORDED, data=data))
    assert line.startswith("Return recorded: item received on ")
    assert " — item returned on " in line
    with brand_scope(world.ej), translation.override("fr"):
        waived = describe(
            Event(ticket=world.ticket, verb=Verb.RETURN_RECORDED, data={"waived": True})
        )
    assert waived == "Retour enregistré\xa0: pas de retour nécessaire"


def test_a_strike_stands_out_in_its_moment(client, market):
    services.strike_record(
        ticket=market.ticket, actor=market.agent, reason="refused", note="Refus net."
    )
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    moments = page.split('<li class="moment')[1:]
    struck = [m for m in moments if "Pénalité pour le vendeur" in m.split("</li>")[0]]
    assert struck and all(m.startswith(" alert") for m in struck)


def test_a_restricted_sellers_tickets_each_say_so(client, market):
    other = services.ticket_open(
        brand=market.brand,
        contact=market.customer,
        contact_type="dispute",
        subject="Deuxième commande",
        text="Toujours rien.",
        channel=Channel.WEB,
    )
    services.ticket_change(ticket=other, actor=market.agent, seller=market.seller)
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="restricted", reason="Retards"
    )
    client.force_login(market.agent)
    for ticket in (market.ticket, other):
        page = client.get(url("ticket", ticket)).content.decode()
        head = page[page.index('id="head"') : page.index("</header>", page.index('id="head"'))]
        assert "badge seller seller-restricted" in head
        assert "vendeur\xa0: Atlas Électroménager — <strong>restreint</strong>" in head
        assert "Restreint depuis le" in page  # the seller's panel


def test_the_head_deadline_is_the_customers_not_the_sellers(client, market, frozen_clock):
    answered(market)
    frozen_clock.advance(timedelta(hours=1))
    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Et la facture ?")
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    head = page[page.index('id="head"') : page.index("</header>", page.index('id="head"'))]
    assert "Prochaine échéance" in head and "Réponse du vendeur" not in head
    panel = page[page.index('id="seller"') : page.index("</section>", page.index('id="seller"'))]
    assert "Sa réponse" in panel and 'class="due ok"' in panel


def test_a_missed_seller_deadline_shows_in_the_panel(client, market, frozen_clock):
    from guichet.sla import watcher

    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Bonjour")
    frozen_clock.advance(timedelta(hours=25))
    watcher.sweep()
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    panel = page[page.index('id="seller"') :]
    assert "délai dépassé" in panel
    assert "Pas de réponse dans le délai" in panel  # the strike on this ticket
    with brand_scope(market.brand):
        assert Strike.objects.filter(ticket=market.ticket).count() == 1
