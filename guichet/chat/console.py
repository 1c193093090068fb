"""The agents' side of the chats, as the staff websocket runs it (in a thread: the ORM is
synchronous). Each function does one thing through the services and returns the messages
to send (docs/chat.md, "The console's protocol")."""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from typing import Any

from django.conf import settings
from django.urls import reverse
from django.utils import translation

from guichet.accounts.access import is_staff_member, needs_second_factor
from guichet.accounts.models import User
from guichet.accounts.permissions import Action, can
from guichet.brands.models import Brand, cached_brand
from guichet.chat import services
from guichet.chat.entries import entry_json
from guichet.chat.models import ChatEntry, ChatSession, ChatState
from guichet.chat.visit import entries_after, state_json
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.lib.ttlcache import TTLCache, ttl_cache

PREVIEW = 120  # characters of the first message shown in the queue


@dataclass
class StaffConnection:
    user_id: int
    language: str
    brand_ids: list[int] = field(default_factory=list)
    sent_seq: dict[int, int] = field(default_factory=dict)
    sent_state: dict[int, dict[str, Any]] = field(default_factory=dict)
    sent_read: dict[int, int] = field(default_factory=dict)
    held: set[int] = field(default_factory=set)
    # Each chat's revision when last read; its customer's address.
    read_rev: dict[int, int] = field(default_factory=dict)
    emails: dict[int, str] = field(default_factory=dict)

    @property
    def user(self) -> User:
        return User.objects.get(pk=self.user_id)


def staff_member(user: Any, verified: bool) -> User | None:
    """The signed-in member of the staff (with their second factor given in this session
    when they have one), or None."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return None
    if not is_staff_member(user):
        return None
    if needs_second_factor(user) and not verified:
        return None
    return user


def open_console(user: User) -> StaffConnection:
    """The console opens: the brands whose chats the person handles, their presence."""
    brands = services.offering_chat(
        [
            brand
            for brand in Brand.objects.filter(is_active=True).order_by("pk")
            if can(user, Action.REPLY, brand=brand)
        ]
    )
    services.presence_seen(user)
    return StaffConnection(
        user_id=user.pk, language=user.language, brand_ids=[b.pk for b in brands]
    )


def _brands(conn: StaffConnection) -> list[Brand]:
    return [cached_brand(pk) for pk in conn.brand_ids]


@dataclass(frozen=True)
class Waiting:
    """A chat of a brand's queue, as every console of the brand reads it."""

    id: int
    name: str
    topic: str
    reference: str
    waiting_since: str
    level: int
    preview: str


# A brand's queue read once for a notice that the queue changed, shared by every console
# of this process that the notice reaches (the notice's id is the key).
_queues: TTLCache[list[Waiting]] = ttl_cache(5.0)


def _waiting(brand: Brand) -> list[Waiting]:
    with brand_scope(brand):
        sessions = list(
            ChatSession.objects.filter(brand=brand, state=ChatState.QUEUED)
            .select_related("ticket", "contact")
            .order_by("queued_at")[:200]
        )
        first = {
            entry.session_id: entry.message.text if entry.message else ""
            for entry in ChatEntry.objects.filter(session__in=sessions, seq=1).select_related(
                "message"
            )
        }
    return [
        Waiting(
            id=session.pk,
            name=session.contact.name,
            topic=session.topic,
            reference=session.ticket.reference,
            waiting_since=session.queued_at.isoformat(),
            level=session.level,
            preview=first.get(session.pk, "")[:PREVIEW],
        )
        for session in sessions
    ]


def queue(conn: StaffConnection, notice: str = "") -> dict[str, Any]:
    """The chats waiting that the person may take (their brands, the levels they reach).
    With `notice` (the id of a "queue changed" notice), a brand's queue is read once for
    all the consoles the notice reaches."""
    user = conn.user
    chats: list[dict[str, Any]] = []
    for brand in _brands(conn):
        if notice:
            waiting = _queues.get((brand.pk, notice), partial(_waiting, brand))
        else:
            waiting = _waiting(brand)
        policy = brand.get_policy()
        topics = {c.key: policy.text(c.name, conn.language) for c in policy.categories}
        reached: dict[int, bool] = {}
        for chat in waiting:
            if chat.level not in reached:
                reached[chat.level] = services.handles(user, brand, chat.level)
            if not reached[chat.level]:
                continue
            chats.append(
                {
                    "id": chat.id,
                    "brand": brand.name,
                    "name": chat.name,
                    "topic": topics.get(chat.topic, ""),
                    "reference": chat.reference,
                    "waiting_since": chat.waiting_since,
                    "level": chat.level,
                    "preview": chat.preview,
                }
            )
    chats.sort(key=lambda chat: str(chat["waiting_since"]))
    return {"type": "queue", "chats": chats}


