"""The widget's side of a chat, as the visitor's websocket runs it (in a thread: the ORM is
synchronous). Each function takes what the connection knows, does one thing through the
services, and returns the messages to send (docs/chat.md, "The widget's protocol")."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db.models import prefetch_related_objects
from django.utils import translation

from guichet.brands.models import Brand, cached_brand
from guichet.chat import services
from guichet.chat.entries import entry_json
from guichet.chat.models import ChatEntry, ChatSession, ChatState
from guichet.chat.visitors import attachment_of, new_visitor, visitor_of
from guichet.intake.consent import consent_text
from guichet.lib import clock, ratelimit
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.lib.ttlcache import TTLCache, ttl_cache

# An ended chat is still shown on the visitor's return for this long (to rate it, to ask
# for its transcript).
SHOWN_AFTER_END = timedelta(minutes=30)
ENTRIES_PER_CATCH_UP = 500
SEEN_EVERY = timedelta(minutes=1)  # between two writes of a visitor's presence by pings
_availability: TTLCache[services.Availability] = ttl_cache(1.0)


@dataclass
class Connection:
    """What a visitor's connection knows between messages."""

    brand_id: int
    address: str
    origin: str
    language: str = ""
    visitor: str = ""
    chat: int | None = None
    sent_seq: int = 0
    sent_state: dict[str, Any] = field(default_factory=dict)
    sent_read: int = 0
    read_rev: int = -1  # the chat's revision when last read

    # When the visitor's presence was last written: a ping writes it once a minute.
    seen_written: datetime | None = None

    @property
    def brand(self) -> Brand:
        return cached_brand(self.brand_id)


def connection_allowed(address: str) -> bool:
    return ratelimit.hit("chat_connect_address", address)


def _language(brand: Brand, asked: Any) -> str:
    languages = brand.languages or [brand.default_language]
    return asked if isinstance(asked, str) and asked in languages else languages[0]


def _current(conn: Connection, brand: Brand) -> ChatSession | None:
    """The visitor's chat: a live one, or one that ended a moment ago."""
    recent = clock.now() - SHOWN_AFTER_END
    return (
        ChatSession.objects.filter(brand=brand, visitor=conn.visitor)
        .exclude(state=ChatState.ENDED, ended_at__lt=recent)
        .order_by("-pk")
        .first()
    )


