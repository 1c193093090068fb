"""The ticket page's actions on the seller's side of a marketplace dispute and on the money:
each goes through its service, answers with the page's fragments, says why when it is
refused (a role that may not: 403; a bad input: 4xx with the reason), and an agent of
another brand gets 404 as for a ticket that does not exist."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from django.urls import reverse

from guichet.accounts.models import Role
from guichet.accounts.permissions import Action
from guichet.conftest import assert_hidden_from_outsider, make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.desk.tests.seller_cases import (
    HTMX,
    answered,
    customer_message,
    outsider,
    refuse,
    url,
)
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import (
    ContactRelease,
    ReleaseStatus,
    SellerStatus,
    Strike,
    StrikeReason,
)
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Channel, Direction, Status, Verb
from guichet.tickets.models import Message, Payment, Ticket

pytestmark = pytest.mark.django_db

REFUSED = "Votre rôle ne le permet pas."


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.select_related("seller").get(pk=ticket.pk)


def events(ticket: Ticket, verb: str) -> int:
    with brand_scope(ticket.brand_id):
        return ticket.events.filter(verb=verb).count()


# --- writing to the seller ----------------------------------------------------------------


def test_writing_to_the_seller_shows_it_the_messages_ticked(client, market):
    client.force_login(market.agent)
    first = customer_message(market.ticket)
    response = client.post(
        url("seller_write", market.ticket),
        {"text": "Pouvez-vous nous dire où en est la livraison ?", "share": [first.pk]},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Envoyé au vendeur." in body
    assert "Au vendeur, Atlas Électroménager" in body  # in the timeline, on its side
    with brand_scope(market.brand):
        sent = Message.objects.get(ticket=market.ticket, seller=market.seller)
        assert sent.is_internal and sent.direction == Direction.OUTBOUND
        assert sent.author_user == market.agent
        first.refresh_from_db()
        assert first.shared_with_seller_at == clock.now()
    assert fresh(market.ticket).status == Status.WAITING_THIRD_PARTY


def test_writing_to_the_seller_in_html_keeps_the_allowed_formatting(client, market):
    client.force_login(market.agent)
    client.post(
        url("seller_write", market.ticket),
        {"html": "<p>Merci de <b>répondre</b></p><script>alert(1)</script>", "text": ""},
        **HTMX,
    )
    with brand_scope(market.brand):
        sent = Message.objects.get(ticket=market.ticket, seller=market.seller)
    assert "<b>répondre</b>" in sent.html and "script" not in sent.html
    assert sent.text == "Merci de répondre"


def test_an_empty_message_to_the_seller_is_refused_with_the_draft_kept(client, market):
    client.force_login(market.agent)
    first = customer_message(market.ticket)
    response = client.post(
        url("seller_write", market.ticket), {"text": "  ", "share": [first.pk]}, **HTMX
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Ce champ est obligatoire." in body
    assert 'id="seller-box" class="seller-box"' in body and "open" in body
    with brand_scope(market.brand):
        assert not Message.objects.filter(ticket=market.ticket, seller__isnull=False).exists()


def test_a_terminated_seller_cannot_be_written_to_and_the_page_says_why(client, market):
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="terminated", reason="Fraude"
    )
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    assert 'id="seller-form"' not in page  # the box is not offered
    assert "Résilié depuis" in page
    response = client.post(url("seller_write", market.ticket), {"text": "Bonjour"}, **HTMX)
    assert response.status_code == 400
    assert "ne peut plus être contacté" in response.content.decode()


def test_a_message_of_another_ticket_cannot_be_shown_to_the_seller(client, market):
    other = services.ticket_open(
        brand=market.brand,
        contact=market.customer,
        contact_type="question",
        subject="Autre chose",
        text="Une question privée.",
        channel=Channel.EMAIL,
    )
    client.force_login(market.agent)
    response = client.post(
        url("seller_write", market.ticket),
        {"text": "Bonjour", "share": [customer_message(other).pk]},
        **HTMX,
    )
    assert response.status_code == 400
    with brand_scope(market.brand):
        assert customer_message(other).shared_with_seller_at is None
        assert not Message.objects.filter(seller=market.seller).exists()


def test_writing_to_the_seller_needs_the_right(client, market, monkeypatch):
    refuse(monkeypatch, Role.AGENT, Action.CONTACT_SELLER)
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    assert 'id="seller-form"' not in page
    response = client.post(url("seller_write", market.ticket), {"text": "Bonjour"}, **HTMX)
    assert response.status_code == 403
    assert REFUSED in response.content.decode()


# --- passing the seller's answer on ---------------------------------------------------------


def test_pass_on_opens_the_editor_with_the_sellers_answer_quoted(client, market):
    answer = answered(market)
    client.force_login(market.agent)
    response = client.post(url("seller_quote", market.ticket), {"message": answer.pk}, **HTMX)
    assert response.status_code == 200
    body = response.content.decode()
    assert "Le vendeur, Atlas Électroménager, nous a répondu :" in body
    assert "<i>Le colis est reparti hier.<br>Nous remboursons les frais de port.</i>" in body
    assert f'name="passes_on" value="{answer.pk}"' in body
    assert reverse("desk:seller_pass_on", args=[market.ticket.reference]) in body


def test_the_quote_is_in_the_customers_language(client, market):
    with brand_scope(market.brand):
        Ticket.objects.filter(pk=market.ticket.pk).update(language="en")
    answer = answered(market)
    client.force_login(market.agent)
    body = client.post(
        url("seller_quote", market.ticket), {"message": answer.pk}, **HTMX
    ).content.decode()
    assert "The seller, Atlas Électroménager, answered us:" in body


def test_passing_the_answer_on_replies_to_the_customer(client, market):
    answer = answered(market, proposal="refund", amount="120.00")
    client.force_login(market.agent)
    ticket = fresh(market.ticket)
    response = client.post(
        url("seller_pass_on", ticket),
        {
            "html": "<p>Le vendeur nous répond :</p><p><i>Le colis est reparti hier.</i></p>",
            "passes_on": answer.pk,
            "revision": ticket.revision,
        },
        **HTMX,
    )
    assert response.status_code == 200
    assert "La réponse du vendeur est transmise au client." in response.content.decode()
    with brand_scope(market.brand):
        reply = Message.objects.get(
            ticket=market.ticket,
            direction=Direction.OUTBOUND,
            is_internal=False,
            is_automatic=False,
        )
        shared = market.ticket.events.get(verb=Verb.SELLER_ANSWER_SHARED)
    assert "Le colis est reparti hier." in reply.text
    assert shared.data["seller_message"] == answer.pk


def test_passing_on_an_empty_reply_is_refused_and_the_editor_stays_in_its_mode(client, market):
    answer = answered(market)
    client.force_login(market.agent)
    ticket = fresh(market.ticket)
    response = client.post(
        url("seller_pass_on", ticket),
        {"text": "", "passes_on": answer.pk, "revision": ticket.revision},
        **HTMX,
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "Ce champ est obligatoire." in body and "data-passing-on" in body


def test_a_pass_on_drafted_on_an_older_ticket_asks_to_confirm(client, market):
    answer = answered(market)
    client.force_login(market.agent)
    seen = fresh(market.ticket).revision
    services.ticket_note(ticket=market.ticket, actor=market.manager, text="Vu avec le vendeur.")
    draft = {"text": "Voici sa réponse.", "passes_on": answer.pk, "revision": seen}
    warned = client.post(url("seller_pass_on", market.ticket), draft, **HTMX)
    assert "a changé pendant que vous écriviez" in warned.content.decode()
    assert events(market.ticket, Verb.SELLER_ANSWER_SHARED) == 0
    current = fresh(market.ticket).revision
    client.post(
        url("seller_pass_on", market.ticket),
        {**draft, "revision": current, "confirm_stale": "True"},
        **HTMX,
    )
    assert events(market.ticket, Verb.SELLER_ANSWER_SHARED) == 1


def test_only_a_sellers_answer_on_this_ticket_can_be_passed_on(client, market):
    answered(market)
    client.force_login(market.agent)
    with brand_scope(market.brand):
        to_seller = Message.objects.get(
            ticket=market.ticket, direction=Direction.OUTBOUND, seller__isnull=False
        )
    for message in (customer_message(market.ticket), to_seller):
        response = client.post(url("seller_quote", market.ticket), {"message": message.pk})
        assert response.status_code == 404
        response = client.post(
            url("seller_pass_on", market.ticket),
            {"text": "x", "passes_on": message.pk, "revision": 1},
        )
        assert response.status_code == 404


def test_passing_on_needs_the_right_to_reply(client, market, monkeypatch):
    answer = answered(market)
    refuse(monkeypatch, Role.AGENT, Action.REPLY)
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    assert "Transmettre au client" not in page
    response = client.post(url("seller_quote", market.ticket), {"message": answer.pk}, **HTMX)
    assert response.status_code == 403 and REFUSED in response.content.decode()
    ticket = fresh(market.ticket)
    response = client.post(
        url("seller_pass_on", ticket),
        {"text": "Réponse", "passes_on": answer.pk, "revision": ticket.revision},
        **HTMX,
    )
    assert response.status_code == 403 and REFUSED in response.content.decode()


# --- strikes ----------------------------------------------------------------------------------


def test_a_strike_for_a_refusal_is_recorded_with_its_note(client, market):
    client.force_login(market.agent)
    response = client.post(
        url("seller_strike", market.ticket), {"note": "Refuse tout échange."}, **HTMX
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Pénalité enregistrée." in body
    assert "1 sur 3 avant une restriction" in body  # the panel, redrawn
    with brand_scope(market.brand):
        strike = Strike.objects.get(ticket=market.ticket)
    assert strike.reason == StrikeReason.REFUSED and strike.note == "Refuse tout échange."
    assert strike.recorded_by == market.agent


def test_a_strike_needs_its_note(client, market):
    client.force_login(market.agent)
    response = client.post(url("seller_strike", market.ticket), {"note": ""}, **HTMX)
    assert response.status_code == 400
    assert "Ce champ est obligatoire." in response.content.decode()
    with brand_scope(market.brand):
        assert not Strike.objects.exists()


def test_a_strike_needs_the_right_to_contact_the_seller(client, market, monkeypatch):
    refuse(monkeypatch, Role.AGENT, Action.CONTACT_SELLER)
    client.force_login(market.agent)
    response = client.post(url("seller_strike", market.ticket), {"note": "Refus"}, **HTMX)
    assert response.status_code == 403 and REFUSED in response.content.decode()


# --- the seller's contact details -----------------------------------------------------------------


def customer_asks(market) -> ContactRelease:
    return services.contact_release_request(ticket=market.ticket, actor=Customer(market.customer))


def test_a_pending_request_is_released_by_the_agent(client, market):
    release = customer_asks(market)
    assert release.status == ReleaseStatus.REQUESTED  # not contacted yet: an agent decides
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    assert "demandées par le client" in page and "Envoyer les coordonnées au client" in page
    response = client.post(
        url("release_decide", market.ticket), {"release": release.pk, "give": "1"}, **HTMX
    )
    assert response.status_code == 200
    assert "Les coordonnées sont envoyées au client." in response.content.decode()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.RELEASED and release.decided_by_user == market.agent
    assert release.details["email"] == "contact@atlas.example"


def test_a_request_is_refused_with_the_reason_the_customer_is_told(client, market):
    release = customer_asks(market)
    client.force_login(market.agent)
    missing = client.post(
        url("release_decide", market.ticket),
        {"release": release.pk, "give": "0", "reason": ""},
        **HTMX,
    )
    assert missing.status_code == 400
    assert "Indiquez pourquoi les coordonnées ne sont pas communiquées." in missing.content.decode()
    client.post(
        url("release_decide", market.ticket),
        {"release": release.pk, "give": "0", "reason": "Le vendeur a répondu entre-temps."},
        **HTMX,
    )
    release.refresh_from_db()
    assert release.status == ReleaseStatus.REFUSED
    assert release.refusal_reason == "Le vendeur a répondu entre-temps."


def test_a_request_decided_already_is_not_decided_again(client, market):
    release = customer_asks(market)
    services.contact_release_decide(release=release, actor=market.manager, give=True)
    client.force_login(market.agent)
    response = client.post(
        url("release_decide", market.ticket),
        {"release": release.pk, "give": "0", "reason": "Non"},
        **HTMX,
    )
    assert response.status_code == 400
    assert "Cette demande a déjà été traitée." in response.content.decode()


def test_the_agent_gives_the_customer_the_sellers_details(client, market):
    client.force_login(market.agent)
    response = client.post(url("release_give", market.ticket), {}, **HTMX)
    assert response.status_code == 200
    with brand_scope(market.brand):
        release = ContactRelease.objects.get(ticket=market.ticket)
    assert release.status == ReleaseStatus.RELEASED
    assert release.requested_by_user == market.agent and release.decided_by_user == market.agent
    assert events(market.ticket, Verb.CONTACT_DETAILS_RELEASED) == 1


def test_deciding_on_contact_details_needs_the_right(client, market, monkeypatch):
    release = customer_asks(market)
    refuse(monkeypatch, Role.AGENT, Action.CONTACT_SELLER)
    client.force_login(market.agent)
    for name, data in (
        ("release_decide", {"release": release.pk, "give": "1"}),
        ("release_give", {}),
    ):
        response = client.post(url(name, market.ticket), data, **HTMX)
        assert response.status_code == 403 and REFUSED in response.content.decode(), name
    release.refresh_from_db()
    assert release.status == ReleaseStatus.REQUESTED


# --- the return and the money -----------------------------------------------------------------


@pytest.fixture
def toner(db, frozen_clock):
    """An Ivoire Toner return request: the brand's policy has [returns]."""
    brand = publish_preset("ivoire-toner")
    customer = contact_for_email(brand=brand, email="awa@exemple.ci", name="Awa Koné")
    ticket = services.ticket_open(
        brand=brand,
        contact=customer,
        contact_type="return_refund",
        subject="Cartouche défectueuse",
        text="La cartouche fuit, je veux la retourner.",
        channel=Channel.EMAIL,
    )
    agent = make_staff(brand, "toner-agent", Role.AGENT, teams=["support"])
    return ticket, agent


