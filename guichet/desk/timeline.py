"""One timeline per ticket: its messages, internal notes, attachments and events (who did
what, when), in order — the customer's conversation, read top to bottom.

Events that merely announce a message (opened, replied, received, note added) are folded
into that message. The other events of one moment — one action: a reply and the status
and deadlines it moved, a change of priority, an escalation — fold into one quiet line
(`Moment`) that says what changed in a few words and opens on demand to the detailed
lines. A long ticket shows its first message and its latest entries, the rest on request:
a fixed number of queries and a page of the same size whatever its length."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import FieldDoesNotExist
from django.utils.safestring import mark_safe
from django.utils.text import Truncator
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from guichet.accounts.models import User
from guichet.desk.calls_lines import CALL_VERBS, call_detail
from guichet.desk.conduct import severity_name
from guichet.desk.formats import day, money
from guichet.marketplace.models import Seller, SellerStatus, StrikeReason
from guichet.notify.models import OutboundEmail, OutboxStatus
from guichet.sla.models import DeadlineKind
from guichet.tickets.choices import EscalationTrigger, Outcome, Status, Verb
from guichet.tickets.models import Attachment, Event, Message, MoneyKind, Ticket

# Events shown with the message they carry rather than on a line of their own.
FOLDED = {
    Verb.OPENED,
    Verb.REPLIED,
    Verb.MESSAGE_RECEIVED,
    Verb.NOTE_ADDED,
    Verb.SELLER_CONTACTED,
    Verb.SELLER_ANSWERED,
}
# The engine's bookkeeping: counted in a moment's line ("2 deadlines updated").
QUIET = {Verb.DEADLINE_SET, Verb.DEADLINE_MET, Verb.DEADLINE_CANCELLED}
# What needs an agent's eye: its moment's line stands out.
ALERTS = {
    Verb.DEADLINE_BREACHED,
    Verb.EMAIL_FAILED,
    Verb.EMAIL_BOUNCED,
    Verb.ABUSE_FLAGGED,
    Verb.STRIKE_RECORDED,
    Verb.CONTACT_BLOCKED,
    Verb.CONDUCT_REFERRED,
}
# What changes who decides, whether the case is open, the seller's standing or money owed:
# its moment's line reads stronger.
NOTABLE = {
    Verb.ESCALATED,
    Verb.LEVEL_RETURNED,
    Verb.CLOSED,
    Verb.REOPENED,
    Verb.OUTCOME_SET,
    Verb.MERGED,
    Verb.MERGED_INTO,
    Verb.OMBUDSMAN_REFERRED,
    Verb.SELLER_STATUS_CHANGED,
    Verb.STRIKE_WITHDRAWN,
    Verb.CONTACT_DETAILS_RELEASED,
    Verb.CONTACT_DETAILS_REFUSED,
    Verb.PAYMENT_RECORDED,
    Verb.ABUSE_CONFIRMED,
    Verb.CONDUCT_WARNED,
    Verb.CONTACT_UNBLOCKED,
    Verb.AGENT_CONCERNED,
}
# Events of the conduct procedure (docs/conduct.md): their line says it in full.
CONDUCT_VERBS = {
    Verb.ABUSE_FLAGGED,
    Verb.ABUSE_CONFIRMED,
    Verb.ABUSE_DISMISSED,
    Verb.CONDUCT_WARNED,
    Verb.CONTACT_BLOCKED,
    Verb.CONTACT_UNBLOCKED,
    Verb.CONDUCT_REFERRED,
    Verb.AGENT_CONCERNED,
}
# Where a case was referred to (`conduct.models.Authority`), as a line says it.
REFERRED = {
    "police": gettext_lazy("Referred to the police"),
    "lawyer": gettext_lazy("Referred to a lawyer"),
    "platform": gettext_lazy("Referred to the platform"),
}
# Events about a seller: their line names it (`data["seller"]`).
SELLER_VERBS = {
    Verb.SHARED_WITH_SELLER,
    Verb.SELLER_ANSWER_SHARED,
    Verb.STRIKE_RECORDED,
    Verb.STRIKE_WITHDRAWN,
    Verb.SELLER_STATUS_CHANGED,
    Verb.CONTACT_DETAILS_REQUESTED,
    Verb.CONTACT_DETAILS_RELEASED,
    Verb.CONTACT_DETAILS_REFUSED,
}
# Events this close together, by the same person (or by Guichet on their behalf), are one
# moment: one request may call several services (classification, then status).
MOMENT = timedelta(seconds=5)
# A moment's line names this many changes; "N more changes" says the rest.
HEADLINES = 3

# What happens to a ticket without changing anything an agent acts on — an email
# delivered, a deadline's warning or breach, a survey answered: each moves the ticket's
# revision (the page redraws its history), but a form drafted before it is not stale.
UNEVENTFUL = QUIET | {
    Verb.EMAIL_SENT,
    Verb.EMAIL_FAILED,
    Verb.EMAIL_BOUNCED,
    Verb.DEADLINE_WARNED,
    Verb.DEADLINE_BREACHED,
    Verb.SURVEY_ANSWERED,
    # The watcher's strike at the seller's missed deadline, and the seller's status moved
    # by a strike on another of its tickets or by a manager.
    Verb.STRIKE_RECORDED,
    Verb.SELLER_STATUS_CHANGED,
}


def uneventful_since(ticket: Ticket, moment: datetime) -> bool:
    """Whether every change of the ticket after `moment` (its `updated_at` as a page saw
    it) was uneventful."""
    return (
        not Event.objects.filter(ticket=ticket, at__gt=moment).exclude(verb__in=UNEVENTFUL).exists()
    )


@dataclass
class Item:
    at: datetime
    kind: str  # "message", "note", "seller" (the seller's side) or "event"
    message: Message | None = None
    attachments: list[Attachment] = field(default_factory=list)
    event: Event | None = None
    quiet: bool = False
    sent: str = ""  # for an email to the customer: queued / sent / failed / bounced
    names: dict[int, str] = field(default_factory=dict)  # staff named by the events
    sellers: dict[int, str] = field(default_factory=dict)  # sellers named by the events
    # A flagged message's text and subject, escaped, the words found marked (desk.conduct).
    marked: str = ""
    marked_subject: str = ""

    @property
    def actor(self) -> str:
        if self.message is not None:
            user, contact = self.message.author_user, self.message.author_contact
            system = _("Guichet (automatic)")
            if self.kind == "seller" and user is None:
                return self.seller_name  # its words (the person who wrote: the label)
        else:
            assert self.event is not None
            user, contact = self.event.actor_user, self.event.actor_contact
            label = self.event.actor_label
            system = {"sla": _("deadlines"), "policy": _("the policy")}.get(label, _("Guichet"))
        if user is not None:
            return user.get_full_name() or user.username
        if contact is not None:
            return contact.name or _("the customer")
        return system

    @property
    def sent_label(self) -> str:
        return _label(OutboxStatus, self.sent)

    @property
    def seller_name(self) -> str:
        seller = self.message.seller if self.message is not None else None
        return seller.name if seller is not None else ""

    @property
    def proposal(self) -> Any:
        """The resolution a seller's answer proposes, if any."""
        if self.message is None or self.kind != "seller":
            return None
        return getattr(self.message, "proposal", None)

    @property
    def formatted(self) -> str:
        """`Message.formatted_html`, marked safe for the template ("" for the others)."""
        formatted = self.message.formatted_html if self.message else ""
        return mark_safe(formatted)  # noqa: S308 (sanitised just now)

    @property
    def letter_title(self) -> str:
        """An automatic letter's subject without the reference before it ("[EJ-26-00001]")."""
        assert self.message is not None
        return _REFERENCE_TAG.sub("", self.message.subject)

    @property
    def summary(self) -> str:
        assert self.event is not None
        return describe(self.event, self.names, self.sellers)


