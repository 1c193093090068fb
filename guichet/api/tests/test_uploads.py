"""Files through the API: POST /uploads checks and stores them (the portal's types and the
brand's limits) and answers a token per file; a reply, a note or a new ticket names the
tokens in `attachments` and the service attaches the files, once."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from guichet.api.tests.conftest import Caller
from guichet.brands.services import policy_publish
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Attachment, Ticket

pytestmark = pytest.mark.django_db

UPLOADS = "/api/v1/uploads"
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def upload(caller: Caller, *files: tuple[str, bytes], **params: str):
    """POST /uploads as multipart/form-data, each file in a part named "files"."""
    query = "&".join(f"{name}={value}" for name, value in params.items())
    return caller.client.post(
        UPLOADS + (f"?{query}" if query else ""),
        {"files": [SimpleUploadedFile(name, content) for name, content in files]},
        headers=caller._headers({}),
    )


def tokens(response) -> list[str]:
    assert response.status_code == 201, response.json()
    return [item["token"] for item in response.json()["uploads"]]


def unattached(brand) -> list[Attachment]:
    with brand_scope(brand):
        return list(Attachment.objects.filter(message__isnull=True))


def ticket_url(world, action: str) -> str:
    return f"/api/v1/tickets/{world.ticket.reference}/{action}"


def test_an_uploaded_file_goes_with_the_reply_that_names_it(world, api):
    caller = api()
    answer = upload(caller, ("facture.pdf", PDF), ("photo.png", PNG))
    assert answer.status_code == 201
    uploads = answer.json()["uploads"]
    assert [(u["filename"], u["content_type"], u["size"]) for u in uploads] == [
        ("facture.pdf", "application/pdf", len(PDF)),
        ("photo.png", "image/png", len(PNG)),
    ]
    assert len(unattached(world.ej)) == 2, "stored, not attached yet"
    response = caller.post(
        ticket_url(world, "replies"),
        {"text": "Voici la facture corrigée.", "attachments": tokens(answer)},
    )
    assert response.status_code == 201, response.json()
    files = response.json()["message"]["attachments"]
    assert [f["filename"] for f in files] == ["facture.pdf", "photo.png"]
    download = caller.get(files[0]["url"])
    assert download.status_code == 200
    assert b"".join(download.streaming_content) == PDF
    assert unattached(world.ej) == []


def test_a_note_and_a_new_ticket_carry_uploaded_files_too(world, api):
    caller = api()
    [for_note] = tokens(upload(caller, ("releve.pdf", PDF)))
    note = caller.post(ticket_url(world, "notes"), {"text": "Relevé", "attachments": [for_note]})
    assert note.status_code == 201, note.json()
    assert note.json()["message"]["internal"] is True
    assert [f["filename"] for f in note.json()["message"]["attachments"]] == ["releve.pdf"]
    [for_ticket] = tokens(upload(caller, ("bon.pdf", PDF)))
    created = caller.post(
        "/api/v1/tickets",
        {
            "contact": {"email": "noe@exemple.fr"},
            "contact_type": "question",
            "subject": "Bon de commande",
            "text": "Ci-joint le bon.",
            "attachments": [for_ticket],
        },
    )
    assert created.status_code == 201, created.json()
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(reference=created.json()["reference"])
        opening = ticket.messages.order_by("pk").first()
        assert [a.filename for a in opening.attachments.all()] == ["bon.pdf"]


def test_a_token_attaches_its_file_once(world, api):
    caller = api()
    [token] = tokens(upload(caller, ("facture.pdf", PDF)))
    assert (
        caller.post(ticket_url(world, "notes"), {"text": "1", "attachments": [token]}).status_code
        == 201
    )
    again = caller.post(ticket_url(world, "notes"), {"text": "2", "attachments": [token]})
    assert again.status_code == 422
    assert again.json()["code"] == "upload_used"


def test_two_calls_racing_with_one_token_attach_its_file_once(world, api, monkeypatch):
    """The second call checked the token before the first attached the file: the service
    links only a file still free, so the second is refused and writes nothing."""
    from guichet.api import tickets as api_tickets

    caller = api()
    [token] = tokens(upload(caller, ("facture.pdf", PDF)))
    real = api_tickets.attachments_for
    first: list = []

    def checked_then_overtaken(who, brand, given):
        found = real(who, brand, given)  # the token is valid: the file is not attached yet
        if not first:
            first.append("running")
            first[0] = caller.post(ticket_url(world, "notes"), {"text": "1", "attachments": given})
        return found

    monkeypatch.setattr(api_tickets, "attachments_for", checked_then_overtaken)
    late = caller.post(ticket_url(world, "notes"), {"text": "2", "attachments": [token]})
    assert first[0].status_code == 201
    assert late.status_code == 422 and late.json()["code"] == "upload_used"
    with brand_scope(world.ej):
        texts = list(world.ticket.messages.filter(is_internal=True).values_list("text", flat=True))
    assert "2" not in texts and "1" in texts


def test_a_token_is_only_for_its_caller_for_a_day(world, api, frozen_clock):
    caller, colleague = api(), api()
    [token] = tokens(upload(caller, ("facture.pdf", PDF)))
    for refused in (
        colleague.post(ticket_url(world, "notes"), {"text": "x", "attachments": [token]}),
        caller.post(ticket_url(world, "notes"), {"text": "x", "attachments": [token + "x"]}),
        caller.post(ticket_url(world, "notes"), {"text": "x", "attachments": ["made-up"]}),
    ):
        assert refused.status_code == 422
        assert refused.json()["code"] == "upload"
    frozen_clock.advance(hours=24, seconds=1)
    late = caller.post(ticket_url(world, "notes"), {"text": "x", "attachments": [token]})
    assert late.status_code == 422 and late.json()["code"] == "upload"
    assert len(unattached(world.ej)) == 1, "nothing was attached"


@pytest.mark.parametrize(
    ("name", "content", "code"),
    [
        ("setup.exe", b"MZ\x90\x00", "file_type"),
        ("page.html", b"<html><script>alert(1)</script>", "file_type"),
        ("invoice.pdf", b"MZ\x90\x00\x03" + b"\x00" * 100, "file_content"),  # an .exe renamed
        ("photo.png", b"<svg onload=alert(1)>", "file_content"),
    ],
)
def test_a_refused_type_answers_415_with_a_stable_code(world, api, name, content, code):
    response = upload(api(), (name, content))
    assert response.status_code == 415
    assert response.json()["code"] == code
    assert unattached(world.ej) == []


def test_refusals_read_in_the_language_asked_for(world, make_key):
    _key, token = make_key()
    french = upload(Caller(Client(), token, language="fr"), ("setup.exe", b"MZ"))
    assert french.status_code == 415
    assert french["Content-Language"] == "fr"
    assert "n’est pas accepté" in french.json()["message"]
    english = upload(Caller(Client(), token, language="en"), ("setup.exe", b"MZ"))
    assert "is not accepted" in english.json()["message"]


def test_files_over_the_brands_limits_answer_413(world, api):
    # EJ's file ends with its [intake] table: these lines go into it.
    text = (Path(settings.GUICHET_PRESETS_DIR) / "ej.toml").read_text(encoding="utf-8")
    policy_publish(text=text + "\nattachment_max_mb = 1\nmessage_attachments_max_mb = 2\n")
    caller = api()
    big = upload(caller, ("big.pdf", PDF + b"0" * (1024 * 1024)))
    assert big.status_code == 413 and big.json()["code"] == "file_size"
    together = upload(caller, *[(f"f{i}.pdf", PDF + b"0" * 900_000) for i in range(3)])
    assert together.status_code == 413 and together.json()["code"] == "files_size"
    # Two uploads within the limit each, too big together for one message.
    first = tokens(upload(caller, ("a.pdf", PDF + b"0" * 900_000), ("b.pdf", PDF + b"0" * 900_000)))
    second = tokens(upload(caller, ("c.pdf", PDF + b"0" * 900_000)))
    note = caller.post(ticket_url(world, "notes"), {"text": "x", "attachments": first + second})
    assert note.status_code == 413 and note.json()["code"] == "files_size"


def test_a_body_over_the_limit_is_refused_before_it_is_read(world, api):
    caller = api()
    response = caller.client.generic(
        "POST",
        UPLOADS,
        b"x",
        content_type="multipart/form-data; boundary=x",
        headers=caller._headers({}),
        CONTENT_LENGTH=str(500 * 1024 * 1024),
    )
    assert response.status_code == 413
    assert response.json()["code"] == "files_size"


def test_more_than_five_files_are_too_many(world, api, settings):
    caller = api()
    response = upload(caller, *[(f"f{i}.pdf", PDF) for i in range(6)])
    assert response.status_code == 422 and response.json()["code"] == "too_many"
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 7  # Django stops reading past it
    response = upload(caller, *[(f"f{i}.pdf", PDF) for i in range(8)])
    assert response.status_code == 422 and response.json()["code"] == "too_many"
    five = tokens(upload(caller, *[(f"f{i}.pdf", PDF) for i in range(5)]))
    one = tokens(upload(caller, ("g.pdf", PDF)))
    reply = caller.post(ticket_url(world, "replies"), {"text": "x", "attachments": five + one})
    # The document says at most five (maxItems): a sixth is refused as the schema says.
    assert reply.status_code == 422 and reply.json()["code"] == "validation"
    [error] = reply.json()["errors"]
    assert error["field"].endswith("attachments") and error["code"] == "too_long"
    assert len(unattached(world.ej)) == 6


def test_a_call_without_files_or_with_a_broken_body_is_a_clear_error(world, api):
    caller = api()
    empty = caller.client.post(UPLOADS, {"other": "x"}, headers=caller._headers({}))
    assert empty.status_code == 422 and empty.json()["code"] == "files"
    cut = caller.client.generic(
        "POST",
        UPLOADS,
        b'--x\r\nContent-Disposition: form-data; name="files"; filename="a.pdf"\r\n\r\n%PDF',
        content_type="multipart/form-data; boundary=x",
        headers=caller._headers({}),
    )
    assert cut.status_code == 422 and cut.json()["code"] == "files"
    no_boundary = caller.client.generic(
        "POST", UPLOADS, b"x", content_type="multipart/form-data", headers=caller._headers({})
    )
    assert no_boundary.status_code == 400 and no_boundary.json()["code"] == "multipart"


def test_only_a_write_key_uploads(world, api):
    response = upload(api(scopes=["read"]), ("facture.pdf", PDF))
    assert response.status_code == 403 and response.json()["code"] == "read_only_key"
    assert unattached(world.ej) == []


def test_another_brands_upload_cannot_reach_this_brands_tickets(world, api):
    outsider = api(brand=world.jamla)
    [token] = tokens(upload(outsider, ("facture.pdf", PDF)))
    with brand_scope(world.jamla):
        assert Attachment.objects.filter(message__isnull=True).count() == 1
    refused = outsider.post(ticket_url(world, "notes"), {"text": "x", "attachments": [token]})
    assert refused.status_code == 404
    # Named on the right brand's ticket by the right brand's key, it is not theirs.
    caller = api()
    theirs = caller.post(ticket_url(world, "notes"), {"text": "x", "attachments": [token]})
    assert theirs.status_code == 422 and theirs.json()["code"] == "upload"


def test_a_staff_session_names_the_brand_when_it_has_several(world, client):
    client.force_login(world.superuser)
    caller = Caller(client, None)
    ambiguous = upload(caller, ("facture.pdf", PDF))
    assert ambiguous.status_code == 422 and ambiguous.json()["code"] == "brand"
    named = upload(caller, ("facture.pdf", PDF), brand=world.ej.slug)
    assert named.status_code == 201


def test_tokens_expire_in_a_day_as_the_answer_says(world, api, frozen_clock):
    answer = upload(api(), ("facture.pdf", PDF)).json()["uploads"][0]
    assert (
        answer["expires_at"].replace("Z", "+00:00")
        == (frozen_clock.now() + timedelta(hours=24)).isoformat()
    )
