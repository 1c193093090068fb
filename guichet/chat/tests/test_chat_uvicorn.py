"""The chat through the server `guichet up` runs (uvicorn, in a thread: tests/server.py)
and a real websocket client: the widget's socket refuses a site not allowed, a visitor
leaves a message outside the chat's hours, and a chat started through the socket is a
ticket whose lines the agent's socket receives."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

import pytest
import websockets

from guichet.chat.models import ChatSession
from guichet.chat.tests import server
from guichet.chat.tests.conftest import ChatWorld
from guichet.conftest import VerifiedClient
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Ticket

chat_server = server.chat_server
pytestmark = pytest.mark.django_db(transaction=True)
SITE = "http://127.0.0.1:8000"


async def next_of(socket: Any, kind: str) -> dict[str, Any]:
    while True:
        message = json.loads(await asyncio.wait_for(socket.recv(), 10))
        if message["type"] == kind:
            return message


def test_a_site_not_allowed_is_refused_by_the_server(chat: ChatWorld, chat_server: Any) -> None:
    async def run() -> int | None:
        async with websockets.connect(
            f"{chat_server.ws}/chat/ws/visit/jamla24/", origin="https://evil.example"
        ) as socket:
            try:
                await asyncio.wait_for(socket.recv(), 10)
            except websockets.ConnectionClosed as closed:
                return closed.rcvd.code if closed.rcvd else None
            return None

    # Opened, then closed at once with the reason's code, nothing said: a handshake refused
    # would reach the widget as a network error, and it would try again and again.
    assert asyncio.run(run()) == 4403


def test_outside_hours_a_visitor_leaves_a_message(chat: ChatWorld, chat_server: Any) -> None:
    chat.clock.advance(timedelta(hours=9))  # 23:00 in Casablanca: closed

    async def run() -> dict[str, Any]:
        async with websockets.connect(
            f"{chat_server.ws}/chat/ws/visit/jamla24/", origin=SITE
        ) as socket:
            await socket.send(json.dumps({"type": "hello", "token": None, "language": "en"}))
            welcome = await next_of(socket, "welcome")
            assert welcome["open"] is False and welcome["available"] is False
            await socket.send(
                json.dumps(
                    {
                        "type": "leave",
                        "name": "Sam Taylor",
                        "email": "sam@example.com",
                        "topic": "",
                        "consent": True,
                        "text": "Please call me back about my refund.",
                    }
                )
            )
            return await next_of(socket, "left")

    left = asyncio.run(run())
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get(reference=left["reference"])
        assert ticket.channel == "web" and ticket.language == "en"


def test_a_chat_through_the_server(chat: ChatWorld, chat_server: Any) -> None:
    client = VerifiedClient()
    client.force_login(chat.agent)
    cookie = client.cookies["sessionid"].value

    async def run() -> None:
        async with (
            websockets.connect(
                f"{chat_server.ws}/chat/ws/staff/",
                origin=SITE,
                additional_headers={"Cookie": f"sessionid={cookie}"},
            ) as agent,
            websockets.connect(f"{chat_server.ws}/chat/ws/visit/jamla24/", origin=SITE) as visitor,
        ):
            await agent.send(json.dumps({"type": "hello", "chats": {}}))
            await next_of(agent, "queue")
            await visitor.send(json.dumps({"type": "hello", "token": None, "language": "fr"}))
            assert (await next_of(visitor, "welcome"))["available"] is True
            await visitor.send(
                json.dumps(
                    {
                        "type": "start",
                        "name": "Yasmine",
                        "email": "yasmine@exemple.ma",
                        "consent": True,
                        "text": "Bonjour !",
                        "client_id": "v0",
                    }
                )
            )
            chat_id = (await next_of(visitor, "state"))["chat"]["id"]
            queue = await next_of(agent, "queue")
            assert [c["id"] for c in queue["chats"]] == [chat_id]
            await agent.send(json.dumps({"type": "accept", "chat": chat_id}))
            await next_of(agent, "mine")
            await visitor.send(json.dumps({"type": "message", "client_id": "v1", "text": "Allô"}))
            while (await next_of(agent, "entry"))["text"] != "Allô":
                pass

    asyncio.run(run())
    with brand_scope(chat.brand):
        assert ChatSession.objects.get().ticket.messages.filter(text="Allô").exists()