@dataclass
class Moment:
    """The events of one moment, folded into one line: who, when, what changed in a few
    words (`headline`), and the detailed lines (`lines`) on demand."""

    events: list[Item]
    kind: str = "moment"

    @property
    def at(self) -> datetime:
        return self.events[0].at

    @property
    def key(self) -> int:
        """The first event's id: the line's id in the page (kept open across redraws)."""
        first = self.events[0].event
        assert first is not None
        return first.pk

    @property
    def actor(self) -> str:
        """The person who acted, if one did; else the part of Guichet."""
        for item in self.events:
            assert item.event is not None
            if _person(item.event) is not None:
                return item.actor
        return self.events[0].actor

    @property
    def lines(self) -> list[tuple[str, str]]:
        """(who, what) for each event; who is empty when it is the moment's own actor."""
        actor = self.actor
        return [(item.actor if item.actor != actor else "", item.summary) for item in self.events]

    @property
    def alert(self) -> bool:
        return any(item.event is not None and item.event.verb in ALERTS for item in self.events)

    @property
    def notable(self) -> bool:
        return any(item.event is not None and item.event.verb in NOTABLE for item in self.events)

    @property
    def headline(self) -> str:
        """ "priority: Normal → High · 2 deadlines updated": each change in a few words
        (the same words said once, with how many times; at most HEADLINES, then how many
        more), then the engine's bookkeeping, counted."""
        said: dict[str, int] = {}
        bookkeeping = 0
        for item in self.events:
            assert item.event is not None
            if item.event.verb in QUIET:
                bookkeeping += 1
                continue
            words = _headline(item.event, item.names, item.sellers)
            said[words] = said.get(words, 0) + 1
        parts = [
            words if times == 1 else _("%(what)s (×%(n)d)") % {"what": words, "n": times}
            for words, times in said.items()
        ]
        if len(parts) > HEADLINES:
            more = len(parts) - (HEADLINES - 1)
            rest = ngettext("%(n)d more change", "%(n)d more changes", more) % {"n": more}
            parts = [*parts[: HEADLINES - 1], rest]
        if bookkeeping:
            parts.append(
                ngettext("%(n)d deadline updated", "%(n)d deadlines updated", bookkeeping)
                % {"n": bookkeeping}
            )
        return " · ".join(parts)