def test_the_return_is_recorded_and_its_deadlines_are_shown(client, toner, frozen_clock):
    ticket, agent = toner
    client.force_login(agent)
    page = client.get(url("ticket", ticket)).content.decode()
    assert "Retour et remboursement" in page and "Délai de retour" in page
    received = (clock.now() - timedelta(days=3)).date()
    response = client.post(
        url("record_return", ticket), {"item_received_on": received.isoformat()}, **HTMX
    )
    assert response.status_code == 200
    assert "Retour enregistré." in response.content.decode()
    assert fresh(ticket).item_received_at.date() == received
    client.post(url("record_return", ticket), {"waived": "on"}, **HTMX)
    ticket = fresh(ticket)
    assert ticket.item_returned_at == clock.now()
    page = client.get(url("ticket", ticket)).content.decode()
    assert "Remboursement" in page  # the refund deadline now runs


def test_a_return_in_the_future_is_refused_with_the_reason(client, toner):
    ticket, agent = toner
    client.force_login(agent)
    tomorrow = (clock.now() + timedelta(days=2)).date()
    response = client.post(
        url("record_return", ticket), {"item_returned_on": tomorrow.isoformat()}, **HTMX
    )
    assert response.status_code == 400
    assert "Cette date est dans le futur." in response.content.decode()
    assert fresh(ticket).item_returned_at is None


