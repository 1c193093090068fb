"""The chat's websockets (Django Channels consumers, served by uvicorn: docs/chat.md).

Thin shells: each message is handled in a thread by `visit` (the widget's side) or
`console` (the agents'), which go through the services; what they return is sent. A
consumer handles one message at a time, so what a connection knows (its `Connection`) is
never read and written at once. Notices from the channel layer ("chat N changed", "the
queue changed") make the connection read what it has not sent yet."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any
from urllib.parse import urlsplit

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncJsonWebsocketConsumer
from django.conf import settings
from django.http.request import validate_host
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.models import Device

from guichet.chat import console, visit
from guichet.chat.live import WATCH, agent_group, chat_group, queue_group
from guichet.chat.origins import normalise, origin_allowed, site_origin, widget_brand

logger = logging.getLogger(__name__)

REFUSED_ORIGIN = 4403
TOO_MANY = 4429
NOT_FOUND = 4404
QUEUE_DEBOUNCE = 0.2  # seconds: many chats queued at once make one queue message


def _header(scope: dict[str, Any], name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _address(scope: dict[str, Any]) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class JsonSocket(AsyncJsonWebsocketConsumer):
    """A JSON websocket that refuses frames too large or not JSON without closing."""

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if text_data is None or len(text_data) > settings.GUICHET_CHAT_MAX_FRAME:
            await self.send_json({"type": "error", "code": "too_long", "message": ""})
            return
        try:
            content = json.loads(text_data)
        except ValueError:
            content = None
        if not isinstance(content, dict):
            await self.send_json({"type": "error", "code": "invalid", "message": ""})
            return
        await self.receive_json(content)

    async def send_all(self, messages: list[dict[str, Any]]) -> None:
        for message in messages:
            await self.send_json(message)

    async def refuse(self, code: int) -> None:
        """Close with `code`, in a way the page's script can read it. Refused during the
        handshake, a connection reaches the script as a failed one (code 1006, as when the
        network is down), so it would try again and again and never say why: the
        connection is opened and at once closed with the reason's code, nothing sent."""
        await self.accept()
        await self.close(code=code)


def _admit(slug: str, origin: str, address: str) -> tuple[int | None, int]:
    brand = widget_brand(slug)
    if brand is None:
        return None, NOT_FOUND
    if not origin_allowed(brand, origin):
        return None, REFUSED_ORIGIN
    if not visit.connection_allowed(address):
        return None, TOO_MANY
    return brand.pk, 0


class VisitorConsumer(JsonSocket):
    """A visitor's widget: /chat/ws/visit/<brand>/."""

    conn: visit.Connection

    async def connect(self) -> None:
        slug = self.scope["url_route"]["kwargs"]["brand"]
        origin, address = _header(self.scope, b"origin"), _address(self.scope)
        brand_id, refusal = await database_sync_to_async(_admit)(slug, origin, address)
        if brand_id is None:
            await self.refuse(refusal)
            return
        self.conn = visit.Connection(brand_id=brand_id, address=address, origin=origin)
        self.chat_joined: int | None = None
        await self.accept()
        WATCH.start()

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("type") == "typing":
            if await database_sync_to_async(visit.typing_allowed)(self.conn):
                await self.channel_layer.group_send(
                    chat_group(self.conn.chat),  # type: ignore[arg-type]
                    {"type": "chat.typing", "chat": self.conn.chat, "author": "customer"},
                )
            return
        out = await database_sync_to_async(visit.handle)(self.conn, content)
        await self._join()
        await self.send_all(out)

    async def _join(self) -> None:
        if self.conn.chat == self.chat_joined:
            return
        if self.chat_joined is not None:
            await self.channel_layer.group_discard(chat_group(self.chat_joined), self.channel_name)
        if self.conn.chat is not None:
            await self.channel_layer.group_add(chat_group(self.conn.chat), self.channel_name)
        self.chat_joined = self.conn.chat

    async def chat_changed(self, event: dict[str, Any]) -> None:
        revision = event.get("rev")
        if isinstance(revision, int) and revision <= self.conn.read_rev:
            return  # read at that revision already (this connection's own change)
        await self.send_all(await database_sync_to_async(visit.refresh)(self.conn, revision))

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event.get("author") != "customer":
            await self.send_json({"type": "typing", "author": event.get("author")})

    async def disconnect(self, code: int) -> None:
        joined = getattr(self, "chat_joined", None)
        if joined is not None:
            await self.channel_layer.group_discard(chat_group(joined), self.channel_name)


