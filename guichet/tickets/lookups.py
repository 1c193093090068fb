"""Asking a merchant whether an order reference exists (docs/requirements.md IN-5, Ivoire Toner).

The address comes from a brand's policy (`validation.order_reference.lookup_url`), which a
brand administrator writes: the lookup must not become a way into Guichet's own network
(research note H37, server-side request forgery). So it goes through `guichet.lib.net`:
http and https only, no credentials in the URL, the host resolved once and every address
public, the connection made to that very address; redirects are never followed (a 3xx is
"could not verify"), and the wait is short.

Hosts an operator trusts although their addresses are not public (a merchant on the
private network, a test's local server) are listed in the setting
`GUICHET_LOOKUP_ALLOW_HOSTS`: host names, addresses or networks, read at each call.
"""

from __future__ import annotations

import http.client
import logging
from dataclasses import dataclass
from urllib.parse import quote

from guichet.lib import net
from guichet.lib.net import Refused, is_public
from guichet.tickets.choices import OrderStatus

logger = logging.getLogger(__name__)

TIMEOUT = 3.0  # seconds, for connecting and for each read
USER_AGENT = "Guichet order lookup"

ALLOW_SETTING = "GUICHET_LOOKUP_ALLOW_HOSTS"

__all__ = ["Answer", "Refused", "fetch_status", "is_public", "lookup_order", "lookup_url"]


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
    target = net.check_url(url, allow=net.allow_list(ALLOW_SETTING))
    connection = net.connection(target, timeout=TIMEOUT if timeout is None else timeout)
    try:
        connection.request(
            "GET",
            target.path,
            headers={"User-Agent": USER_AGENT, "Accept": "*/*", "Connection": "close"},
        )
        return connection.getresponse().status
    finally:
        connection.close()


def resolve(host: str, port: int) -> str:
    """The address to connect to for `host` (`guichet.lib.net.resolve` with the lookup's
    allow-list)."""
    return net.resolve(host, port, allow=net.allow_list(ALLOW_SETTING))
