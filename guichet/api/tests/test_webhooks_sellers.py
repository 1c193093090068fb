"""The marketplace's webhooks, sent to a real local HTTP server: the seller's side of a
ticket (`seller.contacted`, `seller.answered`, `seller.strike_recorded`), money and the
seller's details (`ticket.payment_recorded`, `ticket.contact_details_released`), and a
seller's status (`seller.restricted`, `seller.reinstated`, `seller.terminated`), which is
not an event of one ticket (docs/api.md, "Webhooks")."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest

from guichet.accounts.models import Role
from guichet.api.api import api as ninja_api
from guichet.api.events import DESCRIBED, EventType
from guichet.api.models import DeliveryStatus
from guichet.api.tests.webhook_helpers import deliveries, hook, verify_signature
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import SellerStatusChange, Strike
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.actors import SellerParty
from guichet.tickets.choices import Channel

pytestmark = pytest.mark.usefixtures("immediate_tasks")

DOCS = Path(__file__).resolve().parents[3] / "docs" / "api.md"


def disputes_of(market, count):
    """The market's dispute and `count - 1` more with the same seller."""
    tickets = [market.ticket]
    for n in range(count - 1):
        ticket = services.ticket_open(
            brand=market.brand,
            contact=market.customer,
            contact_type="dispute",
            subject=f"Autre litige {n}",
            text="Rien reçu.",
            channel=Channel.WEB,
        )
        services.ticket_change(ticket=ticket, actor=market.agent, seller=market.seller)
        tickets.append(ticket)
    return tickets


def test_three_missed_deadlines_restrict_the_seller_and_the_webhook_arrives_signed(
    market, receiver, frozen_clock, django_capture_on_commit_callbacks, market_api
):
    endpoint, secret = hook(market.brand, receiver.url(), events=["seller.restricted"])
    for ticket in disputes_of(market, 3):
        services.seller_contact(ticket=ticket, actor=market.agent, text="Merci de répondre.")
    frozen_clock.advance(timedelta(hours=20))
    watcher.sweep()  # the warnings: no strike yet
    assert receiver.seen == []
    frozen_clock.advance(timedelta(hours=5))  # past the seller's 24 hours
    with django_capture_on_commit_callbacks(execute=True):
        watcher.sweep()

    market.seller.refresh_from_db()
    assert market.seller.status == "restricted"
    [(path, headers, body)] = receiver.seen
    assert path == "/hooks" and headers["Guichet-Event"] == "seller.restricted"
    assert verify_signature()(
        secret, headers["Guichet-Signature"], body, now=frozen_clock.now().timestamp()
    )
    payload = json.loads(body)
    with brand_scope(market.brand):
        change = SellerStatusChange.objects.get(seller=market.seller)
        strikes = set(Strike.objects.filter(seller=market.seller).values_list("pk", flat=True))
    assert payload["id"] == f"sst_{change.pk}"
    assert payload["type"] == "seller.restricted" and payload["brand"] == "jamla24"
    assert payload["created_at"] == frozen_clock.now().isoformat().replace("+00:00", "Z")
    assert payload["seller"]["id"] == market.seller.pk
    assert payload["seller"]["name"] == "Atlas Électroménager"
    assert payload["seller"]["status"] == "restricted"
    assert payload["change"]["from"] == "active" and payload["change"]["to"] == "restricted"
    assert payload["change"]["strike"] in strikes and payload["change"]["by"] is None
    assert "3" in payload["change"]["reason"]
    [done] = deliveries(market.brand)
    assert done.event is None and done.status == DeliveryStatus.DELIVERED
    assert headers["Guichet-Delivery"] == str(done.uid)

    # Replayed through the API: the same body, a new delivery.
    admin = market_api(role=Role.ADMIN)
    with django_capture_on_commit_callbacks(execute=True):
        replayed = admin.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{done.uid}/replay")
    assert replayed.status_code == 201, replayed.content
    assert replayed.json()["event"] == "seller.restricted"
    assert replayed.json()["event_id"] is None
    assert len(receiver.seen) == 2 and receiver.seen[1][2] == body
    listed = admin.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()
    assert {d["status"] for d in listed} == {"delivered"}


def test_a_managers_decisions_are_announced(
    market, receiver, market_api, django_capture_on_commit_callbacks
):
    hook(market.brand, receiver.url(), events=["seller.reinstated", "seller.terminated"])
    manager = market_api(role=Role.MANAGER)
    url = f"/api/v1/sellers/{market.seller.pk}/status"
    for status, reason in [
        ("restricted", "Retards répétés"),  # not subscribed: not sent
        ("terminated", "Contrefaçons"),
        ("active", "Décision annulée"),
    ]:
        with django_capture_on_commit_callbacks(execute=True):
            assert manager.post(url, {"status": status, "reason": reason}).status_code == 200
    kinds = [headers["Guichet-Event"] for _, headers, _ in receiver.seen]
    assert kinds == ["seller.terminated", "seller.reinstated"]
    reinstated = json.loads(receiver.seen[1][2])
    assert reinstated["change"]["from"] == "terminated"
    assert reinstated["change"]["reason"] == "Décision annulée"
    assert reinstated["change"]["by"]["name"].startswith("Marché")
    assert reinstated["seller"]["status"] == "active"


def test_the_seller_side_and_money_events_are_sent(
    market, receiver, frozen_clock, django_capture_on_commit_callbacks
):
    hook(market.brand, receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        services.seller_contact(ticket=market.ticket, actor=market.agent, text="Bonjour")
    with django_capture_on_commit_callbacks(execute=True):
        services.seller_receive(
            ticket=market.ticket,
            party=SellerParty(market.seller, market.person),
            text="Nous refusons.",
            proposal="refusal",
            reason="Produit utilisé.",
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.strike_record(
            ticket=market.ticket, actor=market.agent, reason="refused", note="Refus."
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.contact_release_request(ticket=market.ticket, actor=market.agent)
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_record_payment(
            ticket=market.ticket, actor=market.agent, kind="refund", amount="99.90", reason="x"
        )
    sent = {headers["Guichet-Event"]: json.loads(body) for _, headers, body in receiver.seen}
    assert {
        "seller.contacted",
        "seller.answered",
        "seller.strike_recorded",
        "ticket.contact_details_released",
        "ticket.payment_recorded",
    } <= set(sent)
    answered = sent["seller.answered"]
    assert answered["event"]["actor"]["kind"] == "seller"
    assert answered["event"]["data"]["proposal"] == "refusal"
    assert answered["ticket"]["seller"]["id"] == market.seller.pk
    assert sent["seller.strike_recorded"]["event"]["data"]["reason"] == "refused"
    assert sent["ticket.payment_recorded"]["event"]["data"]["amount"] == "99.90"
    assert sent["ticket.payment_recorded"]["ticket"]["refunded_at"] is not None


def test_without_a_seller_type_subscribed_a_status_change_costs_no_query(
    market, receiver, django_assert_num_queries
):
    from guichet.api.webhooks.services import on_seller_status_committed, subscribed_types

    hook(market.brand, receiver.url(), events=["ticket.closed"])
    assert subscribed_types() == {"ticket.closed"}
    with django_assert_num_queries(0):
        on_seller_status_committed(market.seller.pk, 1)


def test_every_event_type_is_described_in_the_document_and_the_docs():
    assert set(DESCRIBED) == set(EventType.values)
    description = ninja_api.get_openapi_schema(path_prefix="/api/v1/")["info"]["description"]
    docs = DOCS.read_text(encoding="utf-8")
    for kind in EventType.values:
        assert f"`{kind}`" in description, kind
        assert f"| `{kind}` |" in docs, kind
