"""Asking a merchant whether an order reference exists (REQUIREMENTS IN-5, Ivoire Toner).

The address comes from a brand's policy (`validation.order_reference.lookup_url`), which a
brand administrator writes: the lookup must not become a way into Guichet's own network
(research note H37, server-side request forgery). So:

- http and https only, no user name or password in the URL;
- the host is resolved once, and every address it resolves to must be public — not
  private, loopback, link-local, multicast, reserved or unspecified, nor one of those
  wrapped in an IPv6 form — then the connection is made to that very address (the Host
  header and the TLS name stay the host's), so a second DNS answer cannot swap in an
  internal one;
- redirects are never followed (a 3xx is "could not verify"), and the wait is short.

Hosts an operator trusts although their addresses are not public (a merchant on the
private network, a test's local server) are listed in the setting
`GUICHET_LOOKUP_ALLOW_HOSTS`: host names, addresses or networks, read at each call.

Only the standard library is used: http.client over a socket we open ourselves.
"""

from __future__ import annotations

import http.client
import ipaddress
import logging
import socket
import ssl
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

from django.conf import settings

from guichet.tickets.choices import OrderStatus

logger = logging.getLogger(__name__)

TIMEOUT = 3.0  # seconds, for connecting and for each read
USER_AGENT = "Guichet order lookup"

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# IPv6 prefixes that carry an IPv4 address in their last 32 bits (NAT64).
_NAT64 = (ipaddress.IPv6Network("64:ff9b::/96"), ipaddress.IPv6Network("64:ff9b:1::/48"))


class Refused(Exception):
    """This URL may not be fetched: `reason` says why (for the logs and the event)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Answer:
    status: str  # an OrderStatus: valid, not_found or unverified
    detail: str  # what happened, for the event: "http_200", "timeout", "refused_address"…


def lookup_url(template: str, reference: str) -> str:
    """The policy's URL template with the reference in place of `{reference}`, encoded so
    that it cannot add a path, a query or another host."""
    return template.replace("{reference}", quote(reference, safe=""))


def lookup_order(template: str, reference: str) -> Answer:
    """Ask the merchant: 200 is a known order, 404 an unknown one; anything else, a
    refused address or a failure leaves the reference unverified. Never raises."""
    url = lookup_url(template, reference)
    try:
        code = fetch_status(url)
    except Refused as refused:
        logger.warning("order lookup refused (%s): %s", refused.reason, url)
        return Answer(OrderStatus.UNVERIFIED, f"refused_{refused.reason}")
    except TimeoutError:
        return Answer(OrderStatus.UNVERIFIED, "timeout")
    except (OSError, http.client.HTTPException) as exc:
        logger.info("order lookup failed: %s: %r", url, exc)
        return Answer(OrderStatus.UNVERIFIED, "error")
    if code == 200:
        return Answer(OrderStatus.VALID, "http_200")
    if code == 404:
        return Answer(OrderStatus.NOT_FOUND, "http_404")
    return Answer(OrderStatus.UNVERIFIED, f"http_{code}")


def fetch_status(url: str, *, timeout: float | None = None) -> int:
    """The HTTP status of a GET of `url`, under the rules above (Refused otherwise). The
    body is not read."""
    try:
        parts = urlsplit(url)
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
    address = resolve(host, port)
    wait = TIMEOUT if timeout is None else timeout
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = _PinnedHTTPS(host, port, address=address, timeout=wait)
    else:
        connection = _PinnedHTTP(host, port, address=address, timeout=wait)
    target = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    try:
        connection.request(
            "GET",
            target,
            headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def resolve(host: str, port: int) -> str:
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
    trusted = _trusted()
    for address in addresses:
        if not (_is_trusted(host, address, trusted) or is_public(address)):
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


def _trusted() -> list[str]:
    value = getattr(settings, "GUICHET_LOOKUP_ALLOW_HOSTS", ())
    items: Iterable[str] = [value] if isinstance(value, str) else value
    return [str(item).strip().lower() for item in items if str(item).strip()]


def _is_trusted(host: str, address: IPAddress, trusted: list[str]) -> bool:
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


class _PinnedHTTP(http.client.HTTPConnection):
    """HTTP to `address`, whatever the host name resolves to by now."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        super().__init__(host, port, timeout=timeout)
        self.pinned_address = address

    def connect(self) -> None:
        self.sock = socket.create_connection((self.pinned_address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """HTTPS to `address`; the certificate is still checked against the host name."""

    def __init__(self, host: str, port: int, *, address: str, timeout: float) -> None:
        self.tls = ssl.create_default_context()
        super().__init__(host, port, timeout=timeout, context=self.tls)
        self.pinned_address = address

    def connect(self) -> None:
        sock = socket.create_connection((self.pinned_address, self.port), self.timeout)
        self.sock = self.tls.wrap_socket(sock, server_hostname=self.host)
