"""Rate limits: each API key may make `rate_per_minute` requests a minute (a signed-in
person, DEFAULT_RATE_PER_MINUTE); beyond, 429 with `Retry-After` (the seconds left in the
minute). Counted in Django's cache — shared between processes when REDIS_URL is set — in
fixed one-minute windows, with one atomic increment per request."""

from __future__ import annotations

import threading
import time

from django.core.cache import cache
from django.http import HttpRequest
from ninja.throttling import BaseThrottle

from guichet.api.models import DEFAULT_RATE_PER_MINUTE

WINDOW = 60


class KeyRateThrottle(BaseThrottle):
    timer = staticmethod(time.time)

    def __init__(self) -> None:
        self._local = threading.local()  # one instance serves every request

    def allow_request(self, request: HttpRequest) -> bool:
        from guichet.api.auth import Principal

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
        name = f"api-rate:{ident}:{window}"
        # add() creates the counter only if it is missing; incr() is atomic (Redis, locmem).
        cache.add(name, 0, WINDOW + 5)
        try:
            count = cache.incr(name)
        except ValueError:  # expired between add and incr
            cache.set(name, 1, WINDOW + 5)
            count = 1
        return count <= limit

    def wait(self) -> float | None:
        return max(1.0, getattr(self._local, "wait", WINDOW))