def _person(event: Event) -> int | str | None:
    """Who acted, when it was a person: a user's or a contact's id (as a key), else None."""
    if event.actor_user_id is not None:
        return event.actor_user_id
    if event.actor_contact_id is not None:
        return f"c{event.actor_contact_id}"
    return None


def _same_moment(moment: Moment, item: Item) -> bool:
    """Whether an event belongs to the moment before it: close in time, and not by
    another person (what Guichet does as a consequence — deadlines — joins any moment)."""
    event = item.event
    assert event is not None
    if item.at - moment.events[-1].at > MOMENT:
        return False
    person = _person(event)
    if person is None:
        return True
    others = {_person(e.event) for e in moment.events if e.event is not None} - {None}
    return not others or others == {person}


def fold(items: list[Item]) -> list[Item | Moment]:
    """Messages as they are; the events between them, one Moment per moment."""
    folded: list[Item | Moment] = []
    for item in items:
        if item.kind != "event":
            folded.append(item)
            continue
        last = folded[-1] if folded else None
        if isinstance(last, Moment) and _same_moment(last, item):
            last.events.append(item)
        else:
            folded.append(Moment(events=[item]))
    return folded


# "[EJ-26-00001] " before a letter's subject.
_REFERENCE_TAG = re.compile(r"^\[[^\]]*\]\s*")

# A long ticket's page shows its first message and its latest entries; the rest comes on
# request ("show earlier"), so the page costs the same for 3 messages or 300.
RECENT = 40

