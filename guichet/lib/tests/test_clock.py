from datetime import UTC, datetime, timedelta, timezone

import pytest

from guichet.lib import clock


def test_system_clock_is_aware_utc():
    now = clock.now()
    assert now.tzinfo is not None
    assert now.utcoffset() == timedelta(0)


def test_frozen_clock_only_moves_when_told():
    at = datetime(2026, 3, 29, 0, 30, tzinfo=UTC)
    with clock.frozen(at) as frozen:
        assert clock.now() == at
        assert clock.now() == at
        frozen.advance(hours=2)
        assert clock.now() == at + timedelta(hours=2)
        frozen.set(datetime(2026, 10, 25, 3, 0, tzinfo=timezone(timedelta(hours=1))))
        assert clock.now() == datetime(2026, 10, 25, 2, 0, tzinfo=UTC)
    assert clock.now() != at


def test_frozen_clock_refuses_naive_datetimes():
    with pytest.raises(ValueError):
        clock.FrozenClock(datetime(2026, 1, 1))


def test_clocks_nest_and_restore():
    outer = datetime(2026, 1, 1, tzinfo=UTC)
    inner = datetime(2027, 1, 1, tzinfo=UTC)
    with clock.frozen(outer):
        with clock.frozen(inner):
            assert clock.now() == inner
        assert clock.now() == outer
