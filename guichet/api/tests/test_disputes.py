"""The seller's side of a dispute through the API: writing to the seller, showing it the
customer's messages, its answer kept apart from the customer's conversation until an agent
passes it on, strikes for a refusal, the release of its contact details (docs/api.md,
"The seller's side of a ticket")."""

from __future__ import annotations

from datetime import timedelta

from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import ReleaseStatus
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.actors import Customer, SellerParty
from guichet.tickets.choices import Channel, Direction, Status, Verb


def customer_message(market):
    with brand_scope(market.brand):
        return market.ticket.messages.get(direction=Direction.INBOUND, seller__isnull=True)


def write_to_seller(market, caller, **extra):
    body = {"text": "Bonjour, le client n'a pas reçu la commande JM-889.", **extra}
    return caller.post(f"/api/v1/tickets/{market.ticket.reference}/seller/messages", body)


def test_an_agent_writes_to_the_seller_sharing_one_customer_message(market, market_api):
    shown = customer_message(market)
    response = write_to_seller(market, market_api(), share=[shown.pk])
    assert response.status_code == 201, response.content
    body = response.json()
    ticket, message = body["ticket"], body["message"]
    assert ticket["status"] == Status.WAITING_THIRD_PARTY
    assert ticket["seller_asked_at"] is not None and ticket["seller_answered_at"] is None
    assert any(d["kind"] == "seller_response" for d in ticket["deadlines"])
    assert message["seller"]["id"] == market.seller.pk and message["direction"] == "out"
    assert message["internal"] is True and message["note"] is False
    assert message["person"] is None and message["proposal"] is None
    shown.refresh_from_db()
    assert shown.shared_with_seller_at is not None


def test_only_the_customers_messages_of_this_ticket_are_shared(market, market_api):
    agent = market_api()
    note = services.ticket_note(ticket=market.ticket, actor=market.agent, text="Client pressé.")
    for ids in ([note.pk], [987654]):
        response = write_to_seller(market, agent, share=ids)
        assert response.status_code == 400 and response.json()["code"] == "share", ids
    response = agent.post(
        f"/api/v1/tickets/{market.ticket.reference}/seller/share", {"messages": [note.pk]}
    )
    assert response.status_code == 400 and response.json()["code"] == "share"
    shared = agent.post(
        f"/api/v1/tickets/{market.ticket.reference}/seller/share",
        {"messages": [customer_message(market).pk]},
    )
    assert shared.status_code == 200 and shared.json()["shared"] == [customer_message(market).pk]
    again = agent.post(
        f"/api/v1/tickets/{market.ticket.reference}/seller/share",
        {"messages": [customer_message(market).pk]},
    )
    assert again.json()["shared"] == []


def test_the_sellers_answer_is_shown_as_the_sellers_and_passed_on_by_an_agent(market, market_api):
    agent = market_api()
    write_to_seller(market, agent)
    answer = services.seller_receive(
        ticket=market.ticket,
        party=SellerParty(market.seller, market.person),
        text="Nous remboursons.",
        channel=Channel.WEB,
        proposal="refund",
        amount="2499.00",
    )
    reference = market.ticket.reference
    side = agent.get(f"/api/v1/tickets/{reference}/seller/messages").json()
    assert [m["direction"] for m in side] == ["out", "in"]
    came = side[1]
    assert came["author"] == {"kind": "seller", "id": market.seller.pk, "name": market.seller.name}
    assert came["person"] == {"id": market.person.pk, "name": "Youssef"}
    assert came["proposal"]["kind"] == "refund"
    assert came["proposal"]["amount"] == "2499.00" and came["proposal"]["currency"] == "MAD"
    # In the ticket's messages, the seller's side is the seller's — not a note.
    everything = agent.get(f"/api/v1/tickets/{reference}/messages").json()
    by_id = {m["id"]: m for m in everything}
    assert by_id[answer.pk]["seller"]["id"] == market.seller.pk
    assert by_id[answer.pk]["note"] is False and by_id[answer.pk]["internal"] is True
    assert by_id[answer.pk]["author"]["kind"] == "seller"
    customers = [m for m in everything if m["seller"] is None and not m["internal"]]
    assert answer.pk not in {m["id"] for m in customers}
    # The event of the answer names the seller as its actor.
    events = agent.get(f"/api/v1/tickets/{reference}/events").json()
    [answered] = [e for e in events if e["verb"] == Verb.SELLER_ANSWERED]
    assert answered["actor"] == {
        "kind": "seller",
        "id": market.seller.pk,
        "name": market.seller.name,
    }

    passed = agent.post(
        f"/api/v1/tickets/{reference}/seller/messages/{answer.pk}/pass-on",
        {"text": "Le vendeur propose de vous rembourser 2 499 MAD."},
    )
    assert passed.status_code == 201, passed.content
    reply = passed.json()["message"]
    assert reply["internal"] is False and reply["seller"] is None and reply["direction"] == "out"
    # Only the seller's messages are passed on.
    mine = customer_message(market)
    refused = agent.post(
        f"/api/v1/tickets/{reference}/seller/messages/{mine.pk}/pass-on", {"text": "x"}
    )
    assert refused.status_code == 404


