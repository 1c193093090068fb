"""What the channel tests share: a real HTTP server standing in for a provider's API (our
outbound calls reach it over the network), and channel accounts of EJ."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest

from guichet.channels.models import ChannelAccount
from guichet.channels.services import account_create
from guichet.conftest import World

TWILIO_TOKEN = "test-auth-token-12345"
TWILIO_SID = "AC" + "0" * 32
TWILIO_NUMBER = "+18765550100"


class ProviderApi(ThreadingHTTPServer):
    """A provider's API on 127.0.0.1: `answers` are the next responses ((status, JSON) or
    a status alone); once empty, 200 with `default(path, body)`. `seen` keeps (method,
    path, headers, body) of every request."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.seen: list[tuple[str, str, dict[str, str], bytes]] = []
        self.answers: list[Any] = []
        self.count = 0

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"

    def form(self, index: int = -1) -> dict[str, str]:
        fields = parse_qs(self.seen[index][3].decode(), keep_blank_values=True)
        return {name: values[0] for name, values in fields.items()}

    def json(self, index: int = -1) -> Any:
        return json.loads(self.seen[index][3])

    def default(self, path: str, body: bytes) -> Any:
        self.count += 1
        if "/Messages.json" in path:
            return {"sid": f"SM{self.count:032d}", "status": "queued"}
        return {"messages": [{"id": f"wamid.TEST{self.count}"}], "message_id": f"m_{self.count}"}


class _Handler(BaseHTTPRequestHandler):
    server: ProviderApi

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.server.seen.append(("POST", self.path, dict(self.headers.items()), body))
        answer = self.server.answers.pop(0) if self.server.answers else None
        if answer is None:
            status, payload = 200, self.server.default(self.path, body)
        elif isinstance(answer, int):
            status, payload = answer, {"message": "provider says no", "code": answer}
        else:
            status, payload = answer
        text = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(text)))
        self.end_headers()
        self.wfile.write(text)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def provider_api() -> Iterator[ProviderApi]:
    server = ProviderApi()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def twilio(world: World, provider_api: ProviderApi) -> ChannelAccount:
    return account_create(
        brand=world.ej,
        actor=None,
        provider="twilio",
        name="EJ SMS",
        address=TWILIO_NUMBER,
        secret=TWILIO_TOKEN,
        account_sid=TWILIO_SID,
        api_base=provider_api.base,
    )
