"""Rate limits: each API key may make `rate_per_minute` requests a minute (a signed-in
person, DEFAULT_RATE_PER_MINUTE); beyond, 429 with `Retry-After` (the seconds left in the
minute). Counted in Django's cache — shared between processes when REDIS_URL is set — in
fixed one-minute windows, with one atomic increment per request.

Calls with a wrong API key are counted too, per client address
(`GUICHET_API_AUTH_FAILURE_LIMIT` in `GUICHET_API_AUTH_FAILURE_WINDOW` seconds): beyond,
those calls get 429 instead of 401 until the window ends (`auth_failed`)."""

from __future__ import annotations

import hashlib
import math
import threading
import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from guichet.api.models import DEFAULT_RATE_PER_MINUTE
from guichet.api.principal import Principal
from guichet.lib import clock
from guichet.lib.ratelimit import client_address

WINDOW = 60


def _count(name: str, timeout: int) -> int:
    """Add one to the counter `name` (made if missing, kept `timeout` seconds); its new value."""
    # add() creates the counter only if it is missing; incr() is atomic (Redis, locmem).
    cache.add(name, 0, timeout)
    try:
        return cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.set(name, 1, timeout)
        return 1


class KeyRateThrottle(BaseThrottle):
    timer = staticmethod(time.time)

    def __init__(self) -> None:
        self._local = threading.local()  # one instance serves every request

    def allow_request(self, request: HttpRequest) -> bool:
        found = getattr(request, "auth", None)
        if not isinstance(found, Principal):
            return True
        if found.key is not None:
            ident, limit = f"key:{found.key.pk}", found.key.rate_per_minute
        else:
            ident, limit = f"user:{found.user.pk}", DEFAULT_RATE_PER_MINUTE
        now = self.timer()
        window = int(now // WINDOW)
        self._local.wait = (window + 1) * WINDOW - now
        return _count(f"api-rate:{ident}:{window}", WINDOW + 5) <= limit

    def wait(self) -> float | None:
        return max(1.0, getattr(self._local, "wait", WINDOW))


def auth_failed(request: HttpRequest) -> int | None:
    """Count a call whose API key was wrong (unknown, revoked, malformed) from the
    request's address, in fixed windows of Guichet's clock. None while the address is
    within the limit (the call gets 401); beyond it, the seconds until the window ends
    (the call gets 429 with Retry-After).

    Only failures count: a call with a valid key from the same address is served as
    usual (its key's own rate limit applies), so a client sharing an address with a
    misconfigured one is not shut out. (Keys hold 256 random bits: the limit is against
    floods of wrong keys, guessing is hopeless anyway.) The address is hashed: the cache
    never holds it in clear."""
    limit = settings.GUICHET_API_AUTH_FAILURE_LIMIT
    seconds = max(1, settings.GUICHET_API_AUTH_FAILURE_WINDOW)
    now = clock.now().timestamp()
    window = int(now // seconds)
    address = hashlib.sha256(client_address(request).encode()).hexdigest()[:40]
    if _count(f"api-auth-failures:{address}:{window}", seconds + 5) <= limit:
        return None
    return max(1, math.ceil((window + 1) * seconds - now))
