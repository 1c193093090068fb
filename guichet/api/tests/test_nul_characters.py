"""A NUL character (U+0000) anywhere in what a call sends — a JSON body, the query string,
the path, a header, a cookie, a form field of an upload — is refused with 422
`validation`, the field named (PostgreSQL refuses text holding one: it made a 500 there,
and was stored on SQLite). Nothing changes. The same on SQLite and PostgreSQL."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guichet.api.tests.test_uploads import PDF, UPLOADS
from guichet.tickets.models import Message

pytestmark = pytest.mark.django_db


def refused_field(response, language="en") -> str:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "validation" and response["Content-Language"] == language
    [error] = body["errors"]
    assert error["code"] == "null_character"
    return error["field"]


@pytest.mark.parametrize(
    ("method", "path", "body", "field"),
    [
        ("post", "/notes", {"text": "a\u0000b"}, "body.payload.text"),
        ("patch", "", {"subject": "a\u0000b"}, "body.payload.subject"),
        (
            "post",
            "/replies",
            {"text": "ok", "attachments": ["x", "\u0000"]},
            "body.payload.attachments.1",
        ),
        ("post", "/escalate", {"reason": "\u0000"}, "body.payload.reason"),
    ],
)
def test_a_nul_in_a_json_body_is_refused_and_changes_nothing(world, api, method, path, body, field):
    caller = api(role="team_lead")
    with world.scoped():
        messages = Message.objects.filter(ticket=world.ticket).count()
    url = f"/api/v1/tickets/{world.ticket.reference}{path}"
    response = getattr(caller, method)(url, body)
    assert refused_field(response) == field
    world.ticket.refresh_from_db()
    assert world.ticket.subject == "Facture en double" and world.ticket.level == 1
    with world.scoped():
        assert Message.objects.filter(ticket=world.ticket).count() == messages


def test_a_nul_in_a_nested_field_of_a_creation_is_refused(world, api):
    body = {"contact": {"email": "a\u0000@b.fr"}, "contact_type": "question", "subject": "s"}
    assert refused_field(api().post("/api/v1/tickets", body)) == "body.payload.contact.email"


def test_a_property_the_operation_does_not_read_is_ignored_whatever_it_holds(world, api):
    body = {"text": "Vu.", "note\u0000": "\u0000", "extra": ["\u0000"]}
    response = api().post(f"/api/v1/tickets/{world.ticket.reference}/notes", body)
    assert response.status_code == 201 and response.json()["message"]["text"] == "Vu."


def test_the_message_is_in_the_callers_language(world, api):
    caller = api()
    caller.language = "fr"
    response = caller.post(f"/api/v1/tickets/{world.ticket.reference}/notes", {"text": "\u0000"})
    assert refused_field(response, "fr") == "body.payload.text"
    assert response.json()["errors"][0]["message"] == "Un caractère NUL (U+0000) n’est pas admis."


def test_a_nul_in_the_query_string_is_refused(world, api):
    response = api().get("/api/v1/tickets", {"category": "bill\u0000ing"})
    assert refused_field(response) == "query.category"
    response = api().get("/api/v1/contacts", {"email": "a\u0000@b.fr"})
    assert refused_field(response) == "query.email"


def test_a_nul_in_the_path_is_refused(world, api):
    response = api().get("/api/v1/tickets/EJ-26%0000001")
    assert refused_field(response) == "path.reference"
    response = api().post("/api/v1/tickets/EJ%00/notes", {"text": "t"})
    assert refused_field(response) == "path.reference"


@pytest.mark.parametrize(
    "header",
    ["Idempotency-Key", "Authorization", "Accept-Language", "X-Envelope-From", "Origin"],
)
def test_a_nul_in_a_header_is_refused_before_the_key_is_looked_up(world, api, header):
    caller = api()
    body = {"contact": {"email": "a@b.fr"}, "contact_type": "question", "subject": "s"}
    response = caller.client.post(
        "/api/v1/tickets",
        body,
        content_type="application/json",
        headers={**caller._headers({}), header: "a\u0000b"},
    )
    assert refused_field(response, "fr" if header == "Accept-Language" else "en") == (
        f"header.{header}"
    )


def test_a_nul_in_the_session_cookie_is_refused(world):
    client = Client()
    client.cookies["sessionid"] = "abcdefgh\u0000ijklmnop"
    response = client.get("/api/v1/tickets", headers={"Accept-Language": "en"})
    assert refused_field(response) == "cookie.sessionid"


def test_a_nul_in_a_form_field_of_an_upload_is_refused(world, api):
    caller = api()
    response = caller.client.post(
        UPLOADS,
        {"files": SimpleUploadedFile("f.pdf", PDF), "note": "a\u0000b"},
        headers=caller._headers({}),
    )
    assert refused_field(response) == "form.note"


def test_a_nul_in_a_file_name_is_left_out_of_the_name(world, api):
    caller = api()
    response = caller.client.post(
        UPLOADS,
        {"files": SimpleUploadedFile("fac\u0000ture.pdf", PDF)},
        headers=caller._headers({}),
    )
    assert response.status_code == 201, response.content
    assert "\u0000" not in response.json()["uploads"][0]["filename"]
