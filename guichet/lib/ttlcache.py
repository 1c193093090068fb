"""A tiny per-process cache with a time to live, for reference data read on every request
and changed rarely (a brand's teams, its letter templates). A change made in another
process is seen within `ttl` seconds; a change made here can be made visible at once with
`clear()`."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import TypeVar

V = TypeVar("V")


class TTLCache[V]:
    def __init__(self, ttl: float) -> None:
        self.ttl = ttl
        self._values: dict[Hashable, tuple[float, V]] = {}
        self._lock = threading.Lock()

    def get(self, key: Hashable, compute: Callable[[], V]) -> V:
        now = time.monotonic()
        found = self._values.get(key)
        if found is not None and now - found[0] < self.ttl:
            return found[1]
        value = compute()
        with self._lock:
            self._values[key] = (now, value)
        return value

    def clear(self) -> None:
        with self._lock:
            self._values.clear()


_all: list[TTLCache[object]] = []


def ttl_cache(ttl: float) -> TTLCache[V]:
    cache: TTLCache[V] = TTLCache(ttl)
    _all.append(cache)  # type: ignore[arg-type]
    return cache


def clear_all() -> None:
    for cache in _all:
        cache.clear()
