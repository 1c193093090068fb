"""The client's address behind a reverse proxy.

Sign-in lockouts and the API's wrong-key limit count by the client's address, which
Django reads from REMOTE_ADDR: the connection's peer. Behind a reverse proxy the peer is
the proxy, so with BEHIND_PROXY on, a request whose peer is one of GUICHET_TRUSTED_PROXIES
(default: this machine) takes its address from `X-Forwarded-For` instead: the right-most
address there that is not itself a trusted proxy (the left part is whatever the client
wrote, and is never believed). A request from any other peer keeps its own address, so a
client reaching the server directly cannot choose what it is counted as."""

from __future__ import annotations

import ipaddress
from collections.abc import Callable

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest, HttpResponse

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def networks(values: list[str]) -> list[Network]:
    """The trusted proxies' addresses or networks (203.0.113.7, 10.0.0.0/8, ::1)."""
    try:
        return [ipaddress.ip_network(value.strip(), strict=False) for value in values]
    except ValueError as error:
        raise ImproperlyConfigured(f"GUICHET_TRUSTED_PROXIES: {error}") from None


def _address(value: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    value = value.strip()
    if value.startswith("[") and "]" in value:  # [2001:db8::1]:443
        value = value[1 : value.index("]")]
    elif value.count(":") == 1:  # 203.0.113.7:5000
        value = value.split(":", 1)[0]
    try:
        return ipaddress.ip_address(value)
    except ValueError:
        return None


def forwarded_client(peer: str, forwarded_for: str, trusted: list[Network]) -> str:
    """The address to count a request by: `peer` unless it is a trusted proxy, then the
    right-most untrusted address of `forwarded_for` (or the peer, if there is none)."""
    address = _address(peer)
    if address is None or not any(address in network for network in trusted):
        return peer
    for hop in reversed(forwarded_for.split(",")):
        found = _address(hop)
        if found is None:
            return peer  # a garbled chain: believe nothing in it
        if not any(found in network for network in trusted):
            return str(found)
    return peer


class ForwardedForMiddleware:
    """Sets REMOTE_ADDR as `forwarded_client` says, first in the chain (BEHIND_PROXY only)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.trusted = networks(settings.GUICHET_TRUSTED_PROXIES)

    def __call__(self, request: HttpRequest) -> HttpResponse:
        forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
        if forwarded:
            request.META["REMOTE_ADDR"] = forwarded_client(
                request.META.get("REMOTE_ADDR", ""), forwarded, self.trusted
            )
        return self.get_response(request)
