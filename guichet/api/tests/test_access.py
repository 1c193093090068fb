"""Every route: an outsider's key (another brand) gets 404 as for a ticket that does not
exist, a read-only key cannot write, and nothing answers without a key or a session."""

import pytest

from guichet.api.keys import api_key_revoke
from guichet.conftest import story
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store

pytestmark = pytest.mark.django_db

# (method, path under the ticket, body) for every route of one ticket.
TICKET_ROUTES = [
    ("get", "", None),
    ("get", "/messages", None),
    ("get", "/events", None),
    ("get", "/attachments/{attachment}", None),
    ("patch", "", {"priority": "low"}),
    ("post", "/replies", {"text": "x"}),
    ("post", "/notes", {"text": "x"}),
    ("post", "/assign", {"assignee": None}),
    ("post", "/escalate", {"reason": "x"}),
    ("post", "/escalation-requests", {"reason": "x"}),
    ("post", "/outcome", {"outcome": "upheld"}),
    ("post", "/close", {"outcome": "upheld"}),
    ("post", "/reopen", {"reason": "x"}),
]
WRITES = [route for route in TICKET_ROUTES if route[0] != "get"]


@pytest.fixture
def attachment(world):
    stored = attachment_store(
        brand=world.ej, filename="facture.pdf", content_type="application/pdf", content=b"%PDF-1"
    )
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="pj", attachments=[stored])
    return stored


def call(caller, method, path, body):
    if method == "get":
        return caller.get(path)
    return caller.send(method, path, body)


@pytest.mark.parametrize(("method", "path", "body"), TICKET_ROUTES)
def test_another_brands_key_gets_not_found_as_for_a_missing_ticket(
    world, api, attachment, method, path, body
):
    path = path.format(attachment=attachment.pk)
    before = story(world.ticket)
    outsider = api(brand=world.jamla, role="admin")
    hidden = call(outsider, method, f"/api/v1/tickets/{world.ticket.reference}{path}", body)
    missing = call(outsider, method, f"/api/v1/tickets/JA-26-99999{path}", body)
    assert hidden.status_code == missing.status_code == 404
    assert hidden.json() == missing.json() == {"code": "not_found", "message": "Not found."}
    assert story(world.ticket) == before


@pytest.mark.parametrize(("method", "path", "body"), WRITES)
def test_a_read_only_key_cannot_write(world, api, method, path, body):
    response = call(
        api(scopes=["read"]), method, f"/api/v1/tickets/{world.ticket.reference}{path}", body
    )
    assert response.status_code == 403 and response.json()["code"] == "read_only_key"
    assert story(world.ticket) == [("opened", None)]


def test_a_read_only_key_cannot_create(world, api):
    response = api(scopes=["read"]).post(
        "/api/v1/tickets",
        {"contact": {"email": "a@b.fr"}, "contact_type": "question", "subject": "s", "text": "t"},
    )
    assert response.status_code == 403
    response = api(scopes=["read"]).post("/api/v1/contacts", {"email": "a@b.fr"})
    assert response.status_code == 403


def test_an_inbound_only_key_reads_nothing(world, api):
    response = api(scopes=["inbound"]).get(f"/api/v1/tickets/{world.ticket.reference}")
    assert response.status_code == 403 and response.json()["code"] == "scope"


def test_another_brands_tickets_are_never_listed(world, api):
    services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="complaint",
        subject="Colis",
        text="Pas reçu",
        channel="email",
    )
    ej = [t["reference"] for t in api().get("/api/v1/tickets").json()["items"]]
    jamla = [t["reference"] for t in api(brand=world.jamla).get("/api/v1/tickets").json()["items"]]
    assert ej == [world.ticket.reference]
    assert len(jamla) == 1 and jamla[0] != world.ticket.reference
    # Naming the other brand finds nothing either.
    other = api().get("/api/v1/tickets", {"brand": world.jamla.slug}).json()["items"]
    assert other == []


def test_another_brands_customers_policy_and_creates_are_not_found(world, api):
    caller = api(brand=world.jamla)
    assert caller.get(f"/api/v1/contacts/{world.customer.pk}").status_code == 404
    assert caller.get("/api/v1/contacts", {"email": "helene@exemple.fr"}).json() == []
    assert caller.get("/api/v1/policy", {"brand": world.ej.slug}).status_code == 404
    response = caller.post(
        "/api/v1/tickets",
        {
            "contact": {"id": world.customer.pk},
            "contact_type": "complaint",
            "subject": "s",
            "text": "t",
        },
    )
    assert response.status_code == 404
    response = caller.post("/api/v1/contacts", {"brand": world.ej.slug, "email": "x@y.fr"})
    assert response.status_code == 404


@pytest.mark.parametrize("token", [None, "nonsense", "gch_abc_def"])
def test_without_a_valid_key_nothing_answers(world, client, token):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get(f"/api/v1/tickets/{world.ticket.reference}", headers=headers)
    assert response.status_code == 401
    assert response.json()["code"] == "unauthenticated"
    assert response["WWW-Authenticate"] == "Bearer"


def test_a_revoked_key_stops_working_at_once(world, api, make_key):
    key, token = make_key()
    from django.test import Client

    from guichet.api.tests.conftest import Caller

    caller = Caller(Client(), token)
    assert caller.get("/api/v1/tickets").status_code == 200
    api_key_revoke(key=key)
    assert caller.get("/api/v1/tickets").status_code == 401