# The events read for them: a moment holds a few (a reply meets two deadlines and sets a
# third), and the page shows RECENT lines, not RECENT events.
EVENTS_READ = RECENT * 4


@dataclass
class Timeline:
    items: list[Item]
    hidden: int = 0  # entries between the first message and the latest ones, not shown

    @property
    def entries(self) -> list[Item | Moment]:
        """What the page shows: the messages, and the events folded into moments."""
        return fold(self.items)


def timeline(ticket: Ticket, *, everything: bool = False) -> Timeline:
    """The ticket's history in order: all of it, or (by default) the first message and the
    latest RECENT entries. A fixed number of queries either way."""
    messages = Message.objects.filter(ticket=ticket).select_related(
        "author_user", "author_contact", "seller", "seller_person", "proposal"
    )
    events = (
        Event.objects.filter(ticket=ticket)
        .exclude(verb__in=FOLDED, message__isnull=False)
        .select_related("actor_user", "actor_contact")
    )
    if everything:
        shown_messages, shown_events = list(messages), list(events)
        total = len(shown_messages) + len(shown_events)
        cut: list[Message | Event] = []
    else:
        shown_messages = list(messages.order_by("-created_at", "-pk")[:RECENT])[::-1]
        shown_events = list(events.order_by("-at", "-pk")[:EVENTS_READ])[::-1]
        in_messages, in_events = (
            _total(shown_messages, messages),
            _total(shown_events, events, EVENTS_READ),
        )
        total = in_messages + in_events
        # Where a kind was cut short, nothing older than its oldest row read can be shown
        # without a hole in the history.
        cut = []
        if in_messages > len(shown_messages):
            cut.append(shown_messages[0])
        if in_events > len(shown_events):
            cut.append(shown_events[0])
    names, sellers = _staff_names(shown_events), _seller_names(shown_events)
    items = [_message_item(m) for m in shown_messages] + [
        Item(at=e.at, kind="event", event=e, quiet=e.verb in QUIET, names=names, sellers=sellers)
        for e in shown_events
    ]
    items.sort(key=_order)
    if not everything:
        latest = _latest_lines(items, since=max((_order(_row_item(r)) for r in cut), default=None))
        if total > len(latest):
            items = latest
            first = messages.order_by("created_at", "pk").first()
            if first is not None and all(i.message != first for i in items):
                items.insert(0, _message_item(first))
    _attach(ticket, items, OutboundEmail)
    return Timeline(items=items, hidden=total - len(items))


def _latest_lines(items: list[Item], *, since: tuple[datetime, int] | None) -> list[Item]:
    """The items of the page's latest RECENT lines (a moment is one line), none before
    `since`."""
    recent = [item for item in items if since is None or _order(item) >= since]
    lines = fold(recent)[-RECENT:]
    return [
        item for line in lines for item in (line.events if isinstance(line, Moment) else [line])
    ]


def _row_item(row: Message | Event) -> Item:
    if isinstance(row, Message):
        return _message_item(row)
    return Item(at=row.at, kind="event", event=row)


def _order(item: Item) -> tuple[datetime, int]:
    """In time order; at one moment, what a person wrote, then what changed, then the
    letters Guichet sent about it."""
    if item.kind == "event":
        return (item.at, 1)
    assert item.message is not None
    return (item.at, 2 if item.message.is_automatic else 0)


def _total(shown: list[Any], query: Any, limit: int = RECENT) -> int:
    """How many rows the query has: those read if it was not cut short, else a count."""
    return len(shown) if len(shown) < limit else int(query.order_by().count())


def _message_item(message: Message) -> Item:
    """A message of the customer's conversation, an internal note, or a message of the
    seller's side: internal too (the customer never sees it), but not a note."""
    if message.is_seller_side:
        kind = "seller"
    elif message.is_internal:
        kind = "note"
    else:
        kind = "message"
    return Item(at=message.created_at, kind=kind, message=message)


