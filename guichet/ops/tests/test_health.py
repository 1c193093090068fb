from datetime import timedelta

import pytest
from django.db import DatabaseError

from guichet.ops.worker import beat

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_worker(client, frozen_clock):
    body = client.get("/healthz").json()
    assert body["status"] == "degraded"
    assert body["database"]["ok"] and body["database"]["vendor"] in ("sqlite", "postgresql")
    assert body["worker"] == {"ok": False, "alive": 0, "last_seen": None}

    beat("w1")
    body = client.get("/healthz").json()
    assert body["status"] == "ok" and body["worker"]["alive"] == 1

    frozen_clock.advance(timedelta(minutes=5))
    assert client.get("/healthz").json()["worker"]["ok"] is False


def test_healthz_is_503_when_the_database_is_down(client, monkeypatch):
    def broken(*args, **kwargs):
        raise DatabaseError("gone")

    monkeypatch.setattr("django.db.backends.utils.CursorWrapper.execute", broken)
    response = client.get("/healthz")
    assert response.status_code == 503 and response.json()["status"] == "down"


def test_healthz_needs_no_sign_in_and_is_not_cached(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert "no-cache" in response["Cache-Control"] or "max-age=0" in response["Cache-Control"]
