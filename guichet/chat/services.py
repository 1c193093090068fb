"""Live chat's writes (docs/chat.md). Every change to a chat's ticket goes through the
tickets' service layer: a chat opens its ticket with the customer's first message
(`ticket_open`), the customer's messages are `ticket_receive`, the agent's `ticket_reply`,
a transfer to a level is `ticket_escalate`, and what happens to the chat itself is recorded
on the ticket (CHAT_QUEUED, CHAT_ACCEPTED, CHAT_TRANSFERRED, CHAT_ENDED, CHAT_RATED).

Locks: the ticket first, then the chat (the order of a reply written on the ticket page,
which reaches the chat through `replies_to_chats`), so two writers never wait on each other
in a circle. Each line the two sides see is a `ChatEntry` numbered under the chat's lock.
What changed is announced once the transaction commits (`live.changed`)."""

from __future__ import annotations

import logging
import statistics
from collections.abc import Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Count, F, Q
from django.utils import translation
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import Membership, User
from guichet.accounts.permissions import ROLE_ACTIONS, Action, can
from guichet.brands.models import Brand
from guichet.chat import live
from guichet.chat.entries import line_text
from guichet.chat.models import (
    AgentPresence,
    Author,
    ChatEntry,
    ChatSession,
    ChatState,
    ChatWidget,
    EndReason,
    PresenceStatus,
)
from guichet.contacts.models import Contact
from guichet.contacts.services import clean_name, contact_for_email
from guichet.intake.classify import read_message
from guichet.intake.held import hold_web_request
from guichet.lib import clock
from guichet.lib.durability import unhurried_commit
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.outbox import queue_emails, queue_notice
from guichet.sla.businesstime import BusinessCalendar
from guichet.tickets import services as tickets
from guichet.tickets.actors import Customer, System
from guichet.tickets.choices import OPEN_STATUSES, Channel, Verb
from guichet.tickets.models import Attachment, Event, Message, Ticket
from guichet.tickets.services.messages import new_message_id

if TYPE_CHECKING:
    from guichet.policies.schema import Channel as PolicyChannel
    from guichet.policies.schema import Policy

logger = logging.getLogger(__name__)

TEXT_LIMIT = 4000  # characters in one message
ATTACHMENTS_LIMIT = 5  # files in one message
DEFAULT_CHATS_PER_AGENT = 3
# An agent whose console has not been heard from for this long is not there.
PRESENCE_TIMEOUT = timedelta(seconds=70)
# A queued chat whose visitor is gone for this long is abandoned; a chat nobody writes in
# for this long ends.
ABANDON_AFTER = timedelta(minutes=3)
IDLE_AFTER = timedelta(minutes=30)
TRANSCRIPT_EVERY = timedelta(minutes=1)
# The queue's expected wait when no chat was taken lately.
DEFAULT_WAIT = timedelta(minutes=2)
CHAT_SYSTEM = System("chat")
# The roles that answer customers (and so take chats).
REPLYING_ROLES = sorted(role for role, actions in ROLE_ACTIONS.items() if Action.REPLY in actions)
LIVE_STATES = (ChatState.QUEUED, ChatState.ACTIVE)

# Set while a chat service writes a message, so that `replies_to_chats` does not put the
# reply in the chat a second time.
_posting: ContextVar[bool] = ContextVar("chat_posting", default=False)


# --- the policy's chat ------------------------------------------------------------------------


def offering_chat(brands: Sequence[Brand]) -> list[Brand]:
    """The brands whose policy offers live chat (a `chat` channel) with the widget not
    turned off (one query, and none when no policy offers it)."""
    found = [b for b in brands if b.policy_id is not None and b.get_policy().channel("chat")]
    if found:
        ids = [b.pk for b in found]
        with brand_scope(ids):
            off = set(
                ChatWidget.objects.filter(brand_id__in=ids, is_enabled=False).values_list(
                    "brand_id", flat=True
                )
            )
        found = [b for b in found if b.pk not in off]
    return found


def chat_channel(brand: Brand) -> PolicyChannel | None:
    """The policy's chat channel, if the brand offers chat and its widget is not off."""
    return brand.get_policy().channel("chat") if offering_chat([brand]) else None


