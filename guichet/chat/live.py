"""Telling the open websockets that a chat changed (docs/chat.md, "What runs where").

The database holds every line; the channel layer only carries "chat N changed" (and "the
queue of brand B changed"), once the transaction that changed it commits. Each connection
then reads what it has not sent yet. With the in-memory layer a notice reaches the
connections of its own process only, so each web-socket process also watches the chats
changed in the database (`watch`): a reply written on the ticket page, in another
process, reaches the chat within a second."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from asgiref.sync import async_to_sync
from channels.db import database_sync_to_async
from channels.layers import get_channel_layer
from django.conf import settings
from django.db import transaction

from guichet.lib import clock
from guichet.lib.scoping import all_brands

if TYPE_CHECKING:
    from django.http import HttpRequest

    from guichet.chat.models import ChatSession

logger = logging.getLogger(__name__)

WATCH_EVERY = 1.0  # seconds
WATCH_OVERLAP = timedelta(seconds=3)  # rows committed late are read again, announced once


def chat_group(session_id: int) -> str:
    return f"chat.{session_id}"


def queue_group(brand_id: int) -> str:
    return f"chatq.{brand_id}"


def agent_group(user_id: int) -> str:
    return f"chata.{user_id}"


def _notices(
    session_id: int,
    brand_id: int | None,
    queue: bool,
    agents: Iterable[int],
    revision: int | None = None,
) -> list[tuple[str, dict[str, Any]]]:
    changed: dict[str, Any] = {"type": "chat.changed", "chat": session_id}
    if revision is not None:
        # A connection that has read the chat at this revision (the writer's own) need not
        # read it again.
        changed["rev"] = revision
    notices = [(chat_group(session_id), changed)]
    if queue and brand_id is not None:
        # Its id lets the consoles of a process read the brand's queue once for it.
        notice: dict[str, Any] = {"type": "queue.changed", "n": uuid.uuid4().hex}
        notices.append((queue_group(brand_id), notice))
    notices.extend((agent_group(pk), {"type": "mine.changed"}) for pk in agents)
    return notices


def _send(notices: list[tuple[str, dict[str, Any]]]) -> None:
    layer = get_channel_layer()
    if layer is None:
        return
    try:
        for group, message in notices:
            async_to_sync(layer.group_send)(group, message)
    except Exception:  # a lost notice is caught up by the watch and by reconnections
        logger.exception("chat notice not sent")


def changed(session: ChatSession, *, queue: bool = False, agents: Iterable[int] = ()) -> None:
    """Announce, once committed, that the chat changed (and the brand's queue, and the
    chats some agents hold)."""
    revision = session.revision
    notices = _notices(session.pk, session.brand_id, queue, agents, revision)

    def send() -> None:
        WATCH.seen[session.pk] = revision  # the watch need not announce it again
        _send(notices)

    transaction.on_commit(send)


def changed_id(session_id: int) -> None:
    notices = _notices(session_id, None, False, ())
    transaction.on_commit(lambda: _send(notices))


# --- the watch: chats changed by other processes ------------------------------------------------


class Watch:
    """One per web-socket process: reads the chats changed since it last looked and
    announces them to this process's connections (those it announced itself are skipped)."""

    def __init__(self) -> None:
        self.since: datetime | None = None
        self.seen: dict[int, int] = {}  # the revision of each chat announced
        self.when: dict[int, datetime] = {}
        self.states: dict[int, str] = {}
        self.task: asyncio.Task[None] | None = None

    def start(self) -> None:
        loop = asyncio.get_running_loop()
        if self.task is None or self.task.done() or self.task.get_loop() is not loop:
            self.task = loop.create_task(self._run())

    async def _run(self) -> None:
        while True:
            await asyncio.sleep(WATCH_EVERY)
            try:
                notices = await database_sync_to_async(self.read)()
            except Exception:
                logger.exception("chat watch failed; trying again")
                continue
            layer = get_channel_layer()
            for group, message in notices:
                with contextlib.suppress(Exception):
                    await layer.group_send(group, message)

    def read(self) -> list[tuple[str, dict[str, Any]]]:
        # Imported here: the models load with the apps, after this module.
        from guichet.chat.models import ChatSession, ChatState

        now = clock.now()
        if self.since is None:
            self.since = now
            return []
        with all_brands():
            rows = list(
                ChatSession.objects.filter(updated_at__gte=self.since - WATCH_OVERLAP)
                .order_by()
                .values_list("pk", "brand_id", "updated_at", "agent_id", "state", "revision")
            )
        self.since = max([now, *(row[2] for row in rows)])
        notices: list[tuple[str, dict[str, Any]]] = []
        for pk, brand_id, updated_at, agent_id, state, revision in rows:
            self.when[pk] = updated_at
            if self.seen.get(pk, -1) >= revision:
                continue
            self.seen[pk] = revision
            # The queue changes when a chat joins it or leaves it, not with each line.
            queue = state == ChatState.QUEUED or self.states.get(pk, ChatState.QUEUED) != state
            self.states[pk] = state
            agents = (agent_id,) if agent_id else ()
            notices.extend(_notices(pk, brand_id, queue, agents, revision))
        horizon = now - WATCH_OVERLAP * 4
        self.when = {pk: at for pk, at in self.when.items() if at >= horizon}
        self.seen = {pk: rev for pk, rev in self.seen.items() if pk in self.when}
        self.states = {pk: state for pk, state in self.states.items() if pk in self.when}
        return notices


WATCH = Watch()


# --- where the sockets are ------------------------------------------------------------------


def socket_base(request: HttpRequest | None = None) -> str:
    """The websockets' address: GUICHET_CHAT_URL, else the address the page was asked at
    (the console: its session cookie goes with it), else the site's (http → ws)."""
    base = settings.GUICHET_CHAT_URL
    if not base:
        base = request.build_absolute_uri("/") if request is not None else settings.SITE_URL
    parts = urlsplit(base)
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme or "ws")
    return f"{scheme}://{parts.netloc}"


def visitor_socket_url(brand_slug: str) -> str:
    return f"{socket_base()}/chat/ws/visit/{brand_slug}/"


def staff_socket_url(request: HttpRequest | None = None) -> str:
    return f"{socket_base(request)}/chat/ws/staff/"
