"""Every refusal of a request's size is 413 with a stable code: `too_large` for a body
over Django's limit (DATA_UPLOAD_MAX_MEMORY_SIZE: JSON, forms, the text fields of an
upload), over the raw email's (GUICHET_INBOUND_MAX_BYTES) or with too many fields;
`file_size`/`files_size` for files over the brand's limits (test_uploads). A body that
says it is too large is refused before it is read. (The limits are lowered here: the
tests send kilobytes, not megabytes.)"""

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils.crypto import get_random_string

from guichet.api.keys import api_key_create
from guichet.api.tests.test_session import signed_in
from guichet.api.tests.test_uploads import PDF, UPLOADS
from guichet.intake.models import InboundEmail
from guichet.intake.tests.test_ingest import mail
from guichet.lib.scoping import all_brands

pytestmark = pytest.mark.django_db

INBOUND = "/api/v1/inbound/email"


def too_large(response) -> dict:
    assert response.status_code == 413, response.content
    body = response.json()
    assert body["code"] == "too_large"
    return body


@pytest.fixture
def small_limits(settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 4000
    settings.GUICHET_INBOUND_MAX_BYTES = 2000
    return settings


def deliver(client, token, raw, **extra):
    return client.generic(
        "POST",
        INBOUND,
        raw,
        content_type="message/rfc822",
        headers={"Authorization": f"Bearer {token}", "Accept-Language": "en"},
        **extra,
    )


def test_an_email_over_either_limit_is_413_too_large_and_not_stored(client, world, small_limits):
    token = api_key_create(brand=world.ej, name="MTA", scopes=["inbound"])[1]
    padding = "x" * 100 + "\n"
    over_inbound = mail(body=padding * 25)  # ~3 kB: over GUICHET_INBOUND_MAX_BYTES
    over_django = mail(body=padding * 45)  # ~5 kB: over DATA_UPLOAD_MAX_MEMORY_SIZE too
    assert 2000 < len(over_inbound) < 4000 < len(over_django)
    first = too_large(deliver(client, token, over_inbound))
    second = too_large(deliver(client, token, over_django))
    assert first == second  # the same answer, whichever limit is passed
    assert first["message"] == "The message is larger than 0 MB."
    with all_brands():
        assert not InboundEmail.objects.exists()


def test_an_email_announcing_60_mb_is_refused_before_it_is_read(client, world):
    token = api_key_create(brand=world.ej, name="MTA", scopes=["inbound"])[1]
    response = deliver(client, token, b"From:", CONTENT_LENGTH=str(60 * 1024 * 1024))
    assert too_large(response)["message"] == "The message is larger than 50 MB."


def test_a_json_body_over_djangos_limit_is_413_too_large(world, api, small_limits):
    caller = api()
    url = f"/api/v1/tickets/{world.ticket.reference}/notes"
    body = too_large(caller.post(url, {"text": "x" * 5000}))
    assert body["message"] == "The request is larger than 1 MB."
    announced = caller.client.generic(
        "POST",
        url,
        b"{}",
        content_type="application/json",
        headers=caller._headers({}),
        CONTENT_LENGTH=str(60 * 1024 * 1024),
    )
    too_large(announced)


def test_a_staff_sessions_json_body_over_djangos_limit_is_413_too_large(world, small_limits):
    client = signed_in(world.agent)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    response = client.post(
        f"/api/v1/tickets/{world.ticket.reference}/notes",
        {"text": "x" * 5000},
        content_type="application/json",
        headers={"X-CSRFToken": token, "Accept-Language": "en"},
    )
    too_large(response)


def test_a_staff_sessions_form_over_djangos_limit_is_413_too_large(world, small_limits):
    # The CSRF check reads a form's fields, looking for its token.
    client = signed_in(world.agent)
    client.cookies["csrftoken"] = get_random_string(32)
    response = client.post(
        f"/api/v1/tickets/{world.ticket.reference}/notes",
        {"text": "x" * 5000},
        headers={"Accept-Language": "en"},
    )
    too_large(response)


def test_an_uploads_text_fields_over_djangos_limits_are_413_too_large(world, api, small_limits):
    caller = api()
    file = SimpleUploadedFile("f.pdf", PDF)
    big = caller.client.post(
        UPLOADS, {"files": file, "note": "x" * 5000}, headers=caller._headers({})
    )
    too_large(big)
    small_limits.DATA_UPLOAD_MAX_NUMBER_FIELDS = 3
    many = caller.client.post(
        UPLOADS,
        {"files": SimpleUploadedFile("f.pdf", PDF), **{f"f{i}": "x" for i in range(5)}},
        headers=caller._headers({}),
    )
    assert too_large(many)["message"] == "The request has too many fields."


def test_the_document_declares_413_where_a_body_is_read(client):
    document = client.get("/api/v1/openapi.json").json()
    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            if "requestBody" in operation:
                assert "413" in operation["responses"], (method, path)
    assert json.dumps(document)  # the document stays JSON