def chats_per_agent(policy: Policy) -> int:
    channel = policy.channel("chat")
    if channel is None or channel.chats_per_agent is None:
        return DEFAULT_CHATS_PER_AGENT
    return channel.chats_per_agent


# The chat's calendar of each policy version in force, while that version is the one read.
_calendars: dict[int, tuple[Policy, BusinessCalendar]] = {}


def is_open(brand: Brand, now: datetime) -> bool:
    """Within the chat's hours (its own, or the brand's business hours), holidays closed."""
    policy = brand.get_policy()
    kept = _calendars.get(brand.policy_id or 0)
    if kept is None or kept[0] is not policy:
        channel = policy.channel("chat")
        hours = channel.hours if channel else None
        kept = (policy, BusinessCalendar.from_policy(policy.calendar, hours=hours))
        _calendars[brand.policy_id or 0] = kept
    return kept[1].is_open(now)


# --- who is there -----------------------------------------------------------------------------


def present_agents(brand: Brand, now: datetime) -> list[User]:
    """The brand's staff with the console open and available."""
    since = now - PRESENCE_TIMEOUT
    ids = Membership.objects.filter(brand=brand, is_active=True, role__in=REPLYING_ROLES).values(
        "user_id"
    )
    return list(
        User.objects.filter(
            pk__in=ids,
            is_active=True,
            chat_presence__status=PresenceStatus.AVAILABLE,
            chat_presence__seen_at__gte=since,
        )
    )


def load_of(brand: Brand, agents: Sequence[User]) -> dict[int, int]:
    """How many chats each agent holds now (of every brand: one person, one attention)."""
    rows = (
        ChatSession.objects.filter(agent__in=agents, state=ChatState.ACTIVE)
        .values("agent_id")
        .annotate(n=Count("pk"))
    )
    with all_brands():
        return {row["agent_id"]: row["n"] for row in rows}


@dataclass(frozen=True)
class Availability:
    """What the widget tells a visitor: within hours, whether anyone takes chats now, the
    expected wait (seconds) and how many wait before them."""

    open: bool
    available: bool
    wait: int | None
    queued: int


def availability(brand: Brand, now: datetime | None = None) -> Availability:
    now = now or clock.now()
    channel = chat_channel(brand)
    if channel is None:
        return Availability(open=False, available=False, wait=None, queued=0)
    opened = is_open(brand, now)
    with brand_scope(brand):
        queued = ChatSession.objects.filter(brand=brand, state=ChatState.QUEUED).count()
        agents = present_agents(brand, now) if opened else []
        if not agents:
            return Availability(open=opened, available=False, wait=None, queued=queued)
        limit = chats_per_agent(brand.get_policy())
        load = load_of(brand, agents)
        free = sum(max(0, limit - load.get(agent.pk, 0)) for agent in agents)
        wait = expected_wait(brand, now, queued=queued, free=free, agents=len(agents))
    return Availability(open=True, available=True, wait=wait, queued=queued)


def expected_wait(brand: Brand, now: datetime, *, queued: int, free: int, agents: int) -> int:
    """Seconds a new chat should wait: none while an agent has room for it; else the median
    wait of the chats taken in the last two hours, once for each turn before it."""
    if free > queued:
        return 0
    taken = ChatSession.objects.filter(
        brand=brand, accepted_at__gte=now - timedelta(hours=2)
    ).values_list("queued_at", "accepted_at")[:200]
    waits = [(accepted - queued_at).total_seconds() for queued_at, accepted in taken if accepted]
    typical = statistics.median(waits) if waits else DEFAULT_WAIT.total_seconds()
    turns = (queued - free) // max(1, agents) + 1
    return int(typical * turns)


def presence_seen(user: User, status: str | None = None) -> AgentPresence:
    """The console's heartbeat (and a change of status: available or away)."""
    now = clock.now()
    defaults: dict[str, Any] = {"seen_at": now}
    if status is not None:
        if status not in PresenceStatus.values:
            raise InvalidRequest(_("Unknown status."), code="status")
        defaults["status"] = status
    with unhurried_commit():
        presence, _created = AgentPresence.objects.update_or_create(user=user, defaults=defaults)
    return presence