def _held(conn: StaffConnection) -> list[ChatSession]:
    with brand_scope(conn.brand_ids):
        return list(
            ChatSession.objects.filter(
                brand_id__in=conn.brand_ids, agent_id=conn.user_id, state=ChatState.ACTIVE
            )
            .select_related("ticket", "contact", "agent", "brand")
            .order_by("brand_id", "pk")
        )


def _chat_json(session: ChatSession, conn: StaffConnection) -> dict[str, Any]:
    conn.read_rev[session.pk] = max(conn.read_rev.get(session.pk, -1), session.revision)
    if session.pk not in conn.emails:
        conn.emails[session.pk] = session.contact.primary_email
    chat = state_json(session)
    chat.update(
        brand=session.brand.name,
        brand_id=session.brand_id,
        level=session.level,
        contact={"name": session.contact.name, "email": conn.emails[session.pk]},
        ticket_url=reverse("desk:ticket", args=[session.ticket.reference]),
        customer_read=session.customer_read_seq,
        # The conduct detector flagged a line (docs/conduct.md): the agent may end it at once.
        flagged=session.ticket.abuse_flagged_at is not None,
        started=session.created_at.isoformat(),
    )
    return chat


def mine(conn: StaffConnection) -> list[dict[str, Any]]:
    """The chats the person holds, and the lines of each not sent yet."""
    sessions = _held(conn)
    conn.held = {session.pk for session in sessions}
    with brand_scope(conn.brand_ids):
        chats = [_chat_json(session, conn) for session in sessions]
        out: list[dict[str, Any]] = [{"type": "mine", "chats": chats}]
        for session, chat in zip(sessions, chats, strict=True):
            conn.sent_state[session.pk] = chat
            out.extend(_since(conn, session))
    return out


def _since(conn: StaffConnection, session: ChatSession) -> list[dict[str, Any]]:
    entries = entries_after(session, conn.sent_seq.get(session.pk, 0))
    out = []
    with translation.override(conn.language):
        for entry in entries:
            out.append(entry_json(entry, session, staff=True))
            conn.sent_seq[session.pk] = entry.seq
    if session.customer_read_seq > conn.sent_read.get(session.pk, 0):
        conn.sent_read[session.pk] = session.customer_read_seq
        out.append({"type": "read", "chat": session.pk, "seq": session.customer_read_seq})
    return out


def refresh(
    conn: StaffConnection, chat_id: int, revision: int | None = None
) -> list[dict[str, Any]]:
    """What changed in a chat the person holds (or held a moment ago); nothing to read
    when the notice's `revision` is one the connection has read."""
    if chat_id not in conn.held:
        return []
    if revision is not None and revision <= conn.read_rev.get(chat_id, -1):
        return []
    with brand_scope(conn.brand_ids):
        session = (
            ChatSession.objects.select_related("ticket", "contact", "agent", "brand")
            .filter(pk=chat_id, brand_id__in=conn.brand_ids)
            .first()
        )
    if session is None:
        return []
    with brand_scope(session.brand_id):
        out = []
        chat = _chat_json(session, conn)
        if chat != conn.sent_state.get(chat_id):
            conn.sent_state[chat_id] = chat
            out.append({"type": "state", "chat": chat})
        out += _since(conn, session)  # the last lines too, when it ended or went elsewhere
        if session.agent_id != conn.user_id or session.state != ChatState.ACTIVE:
            out += mine(conn)  # no longer theirs: the list of their chats changes
        return out


