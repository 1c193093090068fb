"""Counting tries in Django's cache, in fixed windows of Guichet's clock.

A limit is (how many, per how many seconds), named in GUICHET_PORTAL_RATE_LIMITS or
GUICHET_CHAT_RATE_LIMITS. The key
(an IP address, an email address, a reference) is hashed, so the cache never holds it in
clear. Windows are read from `guichet.lib.clock`, so tests move time instead of sleeping.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.core.cache import cache

from guichet.lib import clock


def _limit(name: str) -> tuple[int, int]:
    limits = settings.GUICHET_PORTAL_RATE_LIMITS
    if name not in limits:
        limits = settings.GUICHET_CHAT_RATE_LIMITS
    count, seconds = limits[name]
    return int(count), int(seconds)


def _key(name: str, value: str, seconds: int) -> str:
    window = int(clock.now().timestamp() // seconds)
    digest = hashlib.sha256(f"{name}\0{value.lower()}".encode()).hexdigest()[:40]
    return f"portal:rl:{name}:{digest}:{window}"


def hit(name: str, value: str) -> bool:
    """Count one try; False once the limit of the current window is passed."""
    count, seconds = _limit(name)
    key = _key(name, value, seconds)
    cache.add(key, 0, timeout=seconds * 2)
    try:
        done = cache.incr(key)
    except ValueError:  # evicted between add and incr
        cache.set(key, 1, timeout=seconds * 2)
        done = 1
    return done <= count


def exceeded(name: str, value: str) -> bool:
    """Whether the limit is passed already, without counting a try."""
    count, seconds = _limit(name)
    return int(cache.get(_key(name, value, seconds)) or 0) >= count


def client_address(request: object) -> str:
    """The connection's address (behind a proxy, `guichet.lib.proxy` sets it from the
    header of a trusted proxy: the raw X-Forwarded-For is never trusted here)."""
    meta = getattr(request, "META", {})
    return str(meta.get("REMOTE_ADDR") or "unknown")
