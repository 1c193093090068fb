"""Calls with a wrong API key are counted per client address: past
GUICHET_API_AUTH_FAILURE_LIMIT in a window, they get 429 with Retry-After instead of 401.
A valid key from the same address is served as usual."""

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

TICKETS = "/api/v1/tickets"
SHOP = "203.0.113.7"


@pytest.fixture(autouse=True)
def small_limit(settings):
    settings.GUICHET_API_AUTH_FAILURE_LIMIT = 3
    settings.GUICHET_API_AUTH_FAILURE_WINDOW = 60


def call(token, address=SHOP, language="en"):
    headers = {"Accept-Language": language}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    return Client().get(TICKETS, headers=headers, REMOTE_ADDR=address)


def test_past_the_limit_wrong_keys_get_429_with_retry_after(world, frozen_clock):
    frozen_clock.advance(seconds=15)  # T0 starts a window of the clock: 45 s are left
    for token in ("gch_abc_def", "nonsense", "gch_abc_def"):
        assert call(token).status_code == 401
    refused = call("gch_abc_def")
    assert refused.status_code == 429
    assert refused.json()["code"] == "auth_failures"
    assert refused["Retry-After"] == "45"
    assert "45 seconds" in refused.json()["message"]
    french = call("gch_abc_def", language="fr")
    assert french.status_code == 429 and "45 secondes" in french.json()["message"]
    frozen_clock.advance(seconds=45)
    assert call("gch_abc_def").status_code == 401, "a new window, a new count"


def test_a_valid_key_from_the_same_address_is_still_served(world, make_key, frozen_clock):
    _key, token = make_key()
    for _ in range(5):
        call("gch_abc_def")
    assert call("gch_abc_def").status_code == 429
    assert call(token).status_code == 200


def test_each_address_has_its_own_count(world, frozen_clock):
    for _ in range(4):
        call("gch_abc_def")
    assert call("gch_abc_def").status_code == 429
    assert call("gch_abc_def", address="198.51.100.2").status_code == 401


def test_a_revoked_key_counts_as_a_wrong_one(world, make_key, frozen_clock):
    from guichet.api.keys import api_key_revoke

    key, token = make_key()
    api_key_revoke(key=key)
    assert [call(token).status_code for _ in range(4)] == [401, 401, 401, 429]


def test_calls_without_a_key_are_not_counted(world, frozen_clock):
    for _ in range(5):
        assert call(None).status_code == 401
    assert call("gch_abc_def").status_code == 401
