"""The one clock every part of Guichet reads.

Deadlines, events and demo data all take "now" from here, so tests move time by
swapping the clock instead of sleeping, and `guichet sla sweep --at` can replay a
moment. Django's own internals (sessions, last_login) keep using
`django.utils.timezone.now`; domain code must not.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to. Thread-safe, so worker threads can share it."""

    def __init__(self, at: datetime) -> None:
        self._lock = threading.Lock()
        self._at = _aware(at)

    def now(self) -> datetime:
        with self._lock:
            return self._at

    def set(self, at: datetime) -> None:
        with self._lock:
            self._at = _aware(at)

    def advance(self, delta: timedelta | None = None, **kwargs: float) -> datetime:
        step = delta if delta is not None else timedelta(**kwargs)
        with self._lock:
            self._at = self._at + step
            return self._at


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("the clock only holds timezone-aware datetimes")
    return at.astimezone(UTC)


_current: Clock = SystemClock()


def now() -> datetime:
    """The current instant, timezone-aware, in UTC."""
    return _current.now()


def current() -> Clock:
    return _current


@contextmanager
def use(clock: Clock) -> Iterator[Clock]:
    """Make `clock` the process-wide clock for the duration of the block."""
    global _current
    previous = _current
    _current = clock
    try:
        yield clock
    finally:
        _current = previous


@contextmanager
def frozen(at: datetime) -> Iterator[FrozenClock]:
    with use(FrozenClock(at)) as clock:
        assert isinstance(clock, FrozenClock)
        yield clock
