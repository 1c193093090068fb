"""Every write of calls and callbacks (docs/telephony.md), and the request an agent records
for a customer who called, wrote a letter or came in (`request_record`).

- `call_log`: a call an agent writes down (ended), on a ticket or not;
- `call_ring`, `call_answer`, `call_hangup`: a call as the telephone system reports it
  (Zammad's generic CTI push API: newCall, answer, hangup), each found again by its call
  id, so a retried event changes nothing, and made by an answer or a hang-up whose ring
  was never reported (`CallSeen`: not lost, its wait unknown); `call_attach` puts such a
  call on a ticket;
- `callback_plan`, `callback_assign`, `callback_done`: a callback, a task with a deadline
  (by default the policy's `respond_within` of its phone channel, else one business day,
  on the brand's business calendar);
- `customer_create` and `request_record`: a new customer, and a new ticket opened for a
  customer through `tickets.services.ticket_open` with its call, its callback, its scanned
  letter.

What changes a ticket goes through the ticket services, which record its event:
CALL_LOGGED (with the direction, outcome, whether it was answered, the wait and the length
in seconds: what the reports read), CALLBACK_PLANNED, CALLBACK_DONE."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, require
from guichet.brands.models import Brand, Team, team_id_for
from guichet.contacts import services as contacts
from guichet.contacts.models import Contact, ContactEmail
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.policies.durations import Duration
from guichet.sla.businesstime import BusinessCalendar, add_duration
from guichet.sla.services import engine_for
from guichet.telephony.models import (
    Call,
    Callback,
    CallDirection,
    CallOutcome,
    CallSource,
    CallState,
)
from guichet.telephony.queries import contact_by_number
from guichet.tickets import services as tickets
from guichet.tickets.actors import Customer, System
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Attachment, Ticket
from guichet.tickets.queries import assignable

TELEPHONY = System("telephony")

# The channels a request can be recorded on in the desk, in the order the form offers
# them, where the brand's policy lists them.
DESK_CHANNELS = [Channel.PHONE, Channel.LETTER, Channel.EMAIL, Channel.WEB, Channel.CHAT]
# A call logged by hand may start this far in the future (clocks differ by a little).
CLOCK_SKEW = timedelta(minutes=5)
# Outcomes that make sense for each direction.
OUTCOMES = {
    CallDirection.INBOUND: {
        CallOutcome.ANSWERED,
        CallOutcome.MISSED,
        CallOutcome.VOICEMAIL,
        CallOutcome.FORWARDED,
    },
    CallDirection.OUTBOUND: {
        CallOutcome.ANSWERED,
        CallOutcome.NO_ANSWER,
        CallOutcome.VOICEMAIL,
        CallOutcome.BUSY,
        CallOutcome.FAILED,
    },
}
# A callback is due by default after the phone channel's `respond_within`, else this.
DEFAULT_CALLBACK_DELAY = Duration(days=1)


def _not_found() -> InvalidRequest:
    # The same words as a missing object: another brand's does not exist here.
    return InvalidRequest(_("Not found."), code="not_found")


def _check_brand(brand: Brand, *objects: Any) -> None:
    for obj in objects:
        if obj is not None and obj.brand_id != brand.pk:
            raise _not_found()


def _check_ticket(ticket: Ticket | None, actor: User) -> None:
    """A complaint about the actor is out of their reach (AB-3), as if it did not exist."""
    if ticket is not None and ticket.concerned_agent_id == actor.pk:
        raise _not_found()


def _number(value: str, brand: Brand, *, strict: bool = True) -> str:
    """The number in E.164, read with the brand's country. Not `strict` (a call's own
    numbers, as the telephone system gives them): what is not a customer's number — an
    extension, a withheld caller — is kept as its digits."""
    if not value.strip():
        return ""
    try:
        return contacts.brand_phone(brand, value)
    except ValidationError as error:
        if not strict:
            return re.sub(r"[^\d+*#]", "", value)[:32]
        raise InvalidRequest(_("This is not a valid phone number."), code="phone") from error


def _kept(contact: Contact | None) -> Contact | None:
    """The record that stands for this one (a merged record, the one it went into)."""
    if contact is not None and contact.merged_into_id is not None:
        return Contact.objects.get(pk=contact.merged_into_id)
    return contact


def call_data(call: Call) -> dict[str, Any]:
    """What a ticket's CALL_LOGGED event keeps of the call: codes and numbers, never words
    (the timeline and the reports write them in the reader's language)."""
    return {
        "call": call.pk,
        "direction": call.direction,
        "outcome": call.outcome,
        "answered": call.answered_at is not None,
        "wait_s": call.wait_s,
        "duration_s": call.duration_s,
        "started_at": call.started_at.isoformat(),
        "source": call.source,
        "callback": call.callback_id,
    }


def _record_call(call: Call, actor: User | System) -> None:
    """CALL_LOGGED on the call's ticket, once the call is over (a call put on a ticket while
    it goes on is recorded there when it ends): once per call."""
    if call.ticket is not None and call.state == CallState.ENDED:
        tickets.ticket_record(
            ticket=call.ticket, actor=actor, verb=Verb.CALL_LOGGED, data=call_data(call)
        )


# --- calls an agent writes down -----------------------------------------------------------------


def call_log(
    *,
    brand: Brand,
    actor: User,
    direction: str,
    started_at: datetime,
    outcome: str,
    duration_s: int | None = None,
    wait_s: int | None = None,
    contact: Contact | None = None,
    ticket: Ticket | None = None,
    callback: Callback | None = None,
    from_number: str = "",
    to_number: str = "",
    callback_wanted: bool = False,
    note: str = "",
) -> Call:
    """Write down a call that took place (or did not get through): who called whom, when,
    how it ended and how long it lasted. On a ticket, CALL_LOGGED is recorded on it. The
    customer is the ticket's when not given, else the one whose number it is (a number
    unknown to the brand: no customer)."""
    require(actor, Action.REPLY, brand=brand)
    _check_brand(brand, contact, ticket, callback)
    _check_ticket(ticket, actor)
    if direction not in CallDirection.values:
        raise InvalidRequest(_("Say whether the customer called or was called."), code="direction")
    if outcome not in OUTCOMES[CallDirection(direction)]:
        raise InvalidRequest(_("This outcome does not fit this call."), code="outcome")
    now = clock.now()
    if started_at > now + CLOCK_SKEW:
        raise InvalidRequest(_("A call cannot start in the future."), code="started_at")
    for value in (duration_s, wait_s):
        if value is not None and not 0 <= value <= 24 * 3600:
            raise InvalidRequest(_("A call lasts between 0 seconds and a day."), code="duration")
    numbers = _number(from_number, brand, strict=False), _number(to_number, brand, strict=False)
    with brand_scope(brand), transaction.atomic():
        contact = _kept(contact or (ticket.contact if ticket is not None else None))
        if contact is None:
            customer_number = numbers[0] if direction == CallDirection.INBOUND else numbers[1]
            contact = contact_by_number(brand, customer_number)
        answered = outcome == CallOutcome.ANSWERED
        answered_at = started_at + timedelta(seconds=wait_s or 0) if answered else None
        if answered and answered_at is not None:
            ended_at = answered_at + timedelta(seconds=duration_s or 0)
        else:
            ended_at = started_at + timedelta(seconds=wait_s or 0)
        call = Call.objects.create(
            brand=brand,
            contact=contact,
            ticket=ticket,
            callback=callback,
            direction=direction,
            from_number=numbers[0],
            to_number=numbers[1],
            source=CallSource.DESK,
            state=CallState.ENDED,
            started_at=started_at,
            answered_at=answered_at,
            ended_at=ended_at,
            wait_s=wait_s,
            duration_s=duration_s if answered else None,
            outcome=outcome,
            agent=actor,
            callback_wanted=callback_wanted,
            note=note.strip(),
            created_at=now,
            updated_at=now,
        )
        _record_call(call, actor)
    return call


def call_attach(*, call: Call, ticket: Ticket, actor: User) -> Call:
    """Put a call (one the telephone system reported) on a ticket of its brand: CALL_LOGGED
    is recorded there (at its end, for a call still going on). A call on a ticket already
    stays there."""
    brand = ticket.brand
    require(actor, Action.REPLY, brand=brand)
    _check_brand(brand, call)
    _check_ticket(ticket, actor)
    with brand_scope(brand), transaction.atomic():
        locked = Call.objects.select_for_update().get(pk=call.pk)
        if locked.ticket_id is not None:
            if locked.ticket_id == ticket.pk:
                return locked
            raise InvalidRequest(_("This call is on another ticket already."), code="call_taken")
        locked.ticket = ticket
        locked.contact = locked.contact or ticket.contact
        locked.updated_at = clock.now()
        locked.save(update_fields=["ticket", "contact", "updated_at"])
        _record_call(locked, actor)
    return locked


# --- calls the telephone system reports (CTI) ----------------------------------------------------


# Zammad's hangup causes, as outcomes of a call nobody answered (an answered call's outcome is
# "answered", whatever ended it).
_CAUSES = {
    "busy": CallOutcome.BUSY,
    "congestion": CallOutcome.FAILED,
    "notfound": CallOutcome.FAILED,
    "forwarded": CallOutcome.FORWARDED,
    "voicemail": CallOutcome.VOICEMAIL,
}


def _unanswered(direction: str, cause: str) -> str:
    outcome = _CAUSES.get(cause.lower())
    if outcome is not None:
        return outcome
    # cancel, noAnswer, normalClearing before an answer, or a cause we do not know.
    return CallOutcome.MISSED if direction == CallDirection.INBOUND else CallOutcome.NO_ANSWER


@dataclass(frozen=True)
class CallSeen:
    """What every event of the telephone system says of its call (CTI: `direction`, `from`,
    `to`, `user[]`): enough to make the call when its ring was never reported (a newCall
    lost, or arriving after the answer or the hang-up)."""

    direction: str
    from_number: str = ""
    to_number: str = ""
    users: Sequence[str] = ()


# What the telephone system names as the answering party when a voicemail took the call
# (Zammad's convention: the answer event's `user` is "voicemail"): nobody answered.
VOICEMAIL = "voicemail"


def _make_reported(
    brand: Brand, external_id: str, seen: CallSeen, at: datetime, agent: User | None
) -> tuple[Call, bool]:
    """The call of this id, made ringing since `at` if there is none: (call, made). Two
    events of one new call at once make one call (the second finds the first's)."""
    numbers = (
        _number(seen.from_number, brand, strict=False),
        _number(seen.to_number, brand, strict=False),
    )
    customer_number = numbers[0] if seen.direction == CallDirection.INBOUND else numbers[1]
    now = clock.now()
    try:
        with transaction.atomic():
            made = Call.objects.create(
                brand=brand,
                contact=contact_by_number(brand, customer_number),
                direction=seen.direction,
                from_number=numbers[0],
                to_number=numbers[1],
                external_id=external_id,
                source=CallSource.CTI,
                state=CallState.RINGING,
                started_at=at,
                cti_users=[str(user)[:200] for user in seen.users][:20],
                agent=agent,
                created_at=now,
                updated_at=now,
            )
            return made, True
    except IntegrityError:
        return Call.objects.select_for_update().get(brand=brand, external_id=external_id), False


def call_ring(
    *,
    brand: Brand,
    external_id: str,
    direction: str,
    from_number: str,
    to_number: str,
    at: datetime,
    users: Sequence[str] = (),
    agent: User | None = None,
) -> Call:
    """A call begins to ring (CTI newCall). The customer is found by their number; `agent`
    is the member of the staff who makes an outbound call, when the telephone system names
    them. The same call id again (a retried event, or a newCall arriving after the call's
    answer or end made it) gives the call already made."""
    external_id = external_id.strip()
    if not external_id:
        raise InvalidRequest(_("A call from the telephone system needs its id."), code="call_id")
    if direction not in CallDirection.values:
        raise InvalidRequest(_("Say whether the customer called or was called."), code="direction")
    with brand_scope(brand), transaction.atomic():
        found = Call.objects.filter(brand=brand, external_id=external_id).first()
        if found is not None:
            return found
        seen = CallSeen(direction, from_number, to_number, users)
        return _make_reported(brand, external_id, seen, at, agent)[0]


def _reported(
    brand: Brand, external_id: str, seen: CallSeen | None, at: datetime
) -> tuple[Call, bool]:
    """The call of this id, locked: (call, made). Unknown, it is made from what the event
    says of it (`seen`) — ringing since `at`, its start unknown —, else it is not found."""
    external_id = external_id.strip()
    found = Call.objects.select_for_update().filter(brand=brand, external_id=external_id).first()
    if found is not None:
        return found, False
    if seen is None or not external_id or seen.direction not in CallDirection.values:
        raise _not_found()
    return _make_reported(brand, external_id, seen, at, None)


def call_answer(
    *,
    brand: Brand,
    external_id: str,
    at: datetime,
    answering_number: str = "",
    agent: User | None = None,
    voicemail: bool = False,
    seen: CallSeen | None = None,
) -> Call:
    """Someone answered the ringing call (CTI answer): the caller's wait ends. An answer
    reported twice, or after the hang-up, changes nothing. A `voicemail` that took the
    call is nobody: the call goes on ringing for the reports (it ends missed, as
    voicemail). A call whose ring was never reported is made from `seen` (if given),
    answered at `at` with its wait unknown (`wait_s` None: it does not count in "answered
    within 30 s"), rather than lost."""
    with brand_scope(brand), transaction.atomic():
        call, made = _reported(brand, external_id, seen, at)
        if call.state != CallState.RINGING:
            return call
        call.updated_at = clock.now()
        if voicemail:
            call.answering_number = VOICEMAIL
            call.save(update_fields=["answering_number", "updated_at"])
            return call
        answered_at = max(at, call.started_at)
        call.state = CallState.ANSWERED
        call.answered_at = answered_at
        call.wait_s = None if made else int((answered_at - call.started_at).total_seconds())
        call.answering_number = answering_number.strip()[:40]
        call.agent = agent or call.agent
        call.save()
    return call


def call_hangup(
    *,
    brand: Brand,
    external_id: str,
    at: datetime,
    cause: str = "",
    agent: User | None = None,
    seen: CallSeen | None = None,
) -> Call:
    """The call ended (CTI hangup): its length, or — never answered — how long the caller
    waited and why it ended (an inbound call nobody answered is missed; one a voicemail
    took, voicemail). Reported twice, the first end counts. A call already on a ticket
    records CALL_LOGGED there. `agent`: who answered, when the answer did not say.

    A call never reported before is made from `seen` (if given), rather than lost: it
    began and ended at `at`, its wait unknown; `normalClearing` ("hung up after the call
    was established") says it was answered, any other cause that it was not."""
    with brand_scope(brand), transaction.atomic():
        call, made = _reported(brand, external_id, seen, at)
        if call.state == CallState.ENDED:
            return call
        ended_at = max(at, call.answered_at or call.started_at)
        call.state = CallState.ENDED
        call.ended_at = ended_at
        call.cause = cause.strip()[:40]
        if made and call.cause.lower() == "normalclearing":
            # Answered, when is unknown: no wait, no length.
            call.answered_at = ended_at
        if call.answered_at is not None:
            call.outcome = CallOutcome.ANSWERED
            call.duration_s = None if made else int((ended_at - call.answered_at).total_seconds())
            call.agent = call.agent or agent
        elif call.answering_number == VOICEMAIL:
            call.outcome = CallOutcome.VOICEMAIL
        else:
            call.outcome = _unanswered(call.direction, call.cause)
        if call.answered_at is None:
            call.wait_s = None if made else int((ended_at - call.started_at).total_seconds())
        call.updated_at = clock.now()
        call.save()
        _record_call(call, TELEPHONY)
    return call


# --- callbacks -----------------------------------------------------------------------------------


def default_callback_due(brand: Brand, start: datetime | None = None) -> datetime:
    """When a callback asked for at `start` (now) is due: the brand's phone channel's
    `respond_within`, else one business day, counted in its opening hours (the channel's
    own hours if it has some) on the brand's business calendar."""
    start = start or clock.now()
    policy = brand.get_policy()
    channel = policy.channel(Channel.PHONE)
    delay = (channel.respond_within if channel else None) or DEFAULT_CALLBACK_DELAY
    engine = engine_for(brand)
    calendar = engine.calendar
    if channel is not None and channel.hours is not None:
        calendar = BusinessCalendar.from_policy(policy.calendar, hours=channel.hours)
    return add_duration("business_hours", calendar, start, delay)


def _team(brand: Brand, team: Team | None, ticket: Ticket | None) -> Team | None:
    """The team given, else the ticket's, else the policy's first level's."""
    if team is not None:
        return team
    team_id = ticket.team_id if ticket is not None and ticket.team_id else None
    if team_id is None:
        team_key = brand.get_policy().level_at(1).team
        team_id = team_id_for(brand.pk, team_key) if team_key else None
    return Team.objects.filter(pk=team_id).first() if team_id else None


def callback_plan(
    *,
    brand: Brand,
    actor: User,
    contact: Contact,
    phone: str = "",
    due_at: datetime | None = None,
    assignee: User | None = None,
    team: Team | None = None,
    ticket: Ticket | None = None,
    call: Call | None = None,
    note: str = "",
) -> Callback:
    """Plan a call back to the customer, due at `due_at` (by default: `default_callback_due`),
    for `assignee` (oneself; another person needs the right to assign) or, for nobody, the
    team given or the ticket's (else the first level's). The number is the one given, else
    the call's, else the customer's first. On a ticket, CALLBACK_PLANNED is recorded."""
    require(actor, Action.REPLY, brand=brand)
    _check_brand(brand, contact, ticket, call, team)
    _check_ticket(ticket, actor)
    if assignee is not None and assignee.pk != actor.pk:
        require(actor, Action.ASSIGN, brand=brand)
        assignee = assignable(brand, assignee.pk)
    now = clock.now()
    due_at = due_at or default_callback_due(brand, now)
    if due_at < now - CLOCK_SKEW:
        raise InvalidRequest(_("A callback cannot be due in the past."), code="due_at")
    with brand_scope(brand), transaction.atomic():
        kept = _kept(contact)
        assert kept is not None
        number = _number(phone, brand) or (call.number if call is not None else "")
        if not number:
            first = kept.phones.order_by("-is_primary", "pk").first()
            number = first.number if first is not None else ""
        if not number:
            raise InvalidRequest(_("Give the number to call back."), code="phone")
        callback = Callback.objects.create(
            brand=brand,
            contact=kept,
            ticket=ticket,
            call=call,
            phone=number,
            due_at=due_at,
            assignee=assignee,
            team=None if assignee is not None else _team(brand, team, ticket),
            note=note.strip(),
            created_at=now,
            created_by=actor,
        )
        if ticket is not None:
            tickets.ticket_record(
                ticket=ticket,
                actor=actor,
                verb=Verb.CALLBACK_PLANNED,
                data={
                    "callback": callback.pk,
                    "due_at": due_at.isoformat(),
                    "to": assignee.pk if assignee is not None else None,
                    "team_id": callback.team_id,
                },
            )
    return callback


def callback_for_call(*, call: Call, actor: User) -> Callback:
    """Plan a callback for a call (a missed one): to the caller's number, for the call's
    ticket's team (else the first level's), by default due. A caller the brand does not
    know becomes a customer with that number; a call without a number cannot be returned."""
    brand = call.brand
    require(actor, Action.REPLY, brand=brand)
    if not call.number:
        raise InvalidRequest(_("This call has no number to call back."), code="phone")
    with brand_scope(brand), transaction.atomic():
        contact = call.contact or contacts.contact_for_phone(brand=brand, phone=call.number)
        if call.contact is None:
            Call.objects.filter(pk=call.pk).update(contact=contact, updated_at=clock.now())
            call.contact = contact
        return callback_plan(
            brand=brand,
            actor=actor,
            contact=contact,
            phone=call.number,
            ticket=call.ticket,
            call=call,
        )


def callback_assign(
    *, callback: Callback, actor: User, assignee: User | None, team: Team | None = None
) -> Callback:
    """Give the callback to `assignee`, or to `team` (none: the ticket's, else the first
    level's). Anyone who may reply takes a callback for themselves and gives their own
    back to its team; giving one to someone else, or moving it between teams, needs the
    right to assign."""
    brand = callback.brand
    require(actor, Action.REPLY, brand=brand)
    _check_brand(brand, team)
    taking = assignee is not None and assignee.pk == actor.pk
    releasing = assignee is None and team is None and callback.assignee_id == actor.pk
    if not (taking or releasing):
        require(actor, Action.ASSIGN, brand=brand)
    if assignee is not None:
        assignee = assignable(brand, assignee.pk)
    with brand_scope(brand), transaction.atomic():
        locked = (
            Callback.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .get(pk=callback.pk)
        )
        if locked.done_at is not None:
            raise InvalidRequest(_("This callback is done already."), code="done")
        locked.assignee = assignee
        locked.team = None if assignee is not None else _team(brand, team, locked.ticket)
        locked.save(update_fields=["assignee", "team"])
    return locked


def callback_done(
    *,
    callback: Callback,
    actor: User,
    note: str = "",
    outcome: str = "",
    duration_s: int | None = None,
) -> Callback:
    """The customer was called back. With `outcome`, the call is logged (an outbound call
    to the callback's number, on its ticket); a call that did not reach the customer (no
    answer, busy, voicemail) is an attempt: the callback stays open. Without, it is done
    (the customer was reached some other way; `note` says how). On its ticket,
    CALLBACK_DONE is recorded."""
    brand = callback.brand
    require(actor, Action.REPLY, brand=brand)
    _check_ticket(callback.ticket, actor)
    with brand_scope(brand), transaction.atomic():
        locked = (
            Callback.objects.select_for_update(of=("self",))
            .select_related("ticket")
            .get(pk=callback.pk)
        )
        if locked.done_at is not None:
            raise InvalidRequest(_("This callback is done already."), code="done")
        now = clock.now()
        if outcome:
            call_log(
                brand=brand,
                actor=actor,
                direction=CallDirection.OUTBOUND,
                started_at=now - timedelta(seconds=duration_s or 0),
                outcome=outcome,
                duration_s=duration_s,
                contact=locked.contact,
                ticket=locked.ticket,
                callback=locked,
                to_number=locked.phone,
                note=note,
            )
            if outcome != CallOutcome.ANSWERED:
                return locked
        locked.done_at, locked.done_by, locked.done_note = now, actor, note.strip()
        locked.save(update_fields=["done_at", "done_by", "done_note"])
        if locked.ticket is not None:
            tickets.ticket_record(
                ticket=locked.ticket,
                actor=actor,
                verb=Verb.CALLBACK_DONE,
                data={
                    "callback": locked.pk,
                    "reached": outcome == CallOutcome.ANSWERED,
                    "attempts": locked.attempts.count(),
                    "late": now > locked.due_at,
                },
            )
    callback.done_at, callback.done_by, callback.done_note = locked.done_at, actor, locked.done_note
    return locked


# --- customers and their requests, recorded in the desk ------------------------------------------


def customer_create(
    *, brand: Brand, actor: User, name: str, email: str = "", phone: str = "", language: str = ""
) -> Contact:
    """A new customer of the brand, with their address and number. An address or a number
    the brand knows already is refused (`exists`): the agent picks that customer instead,
    so one person does not become two records."""
    require(actor, Action.REPLY, brand=brand)
    if language and language not in brand.languages:
        raise InvalidRequest(
            _("The language “%(value)s” is not one of the brand's languages."),
            code="language",
            value=language,
        )
    if not email.strip() and not phone.strip():
        raise InvalidRequest(
            _("Give the customer's email address or phone number."), code="contact"
        )
    try:
        address = contacts.normalise_email(email) if email.strip() else ""
    except ValidationError as error:
        raise InvalidRequest(_("This is not a valid email address."), code="email") from error
    number = _number(phone, brand)
    with brand_scope(brand), transaction.atomic():
        if address and ContactEmail.objects.filter(brand=brand, address=address).exists():
            raise InvalidRequest(
                _("A customer with this email address exists: find them above."), code="exists"
            )
        if number and contact_by_number(brand, number) is not None:
            raise InvalidRequest(
                _("A customer with this phone number exists: find them above."), code="exists"
            )
        if address:
            contact = contacts.contact_for_email(
                brand=brand, email=address, name=name, language=language
            )
            if number:
                contacts.contact_add_phone(contact=contact, phone=number)
        else:
            contact = contacts.contact_for_phone(
                brand=brand, phone=number, name=name, language=language
            )
    return contact


@dataclass(frozen=True)
class NewCustomer:
    """A customer the brand does not know yet (`customer_create`)."""

    name: str
    email: str = ""
    phone: str = ""
    language: str = ""


@dataclass(frozen=True)
class CallNote:
    """A call told by the agent who took or made it."""

    direction: str
    started_at: datetime
    outcome: str
    duration_s: int | None = None
    number: str = ""


@dataclass(frozen=True)
class CallbackAsk:
    """The customer wants to be called back: by when (None: by default), by whom (the
    agent, or the ticket's team), at which number (none: the customer's)."""

    due_at: datetime | None = None
    to_me: bool = True
    phone: str = ""
    note: str = ""


@dataclass(frozen=True)
class Recorded:
    ticket: Ticket
    call: Call | None
    callback: Callback | None
    # Whether the acknowledgement went to the customer (by email): without an address,
    # or for a blocked customer, the agent tells them the reference themselves.
    acknowledged: bool


def _remember_number(contact: Contact, number: str) -> None:
    if not number.strip():
        return
    try:
        contacts.contact_add_phone(contact=contact, phone=number)
    except ValidationError as error:
        raise InvalidRequest(_("This is not a valid phone number."), code="phone") from error
    except InvalidRequest as refused:
        if refused.code != "phone_taken":
            raise


def desk_channels(brand: Brand) -> list[str]:
    """The channels the brand's policy lists that a request can be recorded on in the desk."""
    policy = brand.get_policy()
    listed = {channel.kind for channel in policy.channels}
    return [channel for channel in DESK_CHANNELS if channel in listed]


def request_record(
    *,
    brand: Brand,
    actor: User,
    contact: Contact | NewCustomer,
    channel: str,
    contact_type: str,
    subject: str,
    text: str,
    category: str = "",
    attachments: Sequence[Attachment] = (),
    received_at: datetime | None = None,
    call: CallNote | None = None,
    reported_call: Call | None = None,
    callback: CallbackAsk | None = None,
    blocked_confirmed: bool = False,
) -> Recorded:
    """Open a ticket for a customer who called, wrote or came in (or a new customer, made
    in the same transaction), as the agent records it for them (`Customer(contact, recorded_by=actor)`: the request stays the customer's), on
    a channel of the brand's policy, with — on the phone — the call (told by the agent, or
    one the telephone system reported) and a callback, all or nothing.

    The acknowledgement goes by email to a customer who has an address; a customer without
    one, or blocked, gets none (`Recorded.acknowledged`). A blocked customer's request is
    recorded only when the agent confirms it (`blocked_confirmed`, AB-2: correspondence
    with them stopped; nothing is sent to them)."""
    require(actor, Action.REPLY, brand=brand)
    known = contact if isinstance(contact, Contact) else None
    _check_brand(brand, known, reported_call)
    if channel not in desk_channels(brand):
        raise InvalidRequest(
            _("This brand does not take requests on this channel."), code="channel"
        )
    known = _kept(known)
    blocked = known is not None and known.blocked_since is not None
    if blocked and not blocked_confirmed:
        raise InvalidRequest(
            _(
                "This customer is blocked: correspondence with them stopped. Confirm that "
                "this request must be recorded all the same."
            ),
            code="blocked",
        )
    if (call is not None or reported_call is not None) and channel != Channel.PHONE:
        raise InvalidRequest(_("A call is logged on a phone request."), code="channel")
    if received_at is not None and received_at > clock.now() + CLOCK_SKEW:
        raise InvalidRequest(_("A request cannot be received in the future."), code="received_at")
    with brand_scope(brand), transaction.atomic():
        if isinstance(contact, NewCustomer):
            kept = customer_create(
                brand=brand,
                actor=actor,
                name=contact.name,
                email=contact.email,
                phone=contact.phone,
                language=contact.language,
            )
        else:
            assert known is not None
            kept = known
        acknowledge = bool(kept.primary_email) and not blocked
        ticket = tickets.ticket_open(
            brand=brand,
            contact=kept,
            contact_type=contact_type,
            category=category,
            subject=subject,
            text=text,
            channel=channel,
            attachments=attachments,
            received_at=received_at,
            acknowledge=acknowledge,
            actor=Customer(kept, recorded_by=actor),
        )
        # The number the customer called from, or is to be called back at, is theirs
        # from now on (unless it is another customer's): their next call is recognised.
        for number in (call.number if call else "", callback.phone if callback else ""):
            _remember_number(kept, number)
        logged: Call | None = None
        if reported_call is not None:
            logged = call_attach(call=reported_call, ticket=ticket, actor=actor)
        elif call is not None:
            inbound = call.direction == CallDirection.INBOUND
            logged = call_log(
                brand=brand,
                actor=actor,
                direction=call.direction,
                started_at=call.started_at,
                outcome=call.outcome,
                duration_s=call.duration_s,
                contact=kept,
                ticket=ticket,
                from_number=call.number if inbound else "",
                to_number="" if inbound else call.number,
                callback_wanted=callback is not None,
            )
        planned: Callback | None = None
        if callback is not None:
            planned = callback_plan(
                brand=brand,
                actor=actor,
                contact=kept,
                phone=callback.phone or (call.number if call is not None else ""),
                due_at=callback.due_at,
                assignee=actor if callback.to_me else None,
                ticket=ticket,
                call=logged,
                note=callback.note,
            )
        acknowledged = ticket.acknowledged_at is not None
    return Recorded(ticket=ticket, call=logged, callback=planned, acknowledged=acknowledged)