def test_a_return_needs_the_brand_to_have_a_returns_policy(client, market):
    client.force_login(market.agent)
    page = client.get(url("ticket", market.ticket)).content.decode()
    assert 'id="return-box"' not in page
    response = client.post(url("record_return", market.ticket), {"waived": "on"}, **HTMX)
    assert response.status_code == 400
    assert "Cette marque n’a pas de politique de retour." in response.content.decode()


def test_a_credit_is_recorded_in_the_brands_currency(client, world):
    client.force_login(world.agent)
    page = client.get(url("ticket", world.ticket)).content.decode()
    assert 'name="currency"' in page and 'value="JMD"' in page
    response = client.post(
        url("record_payment", world.ticket),
        {"kind": "credit", "amount": "1500,50", "currency": "", "reason": "Double facturation"},
        **HTMX,
    )
    assert response.status_code == 200
    body = response.content.decode()
    assert "Enregistré\xa0: le client en est informé par courrier." in body
    assert "1\u202f500,50\xa0JMD" in body  # in the panel and the timeline
    with brand_scope(world.ej):
        payment = Payment.objects.get(ticket=world.ticket)
    assert payment.kind == "credit" and payment.amount == Decimal("1500.50")
    assert payment.currency == "JMD" and payment.recorded_by == world.agent