def _attach(ticket: Ticket, items: list[Item], outbox: Any) -> None:
    """The shown messages' files and, for emails to the customer, their delivery status."""
    by_message = {item.message.pk: item for item in items if item.message is not None}
    if not by_message:
        return
    for attachment in Attachment.objects.filter(message_id__in=by_message).order_by("pk"):
        assert attachment.message_id is not None
        by_message[attachment.message_id].attachments.append(attachment)
    for message_id, status in outbox.objects.filter(
        ticket=ticket, message_id__in=by_message
    ).values_list("message_id", "status"):
        by_message[message_id].sent = status


def _staff_names(events: list[Event]) -> dict[int, str]:
    ids = (
        {
            e.data.get("to")
            for e in events
            if e.verb == Verb.ASSIGNED and isinstance(e.data.get("to"), int)
        }
        | {e.data["recorded_by"] for e in events if isinstance(e.data.get("recorded_by"), int)}
        | {
            e.data["agent"]
            for e in events
            if e.verb == Verb.AGENT_CONCERNED and isinstance(e.data.get("agent"), int)
        }
    )
    if not ids:
        return {}
    return {u.pk: u.get_full_name() or u.username for u in User.objects.filter(pk__in=ids)}


def _seller_names(events: list[Event]) -> dict[int, str]:
    """The sellers the events name: those of the seller's side, and a change of the
    ticket's seller."""
    ids: set[Any] = set()
    for e in events:
        if e.verb in SELLER_VERBS and e.data:
            ids.add(e.data.get("seller"))
        elif e.verb == Verb.FIELD_CHANGED and e.data and e.data.get("field") == "seller":
            ids |= {e.data.get("from"), e.data.get("to")}
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    return dict(Seller.objects.filter(pk__in=ids).values_list("pk", "name"))


def _headline(event: Event, names: dict[int, str], sellers: dict[int, str] | None = None) -> str:
    """An event in a few words, for its moment's line (`describe` says it in full)."""
    data = event.data or {}
    if event.verb == Verb.FIELD_CHANGED:
        return _field_change(data, sellers)
    if event.verb == Verb.STATUS_CHANGED:
        return _("status: %(from)s → %(to)s") % {
            "from": _status(data.get("from")),
            "to": _status(data.get("to")),
        }
    if event.verb == Verb.ASSIGNED and "to" in data:
        to = data.get("to")
        if not isinstance(to, int):
            return _("unassigned")
        if to == event.actor_user_id:
            return _("took the ticket")
        return _("assigned to %(name)s") % {"name": names.get(to, "?")}
    return Truncator(describe(event, names, sellers)).chars(100)


