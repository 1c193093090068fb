"""Refunds, credits and returns through the API: money is a decimal number in a string, in
and out, never a JSON number; a negative, absurd or malformed amount is refused with a
clear error in the API's format (docs/api.md, "Returns, refunds and credits")."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest

from guichet.api.tests.conftest import Caller
from guichet.conftest import publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib.scoping import brand_scope
from guichet.sla.models import Deadline
from guichet.tickets import services
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Payment


def payments_url(world):
    return f"/api/v1/tickets/{world.ticket.reference}/payments"


def test_a_billing_error_is_credited_and_read_back_as_a_string(world, api):
    agent = api()
    response = agent.post(
        payments_url(world),
        {"kind": "credit", "amount": "1500.50", "reason": "Facture débitée deux fois."},
    )
    assert response.status_code == 201, response.content
    payment = response.json()["payment"]
    assert payment["amount"] == "1500.50" and payment["currency"] == "JMD"
    assert payment["kind"] == "credit" and payment["recorded_by"]["name"].startswith("Boutique")
    assert response.json()["ticket"]["refunded_at"] is not None
    with brand_scope(world.ej):
        stored = Payment.objects.get()
    assert stored.amount == Decimal("1500.50")
    assert agent.get(payments_url(world)).json() == [payment]
    [event] = [
        e
        for e in agent.get(f"/api/v1/tickets/{world.ticket.reference}/events").json()
        if e["verb"] == Verb.PAYMENT_RECORDED
    ]
    assert event["data"]["amount"] == "1500.50"


def test_a_currency_may_be_given(world, api):
    response = api().post(
        payments_url(world),
        {"kind": "refund", "amount": "20", "currency": "usd", "reason": "Remboursement."},
    )
    assert response.status_code == 201
    assert response.json()["payment"]["amount"] == "20.00"
    assert response.json()["payment"]["currency"] == "USD"
    wrong = api().post(
        payments_url(world),
        {"kind": "refund", "amount": "20", "currency": "ZZZ", "reason": "Remboursement."},
    )
    assert wrong.status_code == 400 and wrong.json()["code"] == "currency"


@pytest.mark.parametrize(
    ("amount", "code"),
    [
        (12.5, "amount_number"),
        (12, "amount_number"),
        (1e9, "amount_number"),
        ("-5.00", "amount_negative"),
        ("12,50", "amount_format"),
        ("12.345", "amount_format"),
        ("1e9", "amount_format"),
        ("NaN", "amount_format"),
        ("", "amount_format"),
        ("123456789", "amount_format"),
    ],
)
def test_amounts_that_are_not_decimal_strings_are_refused_on_their_field(world, api, amount, code):
    response = api().post(
        payments_url(world), {"kind": "refund", "amount": amount, "reason": "Remboursement."}
    )
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation"
    [error] = body["errors"]
    assert error["field"] == "body.payload.amount" and error["code"] == code
    assert error["message"]
    with brand_scope(world.ej):
        assert not Payment.objects.exists()


@pytest.mark.parametrize("amount", ["0", "0.00", "1000000.01", "9999999"])
def test_zero_and_absurd_amounts_are_refused_by_the_service(world, api, amount):
    response = api().post(
        payments_url(world), {"kind": "refund", "amount": amount, "reason": "Remboursement."}
    )
    assert response.status_code == 400 and response.json()["code"] == "amount"
    with brand_scope(world.ej):
        assert not Payment.objects.exists()


def test_a_reason_and_a_kind_are_needed(world, api):
    no_reason = api().post(payments_url(world), {"kind": "refund", "amount": "5", "reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason"
    kind = api().post(payments_url(world), {"kind": "gift", "amount": "5", "reason": "x"})
    assert kind.status_code == 422 and kind.json()["errors"][0]["field"] == "body.payload.kind"


def test_a_retry_with_the_same_idempotency_key_records_one_payment(world, api):
    agent = api()
    body = {"kind": "refund", "amount": "30.00", "reason": "Colis perdu."}
    first = agent.post(payments_url(world), body, **{"Idempotency-Key": "pay-1"})
    again = agent.post(payments_url(world), body, **{"Idempotency-Key": "pay-1"})
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["payment"]["id"] == first.json()["payment"]["id"]
    with brand_scope(world.ej):
        assert Payment.objects.count() == 1
    other = agent.post(
        payments_url(world), {**body, "amount": "31.00"}, **{"Idempotency-Key": "pay-1"}
    )
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


# --- returns (Ivoire Toner's [returns]) ---------------------------------------------------


@pytest.fixture
def ivoire_return(world, make_key):
    brand = publish_preset("ivoire-toner")
    customer = contact_for_email(brand=brand, email="awa@exemple.ci", name="Awa Koné")
    ticket = services.ticket_open(
        brand=brand,
        contact=customer,
        contact_type="return_refund",
        subject="Cartouche défectueuse",
        text="Je souhaite retourner la cartouche reçue hier.",
        channel=Channel.WEB,
        category="product",
    )
    from django.test import Client

    return ticket, Caller(Client(), make_key(brand=brand)[1])


def kinds(ticket):
    with brand_scope(ticket.brand_id):
        return {
            d.kind: d
            for d in Deadline.objects.filter(ticket=ticket, cancelled_at__isnull=True)
            if d.kind in ("return_window", "refund")
        }


def test_the_items_return_is_recorded_and_starts_the_refund_deadline(ivoire_return, frozen_clock):
    ticket, agent = ivoire_return
    url = f"/api/v1/tickets/{ticket.reference}/return"
    received = (frozen_clock.now() - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    response = agent.post(url, {"item_received_at": received})
    assert response.status_code == 200, response.content
    assert response.json()["item_received_at"].startswith(received[:16])
    assert response.json()["item_returned_at"] is None
    response = agent.post(url, {"waived": True})
    assert response.status_code == 200
    assert response.json()["item_returned_at"] is not None
    assert "refund" in kinds(ticket)


def test_return_dates_are_checked(ivoire_return, frozen_clock):
    ticket, agent = ivoire_return
    url = f"/api/v1/tickets/{ticket.reference}/return"
    future = (frozen_clock.now() + timedelta(days=3)).isoformat()
    response = agent.post(url, {"item_received_at": future})
    assert response.status_code == 400 and response.json()["code"] == "item_received_at"
    for value in (1700000000, "1700000000", "2026-11-23", "hier"):
        refused = agent.post(url, {"item_received_at": value})
        assert refused.status_code == 422, value
        assert refused.json()["errors"][0]["field"] == "body.payload.item_received_at"
    empty = agent.post(url, {})
    assert empty.status_code == 400 and empty.json()["code"] == "empty"


def test_a_brand_without_returns_records_none(world, api):
    response = api().post(f"/api/v1/tickets/{world.ticket.reference}/return", {"waived": True})
    assert response.status_code == 400 and response.json()["code"] == "no_returns"
