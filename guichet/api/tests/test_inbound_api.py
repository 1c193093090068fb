"""POST /api/v1/inbound/email: an MTA pipe delivers raw messages with a brand's key."""

import pytest

from guichet.api.keys import api_key_create, api_key_revoke
from guichet.intake.models import InboundEmail, InboundState
from guichet.intake.tests.test_ingest import mail
from guichet.lib.scoping import brand_scope

pytestmark = pytest.mark.django_db
URL = "/api/v1/inbound/email"


def post(client, raw, token=None, **headers):
    if token:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.post(URL, data=raw, content_type="message/rfc822", **headers)


@pytest.fixture
def inbound_key(world):
    return api_key_create(brand=world.ej, name="MTA", scopes=["inbound"])[1]


def test_a_message_is_stored_then_acknowledged_then_processed(
    client, world, inbound_key, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = post(
            client, mail(), inbound_key, HTTP_X_ENVELOPE_TO="support@experiencejamaique.com"
        )
    assert response.status_code == 202
    body = response.json()
    assert body["duplicate"] is False
    with brand_scope(world.ej):
        row = InboundEmail.objects.get(pk=body["id"])
    assert row.source == "upload" and row.envelope_to == ["support@experiencejamaique.com"]
    from guichet.intake.email.ingest import process

    assert process(row.pk).state == InboundState.TICKET_MESSAGE


def test_the_same_message_twice_is_stored_once(client, world, inbound_key):
    first = post(client, mail(), inbound_key).json()
    second = post(client, mail(), inbound_key).json()
    assert second == {**first, "duplicate": True}


@pytest.mark.parametrize("token", [None, "nonsense", "gch_abc_def"])
def test_without_a_valid_key_nothing_is_stored(client, world, token):
    assert post(client, mail(), token).status_code == 401
    with brand_scope(world.ej):
        assert not InboundEmail.objects.exists()


def test_a_read_only_or_revoked_key_cannot_deliver(client, world):
    _key, token = api_key_create(brand=world.ej, name="BI", scopes=["read"])
    assert post(client, mail(), token).status_code == 403
    key2, token2 = api_key_create(brand=world.ej, name="old", scopes=["write"])
    api_key_revoke(key=key2)
    assert post(client, mail(), token2).status_code == 401


def test_the_keys_brand_is_the_only_brand(client, world):
    token = api_key_create(brand=world.jamla, name="MTA", scopes=["inbound"])[1]
    body = post(client, mail(), token).json()
    with brand_scope(world.jamla):
        assert InboundEmail.objects.get(pk=body["id"]).brand == world.jamla
    with brand_scope(world.ej):
        assert not InboundEmail.objects.filter(pk=body["id"]).exists()


def test_an_empty_body_is_refused_with_a_clear_error(client, inbound_key):
    response = post(client, b"", inbound_key)
    assert response.status_code == 400 and response.json()["code"] == "empty_message"


def test_the_openapi_document_describes_it(client):
    document = client.get("/api/v1/openapi.json").json()
    operation = document["paths"]["/api/v1/inbound/email"]["post"]
    assert "message/rfc822" in operation["requestBody"]["content"]
    assert client.get("/api/v1/docs").status_code == 200
