"""A property-based run of schemathesis against /api/v1/openapi.json (issue 7): whatever a
client sends, within the document or not, no call answers 5xx and every answer matches the
document (status codes, content types, bodies). Small on purpose (a few examples per
operation, derandomised) so it runs in CI on both databases in well under a minute."""

from __future__ import annotations

import ipaddress
import json
import socket

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from guichet.accounts.models import Role
from guichet.api.api import api
from guichet.api.keys import api_key_create
from guichet.api.webhooks.services import webhook_create
from guichet.tickets import services

# Raw email (POST /inbound/email) is sent as the bytes generated, like any binary body.
schemathesis.serializer.alias("message/rfc822", "application/octet-stream")

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


@pytest.fixture
def fuzz_key(world, monkeypatch, settings, request) -> str:
    """An administrator's write key of EJ, with data to read: tickets with replies, notes
    and events, customers, a webhook."""
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = []
    real = socket.getaddrinfo

    def public_dns(host, port, *args, **kwargs):
        # Generated host names resolve to a public address at once (no network).
        try:
            ipaddress.ip_address(str(host).strip("[]"))
        except ValueError:
            return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", ("93.184.215.14", port))]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", public_dns)
    # As Django's test client does: a request's end must not close the test's connection.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    request.addfinalizer(lambda: request_started.connect(close_old_connections))
    request.addfinalizer(lambda: request_finished.connect(close_old_connections))
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Nous regardons.")
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="Vérifier la banque.")
    webhook_create(brand=world.ej, url="https://hooks.shop.example/in", events=["ticket.closed"])
    _key, token = api_key_create(
        brand=world.ej,
        name="Fuzz",
        scopes=["read", "write"],
        role=Role.ADMIN,
        rate_per_minute=1_000_000,
    )
    return token


def _document() -> dict:
    # The document /api/v1/openapi.json serves (checked below), built without a request:
    # the database is not open while tests are collected.
    return json.loads(json.dumps(api.get_openapi_schema(path_prefix="/api/v1/")))


schema = schemathesis.openapi.from_dict(_document())
schema.app = get_wsgi_application()  # calls go through Django in-process, in the test's transaction


def test_the_document_fuzzed_is_the_one_served(client):
    assert client.get("/api/v1/openapi.json").json() == _document()


@schema.parametrize()
@settings(
    max_examples=6,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)
def test_the_api_matches_its_document(case, fuzz_key):
    case.call_and_validate(
        headers={"Authorization": f"Bearer {fuzz_key}", "Accept-Language": "en"},
        checks=CHECKS,
    )
