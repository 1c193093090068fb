"""Messages, attachments, events, customers and the brand's policy."""

import pytest

from guichet.tickets import services
from guichet.tickets.attachments import attachment_store

pytestmark = pytest.mark.django_db


def test_messages_list_notes_and_attachments_with_a_download_url(world, api):
    stored = attachment_store(
        brand=world.ej,
        filename="<b>facture</b>.html",
        content_type="text/html",
        content=b"<script>",
    )
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="pj", attachments=[stored])
    messages = api().get(f"/api/v1/tickets/{world.ticket.reference}/messages").json()
    assert messages[0]["direction"] == "in"
    assert messages[0]["author"] == {
        "kind": "customer",
        "id": world.customer.pk,
        "name": "Hélène Lefèvre",
    }
    note = next(m for m in messages if m["internal"])
    [attachment] = note["attachments"]
    response = api().get(attachment["url"])
    assert response.status_code == 200
    assert response["Content-Type"] == "application/octet-stream"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Disposition"].startswith("attachment;")
    assert b"".join(response.streaming_content) == b"<script>"


def test_an_attachment_of_another_ticket_is_not_found_through_this_one(world, api):
    other = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="s",
        text="t",
        channel="email",
    )
    stored = attachment_store(brand=world.ej, filename="a.txt", content=b"a")
    services.ticket_note(ticket=other, actor=world.agent, text="pj", attachments=[stored])
    url = f"/api/v1/tickets/{world.ticket.reference}/attachments/{stored.pk}"
    assert api().get(url).status_code == 404


def test_events_tell_the_history_with_who_acted(world, api):
    api().post(f"/api/v1/tickets/{world.ticket.reference}/notes", {"text": "n"})
    events = api().get(f"/api/v1/tickets/{world.ticket.reference}/events").json()
    verbs = [e["verb"] for e in events]
    assert verbs[0] == "opened" and "note_added" in verbs
    added = next(e for e in events if e["verb"] == "note_added")
    assert added["actor"]["kind"] == "staff" and added["actor"]["name"] == "Boutique (API)"


def test_a_customer_is_found_by_email_or_phone_and_created_once(world, api):
    found = api().get("/api/v1/contacts", {"email": " HELENE@exemple.fr "}).json()
    assert [c["id"] for c in found] == [world.customer.pk]
    created = api().post("/api/v1/contacts", {"phone": "+33 6 12 34 56 78", "name": "Paul"})
    assert created.status_code == 200, created.json()
    again = api().post("/api/v1/contacts", {"phone": "+33612345678", "name": "Autre"}).json()
    assert again["id"] == created.json()["id"] and again["name"] == "Paul"
    by_phone = api().get("/api/v1/contacts", {"phone": "+33 612 345 678"}).json()
    assert [c["id"] for c in by_phone] == [again["id"]]
    one = api().get(f"/api/v1/contacts/{again['id']}").json()
    assert one["phones"] == ["+33612345678"] and one["blocked"] is False


def test_a_malformed_address_or_language_is_a_clear_error(world, api):
    bad = api().post("/api/v1/contacts", {"email": "not an address"})
    assert bad.status_code == 422 and bad.json()["code"] == "contact"
    assert api().get("/api/v1/contacts").json()["code"] == "query"
    wrong = api().post("/api/v1/contacts", {"email": "a@b.fr", "language": "de"})
    assert wrong.status_code == 422 and wrong.json()["code"] == "language"


def test_the_brands_policy_reads_as_json(world, api):
    body = api(scopes=["read"]).get("/api/v1/policy").json()
    assert body["brand"] == world.ej.slug and body["version"] == 1
    assert [level["key"] for level in body["policy"]["levels"]] == [
        "front-line",
        "department",
        "director",
    ]


def test_the_openapi_document_lists_every_route_with_both_authentications(client):
    document = client.get("/api/v1/openapi.json").json()
    paths = set(document["paths"])
    for action in ("replies", "notes", "assign", "escalate", "escalation-requests"):
        assert f"/api/v1/tickets/{{reference}}/{action}" in paths
    for action in ("outcome", "close", "reopen", "messages", "events"):
        assert f"/api/v1/tickets/{{reference}}/{action}" in paths
    assert {"/api/v1/tickets", "/api/v1/contacts", "/api/v1/policy"} <= paths
    assert {"/api/v1/uploads", "/api/v1/contacts/{contact_id}/merge"} <= paths
    upload = document["paths"]["/api/v1/uploads"]["post"]
    assert "multipart/form-data" in upload["requestBody"]["content"]
    assert set(document["components"]["securitySchemes"]) >= {"ApiKeyAuth", "StaffSessionAuth"}
