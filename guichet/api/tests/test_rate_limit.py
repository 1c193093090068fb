"""Each key has its own rate limit: beyond it, 429 with Retry-After."""

import pytest

from guichet.api import throttle

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_counters():
    from django.core.cache import cache

    cache.clear()


def test_beyond_the_keys_limit_calls_get_429_with_retry_after(world, api, monkeypatch):
    monkeypatch.setattr(throttle.KeyRateThrottle, "timer", staticmethod(lambda: 6000.0 + 15))
    caller, other = api(rate=3), api(rate=3)
    assert [caller.get("/api/v1/tickets").status_code for _ in range(3)] == [200] * 3
    refused = caller.get("/api/v1/tickets")
    assert refused.status_code == 429
    assert refused.json()["code"] == "rate_limited"
    assert refused["Retry-After"] == "45"
    assert other.get("/api/v1/tickets").status_code == 200, "another key has its own count"
    monkeypatch.setattr(throttle.KeyRateThrottle, "timer", staticmethod(lambda: 6060.0 + 1))
    assert caller.get("/api/v1/tickets").status_code == 200, "a new minute, a new count"