@pytest.mark.parametrize(
    ("amount", "said"),
    [
        ("-5", "Le montant doit être supérieur à zéro."),
        ("abc", "n’est pas un montant"),
        ("12.345", "Le montant a au plus deux décimales."),
        ("9999999", "Le montant ne peut pas dépasser"),
    ],
)
def test_a_bad_amount_is_refused_with_a_clear_error(client, world, amount, said):
    client.force_login(world.agent)
    response = client.post(
        url("record_payment", world.ticket),
        {"kind": "refund", "amount": amount, "currency": "JMD", "reason": "Remboursement"},
        **HTMX,
    )
    assert response.status_code == 400
    assert said in response.content.decode()
    with brand_scope(world.ej):
        assert not Payment.objects.exists()


def test_a_payment_needs_its_reason_and_a_real_currency(client, world):
    client.force_login(world.agent)
    for data, said in (
        ({"kind": "refund", "amount": "10", "reason": ""}, "Ce champ est obligatoire."),
        (
            {"kind": "refund", "amount": "10", "currency": "ZZZ", "reason": "x"},
            "code à trois lettres",
        ),
    ):
        response = client.post(url("record_payment", world.ticket), data, **HTMX)
        assert response.status_code == 400 and said in response.content.decode()


def test_recording_money_needs_the_right(client, world, monkeypatch):
    refuse(monkeypatch, Role.AGENT, Action.RECORD_PAYMENT)
    client.force_login(world.agent)
    page = client.get(url("ticket", world.ticket)).content.decode()
    assert 'id="payment-box"' not in page
    response = client.post(
        url("record_payment", world.ticket),
        {"kind": "refund", "amount": "10", "reason": "x"},
        **HTMX,
    )
    assert response.status_code == 403 and REFUSED in response.content.decode()