def describe(
    event: Event, names: dict[int, str] | None = None, sellers: dict[int, str] | None = None
) -> str:
    """One line for an event, in the reader's language."""
    data = event.data or {}
    try:
        label = str(Verb(event.verb).label)
    except ValueError:
        label = event.verb.replace("_", " ")
    verb = event.verb
    detail = ""
    if verb in CONDUCT_VERBS:
        return _conduct_line(verb, data, label, names or {})
    if verb == Verb.STATUS_CHANGED:
        detail = f"{_status(data.get('from'))} → {_status(data.get('to'))}"
    elif verb == Verb.FIELD_CHANGED:
        detail = _field_change(data, sellers)
    elif verb in (Verb.ESCALATED, Verb.LEVEL_RETURNED):
        detail = _("level %(from)s → %(to)s") % {
            "from": data.get("from", "?"),
            "to": data.get("to", "?"),
        }
        if data.get("trigger") == EscalationTrigger.TIME:
            # The watcher's reason is the level's time and the rule ("24h (escalation…)").
            after = str(data.get("reason") or "").split(" (")[0]
            detail += " — " + (
                _("automatically, after %(time)s") % {"time": after}
                if after
                else _("automatically")
            )
        elif data.get("reason"):
            detail += f" — {data['reason']}"
    elif verb in (
        Verb.DEADLINE_SET,
        Verb.DEADLINE_MET,
        Verb.DEADLINE_BREACHED,
        Verb.DEADLINE_WARNED,
    ):
        detail = _label(DeadlineKind, data.get("kind"))
    elif verb in (Verb.OUTCOME_SET, Verb.CLOSED):
        outcome = data.get("outcome")
        detail = _label(Outcome, outcome) if outcome else str(data.get("reason") or "")
    elif verb == Verb.ASSIGNED:
        to = data.get("to")
        detail = (names or {}).get(to, "") if isinstance(to, int) else _("nobody")
        if data.get("reason"):
            detail += f" — {data['reason']}"
    elif verb == Verb.LINKED:
        detail = str(data.get("other", ""))
    elif verb in (Verb.EMAIL_FAILED, Verb.EMAIL_BOUNCED):
        detail = str(data.get("error") or data.get("status") or "")
    elif verb in CALL_VERBS:
        detail = call_detail(verb, data)
    elif verb in SELLER_VERBS or verb in (Verb.RETURN_RECORDED, Verb.PAYMENT_RECORDED):
        detail = _party_detail(verb, data, sellers or {})
    elif verb == Verb.SURVEY_ANSWERED:
        detail = _("%(score)s out of %(scale)s") % {
            "score": data.get("score", "?"),
            "scale": data.get("scale", "?"),
        }
        if data.get("not_satisfied"):
            detail += " (" + _("not satisfied") + ")"
        if data.get("comment"):
            detail += f" — {data['comment']}"
    elif data.get("reason"):
        detail = str(data["reason"])
    recorder = data.get("recorded_by")
    if isinstance(recorder, int):  # done for the customer, written down by the staff
        recorded = _("recorded by %(name)s") % {"name": (names or {}).get(recorder, "?")}
        detail = f"{detail} ({recorded})" if detail else recorded
    return _("%(what)s: %(detail)s") % {"what": label, "detail": detail} if detail else label


def _conduct_line(verb: str, data: dict[str, Any], label: str, names: dict[int, str]) -> str:
    """An event of the conduct procedure: "Warning 1 of 1 sent to the customer", "Customer
    blocked: <reason>", "Referred to the police: <note>", "Complaint about Jean Durand"."""

    def said(what: Any, *details: Any) -> str:
        detail = " — ".join(str(d) for d in details if d)
        return _("%(what)s: %(detail)s") % {"what": what, "detail": detail} if detail else str(what)

    severity = severity_name(data.get("severity"))
    if verb == Verb.ABUSE_FLAGGED:
        words = data.get("words") or []
        found = ", ".join(str(w) for w in words) if isinstance(words, list) else ""
        return said(label, severity, found or str(data.get("reason") or ""))
    if verb in (Verb.ABUSE_CONFIRMED, Verb.ABUSE_DISMISSED):
        return said(label, severity, str(data.get("note") or ""))
    if verb == Verb.CONDUCT_WARNED:
        number, of = data.get("number"), data.get("of")
        if isinstance(number, int) and isinstance(of, int):
            return _("Warning %(n)s of %(of)s sent to the customer") % {"n": number, "of": of}
        return label
    if verb == Verb.CONTACT_BLOCKED:
        by = _("by the conduct policy") if data.get("by_policy") else ""
        return said(label, str(data.get("reason") or ""), by)
    if verb == Verb.CONTACT_UNBLOCKED:
        return said(label, str(data.get("reason") or ""))
    if verb == Verb.CONDUCT_REFERRED:
        to = REFERRED.get(str(data.get("authority")), label)
        return said(to, str(data.get("note") or ""))
    # AGENT_CONCERNED: the person by their name now, else as the customer wrote it.
    agent = data.get("agent")
    name = names.get(agent, "") if isinstance(agent, int) else ""
    name = name or str(data.get("name") or "")
    return _("Complaint about %(name)s") % {"name": name} if name else label