def hello(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    brand = conn.brand
    conn.language = _language(brand, content.get("language"))
    token = content.get("token")
    visitor = visitor_of(token, brand.pk) if isinstance(token, str) else None
    if visitor is None:
        visitor, token = new_visitor(brand.pk)
    conn.visitor = visitor
    after = content.get("after")
    conn.sent_seq = after if isinstance(after, int) and after >= 0 else 0
    policy = brand.get_policy()
    with brand_scope(brand), translation.override(conn.language):
        session = _current(conn, brand)
        # Read once a second per brand, however many visitors arrive in it.
        found = _availability.get(
            (brand.pk, int(clock.now().timestamp())), lambda: services.availability(brand)
        )
        welcome: dict[str, Any] = {
            "type": "welcome",
            "token": token,
            "open": found.open,
            "available": found.available,
            "wait": found.wait,
            "topics": [
                {"key": c.key, "name": policy.text(c.name, conn.language)}
                for c in policy.categories
            ],
            "consent": str(consent_text(policy, brand.name, conn.language)),
            "privacy": policy.privacy_policy_url(conn.language) or "",
            "chat": None,
        }
        if session is None:
            conn.chat = None
            return [welcome]
        conn.chat = session.pk
        if session.state != ChatState.ENDED:
            services.visitor_seen(session_id=session.pk, brand=brand)
            conn.seen_written = clock.now()
        welcome["chat"] = state_json(session)
        conn.sent_state = welcome["chat"]
        return [welcome, *_since(conn, session)]


def state_json(session: ChatSession) -> dict[str, Any]:
    position = None
    if session.state == ChatState.QUEUED:
        position = (
            ChatSession.objects.filter(
                brand_id=session.brand_id,
                state=ChatState.QUEUED,
                level=session.level,
                queued_at__lt=session.queued_at,
            ).count()
            + 1
        )
    return {
        "id": session.pk,
        "state": session.state,
        "reference": session.ticket.reference,
        "agent": services.first_name(session.agent) if session.agent_id else None,
        "position": position,
        "end_reason": session.end_reason,
        "rated": session.rating is not None,
        "answered": session.accepted_at is not None,
    }


def entries_after(session: ChatSession, seq: int) -> list[ChatEntry]:
    """The chat's lines after `seq` (none read when there are none: its last number says)."""
    if session.last_seq <= seq:
        return []
    entries = list(
        ChatEntry.objects.filter(session=session, seq__gt=seq)
        .select_related("message", "agent")
        .order_by("seq")[:ENTRIES_PER_CATCH_UP]
    )
    with_messages = [entry for entry in entries if entry.message_id]
    if with_messages:
        prefetch_related_objects(with_messages, "message__attachments")
    return entries


def _since(conn: Connection, session: ChatSession) -> list[dict[str, Any]]:
    """The entries after the last one sent (and the agent's read receipt if it moved)."""
    conn.read_rev = max(conn.read_rev, session.revision)
    entries = entries_after(session, conn.sent_seq)
    out = []
    with translation.override(conn.language):
        for entry in entries:
            entry.session = session
            out.append(entry_json(entry, session, staff=False))
            conn.sent_seq = entry.seq
    if session.agent_read_seq > conn.sent_read:
        conn.sent_read = session.agent_read_seq
        out.append({"type": "read", "seq": session.agent_read_seq})
    return out


def refresh(conn: Connection, revision: int | None = None) -> list[dict[str, Any]]:
    """What changed in the visitor's chat since it was last sent (nothing to read when the
    notice's `revision` is one the connection has read)."""
    if conn.chat is None or (revision is not None and revision <= conn.read_rev):
        return []
    brand = conn.brand
    with brand_scope(brand):
        session = (
            ChatSession.objects.select_related("ticket", "agent", "contact", "brand")
            .filter(pk=conn.chat)
            .first()
        )
        if session is None:
            return []
        out = []
        state = state_json(session)
        if state != conn.sent_state:
            conn.sent_state = state
            out.append({"type": "state", "chat": state})
        return out + _since(conn, session)


def _intro(content: dict[str, Any]) -> services.Intro:
    return services.Intro(
        name=content.get("name") or "",
        email=content.get("email") or "",
        topic=content.get("topic") or "",
        text=content.get("text") or "",
        consent=content.get("consent") is True,
    )


def _visitor(conn: Connection, brand: Brand, page: str = "") -> services.Visitor:
    return services.Visitor(
        brand=brand, key=conn.visitor, language=conn.language, origin=conn.origin, page=page
    )


def _limit(conn: Connection, name: str) -> None:
    if not (
        ratelimit.hit(f"{name}_visitor", conn.visitor)
        and ratelimit.hit(f"{name}_address", conn.address)
    ):
        raise InvalidRequest(
            translation.gettext("Too many messages: wait a moment."), code="rate_limited"
        )


def start(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    brand = conn.brand
    _limit(conn, "chat_start")
    page = content.get("page") if isinstance(content.get("page"), str) else ""
    session = services.chat_start(
        visitor=_visitor(conn, brand, page or ""),
        intro=_intro(content),
        client_id=str(content.get("client_id") or "")[:40],
    )
    if session is None:  # a blocked customer: kept, unanswered, like the contact form's
        return [{"type": "left", "reference": ""}]
    conn.chat = session.pk
    return refresh(conn)


def leave(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    brand = conn.brand
    _limit(conn, "chat_start")
    ticket = services.chat_leave_message(visitor=_visitor(conn, brand), intro=_intro(content))
    return [{"type": "left", "reference": ticket.reference if ticket else ""}]


def _session_id(conn: Connection) -> int:
    if conn.chat is None:
        raise InvalidRequest(translation.gettext("Start a chat first."), code="invalid")
    return conn.chat


def message(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    _limit(conn, "chat_message")
    brand = conn.brand
    uploads = content.get("attachments") or []
    if not isinstance(uploads, list):
        uploads = []
    ids = []
    for upload in uploads[: services.ATTACHMENTS_LIMIT + 1]:
        attachment = attachment_of(upload, conn.visitor) if isinstance(upload, str) else None
        if attachment is None:
            raise InvalidRequest(
                translation.gettext("A file could not be found: send it again."), code="invalid"
            )
        ids.append(attachment)
    entry, _new = services.chat_post(
        session_id=_session_id(conn),
        brand=brand,
        text=content.get("text"),
        client_id=str(content.get("client_id") or ""),
        visitor=conn.visitor,
        attachment_ids=ids,
    )
    conn.seen_written = clock.now()  # a message is a sign of life too
    return [{"type": "ack", "client_id": entry.client_id, "seq": entry.seq}, *refresh(conn)]


def read(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    services.chat_read(
        session_id=_session_id(conn), brand=conn.brand, seq=content.get("seq"), visitor=conn.visitor
    )
    return []


def transcript(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    address = services.chat_transcript(
        session_id=_session_id(conn), brand=conn.brand, visitor=conn.visitor
    )
    return [{"type": "transcript", "sent_to": address}]


def rate(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    services.chat_rate(
        session_id=_session_id(conn),
        brand=conn.brand,
        visitor=conn.visitor,
        score=content.get("score"),
        comment=content.get("comment") or "",
    )
    return refresh(conn)


def end(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    services.chat_end(session_id=_session_id(conn), brand=conn.brand, visitor=conn.visitor)
    return refresh(conn)


def ping(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    # The widget pings every 25 seconds; a queued chat is abandoned after 3 minutes unseen.
    now = clock.now()
    if conn.chat is not None and (
        conn.seen_written is None or now - conn.seen_written >= SEEN_EVERY
    ):
        services.visitor_seen(session_id=conn.chat, brand=conn.brand)
        conn.seen_written = now
    return [{"type": "pong"}]


def typing_allowed(conn: Connection) -> bool:
    return conn.chat is not None and ratelimit.hit("chat_typing_visitor", conn.visitor)


HANDLERS = {
    "hello": hello,
    "start": start,
    "leave": leave,
    "message": message,
    "read": read,
    "transcript": transcript,
    "rate": rate,
    "end": end,
    "ping": ping,
}


def handle(conn: Connection, content: dict[str, Any]) -> list[dict[str, Any]]:
    """One message from the widget: the answers, or an `error` in the visitor's language."""
    kind = content.get("type")
    handler = HANDLERS.get(kind) if isinstance(kind, str) else None
    with translation.override(conn.language or settings.LANGUAGE_CODE):
        if handler is None or (kind != "hello" and not conn.visitor):
            return [error("invalid", translation.gettext("Unknown request."))]
        try:
            return handler(conn, content)
        except InvalidRequest as problem:
            refused = error(problem.code or "invalid", str(problem))
            if isinstance(content.get("client_id"), str):
                refused["client_id"] = content["client_id"]  # the message refused
            return [refused]


def error(code: str, text: str) -> dict[str, Any]:
    return {"type": "error", "code": code, "message": text}
