"""An API caller for the tests: `api(token).get(...)` with the key in the header; a local
HTTP receiver for webhooks, tasks run at once, fake DNS answers."""

from __future__ import annotations

import contextlib
import json
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.core.cache import cache
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


@pytest.fixture(autouse=True)
def _fresh_counts() -> Iterator[None]:
    # Rate-limit counts live in the cache, keyed by the key's id, in windows of the frozen
    # clock: ids come back after a rolled-back test, so counts must not outlive theirs.
    cache.clear()
    yield
    cache.clear()


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


@pytest.fixture
def market_api(market):
    """`market_api()`: a Jamla24 write key with the agent role (the `market` fixture's
    marketplace); `market_api(role=…, scopes=…, brand=…)` as `api`."""

    def caller(brand=None, *, scopes=("read", "write"), role=Role.AGENT) -> Caller:
        _key, token = api_key_create(
            brand=brand or market.brand,
            name="Marché",
            scopes=list(scopes),
            role=role,
            rate_per_minute=100_000,
        )
        return Caller(Client(), token)

    return caller


# --- webhooks ------------------------------------------------------------------------------------


class Receiver(ThreadingHTTPServer):
    """A real HTTP server on 127.0.0.1 for webhook tests. `answers` is a list of what to do
    with the next requests (a status code, ("redirect", url) or ("slow", seconds)); once it
    is empty, 200. `seen` holds (path, headers, body) of every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _ReceiverHandler)
        self.seen: list[tuple[str, dict[str, str], bytes]] = []
        self.answers: list[Any] = []

    def url(self, path: str = "/hooks") -> str:
        return f"http://127.0.0.1:{self.server_address[1]}{path}"


class _ReceiverHandler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.append((self.path, dict(self.headers.items()), body))
        answer = self.server.answers.pop(0) if self.server.answers else 200
        if isinstance(answer, tuple) and answer[0] == "slow":
            time.sleep(answer[1])
            answer = 200
        if isinstance(answer, tuple) and answer[0] == "redirect":
            self.send_response(302)
            self.send_header("Location", answer[1])
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        text = b"ok" if answer < 300 else b"server says no"
        self.send_response(answer)
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        with contextlib.suppress(OSError):
            self.wfile.write(text)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver(settings) -> Iterator[Receiver]:
    """A local receiver, allow-listed (127.0.0.1 is loopback: refused otherwise)."""
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    server = Receiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def immediate_tasks(settings) -> None:
    """Tasks run when enqueued (after commit), as a worker would run them."""
    settings.TASKS = {"default": {"BACKEND": "django.tasks.backends.immediate.ImmediateBackend"}}


@pytest.fixture
def dns(monkeypatch) -> dict[str, list[str]]:
    """Fake answers for some names; the others resolve as usual."""
    answers: dict[str, list[str]] = {}
    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host in answers:
            return [
                (
                    socket.AF_INET6 if ":" in address else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (address, port),
                )
                for address in answers[host]
            ]
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return answers