def test_a_stale_revision_is_refused(market, market_api):
    response = write_to_seller(market, market_api(), revision=0)
    assert response.status_code == 409 and response.json()["code"] == "stale"


def test_an_agent_records_a_refusal_as_a_strike_with_its_note(market, market_api):
    agent = market_api()
    url = f"/api/v1/tickets/{market.ticket.reference}/strikes"
    no_note = agent.post(url, {"note": " "})
    assert no_note.status_code == 400 and no_note.json()["code"] == "note"
    response = agent.post(url, {"note": "Refuse de reprendre l'article."})
    assert response.status_code == 201, response.content
    strike = response.json()["strike"]
    assert strike["reason"] == "refused" and strike["recorded_by"]["name"].startswith("Marché")
    assert [s["id"] for s in agent.get(url).json()] == [strike["id"]]


def test_a_ticket_without_a_seller_has_no_strike(market, market_api):
    ticket = services.ticket_open(
        brand=market.brand,
        contact=market.customer,
        contact_type="dispute",
        subject="Sans vendeur",
        text="Rien reçu.",
        channel=Channel.WEB,
    )
    response = market_api().post(f"/api/v1/tickets/{ticket.reference}/strikes", {"note": "x"})
    assert response.status_code == 400 and response.json()["code"] == "no_seller"
    contact = market_api().post(
        f"/api/v1/tickets/{ticket.reference}/seller/messages", {"text": "Bonjour"}
    )
    assert contact.status_code == 400 and contact.json()["code"] == "no_seller"


def test_an_agent_gives_the_customer_the_sellers_details_and_it_is_logged(market, market_api):
    agent = market_api()
    url = f"/api/v1/tickets/{market.ticket.reference}/contact-releases"
    response = agent.post(url)
    assert response.status_code == 201, response.content
    release = response.json()["release"]
    assert release["status"] == ReleaseStatus.RELEASED
    assert release["requested_by"]["kind"] == "staff"
    assert release["decided_by"]["name"].startswith("Marché")
    assert release["details"]["email"] == "contact@atlas.example"
    assert agent.get(url).json() == [release]


def test_an_agent_decides_on_the_customers_request(market, market_api, frozen_clock):
    pending = services.contact_release_request(
        ticket=market.ticket, actor=Customer(market.customer)
    )
    assert pending.status == ReleaseStatus.REQUESTED
    agent = market_api()
    url = f"/api/v1/contact-releases/{pending.pk}/decision"
    no_reason = agent.post(url, {"give": False})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason"
    refused = agent.post(url, {"give": False, "reason": "Nous relançons d'abord le vendeur."})
    assert refused.status_code == 200, refused.content
    release = refused.json()["release"]
    assert release["status"] == "refused" and release["requested_by"]["kind"] == "customer"
    assert release["refusal_reason"] == "Nous relançons d'abord le vendeur."
    again = agent.post(url, {"give": True})
    assert again.status_code == 400 and again.json()["code"] == "decided"


def test_the_policy_releases_once_the_seller_let_its_deadline_pass(
    market, market_api, frozen_clock
):
    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Merci de répondre.")
    frozen_clock.advance(timedelta(hours=25))
    watcher.sweep()
    services.contact_release_request(ticket=market.ticket, actor=Customer(market.customer))
    [release] = (
        market_api().get(f"/api/v1/tickets/{market.ticket.reference}/contact-releases").json()
    )
    assert release["status"] == "released"
    assert release["decided_by"] == {"kind": "system", "id": None, "name": "policy"}