def test_recording_a_return_needs_the_right(client, toner, monkeypatch):
    ticket, agent = toner
    refuse(monkeypatch, Role.AGENT, Action.RECORD_PAYMENT)
    client.force_login(agent)
    response = client.post(url("record_return", ticket), {"waived": "on"}, **HTMX)
    assert response.status_code == 403 and REFUSED in response.content.decode()


# --- isolation --------------------------------------------------------------------------------

ACTIONS = [
    ("seller_write", {"text": "Bonjour"}),
    ("seller_quote", {"message": 1}),
    ("seller_pass_on", {"text": "x", "passes_on": 1, "revision": 1}),
    ("seller_strike", {"note": "Refus"}),
    ("release_decide", {"release": 1, "give": "1"}),
    ("release_give", {}),
    ("record_return", {"waived": "on"}),
    ("record_payment", {"kind": "refund", "amount": "10", "reason": "x"}),
]


@pytest.mark.parametrize(("name", "data"), ACTIONS)
def test_an_outsider_from_another_brand_gets_404(client, market, name, data):
    answer = answered(market)
    release = customer_asks(market)
    data = {**data}
    for key, value in (("message", answer.pk), ("passes_on", answer.pk), ("release", release.pk)):
        if key in data:
            data[key] = value
    assert_hidden_from_outsider(
        client, outsider(market), url(name, market.ticket), method="post", **data
    )
    with brand_scope(market.brand):
        assert fresh(market.ticket).seller.status == SellerStatus.ACTIVE
        assert not Strike.objects.exists() and not Payment.objects.exists()
    release.refresh_from_db()
    assert release.status == ReleaseStatus.REQUESTED


@pytest.mark.parametrize(("name", "data"), ACTIONS)
def test_a_stranger_is_sent_to_sign_in(client, market, name, data):
    response = client.post(url(name, market.ticket), data)
    assert response.status_code == 302 and "/desk/account/login/" in response["Location"]


@pytest.mark.parametrize(("name", "data"), ACTIONS)
def test_a_post_without_the_csrf_token_is_refused(market, name, data):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(market.agent)
    assert client.post(url(name, market.ticket), data).status_code == 403
