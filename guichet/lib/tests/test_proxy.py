"""Behind a reverse proxy the client's address comes from X-Forwarded-For, and only when
the request comes from a trusted proxy."""

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpResponse
from django.test import RequestFactory

from guichet.lib.proxy import ForwardedForMiddleware, forwarded_client, networks

LOCAL = networks(["127.0.0.1", "::1", "10.0.0.0/8"])


@pytest.mark.parametrize(
    ("peer", "forwarded", "expected"),
    [
        # The proxy appended the client's address: it is believed.
        ("127.0.0.1", "203.0.113.7", "203.0.113.7"),
        # What the client wrote itself (the left part) is not.
        ("127.0.0.1", "198.51.100.1, 203.0.113.7", "203.0.113.7"),
        # Two proxies of ours in a row: the first untrusted address from the right.
        ("10.0.0.2", "203.0.113.7, 10.0.0.5", "203.0.113.7"),
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("127.0.0.1", "[2001:db8::7]:4711", "2001:db8::7"),
        ("127.0.0.1", "203.0.113.7:5000", "203.0.113.7"),
        # A client reaching the server directly chooses nothing.
        ("198.51.100.9", "203.0.113.7", "198.51.100.9"),
        # A garbled chain, or only proxies in it: the peer's own address.
        ("127.0.0.1", "203.0.113.7, unknown", "127.0.0.1"),
        ("127.0.0.1", "10.0.0.5", "127.0.0.1"),
    ],
)
def test_the_forwarded_client(peer, forwarded, expected):
    assert forwarded_client(peer, forwarded, LOCAL) == expected


def test_the_middleware_sets_remote_addr_before_anything_counts_it(settings):
    settings.GUICHET_TRUSTED_PROXIES = ["127.0.0.1"]
    seen = []

    def view(request):
        seen.append(request.META["REMOTE_ADDR"])
        return HttpResponse()

    middleware = ForwardedForMiddleware(view)
    factory = RequestFactory()
    middleware(factory.get("/", REMOTE_ADDR="127.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7"))
    middleware(factory.get("/", REMOTE_ADDR="198.51.100.9", HTTP_X_FORWARDED_FOR="203.0.113.7"))
    middleware(factory.get("/", REMOTE_ADDR="127.0.0.1"))
    assert seen == ["203.0.113.7", "198.51.100.9", "127.0.0.1"]


def test_a_wrong_trusted_proxy_is_a_clear_error():
    with pytest.raises(ImproperlyConfigured, match="GUICHET_TRUSTED_PROXIES"):
        networks(["127.0.0.1", "proxy.local"])
