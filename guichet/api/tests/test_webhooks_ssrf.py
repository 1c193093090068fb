"""Webhook URLs that lead inside are refused when saved and again when sent (research note
H37): resolve first, every address public, connect to the address that was checked."""

from __future__ import annotations

import pytest

from guichet.api.models import DeliveryStatus, WebhookEndpoint
from guichet.api.tests.webhook_helpers import deliveries, hook
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services

pytestmark = pytest.mark.usefixtures("immediate_tasks")

INSIDE = [
    "http://169.254.169.254/latest/meta-data/",
    "http://127.0.0.1:6379/",
    "http://localhost:8000/hooks",
    "http://[::1]/",
    "http://0x7f000001/",
    "http://2130706433/",
    "http://[::ffff:127.0.0.1]/",
    "http://[64:ff9b::a00:1]/",
    "http://[2002:7f00:1::]/",
    "http://10.0.0.7/hooks",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://100.64.0.1/",
    "http://224.0.0.251/",
    "http://0.0.0.0/",
    "https://[fe80::1]/",
    "file:///etc/passwd",
    "gopher://127.0.0.1:6379/_FLUSHALL",
    "ftp://example.com/hooks",
    "http://user:pw@93.184.215.14/",
    "http:///hooks",
    "http://93.184.215.14:99999/",
]


@pytest.mark.parametrize("url", INSIDE)
def test_an_internal_address_or_another_scheme_is_refused_when_saved(world, url):
    with pytest.raises(InvalidRequest) as refused:
        hook(world.ej, url)
    assert refused.value.code == "url"
    with brand_scope(world.ej):
        assert not WebhookEndpoint.objects.exists()


def test_a_name_resolving_to_a_private_address_is_refused_when_saved(world, dns):
    dns["hooks.shop.example"] = ["10.1.2.3"]
    with pytest.raises(InvalidRequest):
        hook(world.ej, "https://hooks.shop.example/guichet")
    # One internal answer among public ones is enough.
    dns["hooks.shop.example"] = ["93.184.215.14", "127.0.0.1"]
    with pytest.raises(InvalidRequest):
        hook(world.ej, "https://hooks.shop.example/guichet")
    dns["hooks.shop.example"] = ["93.184.215.14"]
    endpoint, _ = hook(world.ej, "https://hooks.shop.example/guichet")
    assert endpoint.pk


def test_a_name_that_does_not_resolve_is_refused(world):
    with pytest.raises(InvalidRequest) as refused:
        hook(world.ej, "https://no-such-host.invalid/hooks")
    assert refused.value.code == "url"


def test_the_local_receiver_needs_the_allow_list(world, receiver, settings):
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = []
    with pytest.raises(InvalidRequest):
        hook(world.ej, receiver.url())
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = ["127.0.0.0/8"]  # a network works too
    assert hook(world.ej, receiver.url())[0].pk


def test_the_allow_list_can_come_from_the_environment(world, receiver, settings, monkeypatch):
    del settings.GUICHET_WEBHOOK_ALLOW_HOSTS
    monkeypatch.setenv("GUICHET_WEBHOOK_ALLOW_HOSTS", "hooks.internal, 127.0.0.1")
    assert hook(world.ej, receiver.url())[0].pk


def test_a_name_that_moves_to_an_internal_address_is_refused_when_sent(
    world, receiver, dns, settings, django_capture_on_commit_callbacks
):
    # Saved while the name answered a public address; by the time of sending it answers
    # the loopback, where the receiver listens: nothing reaches it.
    port = receiver.server_address[1]
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = []
    dns["hooks.shop.example"] = ["93.184.215.14"]
    hook(world.ej, f"http://hooks.shop.example:{port}/hooks", events=["ticket.replied"])
    dns["hooks.shop.example"] = ["127.0.0.1"]
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    assert receiver.seen == []
    [failed] = deliveries(world.ej)
    assert failed.status == DeliveryStatus.FAILED and failed.attempts == 1
    assert failed.last_error == "refused: address"
    [log] = failed.attempt_log.all()
    assert log.status_code is None and log.error == "refused: address"


def test_an_address_allowed_when_saved_but_no_longer_is_refused_when_sent(
    world, receiver, settings, django_capture_on_commit_callbacks
):
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = []
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    assert receiver.seen == []
    assert deliveries(world.ej)[0].last_error == "refused: address"


def test_the_connection_goes_to_the_address_that_was_checked(
    world, receiver, dns, settings, django_capture_on_commit_callbacks
):
    # The name is resolved once, checked and connected to; the Host header keeps the name.
    port = receiver.server_address[1]
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = ["127.0.0.0/8"]
    dns["hooks.shop.example"] = ["127.0.0.1"]
    hook(world.ej, f"http://hooks.shop.example:{port}/in?source=guichet", events=["ticket.replied"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    [(path, headers, _)] = receiver.seen
    assert path == "/in?source=guichet"
    assert headers["Host"] == f"hooks.shop.example:{port}"