def hello(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    # The console's page is in the language of its address (/en/desk/chat/), which may
    # not be the one the person's emails are in: its topics and notices follow the page.
    language = content.get("language")
    if isinstance(language, str) and language in dict(settings.LANGUAGES):
        conn.language = language
    chats = content.get("chats")
    if isinstance(chats, dict):
        for key, seq in chats.items():
            if str(key).isdigit() and isinstance(seq, int) and seq >= 0:
                conn.sent_seq[int(key)] = seq
    return [queue(conn), *mine(conn)]


def _brand_of(conn: StaffConnection, chat_id: Any) -> Brand:
    if not isinstance(chat_id, int):
        raise InvalidRequest(translation.gettext("Unknown chat."), code="invalid")
    with brand_scope(conn.brand_ids):
        found = (
            ChatSession.objects.filter(pk=chat_id, brand_id__in=conn.brand_ids)
            .values_list("brand_id", flat=True)
            .first()
        )
    if found is not None:
        return cached_brand(found)
    raise InvalidRequest(translation.gettext("Unknown chat."), code="invalid")


def accept(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    chat_id = content.get("chat")
    brand = _brand_of(conn, chat_id)
    services.chat_accept(session_id=chat_id, brand=brand, agent=conn.user)  # type: ignore[arg-type]
    return [queue(conn), *mine(conn)]


def message(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    chat_id = content.get("chat")
    brand = _brand_of(conn, chat_id)
    entry, _new = services.chat_post(
        session_id=chat_id,  # type: ignore[arg-type]
        brand=brand,
        text=content.get("text"),
        client_id=str(content.get("client_id") or ""),
        agent=conn.user,
    )
    ack = {"type": "ack", "chat": chat_id, "client_id": entry.client_id, "seq": entry.seq}
    return [ack, *refresh(conn, chat_id)]  # type: ignore[arg-type]


def read(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    chat_id = content.get("chat")
    brand = _brand_of(conn, chat_id)
    services.chat_read(session_id=chat_id, brand=brand, seq=content.get("seq"))  # type: ignore[arg-type]
    return []


def transfer(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    chat_id = content.get("chat")
    brand = _brand_of(conn, chat_id)
    to, level = content.get("to"), content.get("level")
    colleague = None
    if to is not None:
        colleague = (
            User.objects.filter(pk=to, is_active=True).first() if isinstance(to, int) else None
        )
        if colleague is None:
            raise InvalidRequest(translation.gettext("Unknown colleague."), code="invalid")
    if level is not None and not isinstance(level, int):
        raise InvalidRequest(translation.gettext("Unknown level."), code="invalid")
    services.chat_transfer(
        session_id=chat_id,  # type: ignore[arg-type]
        brand=brand,
        agent=conn.user,
        to_user=colleague,
        to_level=level,
        reason=str(content.get("reason") or "")[:500],
    )
    return [queue(conn), *mine(conn)]


def end(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    chat_id = content.get("chat")
    brand = _brand_of(conn, chat_id)
    services.chat_end(
        session_id=chat_id,  # type: ignore[arg-type]
        brand=brand,
        agent=conn.user,
        abusive=content.get("abusive") is True,
        resolved=content.get("resolved") is True,
    )
    return mine(conn)


def status(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    presence = services.presence_seen(conn.user, status=str(content.get("status") or ""))
    return [{"type": "status", "status": presence.status}]


def ping(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    services.presence_seen(conn.user)
    return [{"type": "pong"}]


HANDLERS = {
    "hello": hello,
    "accept": accept,
    "message": message,
    "read": read,
    "transfer": transfer,
    "end": end,
    "status": status,
    "ping": ping,
}


def handle(conn: StaffConnection, content: dict[str, Any]) -> list[dict[str, Any]]:
    kind = content.get("type")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    with translation.override(conn.language or settings.LANGUAGE_CODE):
        if handler is None:
            return [_error("invalid", translation.gettext("Unknown request."))]
        try:
            return handler(conn, content)
        except InvalidRequest as problem:
            refused = _error(problem.code or "invalid", str(problem))
            # Which message of the agent's was refused, and in which chat.
            for key in ("client_id", "chat"):
                if key in content:
                    refused[key] = content[key]
            return [refused]


def _error(code: str, text: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": text}


def closed(conn: StaffConnection) -> None:
    services.presence_left(conn.user)
