"""An API caller for the tests: `api(token).get(...)` with the key in the header."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from guichet.accounts.models import Role
from guichet.api.keys import api_key_create


@dataclass
class Caller:
    client: Client
    token: str | None
    language: str = "en"

    def _headers(self, extra: dict[str, str]) -> dict[str, str]:
        headers = {"Accept-Language": self.language, **extra}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        return headers

    def get(self, url: str, params: dict[str, Any] | None = None, **headers: str) -> Any:
        return self.client.get(url, params or {}, headers=self._headers(headers))

    def send(self, method: str, url: str, body: Any = None, **headers: str) -> Any:
        return getattr(self.client, method)(
            url,
            data=json.dumps(body if body is not None else {}),
            content_type="application/json",
            headers=self._headers(headers),
        )

    def post(self, url: str, body: Any = None, **headers: str) -> Any:
        return self.send("post", url, body, **headers)

    def patch(self, url: str, body: Any = None, **headers: str) -> Any:
        return self.send("patch", url, body, **headers)


@pytest.fixture
def make_key(world):
    def make(brand=None, *, scopes=("read", "write"), role=Role.AGENT, rate=600):
        return api_key_create(
            brand=brand or world.ej,
            name="Boutique",
            scopes=list(scopes),
            role=role,
            rate_per_minute=rate,
        )

    return make


@pytest.fixture
def api(make_key):
    """`api()`: an EJ write key with the agent role; `api(role=…, scopes=…, brand=…)`."""

    def caller(**options: Any) -> Caller:
        return Caller(Client(), make_key(**options)[1])

    return caller