def staff_origin_allowed(origin: str) -> bool:
    """The console runs on Guichet's own pages: its site, or a host it serves (a page
    elsewhere cannot borrow an agent's session: cross-site websocket hijacking)."""
    found = normalise(origin)
    if found is None:
        return False
    if found == site_origin():
        return True
    host = urlsplit(found).hostname or ""
    return validate_host(host, settings.ALLOWED_HOSTS)


def _staff(user: Any, session: Any) -> console.StaffConnection | None:
    verified = False
    device_id = session.get(DEVICE_ID_SESSION_KEY) if session is not None else None
    if device_id and getattr(user, "pk", None):
        device = Device.from_persistent_id(device_id)
        verified = device is not None and device.user_id == user.pk
    member = console.staff_member(user, verified)
    return console.open_console(member) if member is not None else None


class StaffConsumer(JsonSocket):
    """An agent's console: /chat/ws/staff/ (the desk's session signs it in)."""

    conn: console.StaffConnection
    closed = False

    async def connect(self) -> None:
        if not staff_origin_allowed(_header(self.scope, b"origin")):
            await self.refuse(REFUSED_ORIGIN)
            return
        conn = await database_sync_to_async(_staff)(
            self.scope.get("user"), self.scope.get("session")
        )
        if conn is None:
            await self.refuse(REFUSED_ORIGIN)
            return
        self.conn = conn
        self.groups_in: set[str] = set()
        self.queue_pending = False
        self.queue_notice = ""
        await self.accept()
        await self._join()
        WATCH.start()

    async def _join(self) -> None:
        wanted = {agent_group(self.conn.user_id)}
        wanted |= {queue_group(pk) for pk in self.conn.brand_ids}
        wanted |= {chat_group(pk) for pk in self.conn.held}
        for group in wanted - self.groups_in:
            await self.channel_layer.group_add(group, self.channel_name)
        for group in self.groups_in - wanted:
            await self.channel_layer.group_discard(group, self.channel_name)
        self.groups_in = wanted

    async def receive_json(self, content: Any, **kwargs: Any) -> None:
        if content.get("type") == "typing":
            chat = content.get("chat")
            if isinstance(chat, int) and chat in self.conn.held:
                await self.channel_layer.group_send(
                    chat_group(chat), {"type": "chat.typing", "chat": chat, "author": "agent"}
                )
            return
        out = await database_sync_to_async(console.handle)(self.conn, content)
        await self._join()
        await self.send_all(out)

    async def chat_changed(self, event: dict[str, Any]) -> None:
        chat, revision = event["chat"], event.get("rev")
        if isinstance(revision, int) and revision <= self.conn.read_rev.get(chat, -1):
            return  # read at that revision already (this connection's own change)
        out = await database_sync_to_async(console.refresh)(self.conn, chat, revision)
        await self._join()
        await self.send_all(out)

    async def mine_changed(self, event: dict[str, Any]) -> None:
        out = await database_sync_to_async(console.mine)(self.conn)
        await self._join()
        await self.send_all(out)

    async def queue_changed(self, event: dict[str, Any]) -> None:
        self.queue_notice = str(event.get("n") or "")
        if self.queue_pending:
            return
        self.queue_pending = True
        asyncio.get_running_loop().call_later(
            QUEUE_DEBOUNCE, lambda: asyncio.ensure_future(self._send_queue())
        )

    async def _send_queue(self) -> None:
        self.queue_pending = False
        if self.closed:
            return  # closed while the queue's notice waited
        try:
            queue = await database_sync_to_async(console.queue)(self.conn, self.queue_notice)
            await self.send_json(queue)
        except Exception:  # the connection closed meanwhile
            logger.debug("queue not sent", exc_info=True)

    async def chat_typing(self, event: dict[str, Any]) -> None:
        if event.get("author") == "customer":
            await self.send_json({"type": "typing", "chat": event.get("chat")})

    async def disconnect(self, code: int) -> None:
        self.closed = True
        conn = getattr(self, "conn", None)
        if conn is None:
            return
        for group in getattr(self, "groups_in", set()):
            await self.channel_layer.group_discard(group, self.channel_name)
        await database_sync_to_async(console.closed)(conn)