def presence_left(user: User) -> None:
    """The console closed: the agent no longer counts as there."""
    with unhurried_commit():
        AgentPresence.objects.filter(user=user).update(seen_at=clock.now() - PRESENCE_TIMEOUT)


# --- lines ------------------------------------------------------------------------------------


def _locked(session_id: int, brand: Brand) -> tuple[ChatSession, Ticket]:
    """The chat and its ticket, locked (the ticket first)."""
    # The ticket's number first, then the ticket locked by it: locking "the ticket of this
    # chat" in one statement let PostgreSQL walk all the brand's tickets.
    ticket_id = (
        ChatSession.objects.filter(pk=session_id, brand=brand)
        .values_list("ticket_id", flat=True)
        .first()
    )
    if ticket_id is None:
        raise Ticket.DoesNotExist
    ticket = Ticket.objects.select_for_update(of=("self",)).get(pk=ticket_id, brand=brand)
    session = (
        ChatSession.objects.select_for_update(of=("self",))
        .select_related("contact", "agent")
        .get(pk=session_id)
    )
    session.ticket = ticket
    ticket.brand = session.brand = brand  # read once per process (brands.cached_brand)
    return session, ticket


def _add(
    session: ChatSession,
    author: str,
    *,
    message: Message | None = None,
    agent: User | None = None,
    code: str = "",
    data: dict[str, Any] | None = None,
    client_id: str = "",
    also: Sequence[str] = (),
) -> ChatEntry:
    """The chat's next line (the chat locked; `also`: other fields of it to save)."""
    now = clock.now()
    session.last_seq += 1
    session.updated_at = now
    session.revision += 1
    if message is not None:
        session.last_message_at = now
    session.save(update_fields=["last_seq", "updated_at", "revision", "last_message_at", *also])
    return ChatEntry.objects.create(
        brand_id=session.brand_id,
        session=session,
        seq=session.last_seq,
        author=author,
        message=message,
        agent=agent,
        code=code,
        data=data or {},
        client_id=client_id,
        created_at=now,
    )


def _save(session: ChatSession, *fields: str) -> None:
    session.updated_at = clock.now()
    session.revision += 1
    session.save(update_fields=[*fields, "updated_at", "revision"])


def _subject(text: str) -> str:
    first = " ".join(text.split())
    return first if len(first) <= 80 else first[:79].rstrip() + "…"


def _clean_text(text: Any) -> str:
    if not isinstance(text, str):
        raise InvalidRequest(_("Write a message."), code="invalid")
    text = "".join(ch for ch in text if ch in "\n\t" or ch >= " ").strip()
    if not text:
        raise InvalidRequest(_("Write a message."), code="invalid")
    if len(text) > TEXT_LIMIT:
        raise InvalidRequest(
            _("A message holds at most %(limit)s characters.") % {"limit": TEXT_LIMIT},
            code="too_long",
        )
    return text


@dataclass(frozen=True)
class Visitor:
    """Who writes from the widget, and from where."""

    brand: Brand
    key: str
    language: str
    origin: str = ""
    page: str = ""


@dataclass(frozen=True)
class Intro:
    """The pre-chat form."""

    name: str
    email: str
    topic: str
    text: str
    consent: bool