# What a release of a seller's details gave, by the keys `contact_details` writes.
DETAILS = {
    "name": gettext_lazy("name"),
    "legal_name": gettext_lazy("legal name"),
    "email": gettext_lazy("email address"),
    "phone": gettext_lazy("phone number"),
    "address": gettext_lazy("postal address"),
}


def _party_detail(verb: str, data: dict[str, Any], sellers: dict[int, str]) -> str:
    """The detail of an event of the seller's side, of a return or of money paid back."""
    named = data.get("seller")
    seller = sellers.get(named, "") if isinstance(named, int) else ""
    reason = str(data.get("reason") or "")
    parts: list[str] = []
    if verb == Verb.STRIKE_RECORDED:
        parts = [seller, _label(StrikeReason, data.get("reason"))]
        if isinstance(data.get("count"), int) and isinstance(data.get("threshold"), int):
            parts.append(
                ngettext(
                    "%(count)s strike of %(threshold)s before a restriction",
                    "%(count)s strikes of %(threshold)s before a restriction",
                    data["count"],
                )
                % {"count": data["count"], "threshold": data["threshold"]}
            )
    elif verb == Verb.SELLER_STATUS_CHANGED:
        moved = f"{_label(SellerStatus, data.get('from'))} → {_label(SellerStatus, data.get('to'))}"
        parts = [
            _("%(seller)s: %(change)s") % {"seller": seller, "change": moved} if seller else moved,
            reason,
        ]
    elif verb == Verb.CONTACT_DETAILS_RELEASED:
        keys = data.get("details") or []
        given = [str(label) for key, label in DETAILS.items() if key in keys]
        parts = [seller, _("given: %(details)s") % {"details": ", ".join(given)} if given else ""]
    elif verb == Verb.RETURN_RECORDED:
        if data.get("item_received_at"):
            parts.append(_("item received on %(day)s") % {"day": day(data["item_received_at"])})
        if data.get("waived"):
            parts.append(_("no return needed"))
        elif data.get("item_returned_at"):
            parts.append(_("item returned on %(day)s") % {"day": day(data["item_returned_at"])})
    elif verb == Verb.PAYMENT_RECORDED:
        parts = [
            _("%(kind)s of %(amount)s")
            % {
                "kind": _label(MoneyKind, data.get("kind")),
                "amount": money(data.get("amount", ""), str(data.get("currency", ""))),
            },
            reason,
        ]
    else:  # shown to the seller, passed on, details requested or refused, strike withdrawn
        parts = [seller, reason]
    return " — ".join(part for part in parts if part)


def _field_change(data: dict[str, Any], sellers: dict[int, str] | None = None) -> str:
    """ "priorité : Normale → Urgente": the field's and the choices' names where it has them."""
    name = str(data.get("field", ""))
    try:
        field = Ticket._meta.get_field(name)
    except FieldDoesNotExist:
        name = name.replace("_", " ")
        return _("%(what)s: %(detail)s") % {
            "what": name,
            "detail": f"{data.get('from', '')} → {data.get('to', '')}",
        }
    words = dict(field.flatchoices or [])  # type: ignore[union-attr]
    if name == "seller":  # by its id: named as it is called now
        words = dict(sellers or {})

    def word(value: Any) -> str:
        return str(words.get(value, value if value not in (None, "") else "—"))

    return _("%(what)s: %(detail)s") % {
        "what": field.verbose_name,  # type: ignore[union-attr]
        "detail": f"{word(data.get('from'))} → {word(data.get('to'))}",
    }


def _status(value: Any) -> str:
    return _label(Status, value)


def _label(choices: Any, value: Any) -> str:
    """The reader's word for a stored choice; the value itself if it is not one (any more)."""
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "").replace("_", " ")
