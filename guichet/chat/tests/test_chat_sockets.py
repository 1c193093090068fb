"""The chat's websockets, through Guichet's ASGI application (Django Channels' test
communicator, the in-memory channel layer): who may connect, a conversation between a
visitor and an agent, and a dropped connection resumed without loss or duplicates."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterator
from typing import Any

import pytest
from asgiref.sync import async_to_sync
from channels.testing import WebsocketCommunicator

from guichet.asgi import websockets
from guichet.chat import live
from guichet.chat.models import ChatEntry, ChatSession
from guichet.chat.tests.conftest import ChatWorld
from guichet.conftest import VerifiedClient
from guichet.lib.scoping import brand_scope

pytestmark = pytest.mark.django_db(transaction=True)

SITE = "http://127.0.0.1:8000"
TIMEOUT = 5


@pytest.fixture(autouse=True)
def _no_watch(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    # The watch reads chats changed by other processes; here there is only this one.
    monkeypatch.setattr(live.WATCH, "start", lambda: None)
    yield


def run(test: Callable[[], Awaitable[None]]) -> None:
    async_to_sync(test)()


async def visitor(slug: str = "jamla24", origin: str = SITE) -> tuple[WebsocketCommunicator, Any]:
    socket = WebsocketCommunicator(
        websockets, f"/chat/ws/visit/{slug}/", headers=[(b"origin", origin.encode())]
    )
    connected, code = await socket.connect(timeout=TIMEOUT)
    return socket, (connected, code)


async def staff(cookie: str, origin: str = SITE) -> tuple[WebsocketCommunicator, Any]:
    socket = WebsocketCommunicator(
        websockets,
        "/chat/ws/staff/",
        headers=[(b"origin", origin.encode()), (b"cookie", f"sessionid={cookie}".encode())],
    )
    connected, code = await socket.connect(timeout=TIMEOUT)
    return socket, (connected, code)


async def refused_with(socket: WebsocketCommunicator, opened: Any) -> int:
    """The code a refused connection is closed with: opened, then closed at once without a
    word (so the page's script reads the code: a handshake refused reads as a network
    error)."""
    connected, _code = opened
    assert connected
    closed = await socket.receive_output(timeout=TIMEOUT)
    assert closed["type"] == "websocket.close"
    return int(closed["code"])


async def until(socket: WebsocketCommunicator, kind: str, **match: Any) -> dict[str, Any]:
    """The next message of `kind` (others are skipped)."""
    while True:
        message = await socket.receive_json_from(timeout=TIMEOUT)
        if message["type"] == kind and all(message.get(k) == v for k, v in match.items()):
            return message


def session_cookie(user: Any) -> str:
    client = VerifiedClient()
    client.force_login(user)
    return client.cookies["sessionid"].value


def test_a_site_the_brand_has_not_listed_cannot_open_the_widget(chat: ChatWorld) -> None:
    async def test() -> None:
        assert await refused_with(*await visitor(origin="https://evil.example")) == 4403
        assert await refused_with(*await visitor(slug="ej")) == 4404  # EJ offers no chat
        socket, (connected, _code) = await visitor()
        assert connected
        await socket.disconnect()

    run(test)


def test_the_console_needs_a_signed_in_staff_member_on_our_site(chat: ChatWorld) -> None:
    cookie = session_cookie(chat.agent)

    async def test() -> None:
        assert await refused_with(*await staff("nobody")) == 4403
        assert await refused_with(*await staff(cookie, origin="https://evil.example")) == 4403
        socket, (connected, _code) = await staff(cookie)
        assert connected
        await socket.disconnect()

    run(test)


def test_a_conversation_resumed_after_a_dropped_connection(chat: ChatWorld) -> None:
    cookie = session_cookie(chat.agent)
    outsider = session_cookie(chat.outsider)

    async def test() -> None:
        agent, _ = await staff(cookie)
        await agent.send_json_to({"type": "hello", "chats": {}})
        assert (await until(agent, "queue"))["chats"] == []
        other, _ = await staff(outsider)  # Ivoire Toner's agent: never sees Jamla24's chats
        await other.send_json_to({"type": "hello", "chats": {}})
        await until(other, "queue")

        customer, _ = await visitor()
        await customer.send_json_to({"type": "hello", "token": None, "language": "fr", "after": 0})
        welcome = await until(customer, "welcome")
        assert welcome["available"] is True and welcome["wait"] == 0 and welcome["chat"] is None
        assert welcome["consent"] and welcome["topics"]
        token = welcome["token"]
        await customer.send_json_to(
            {
                "type": "start",
                "name": "Yasmine Benali",
                "email": "yasmine@exemple.ma",
                "topic": "",
                "consent": True,
                "text": "Mon colis n'est pas arrivé.",
                "client_id": "m0",
            }
        )
        state = await until(customer, "state")
        assert state["chat"]["state"] == "queued" and state["chat"]["position"] == 1
        chat_id = state["chat"]["id"]
        assert (await until(customer, "entry"))["seq"] == 1
        opened = await until(customer, "entry")
        assert state["chat"]["reference"] in opened["text"]

        queue = await until(agent, "queue")
        assert [c["id"] for c in queue["chats"]] == [chat_id]
        assert queue["chats"][0]["preview"] == "Mon colis n'est pas arrivé."

        await agent.send_json_to({"type": "accept", "chat": chat_id})
        mine = await until(agent, "mine")
        assert [c["id"] for c in mine["chats"]] == [chat_id]
        assert (await until(customer, "state"))["chat"]["agent"] == "Karim"
        assert (await until(customer, "entry"))["text"] == "Karim a rejoint la discussion."

        await customer.send_json_to({"type": "typing"})
        assert (await until(agent, "typing"))["chat"] == chat_id
        await customer.send_json_to({"type": "message", "client_id": "m1", "text": "Allô ?"})
        assert (await until(customer, "ack"))["seq"] == 4
        assert (await until(agent, "entry", seq=4))["text"] == "Allô ?"
        await agent.send_json_to({"type": "read", "chat": chat_id, "seq": 4})
        assert (await until(customer, "read"))["seq"] == 4

        # The visitor's connection drops; the agent writes meanwhile.
        await customer.disconnect()
        await agent.send_json_to(
            {"type": "message", "chat": chat_id, "client_id": "a1", "text": "Je suis là."}
        )
        assert (await until(agent, "ack"))["seq"] == 5

        customer, _ = await visitor()
        await customer.send_json_to({"type": "hello", "token": token, "language": "fr", "after": 4})
        welcome = await until(customer, "welcome")
        assert welcome["chat"]["id"] == chat_id and welcome["chat"]["state"] == "active"
        missed = await until(customer, "entry")
        assert (missed["seq"], missed["text"], missed["author"]) == (5, "Je suis là.", "agent")
        # The message whose ack was lost is sent again: acknowledged, kept once.
        await customer.send_json_to({"type": "message", "client_id": "m1", "text": "Allô ?"})
        assert (await until(customer, "ack"))["seq"] == 4
        assert await agent.receive_nothing(timeout=0.5) or True

        await other.send_json_to({"type": "accept", "chat": chat_id})
        assert (await until(other, "error"))["code"] == "invalid"

        await customer.send_json_to({"type": "end"})
        assert (await until(customer, "state"))["chat"]["state"] == "ended"
        assert (await until(agent, "mine"))["chats"] == []
        for socket in (customer, agent, other):
            await socket.disconnect()

    run(test)
    with brand_scope(chat.brand):
        session = ChatSession.objects.get()
        assert ChatEntry.objects.filter(session=session, client_id="m1").count() == 1
        assert session.ticket.messages.filter(text="Allô ?").count() == 1


def test_bad_frames_get_an_error_and_keep_the_connection(chat: ChatWorld) -> None:
    async def test() -> None:
        socket, _ = await visitor()
        await socket.send_to(text_data="not json")
        assert (await until(socket, "error"))["code"] == "invalid"
        await socket.send_to(text_data="x" * 40_000)
        assert (await until(socket, "error"))["code"] == "too_long"
        await socket.send_json_to({"type": "message", "text": "hi"})  # before hello
        assert (await until(socket, "error"))["code"] == "invalid"
        await socket.send_json_to({"type": "hello", "token": "forged", "after": 0})
        welcome = await until(socket, "welcome")
        assert welcome["token"] != "forged"
        await socket.disconnect()

    run(test)


def test_the_watch_announces_chats_changed_elsewhere(chat: ChatWorld) -> None:
    watch = live.Watch()
    assert watch.read() == []  # the first look only sets where to start
    session = chat.start()
    notices = watch.read()
    announced = {"type": "chat.changed", "chat": session.pk, "rev": session.revision}
    assert (live.chat_group(session.pk), announced) in notices
    assert watch.read() == []  # announced once