def _check_intro(brand: Brand, intro: Intro) -> tuple[str, str, str, str]:
    name = clean_name(str(intro.name or ""))[:100]
    if not name:
        raise InvalidRequest(_("Give your name."), code="invalid")
    email = str(intro.email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise InvalidRequest(_("Give a valid email address."), code="invalid") from None
    if intro.consent is not True:
        raise InvalidRequest(
            _("Agree to the processing of your request to continue."), code="consent"
        )
    topic = str(intro.topic or "")
    if topic and topic not in {c.key for c in brand.get_policy().categories}:
        raise InvalidRequest(_("Choose a topic from the list."), code="invalid")
    return name, email, topic, _clean_text(intro.text)


def _held(visitor: Visitor, contact: Contact, email: str, name: str, text: str) -> bool:
    """A blocked customer's message (AB-2): kept with the quarantined mail, unanswered, as
    the contact form does. Whether it was."""
    if contact.blocked_since is None:
        return False
    hold_web_request(
        brand=visitor.brand,
        contact=contact,
        email=email,
        name=name,
        subject=_subject(text),
        text=text,
        language=visitor.language,
    )
    return True


def chat_start(*, visitor: Visitor, intro: Intro, client_id: str = "") -> ChatSession | None:
    """Start a chat: the ticket opens with the visitor's first message and the chat waits
    in the queue. None when the address is a blocked customer's (AB-2): the message is kept
    with the quarantined mail, unanswered, as the contact form does."""
    brand = visitor.brand
    if chat_channel(brand) is None:
        raise InvalidRequest(_("Live chat is not offered here."), code="closed")
    name, email, topic, text = _check_intro(brand, intro)
    contact = contact_for_email(brand=brand, email=email, name=name, language=visitor.language)
    with brand_scope(brand):
        if _held(visitor, contact, email, name, text):
            return None
        ongoing = (
            ChatSession.objects.filter(brand=brand, visitor=visitor.key, state__in=LIVE_STATES)
            .order_by("-pk")
            .first()
        )
        if ongoing is not None:
            return ongoing
        policy = brand.get_policy()
        reading = read_message(policy, "", text)
        now = clock.now()
        with transaction.atomic():
            ticket = tickets.ticket_open(
                brand=brand,
                contact=contact,
                contact_type=reading.contact_type,
                category=topic or reading.category,
                guess=reading.as_data(),
                subject=_subject(text),
                text=text,
                channel=Channel.CHAT,
                language=visitor.language,
                external_id=f"chat:{visitor.key}:{client_id}" if client_id else "",
            )
            session = ChatSession.objects.create(
                brand=brand,
                ticket=ticket,
                contact=contact,
                visitor=visitor.key,
                state=ChatState.QUEUED,
                language=ticket.language,
                topic=topic,
                level=ticket.level,
                queued_at=now,
                visitor_seen_at=now,
                last_message_at=now,
                origin=visitor.origin[:200],
                page=visitor.page[:500],
                created_at=now,
                updated_at=now,
            )
            _add(
                session,
                Author.CUSTOMER,
                message=ticket.opening_message,  # type: ignore[attr-defined]
                client_id=client_id,
            )
            _add(session, Author.SYSTEM, code="opened", data={"reference": ticket.reference})
            tickets.ticket_record(
                ticket=ticket,
                actor=Customer(contact),
                verb=Verb.CHAT_QUEUED,
                data={"chat": session.pk, "level": session.level},
            )
            live.changed(session, queue=True)
    return session


def chat_leave_message(*, visitor: Visitor, intro: Intro) -> Ticket | None:
    """Outside the chat's hours or with nobody there: the message becomes an ordinary
    request (channel "web", answered by email) with its acknowledgement. None for a blocked
    customer (kept, unanswered, as the contact form does)."""
    brand = visitor.brand
    name, email, topic, text = _check_intro(brand, intro)
    contact = contact_for_email(brand=brand, email=email, name=name, language=visitor.language)
    with brand_scope(brand):
        if _held(visitor, contact, email, name, text):
            return None
        reading = read_message(brand.get_policy(), "", text)
        with transaction.atomic():
            ticket = tickets.ticket_open(
                brand=brand,
                contact=contact,
                contact_type=reading.contact_type,
                category=topic or reading.category,
                guess=reading.as_data(),
                subject=_subject(text),
                text=text,
                channel=Channel.WEB,
                language=visitor.language,
            )
            tickets.ticket_record(
                ticket=ticket, actor=Customer(contact), verb=Verb.CHAT_MESSAGE_LEFT, data={}
            )
    return ticket


def _attachments(brand: Brand, ids: Sequence[int]) -> list[Attachment]:
    if len(ids) > ATTACHMENTS_LIMIT:
        raise InvalidRequest(
            _("At most %(limit)s files in one message.") % {"limit": ATTACHMENTS_LIMIT},
            code="invalid",
        )
    found = list(Attachment.objects.filter(brand=brand, pk__in=ids, message__isnull=True))
    if len(found) != len(set(ids)):
        raise InvalidRequest(_("A file could not be found: send it again."), code="invalid")
    return found


def chat_post(
    *,
    session_id: int,
    brand: Brand,
    text: Any,
    client_id: str,
    visitor: str | None = None,
    agent: User | None = None,
    attachment_ids: Sequence[int] = (),
) -> tuple[ChatEntry, bool]:
    """A message from the visitor (`visitor`: their key) or the chat's agent. The same
    `client_id` twice (a retry after a dropped connection) is kept once: the second call
    returns the first line, and False."""
    client_id = str(client_id or "")[:40]
    with brand_scope(brand), transaction.atomic():
        session, ticket = _locked(session_id, brand)
        if visitor is not None and session.visitor != visitor:
            raise InvalidRequest(_("This chat is not yours."), code="forbidden")
        if agent is not None and session.agent_id != agent.pk:
            raise InvalidRequest(_("Take the chat before writing in it."), code="forbidden")
        if client_id:
            earlier = ChatEntry.objects.filter(session=session, client_id=client_id).first()
            if earlier is not None:
                return earlier, False
        if session.state == ChatState.ENDED:
            raise InvalidRequest(_("This chat has ended."), code="closed")
        if agent is None and session.contact.blocked_since is not None:
            # Blocked since the chat began (AB-2): nothing more is taken in; the chat ends.
            transaction.on_commit(lambda: end_chats_of(session.contact_id, brand))
            raise InvalidRequest(_("This chat has ended."), code="blocked")
        text = _clean_text(text)
        files = _attachments(brand, attachment_ids) if attachment_ids else []
        token = _posting.set(True)
        try:
            if agent is None:
                message = tickets.ticket_receive(
                    ticket=ticket,
                    contact=session.contact,
                    text=text,
                    channel=Channel.CHAT,
                    external_id=f"chat:{session.pk}:{client_id}" if client_id else "",
                    attachments=files,
                )
                session.visitor_seen_at = clock.now()  # saved with the line
            else:
                message = tickets.ticket_reply(
                    ticket=ticket, actor=agent, text=text, channel=Channel.CHAT, attachments=files
                )
        finally:
            _posting.reset(token)
        entry = _add(
            session,
            Author.CUSTOMER if agent is None else Author.AGENT,
            message=message,
            agent=agent,
            client_id=client_id,
            also=("visitor_seen_at",) if agent is None else (),
        )
        live.changed(session)
    return entry, True


def replies_to_chats(replies: list[tuple[Event, Ticket]]) -> None:
    """A reaction to REPLIED: a reply written on a chat's ticket elsewhere (the ticket page,
    the API) joins the live chat; once the chat has ended, it goes by email."""
    if _posting.get():
        return
    by_email = []
    for event, ticket in replies:
        message = event.message
        if ticket.channel != Channel.CHAT or message is None or message.is_internal:
            continue
        if message.is_automatic:
            continue  # letters go by email (notify), the acknowledgement included
        session = (
            ChatSession.objects.select_for_update(of=("self",))
            .filter(ticket=ticket, state__in=LIVE_STATES)
            .order_by("-pk")
            .first()
        )
        if session is None:
            by_email.append(message)
            continue
        author = message.author_user
        _add(session, Author.AGENT, message=message, agent=author)
        live.changed(session)
    if by_email:
        queue_emails(by_email, any_channel=True)


def contact_blocked(event: Event, ticket: Ticket) -> None:
    """A reaction to CONTACT_BLOCKED: the customer's live chats end once the block is
    committed (AB-2: a blocked customer's correspondence stops)."""
    contact_id, brand = ticket.contact_id, ticket.brand
    transaction.on_commit(lambda: end_chats_of(contact_id, brand))


def end_chats_of(contact_id: int, brand: Brand) -> None:
    with brand_scope(brand):
        live_ones = list(
            ChatSession.objects.filter(
                brand=brand, contact_id=contact_id, state__in=LIVE_STATES
            ).values_list("pk", flat=True)
        )
    for pk in live_ones:
        chat_end(session_id=pk, brand=brand, reason=EndReason.ABUSIVE)


# --- the agent's side -------------------------------------------------------------------------


def handles(user: User, brand: Brand, level: int) -> bool:
    """Whether the person takes chats at this level: the roles the policy's level is
    handled by (`handled_by`), managers and administrators at any level."""
    return can(user, Action.REPLY, brand=brand) and can(
        user, Action.DECIDE, brand=brand, level=level
    )


def _require_handler(user: User, session: ChatSession, brand: Brand) -> None:
    if not handles(user, brand, session.level):
        raise InvalidRequest(_("This chat is not in your reach."), code="forbidden")


def chat_accept(*, session_id: int, brand: Brand, agent: User) -> ChatSession:
    """The agent takes a queued chat (within the policy's number of chats per agent); the
    ticket is theirs."""
    with brand_scope(brand), transaction.atomic():
        session, ticket = _locked(session_id, brand)
        _require_handler(agent, session, brand)
        if session.state != ChatState.QUEUED:
            raise InvalidRequest(_("Someone else has taken this chat."), code="taken")
        limit = chats_per_agent(brand.get_policy())
        if load_of(brand, [agent]).get(agent.pk, 0) >= limit:
            raise InvalidRequest(
                _("You already hold %(limit)s chats: end one first.") % {"limit": limit},
                code="limit",
            )
        now = clock.now()
        wait = int((now - session.queued_at).total_seconds())
        again = session.accepted_at is not None
        session.state, session.agent = ChatState.ACTIVE, agent
        if not again:
            session.accepted_at = now
        _save(session, "state", "agent", "accepted_at")
        if ticket.assignee_id != agent.pk:
            tickets.ticket_assign(
                ticket=ticket, actor=CHAT_SYSTEM, assignee=agent, reason="chat accepted"
            )
        _add(session, Author.SYSTEM, agent=agent, code="joined", data={"name": first_name(agent)})
        data: dict[str, Any] = {"chat": session.pk, "agent": agent.pk, "wait_s": wait}
        if again:
            data["transfer"] = True  # taken again after a transfer to a level
        tickets.ticket_record(ticket=ticket, actor=agent, verb=Verb.CHAT_ACCEPTED, data=data)
        live.changed(session, queue=True, agents=(agent.pk,))
    return session


def first_name(user: User | None) -> str:
    """How the visitor sees an agent: their first name (no surname, no username)."""
    if user is None:
        return ""
    return user.first_name or _t("Agent")


def chat_transfer(
    *,
    session_id: int,
    brand: Brand,
    agent: User,
    to_user: User | None = None,
    to_level: int | None = None,
    reason: str = "",
) -> ChatSession:
    """The agent hands the chat to a colleague (who holds it at once) or to a level (the
    ticket escalates there and the chat waits in that level's queue)."""
    if (to_user is None) == (to_level is None):
        raise InvalidRequest(_("Choose a colleague or a level."), code="invalid")
    with brand_scope(brand), transaction.atomic():
        session, ticket = _locked(session_id, brand)
        if session.state != ChatState.ACTIVE or session.agent_id != agent.pk:
            raise InvalidRequest(_("Only the chat's agent transfers it."), code="forbidden")
        data: dict[str, Any] = {"chat": session.pk, "from": agent.pk, "to": None, "level": None}
        if to_user is not None:
            if to_user.pk == agent.pk or not handles(to_user, brand, session.level):
                raise InvalidRequest(_("This colleague cannot take this chat."), code="invalid")
            session.agent = to_user
            _save(session, "agent")
            tickets.ticket_assign(
                ticket=ticket, actor=CHAT_SYSTEM, assignee=to_user, reason="chat transferred"
            )
            data["to"] = to_user.pk
            line: dict[str, Any] = {"name": first_name(to_user)}
        else:
            assert to_level is not None
            tickets.ticket_escalate(
                ticket=ticket,
                actor=agent,
                to_level=to_level,
                reason=reason or _t("Live chat transferred"),
            )
            session.state, session.agent, session.level = ChatState.QUEUED, None, ticket.level
            session.queued_at = clock.now()
            _save(session, "state", "agent", "level", "queued_at")
            data["level"] = ticket.level
            line = {"level": ticket.level}
        _add(session, Author.SYSTEM, agent=agent, code="transferred", data=line)
        tickets.ticket_record(ticket=ticket, actor=agent, verb=Verb.CHAT_TRANSFERRED, data=data)
        live.changed(session, queue=to_level is not None, agents=(agent.pk, *_pk(to_user)))
    return session


def _pk(user: User | None) -> tuple[int, ...]:
    return (user.pk,) if user is not None else ()


def chat_end(
    *,
    session_id: int,
    brand: Brand,
    visitor: str | None = None,
    agent: User | None = None,
    reason: str | None = None,
    abusive: bool = False,
    resolved: bool = False,
) -> ChatSession:
    """End the chat: the visitor leaves, the agent ends it (`abusive`: at once, and the
    ticket is flagged for the conduct procedure; `resolved`: the ticket closes too), or
    the sweep ends it (`reason`). The ticket stays open for any follow-up otherwise."""
    with brand_scope(brand), transaction.atomic():
        session, ticket = _locked(session_id, brand)
        if visitor is not None and session.visitor != visitor:
            raise InvalidRequest(_("This chat is not yours."), code="forbidden")
        if agent is not None and session.agent_id != agent.pk:
            _require_handler(agent, session, brand)
            if not abusive:
                raise InvalidRequest(_("Only the chat's agent ends it."), code="forbidden")
        if session.state == ChatState.ENDED:
            return session
        accepted_at = session.accepted_at
        answered = accepted_at is not None
        if reason is None:
            if agent is not None:
                reason = EndReason.ABUSIVE if abusive else EndReason.AGENT
            else:
                reason = EndReason.CUSTOMER if answered else EndReason.ABANDONED
        now = clock.now()
        was_queued = session.state == ChatState.QUEUED
        holder = session.agent
        session.state, session.ended_at, session.end_reason = ChatState.ENDED, now, reason
        _save(session, "state", "ended_at", "end_reason")
        _add(session, Author.SYSTEM, agent=agent, code="ended", data={"reason": reason})
        data: dict[str, Any] = {
            "chat": session.pk,
            "reason": reason,
            "answered": answered,
            "agent": holder.pk if holder else None,
            "wait_s": None if answered else int((now - session.queued_at).total_seconds()),
            "length_s": int((now - accepted_at).total_seconds()) if accepted_at else None,
        }
        actor: User | Customer | System = (
            agent if agent is not None else Customer(session.contact) if visitor else CHAT_SYSTEM
        )
        tickets.ticket_record(ticket=ticket, actor=actor, verb=Verb.CHAT_ENDED, data=data)
        if abusive and agent is not None:
            tickets.ticket_flag_abuse(
                ticket=ticket, actor=agent, reason=_t("Live chat ended as abusive")
            )
        elif resolved and agent is not None and ticket.status in OPEN_STATUSES:
            tickets.ticket_close(ticket=ticket, actor=agent)
        live.changed(session, queue=was_queued, agents=_pk(holder))
    return session


def chat_read(*, session_id: int, brand: Brand, seq: Any, visitor: str | None = None) -> None:
    """Everything up to `seq` is read by the visitor (`visitor`) or the agent."""
    if not isinstance(seq, int) or seq < 0:
        raise InvalidRequest(_("Unknown line."), code="invalid")
    field = "customer_read_seq" if visitor is not None else "agent_read_seq"
    with brand_scope(brand), unhurried_commit():
        rows = ChatSession.objects.filter(
            pk=session_id, brand=brand, last_seq__gte=seq, **{f"{field}__lt": seq}
        )
        if visitor is not None:
            rows = rows.filter(visitor=visitor)
        if rows.update(**{field: seq, "updated_at": clock.now(), "revision": F("revision") + 1}):
            live.changed_id(session_id)


def chat_rate(
    *, session_id: int, brand: Brand, visitor: str, score: Any, comment: Any = ""
) -> ChatSession:
    """The visitor rates the chat, once, after an agent answered."""
    if not isinstance(score, int) or not 1 <= score <= 5:
        raise InvalidRequest(_("Choose a score from 1 to 5."), code="invalid")
    comment = str(comment or "").strip()[:1000]
    with brand_scope(brand), transaction.atomic():
        session, ticket = _locked(session_id, brand)
        if session.visitor != visitor:
            raise InvalidRequest(_("This chat is not yours."), code="forbidden")
        if session.accepted_at is None:
            raise InvalidRequest(_("Rate the chat once an agent has answered."), code="invalid")
        if session.rating is not None:
            raise InvalidRequest(_("You have rated this chat already."), code="invalid")
        session.rating, session.rating_comment = score, comment
        _save(session, "rating", "rating_comment")
        tickets.ticket_record(
            ticket=ticket,
            actor=Customer(session.contact),
            verb=Verb.CHAT_RATED,
            data={"chat": session.pk, "score": score, "agent": session.agent_id},
        )
        live.changed(session)
    return session


def chat_transcript(*, session_id: int, brand: Brand, visitor: str) -> str:
    """Email the conversation to the visitor's address; the address it went to."""
    with brand_scope(brand), transaction.atomic():
        session, ticket = _locked(session_id, brand)
        if session.visitor != visitor:
            raise InvalidRequest(_("This chat is not yours."), code="forbidden")
        now = clock.now()
        if session.transcript_sent_at and now - session.transcript_sent_at < TRANSCRIPT_EVERY:
            raise InvalidRequest(_("The transcript is on its way."), code="rate_limited")
        address = session.contact.primary_email
        if not address:
            raise InvalidRequest(_("We have no address to send it to."), code="invalid")
        with translation.override(session.language):
            subject = _t("Your chat with %(brand)s (%(reference)s)") % {
                "brand": brand.name,
                "reference": ticket.reference,
            }
            text = transcript_text(session)
        queue_notice(
            ticket=ticket, subject=subject, text=text, rfc_message_id=new_message_id(ticket)
        )
        session.transcript_sent_at = now
        session.save(update_fields=["transcript_sent_at"])
    return address


def transcript_text(session: ChatSession) -> str:
    """The conversation as plain text, in the active language."""
    lines = []
    entries = (
        ChatEntry.objects.filter(session=session).select_related("message", "agent").order_by("seq")
    )
    zone = ZoneInfo(session.brand.timezone)
    for entry in entries:
        at = entry.created_at.astimezone(zone)
        lines.append(f"[{at:%H:%M}] {line_text(entry)}")
    reference = _t("Your request number: %(reference)s") % {"reference": session.ticket.reference}
    return "\n".join([reference, "", *lines])


# --- the visitor's presence and the sweep -----------------------------------------------------


def visitor_seen(*, session_id: int, brand: Brand) -> None:
    with brand_scope(brand), unhurried_commit():
        ChatSession.objects.filter(pk=session_id).update(visitor_seen_at=clock.now())


def chats_sweep(now: datetime | None = None) -> int:
    """End the queued chats whose visitor is gone (abandoned) and the chats nobody wrote
    in for IDLE_AFTER (idle). How many ended."""
    now = now or clock.now()
    with all_brands():
        due = list(
            ChatSession.objects.filter(
                Q(state=ChatState.QUEUED, visitor_seen_at__lt=now - ABANDON_AFTER)
                | Q(state__in=LIVE_STATES, last_message_at__lt=now - IDLE_AFTER)
            ).values_list("pk", "brand_id", "state", "visitor_seen_at")
        )
    ended = 0
    for pk, brand_id, state, seen in due:
        brand = Brand.objects.get(pk=brand_id)
        abandoned = state == ChatState.QUEUED and seen < now - ABANDON_AFTER
        try:
            chat_end(
                session_id=pk,
                brand=brand,
                reason=EndReason.ABANDONED if abandoned else EndReason.IDLE,
            )
        except Exception:
            logger.exception("chat %s could not be ended by the sweep", pk)
            continue
        ended += 1
    return ended
