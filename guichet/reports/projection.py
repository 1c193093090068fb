"""The read model kept from the event log: each event, in the order it was recorded, brings
the figures of its ticket up to date (models.py). The same code runs on the hot path — in
the transaction recording the events, through the hook `tickets.reactions.project_with` —
and when `guichet reports rebuild` replays the log, so the two cannot drift apart.

What a figure needs is in the events themselves (their verb, moment, actor and data) and in
the brand's policy in force (its calendar for business time, a deadline rule's aim): never
in the ticket tables."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from django.db import models

from guichet.brands.models import Brand
from guichet.lib.bulk import insert_all, save_fields
from guichet.reports.chats import CHAT_VERBS, ChatFacts
from guichet.reports.models import DeadlineFact, LevelFact, Tally, TicketFact
from guichet.sla.businesstime import add_duration, elapsed
from guichet.sla.models import ACTION_KINDS
from guichet.sla.services import engine_for
from guichet.tickets.choices import EscalationTrigger, Verb

if TYPE_CHECKING:
    from guichet.policies.schema import DeadlineRule
    from guichet.tickets.models import Event

# Events counted by the moment they happened (models.Tally), with the key of `data` that
# details them.
TALLIED: dict[str, str] = {
    Verb.ESCALATED: "trigger",
    Verb.ABUSE_FLAGGED: "severity",
    Verb.ABUSE_CONFIRMED: "",
    Verb.ABUSE_DISMISSED: "",
    Verb.CONTACT_BLOCKED: "",
    Verb.CONDUCT_REFERRED: "authority",
    Verb.AGENT_CONCERNED: "",
    Verb.OMBUDSMAN_REFERRED: "",
    Verb.STRIKE_RECORDED: "",
    Verb.STRIKE_WITHDRAWN: "",
    Verb.DELAY_LETTER_SENT: "kind",
    Verb.CHAT_MESSAGE_LEFT: "",
}
# The fields of a ticket's figures an event changes in place.
_FIELDS_CHANGED = {"category", "contact_type", "priority", "complexity", "language", "channel"}
_LEVEL_VERBS = {
    Verb.OPENED,
    Verb.ESCALATED,
    Verb.LEVEL_RETURNED,
    Verb.OUTCOME_SET,
    Verb.CLOSED,
    Verb.REOPENED,
    Verb.MERGED_INTO,
}
_DEADLINE_VERBS = {
    Verb.DEADLINE_SET,
    Verb.DEADLINE_MET,
    Verb.DEADLINE_BREACHED,
    Verb.DEADLINE_CANCELLED,
}
RELEVANT = (
    {
        Verb.OPENED,
        Verb.FIELD_CHANGED,
        Verb.ASSIGNED,
        Verb.FORWARDED,
        Verb.REPLIED,
        Verb.SURVEY_ANSWERED,
        Verb.CONTACT_MERGED,
    }
    | _LEVEL_VERBS
    | _DEADLINE_VERBS
    | set(TALLIED)
    | CHAT_VERBS
)


def project(events: Sequence[Event]) -> None:
    """Bring the figures of these events' tickets up to date (inside the transaction that
    recorded them). A few statements per call, however many events."""
    relevant = [e for e in events if e.verb in RELEVANT]
    if relevant:
        projection = Projection()
        projection.load(relevant)
        for event in relevant:
            projection.apply(event)
        projection.save()


def _seconds(a: datetime, b: datetime) -> int:
    return max(0, int((b - a).total_seconds()))


class Projection:
    """The figures of some tickets, loaded once, changed event by event, saved at once."""

    def __init__(self) -> None:
        self.tickets: dict[int, TicketFact] = {}
        # The stay at its level a ticket is in (None: closed, between stays).
        self.stays: dict[int, LevelFact | None] = {}
        # The promises still running, by (ticket, kind, level).
        self.running: dict[tuple[int, str, int], DeadlineFact] = {}
        self.created: list[Any] = []
        self.changed: dict[int, tuple[Any, set[str]]] = {}
        self.brands: dict[int, Brand] = {}
        self.zones: dict[int, ZoneInfo] = {}
        # The live chats' figures (reports.chats), written with the rest.
        self.chats = ChatFacts(self._new, self._set)

    # --- loading and saving ----------------------------------------------------------------
    def load(self, events: Sequence[Event]) -> None:
        """What these events' tickets have already (tickets opened by these events have
        nothing yet)."""
        opened = {e.ticket_id for e in events if e.verb == Verb.OPENED}
        known = {e.ticket_id for e in events} - opened
        if not known:
            return
        self.chats.load(events, known)
        verbs = {e.verb for e in events if e.ticket_id in known}
        for fact in TicketFact._base_manager.filter(ticket_id__in=known):
            self.tickets[fact.ticket_id] = fact
        if verbs & _LEVEL_VERBS:
            for ticket_id in known:
                self.stays[ticket_id] = None
            for stay in LevelFact._base_manager.filter(ticket_id__in=known, left_at__isnull=True):
                self.stays[stay.ticket_id] = stay
        if verbs & _DEADLINE_VERBS:
            for row in DeadlineFact._base_manager.filter(
                ticket_id__in=known, met_at__isnull=True, cancelled=False
            ):
                self.running[(row.ticket_id, row.kind, row.level)] = row

    def save(self) -> None:
        by_model: dict[type[models.Model], list[Any]] = {}
        for row in self.created:
            by_model.setdefault(type(row), []).append(row)
        insert_all(by_model)
        save_fields((row, sorted(fields)) for row, fields in self.changed.values())

    def _new(self, row: Any) -> Any:
        self.created.append(row)
        return row

    def _touch(self, row: Any, *fields: str) -> None:
        if row.pk is None:
            return
        entry = self.changed.get(id(row))
        if entry is None:
            self.changed[id(row)] = (row, set(fields))
        else:
            entry[1].update(fields)

    def _set(self, row: Any, **values: Any) -> None:
        for name, value in values.items():
            setattr(row, name, value)
        self._touch(row, *values)

    def brand(self, event: Event) -> Brand:
        brand = self.brands.get(event.brand_id)
        if brand is None:
            state = getattr(event, "_state", None)
            ticket = state.fields_cache.get("ticket") if state is not None else None
            cached = ticket._state.fields_cache.get("brand") if ticket is not None else None
            brand = cached or Brand._base_manager.get(pk=event.brand_id)
            self.brands[event.brand_id] = brand
        return brand

    def day(self, event: Event) -> date:
        """The event's day in its brand's time zone."""
        zone = self.zones.get(event.brand_id)
        if zone is None:
            zone = self.zones[event.brand_id] = ZoneInfo(
                self.brand(event).get_policy().calendar.timezone
            )
        return event.at.astimezone(zone).date()

    # --- events -----------------------------------------------------------------------------
    def apply(self, event: Event) -> None:
        data = event.data or {}
        if event.verb == Verb.OPENED:
            self._opened(event, data)
            return
        if event.verb in CHAT_VERBS:
            # A chat's figures are its own: they need no figures of its ticket.
            self.chats.apply(event)
        fact = self.tickets.get(event.ticket_id)
        if fact is None:
            return  # a ticket opened before the log was kept: nothing to bring up to date
        handler = _HANDLERS.get(Verb(event.verb))
        if handler is not None:
            handler(self, fact, event, data)
        if event.verb in TALLIED:
            key = TALLIED[event.verb]
            detail = str(data.get(key) or "")[:40] if key else ""
            self._new(
                Tally(
                    brand_id=event.brand_id,
                    ticket_id=event.ticket_id,
                    what=event.verb,
                    detail=detail,
                    at=event.at,
                    event_id=event.pk,
                )
            )
        self._set(fact, last_event_id=event.pk)

    def _opened(self, event: Event, data: dict[str, Any]) -> None:
        received = event.at
        fact = TicketFact(
            brand_id=event.brand_id,
            ticket_id=event.ticket_id,
            reference=str(data.get("reference") or "")[:40],
            received_at=received,
            received_on=self.day(event),
            channel=str(data.get("channel") or ""),
            contact_type=str(data.get("contact_type") or ""),
            category=str(data.get("category") or ""),
            priority=str(data.get("priority") or ""),
            complexity=str(data.get("complexity") or ""),
            language=str(data.get("language") or ""),
            team_id=data.get("team_id"),
            contact_id=data.get("contact") or event.actor_contact_id,
            last_event_id=event.pk,
        )
        self.tickets[event.ticket_id] = self._new(fact)
        self._enter(fact, level=1, at=received, trigger="opened", team_id=fact.team_id)

    def _enter(
        self, fact: TicketFact, *, level: int, at: datetime, trigger: str, team_id: int | None
    ) -> None:
        self.stays[fact.ticket_id] = self._new(
            LevelFact(
                brand_id=fact.brand_id,
                ticket_id=fact.ticket_id,
                level=level,
                team_id=team_id,
                received_at=fact.received_at,
                entered_at=at,
                trigger=trigger,
            )
        )

    def _leave(self, fact: TicketFact, at: datetime, **values: Any) -> LevelFact | None:
        stay = self.stays.get(fact.ticket_id)
        if stay is not None:
            self._set(stay, left_at=at, seconds=_seconds(stay.entered_at, at), **values)
            self.stays[fact.ticket_id] = None
        return stay

    def _fields(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        field = data.get("field")
        if field in _FIELDS_CHANGED:
            self._set(fact, **{field: str(data.get("to") or "")})

    def _team(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        if "team_to" in data:
            self._set(fact, team_id=data["team_to"])
        elif "team_id" in data:
            self._set(fact, team_id=data["team_id"])

    def _replied(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        if data.get("automatic") or event.actor_user_id is None:
            return
        if fact.resolved_at is None:
            self._set(fact, staff_replies=fact.staff_replies + 1)
        if fact.first_response_at is None:
            calendar = engine_for(self.brand(event)).calendar
            self._set(
                fact,
                first_response_at=event.at,
                first_response_s=_seconds(fact.received_at, event.at),
                first_response_bs=int(
                    elapsed("business_hours", calendar, fact.received_at, event.at).total_seconds()
                ),
            )
        if data.get("full_answer") and fact.full_answer_at is None:
            self._set(fact, full_answer_at=event.at, full_answer_on=self.day(event))

    def _moved(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        to = int(data.get("to") or fact.level)
        escalated = event.verb == Verb.ESCALATED
        trigger = str(data.get("trigger") or "") if escalated else "returned"
        if self.stays.get(fact.ticket_id) is not None:
            self._leave(fact, event.at)
        team_id = data.get("team_id", fact.team_id)
        self._enter(fact, level=to, at=event.at, trigger=trigger, team_id=team_id)
        values: dict[str, Any] = {"level": to, "top_level": max(fact.top_level, to)}
        values["team_id"] = team_id
        if escalated and trigger != EscalationTrigger.ROUTING:
            values["escalations"] = fact.escalations + 1
            if trigger == EscalationTrigger.TIME:
                values["auto_escalations"] = fact.auto_escalations + 1
        self._set(fact, **values)

    def _outcome(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        outcome = str(data.get("outcome") or "")
        self._set(fact, outcome=outcome)
        stay = self.stays.get(fact.ticket_id)
        if stay is not None:
            self._set(stay, outcome=outcome)
        if fact.full_answer_at is None:
            self._set(fact, full_answer_at=event.at, full_answer_on=self.day(event))

    def _closed(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        outcome = str(data.get("outcome") or fact.outcome or "")
        stay = self.stays.get(fact.ticket_id)
        values: dict[str, Any] = {"closed_here": True}
        if outcome and stay is not None and not stay.outcome:
            values["outcome"] = outcome
        self._leave(fact, event.at, **values)
        self._set(fact, is_open=False, closed_at=event.at, outcome=outcome)
        if fact.resolved_at is None:
            calendar = engine_for(self.brand(event)).calendar
            self._set(
                fact,
                resolved_at=event.at,
                resolved_on=self.day(event),
                resolution_s=_seconds(fact.received_at, event.at),
                resolution_bd_s=int(
                    elapsed("business_days", calendar, fact.received_at, event.at).total_seconds()
                ),
                first_contact=(
                    fact.staff_replies <= 1 and fact.escalations == 0 and fact.reopened == 0
                ),
            )

    def _merged(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        self._leave(fact, event.at)
        self._set(fact, is_open=False, closed_at=event.at, merged=True)

    def _reopened(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        values: dict[str, Any] = {"is_open": True, "closed_at": None, "merged": False}
        values["reopened"] = fact.reopened + 1
        if fact.first_contact:
            values["first_contact"] = False
        self._set(fact, **values)
        if self.stays.get(fact.ticket_id) is None:
            self._enter(
                fact, level=fact.level, at=event.at, trigger="reopened", team_id=fact.team_id
            )

    def _survey(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        score, scale = data.get("score"), data.get("scale")
        if score is None or scale is None:
            return
        self._set(
            fact,
            survey_score=int(score),
            survey_scale=int(scale),
            survey_satisfied=not data.get("not_satisfied"),
            survey_at=event.at,
        )

    def _contact(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        if data.get("to"):
            self._set(fact, contact_id=int(data["to"]))

    # --- deadlines ---------------------------------------------------------------------------
    def _deadline(self, fact: TicketFact, event: Event, data: dict[str, Any]) -> None:
        kind = str(data.get("kind") or "")
        if not kind or kind in ACTION_KINDS:
            return
        key = (fact.ticket_id, kind, int(data.get("level") or 0))
        row = self.running.get(key)
        if event.verb == Verb.DEADLINE_SET:
            due = _moment(data.get("due"))
            start = _moment(data.get("start"))
            if row is None:
                row = DeadlineFact(
                    brand_id=fact.brand_id,
                    ticket_id=fact.ticket_id,
                    received_at=fact.received_at,
                    kind=kind,
                    level=key[2],
                    rule=str(data.get("rule") or "")[:60],
                    target=str(data.get("target") or "")[:20],
                    clock=str(data.get("clock") or "")[:20],
                    started_at=start,
                    due_at=due,
                )
                self.running[key] = self._new(row)
            else:
                self._set(
                    row,
                    due_at=due,
                    rule=str(data.get("rule") or row.rule)[:60],
                    target=str(data.get("target") or row.target)[:20],
                    clock=str(data.get("clock") or row.clock)[:20],
                    started_at=start or row.started_at,
                )
            return
        if row is None:
            return
        if event.verb == Verb.DEADLINE_BREACHED:
            self._set(row, breached=True)
        elif event.verb == Verb.DEADLINE_CANCELLED:
            self._set(row, cancelled=True)
            del self.running[key]
        elif event.verb == Verb.DEADLINE_MET:
            met = _moment(data.get("met")) or event.at
            late = row.breached or (row.due_at is not None and met > row.due_at)
            self._set(row, met_at=met, breached=late, within_aim=self._aim(event, row, met))
            del self.running[key]

    def _aim(self, event: Event, row: DeadlineFact, met: datetime) -> bool | None:
        rule = rule_of(self.brand(event), row.rule)
        if rule is None or rule.aim is None or row.started_at is None:
            return None
        calendar = engine_for(self.brand(event)).calendar
        return met <= add_duration(rule.clock, calendar, row.started_at, rule.aim)


def rule_of(brand: Brand, where: str) -> DeadlineRule | None:
    """The policy rule a deadline came from ("deadlines[3]", "returns.window"…)."""
    return dict(brand.get_policy().deadline_rules).get(where)


def _moment(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and value:
        return datetime.fromisoformat(value)
    return None


_HANDLERS = {
    Verb.FIELD_CHANGED: Projection._fields,
    Verb.ASSIGNED: Projection._team,
    Verb.FORWARDED: Projection._team,
    Verb.REPLIED: Projection._replied,
    Verb.ESCALATED: Projection._moved,
    Verb.LEVEL_RETURNED: Projection._moved,
    Verb.OUTCOME_SET: Projection._outcome,
    Verb.CLOSED: Projection._closed,
    Verb.MERGED_INTO: Projection._merged,
    Verb.REOPENED: Projection._reopened,
    Verb.SURVEY_ANSWERED: Projection._survey,
    Verb.CONTACT_MERGED: Projection._contact,
    Verb.OMBUDSMAN_REFERRED: lambda self, fact, event, data: self._set(fact, ombudsman=True),
    Verb.AGENT_CONCERNED: lambda self, fact, event, data: self._set(fact, about_agent=True),
    Verb.DEADLINE_SET: Projection._deadline,
    Verb.DEADLINE_MET: Projection._deadline,
    Verb.DEADLINE_BREACHED: Projection._deadline,
    Verb.DEADLINE_CANCELLED: Projection._deadline,
}
