"""The live chats' part of the read model (docs/reports.md, "Live chat"): one `ChatFact`
per chat, kept from the events the chat records on its ticket (docs/chat.md) by the same
projection as every other figure (`projection.Projection` hands these verbs here), so the
hot path and `guichet reports rebuild` cannot drift apart.

- `chat_queued` {chat, level}: the chat entered the queue — a chat offered. A chat queued
  again (a transfer to a level) is the same chat, offered once.
- `chat_accepted` {chat, agent, wait_s}: an agent took it; the first acceptance answers it
  (its agent and wait), a later one (after a transfer to a level) changes neither.
- `chat_transferred` {chat, from, to, level}: counted.
- `chat_ended` {chat, reason, answered, wait_s, agent, length_s}.
- `chat_rated` {chat, score, agent}: the last rating counts, for the agent it names (else
  the one who answered).

`KINDS` says what each count of the figures is, for the figures and for the list of the
tickets behind a number alike."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q

from guichet.reports.models import ChatFact
from guichet.tickets.choices import Verb

if TYPE_CHECKING:
    from guichet.tickets.models import Event

CHAT_VERBS = frozenset(
    {
        Verb.CHAT_QUEUED,
        Verb.CHAT_ACCEPTED,
        Verb.CHAT_TRANSFERRED,
        Verb.CHAT_ENDED,
        Verb.CHAT_RATED,
    }
)

# A chat ended before an agent answered, because the customer went away: abandoned. (The
# others ended unanswered by an agent — abusive, or idle — are not the customer's choice.)
ABANDONING = ("abandoned", "customer")
# The ratings that count as satisfied (of 1 to 5).
SATISFIED_FROM = 4

_UNANSWERED = Q(answered_at__isnull=True)
KINDS: dict[str, Q] = {
    "offered": Q(),
    "answered": Q(answered_at__isnull=False),
    # Answered, then ended: the conversations whose length is known.
    "answered_ended": Q(answered_at__isnull=False, length_s__isnull=False),
    "abandoned": _UNANSWERED & Q(ended_at__isnull=False, end_reason__in=ABANDONING),
    "unanswered": _UNANSWERED & Q(ended_at__isnull=False) & ~Q(end_reason__in=ABANDONING),
    "waiting": _UNANSWERED & Q(ended_at__isnull=True),
    "transferred": Q(transfers__gt=0),
    "rated": Q(score__isnull=False),
}


def _chat(data: dict[str, Any]) -> int | None:
    try:
        return int(data["chat"])
    except (KeyError, TypeError, ValueError):
        return None


def _whole(value: Any) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _seconds(a: datetime, b: datetime) -> int:
    return max(0, int((b - a).total_seconds()))


class ChatFacts:
    """The chats of some events: loaded once, changed event by event, written with the
    projection's other rows (`new`: a row to insert; `change`: fields of a row to update)."""

    def __init__(self, new: Callable[[Any], Any], change: Callable[..., None]) -> None:
        self.new = new
        self.change = change
        self.chats: dict[int, ChatFact] = {}

    def load(self, events: Sequence[Event], known: set[int]) -> None:
        """The chats these events name that may have figures already: those of tickets
        not opened by these events (`known`)."""
        ids = {
            chat
            for e in events
            if e.verb in CHAT_VERBS and e.ticket_id in known
            for chat in [_chat(e.data or {})]
            if chat is not None
        }
        if ids:
            for row in ChatFact._base_manager.filter(chat_id__in=ids):
                self.chats[row.chat_id] = row

    def apply(self, event: Event) -> None:
        data = event.data or {}
        chat = _chat(data)
        if chat is None:
            return
        row = self.chats.get(chat)
        if event.verb == Verb.CHAT_QUEUED:
            if row is None:
                self.chats[chat] = self.new(
                    ChatFact(
                        brand_id=event.brand_id,
                        ticket_id=event.ticket_id,
                        chat_id=chat,
                        offered_at=event.at,
                    )
                )
            return
        if row is None:
            return  # queued before the figures were kept
        if event.verb == Verb.CHAT_ACCEPTED:
            if row.answered_at is None:
                wait = _whole(data.get("wait_s"))
                self.change(
                    row,
                    answered_at=event.at,
                    agent_id=_whole(data.get("agent")),
                    wait_s=_seconds(row.offered_at, event.at) if wait is None else max(0, wait),
                )
        elif event.verb == Verb.CHAT_TRANSFERRED:
            self.change(row, transfers=row.transfers + 1)
        elif event.verb == Verb.CHAT_ENDED:
            values: dict[str, Any] = {
                "ended_at": event.at,
                "end_reason": str(data.get("reason") or "")[:20],
            }
            if row.answered_at is not None:
                length = _whole(data.get("length_s"))
                values["length_s"] = (
                    _seconds(row.answered_at, event.at) if length is None else max(0, length)
                )
            else:
                wait = _whole(data.get("wait_s"))
                values["wait_s"] = (
                    _seconds(row.offered_at, event.at) if wait is None else max(0, wait)
                )
            self.change(row, **values)
        elif event.verb == Verb.CHAT_RATED:
            score = _whole(data.get("score"))
            if score is not None and 1 <= score <= 5:
                agent = _whole(data.get("agent"))
                self.change(
                    row, score=score, rated_agent_id=row.agent_id if agent is None else agent
                )
