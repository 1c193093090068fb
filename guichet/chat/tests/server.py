"""The chat's websocket server for tests that need a real one (a browser, the `websockets`
client): uvicorn serving `guichet.asgi.application` on a free port of 127.0.0.1, in a
thread of the test process, so it reads the test's database as pytest-django's
`live_server` does. GUICHET_CHAT_URL points at it while it runs.

    from guichet.chat.tests import server
    chat_server = server.chat_server
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
import uvicorn

from guichet.chat import live


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class ChatServer:
    def __init__(self) -> None:
        from guichet.asgi import application

        self.port = free_port()
        config = uvicorn.Config(
            application,
            host="127.0.0.1",
            port=self.port,
            ws="websockets-sansio",
            lifespan="off",
            log_level="warning",
            access_log=False,
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def __enter__(self) -> ChatServer:
        self.thread.start()
        deadline = time.monotonic() + 15
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the chat's websocket server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: Any) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)
        live.WATCH.task = None


@pytest.fixture
def chat_server(settings: Any) -> Iterator[ChatServer]:
    with ChatServer() as server:
        settings.GUICHET_CHAT_URL = server.url
        yield server
