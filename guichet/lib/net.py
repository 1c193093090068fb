"""Reaching addresses that someone outside the operators wrote down (a brand's merchant
lookup, a webhook URL) without letting them reach Guichet's own network (research note H37,
server-side request forgery). Used by `tickets.lookups` and `api.webhooks`.

- http and https only, no user name or password in the URL;
- the host is resolved once, and every address it resolves to must be public — not
  private, loopback, link-local, multicast, reserved or unspecified, nor one of those
  wrapped in an IPv6 form — then the connection is made to that very address (the Host
  header and the TLS name stay the host's), so a second DNS answer cannot swap in an
  internal one;
- nothing here follows redirects: http.client never does.

Hosts an operator trusts although their addresses are not public (a service on the private
network, a test's local server) are listed in a setting named by the caller (host names,
addresses or networks), read at each call; without the setting, the environment variable
of the same name (comma-separated).

Only the standard library is used: http.client over a socket we open ourselves.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings

from guichet.lib.env import env_list

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class Refused(Exception):
    """This URL may not be fetched: `reason` says why (for the logs and the event):
    "url", "scheme", "host", "port" or "address"."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Target:
    """A checked URL: where to connect (`address`) and what to ask for (`path`)."""

    scheme: str
    host: str
    port: int
    path: str  # path and query, for the request line
    address: str


def allow_list(setting: str) -> list[str]:
    """The trusted hosts, addresses and networks of `setting` (lower case)."""
    value = getattr(settings, setting, None)
    if value is None:
        value = env_list(setting)
    items: Iterable[str] = [value] if isinstance(value, str) else value
    return [str(item).strip().lower() for item in items if str(item).strip()]


def split_url(url: str) -> tuple[str, str, int, str]:
    """(scheme, host, port, path with query) of an http(s) URL with no credentials, or
    Refused. Nothing is resolved."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname
    except ValueError:
        raise Refused("url") from None
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise Refused("scheme")
    if not host or parts.username is not None or parts.password is not None:
        raise Refused("host")
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError:
        raise Refused("port") from None
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host, port, path


def check_url(url: str, *, allow: Sequence[str]) -> Target:
    """`url` split and its host resolved under the rules above, or Refused (an address
    that is not public and not allowed) or OSError (the host does not resolve)."""
    scheme, host, port, path = split_url(url)
    return Target(scheme, host, port, path, resolve(host, port, allow=allow))


def resolve(host: str, port: int, *, allow: Sequence[str]) -> str:
    """The address to connect to for `host`: the first it resolves to, once every one of
    them is acceptable (one internal answer among public ones refuses them all)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise OSError(f"cannot resolve {host!r}: {exc}") from None
    addresses: list[IPAddress] = []
    for info in infos:
        # A link-local IPv6 answer may carry a zone ("fe80::1%eth0"); the address decides.
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if address not in addresses:
            addresses.append(address)
    if not addresses:
        raise OSError(f"no address for {host!r}")
    for address in addresses:
        if not (_is_trusted(host, address, allow) or is_public(address)):
            raise Refused("address")
    return str(addresses[0])


def is_public(address: IPAddress) -> bool:
    """Whether an address is on the public internet, including the IPv4 address an IPv6
    form may carry (mapped, 6to4, Teredo, NAT64)."""
    candidates: list[IPAddress] = [address]
    if isinstance(address, ipaddress.IPv6Address):
        if address.ipv4_mapped is not None:
            candidates.append(address.ipv4_mapped)
        if address.sixtofour is not None:
            candidates.append(address.sixtofour)
        if address.teredo is not None:
            candidates += list(address.teredo)
        if any(address in network for network in _NAT64):
            candidates.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return all(
        candidate.is_global
        and not (
            candidate.is_private
            or candidate.is_loopback
            or candidate.is_link_local
            or candidate.is_multicast
            or candidate.is_reserved
            or candidate.is_unspecified
        )
        for candidate in candidates
    )


def _is_trusted(host: str, address: IPAddress, trusted: Sequence[str]) -> bool:
    for entry in trusted:
        if entry == host.lower():
            return True
        try:
            network = ipaddress.ip_network(entry, strict=False)
        except ValueError:
            continue  # a host name that is not this one
        if address in network:
            return True
    return False


def connection(target: Target, *, timeout: float) -> http.client.HTTPConnection:
    """An HTTP(S) connection to the checked address of `target` (not yet open)."""
    if target.scheme == "https":
        return PinnedHTTPS(target.host, target.port, address=target.address, timeout=timeout)
    return PinnedHTTP(target.host, target.port, address=target.address, timeout=timeout)


class PinnedHTTP(http.client.HTTPConnection):
    """HTTP to `address`, whatever the host name resolves to by now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to `address`; the certificate is still checked against the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.pinned_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
