"""Every endpoint of sellers and of the seller's side of tickets: another brand's key gets
404, exactly as for something that does not exist, and changes nothing; a read-only key
changes nothing (403); a role that may not manage sellers gets 403 (test_sellers.py)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guichet.accounts.models import Role
from guichet.conftest import story
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller, SellerPerson, Strike
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.actors import Customer, SellerParty

# (method, path under the ticket, body) for every route of the seller's side and money.
TICKET_ROUTES = [
    ("get", "/seller/messages", None),
    ("post", "/seller/messages", {"text": "x"}),
    ("post", "/seller/share", {"messages": ["{customer_message}"]}),
    ("post", "/seller/messages/{seller_message}/pass-on", {"text": "x"}),
    ("get", "/strikes", None),
    ("post", "/strikes", {"note": "x"}),
    ("get", "/contact-releases", None),
    ("post", "/contact-releases", None),
    ("post", "/return", {"waived": True}),
    ("get", "/payments", None),
    ("post", "/payments", {"kind": "refund", "amount": "10.00", "reason": "x"}),
]

# (method, path, body) for every route of a seller, a strike, a release.
OTHER_ROUTES = [
    ("get", "/sellers/{seller}", None),
    ("patch", "/sellers/{seller}", {"phone": "0"}),
    ("get", "/sellers/{seller}/people", None),
    ("post", "/sellers/{seller}/people", {"name": "Intrus", "email": "intrus@atlas.example"}),
    ("patch", "/sellers/{seller}/people/{person}", {"name": "Intrus"}),
    ("delete", "/sellers/{seller}/people/{person}", None),
    ("get", "/sellers/{seller}/status-changes", None),
    ("post", "/sellers/{seller}/status", {"status": "terminated", "reason": "x"}),
    ("get", "/sellers/{seller}/strikes", None),
    ("post", "/strikes/{strike}/withdraw", {"reason": "x"}),
    ("post", "/contact-releases/{release}/decision", {"give": True}),
]
MISSING = {"seller": 99999, "person": 99999, "strike": 99999, "release": 99999}


@pytest.fixture
def dispute(market, frozen_clock):
    """The dispute with something behind every route: a message to the seller and its
    answer, a strike at the missed deadline, a customer's request for the seller's
    details (released by the policy: the seller let its deadline pass)."""
    with brand_scope(market.brand):
        customer_message = market.ticket.messages.get(direction="in")
    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Bonjour")
    frozen_clock.advance(timedelta(hours=25))
    watcher.sweep()
    answer = services.seller_receive(
        ticket=market.ticket, party=SellerParty(market.seller, market.person), text="Vu."
    )
    release = services.contact_release_request(
        ticket=market.ticket, actor=Customer(market.customer)
    )
    with brand_scope(market.brand):
        strike = Strike.objects.get()
    return {
        "customer_message": customer_message.pk,
        "seller_message": answer.pk,
        "seller": market.seller.pk,
        "person": market.person.pk,
        "strike": strike.pk,
        "release": release.pk,
    }


def _fill(value, ids):
    if isinstance(value, str):
        return value.format(**ids)
    if isinstance(value, list):
        return [
            int(_fill(v, ids)) if isinstance(v, str) and v.startswith("{") else v for v in value
        ]
    if isinstance(value, dict):
        return {k: _fill(v, ids) for k, v in value.items()}
    return value


def call(caller, method, path, body):
    if method == "get":
        return caller.get(path)
    return caller.send(method, path, body)


def state(market):
    with brand_scope(market.brand):
        seller = Seller.objects.get(pk=market.seller.pk)
        person = SellerPerson.objects.get(pk=market.person.pk)
        return (
            story(market.ticket),
            (seller.name, seller.phone, seller.status),
            (person.name, person.is_active),
            SellerPerson.objects.count(),
            list(Strike.objects.values_list("withdrawn_at", flat=True)),
        )


@pytest.mark.parametrize(("method", "path", "body"), TICKET_ROUTES)
def test_another_brands_key_gets_not_found_on_the_tickets_routes(
    market, market_api, dispute, method, path, body
):
    before = state(market)
    outsider = market_api(brand=market.other_brand, role=Role.ADMIN)
    path, body = _fill(path, dispute), _fill(body, dispute)
    hidden = call(outsider, method, f"/api/v1/tickets/{market.ticket.reference}{path}", body)
    missing = call(outsider, method, f"/api/v1/tickets/JM-26-99999{path}", body)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"code": "not_found", "message": "Not found."}
    assert state(market) == before


@pytest.mark.parametrize(("method", "path", "body"), OTHER_ROUTES)
def test_another_brands_key_gets_not_found_on_sellers_strikes_and_releases(
    market, market_api, dispute, method, path, body
):
    before = state(market)
    outsider = market_api(brand=market.other_brand, role=Role.ADMIN)
    hidden = call(outsider, method, "/api/v1" + _fill(path, dispute), _fill(body, dispute))
    missing = call(outsider, method, "/api/v1" + _fill(path, MISSING), _fill(body, dispute))
    assert hidden.status_code == missing.status_code == 404, hidden.content
    assert hidden.json() == missing.json() == {"code": "not_found", "message": "Not found."}
    assert state(market) == before


def test_a_person_of_another_seller_is_not_found_through_this_one(market, market_api, dispute):
    admin = market_api(role=Role.ADMIN)
    path = f"/api/v1/sellers/{market.seller.pk}/people/{market.rival_person.pk}"
    assert admin.patch(path, {"name": "Intrus"}).status_code == 404
    assert admin.send("delete", path).status_code == 404
    market.rival_person.refresh_from_db()
    assert market.rival_person.is_active and market.rival_person.name == "Nadia"


def test_the_list_of_sellers_is_the_keys_brands_only(market, market_api):
    mine = market_api(brand=market.other_brand).get("/api/v1/sellers").json()["items"]
    assert [s["name"] for s in mine] == ["Kingston Crafts"]
    # Naming another brand's slug is "not found", as a slug that does not exist.
    response = market_api(role=Role.ADMIN).post(
        "/api/v1/sellers", {"brand": market.other_brand.slug, "name": "Intrus"}
    )
    assert response.status_code == 404
    # And a ticket cannot name another brand's seller.
    patched = market_api().patch(
        f"/api/v1/tickets/{market.ticket.reference}", {"seller": market.other_seller.pk}
    )
    assert patched.status_code == 404


WRITES = [
    (method, "/tickets/{reference}" + path, body)
    for method, path, body in TICKET_ROUTES
    if method != "get"
] + [route for route in OTHER_ROUTES if route[0] != "get"]


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_key_changes_nothing(market, market_api, dispute, method, path, body):
    before = state(market)
    reader = market_api(scopes=["read"], role=Role.ADMIN)
    ids = {**dispute, "reference": market.ticket.reference}
    response = call(reader, method, "/api/v1" + _fill(path, ids), _fill(body, ids))
    assert response.status_code == 403 and response.json()["code"] == "read_only_key"
    assert state(market) == before


def test_without_a_key_nothing_answers(market, client):
    for path in ("/api/v1/sellers", f"/api/v1/tickets/{market.ticket.reference}/payments"):
        assert client.get(path).status_code == 401
