"""A telephone system's call events, through Zammad's generic CTI push API (docs/telephony.md,
"The CTI webhook"), so that a PBX connector written for Zammad works by changing one URL: the
account's `/channels/cti/<token>/`.

- **Authentication**: the URL's token, as in Zammad, whose push carries no signature ("a
  unique token which acts as authentication"): the view finds the account by it (an unknown
  token: 404), and `verify` has nothing more to check. Keep the URL secret and on https;
  a reverse proxy may admit only the telephone system's address.
- **What arrives**: a POST, JSON (Zammad's recommended form) or a form
  (`application/x-www-form-urlencoded`, or `multipart/form-data` as `curl --form` sends
  it), with `event` (`newCall`, `answer`, `hangup`), `from`, `to`, `direction` (`in`,
  `out`), `callId` (at most 250 characters), `user[]` or `user` (the name of the person
  called on an inbound call — one per person of a group —, of the caller on an outbound
  one; in JSON a name or a list), `queue`, `cause` (on hangup: `normalClearing`, `busy`,
  `cancel`, `noAnswer`, `congestion`, `notFound`, `forwarded`…) and `answeringNumber`.
  Zammad sends no time: an event happened when it arrived (`InboundEvent.received_at`,
  which a replay keeps).
- **The answer**, as Zammad's: 200 and `{}` — Guichet neither rejects a blocked caller
  (AB-2: the call is taken, and the customer flagged to the agent in the caller log) nor
  rewrites an outbound caller id. A payload without a known event, a call id or a direction
  is not refused as unsigned (the token authenticated it) but kept **quarantined as
  unreadable**, replayable, and answered 422 `{"error": "unreadable", "detail": …}`, as
  Zammad answers an invalid direction.

Each event is one item (`call`, its id the call's and the event's: a retried event is
handled once) that the telephony's services turn into the call's life: `newCall` →
`call_ring`, `answer` → `call_answer`, `hangup` → `call_hangup`, found by the call id within
the account's brand only. An answer or a hang-up whose newCall never came (lost, or arriving
later) makes the call rather than losing it, its wait unknown; the late newCall then finds
it. An answer whose `user` is `voicemail` (Zammad's convention) is nobody answering.

The staff member of an event is read as Zammad reads it, among the active members of the
brand only: `answeringNumber` as a user name or an email address, else a single `user` as a
user name or a full name (`tickets.queries.staff_named`). Zammad also tries a user's id;
Guichet does not, so that an extension "42" never names the person whose internal id is 42.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from email.parser import BytesParser
from email.policy import HTTP
from typing import Any

import phonenumbers
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import HttpResponse, JsonResponse

from guichet.accounts.models import User
from guichet.brands.models import Brand
from guichet.channels.inbound import Context, Item, Quarantine, SendError, Webhook
from guichet.channels.models import (
    ChannelAccount,
    InboundEvent,
    InboundState,
    OutboundChannelMessage,
)
from guichet.contacts.services import brand_phone
from guichet.tickets.queries import staff_named

# Zammad's event names, as it writes them; read whatever their case.
EVENTS = {"newcall": "newCall", "answer": "answer", "hangup": "hangup"}
DIRECTIONS = ("in", "out")
# Zammad's call ids have at most 250 characters; a longer one is not a call id.
CALL_ID_MAX = 250
# A call id longer than this (what `Call.external_id` holds) is kept as its digest.
CALL_KEY_MAX = 100
VOICEMAIL = "voicemail"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


# --- reading ----------------------------------------------------------------------------------


def _fields(webhook: Webhook) -> dict[str, list[Any]]:
    """Every field of the payload with its values, whatever the encoding (JSON, a URL-encoded
    form, a multipart form)."""
    content_type = webhook.headers.get("content-type") or webhook.content_type
    if "multipart/form-data" in content_type.lower():
        return _multipart(content_type, webhook.body)
    if webhook.is_json:
        try:
            payload = webhook.json()
        except ValueError as error:
            raise Quarantine("unreadable", f"not JSON: {error}") from error
        if not isinstance(payload, dict):
            raise Quarantine("unreadable", "the JSON payload is not an object")
        return {
            str(name): value if isinstance(value, list) else [value]
            for name, value in payload.items()
        }
    return dict(webhook.form_lists())


def _multipart(content_type: str, body: bytes) -> dict[str, list[Any]]:
    head = f"Content-Type: {content_type}\r\n\r\n".encode("latin-1", "replace")
    message = BytesParser(policy=HTTP).parsebytes(head + body)
    if not message.is_multipart():
        raise Quarantine("unreadable", "a multipart form without its parts")
    fields: dict[str, list[Any]] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if isinstance(name, str) and name:
            content = part.get_content()
            value = content if isinstance(content, str) else content.decode("utf-8", "replace")
            fields.setdefault(name, []).append(value)
    return fields


def _text(value: Any, limit: int) -> str:
    """A field's value as text: a string or a number, no control characters, stripped."""
    if value is None or isinstance(value, dict | list | bool):
        return ""
    return " ".join(_CONTROL.sub(" ", str(value)).split())[:limit]


def _first(fields: dict[str, list[Any]], name: str, limit: int = 200) -> str:
    values = fields.get(name) or [""]
    return _text(values[0], limit)


def call_key(call_id: str) -> str:
    """The call's id as Guichet keeps it: as given, or its digest when too long to be kept
    whole (two different ids never share a key)."""
    if len(call_id) <= CALL_KEY_MAX:
        return call_id
    return "sha256:" + hashlib.sha256(call_id.encode()).hexdigest()


def read(webhook: Webhook) -> dict[str, Any]:
    """The event's fields, checked: a `Quarantine("unreadable", …)` names what is missing."""
    fields = _fields(webhook)
    named = _first(fields, "event", 40)
    event = EVENTS.get(named.lower())
    if event is None:
        raise Quarantine(
            "unreadable", f"event {named!r}: Zammad's CTI events are newCall, answer, hangup"
        )
    raw_id = (fields.get("callId") or [""])[0]
    call_id = "" if raw_id is None or isinstance(raw_id, dict | list | bool) else str(raw_id)
    call_id = call_id.strip()
    if not call_id:
        raise Quarantine("unreadable", "no callId")
    if len(call_id) > CALL_ID_MAX or _CONTROL.search(call_id):
        raise Quarantine(
            "unreadable", f"callId: at most {CALL_ID_MAX} printable characters expected"
        )
    direction = _first(fields, "direction", 10).lower()
    if direction not in DIRECTIONS:
        raise Quarantine("unreadable", f"direction {direction!r}: in or out expected")
    users = [
        name
        for value in [*fields.get("user[]", []), *fields.get("user", [])]
        if (name := _text(value, 200))
    ][:20]
    return {
        "event": event,
        "callId": call_id,
        "call": call_key(call_id),
        "direction": direction,
        "from": _first(fields, "from", 100),
        "to": _first(fields, "to", 100),
        "users": users,
        "queue": _first(fields, "queue", 100),
        "cause": _first(fields, "cause", 40),
        "answeringNumber": _first(fields, "answeringNumber", 200),
    }


def number(brand: Brand, value: str) -> str:
    """A number as the telephone system gives it, ready for the brand's customers: as given
    when the brand's country reads it; digits that cannot be a national number but are a
    valid international one written without its "+" (Zammad's examples: 493055571600) get
    it. Anything else ("anonymous", an extension) as given."""
    value = value.strip()
    if not value.isdigit() or value.startswith("0"):
        return value
    try:
        brand_phone(brand, value)
    except ValidationError:
        pass
    else:
        return value
    try:
        parsed = phonenumbers.parse("+" + value)
    except phonenumbers.NumberParseException:
        return value
    return "+" + value if phonenumbers.is_valid_number(parsed) else value


def staff_of(brand: Brand, answering: str, users: Sequence[str]) -> User | None:
    """The one active member of the brand's staff the event names (see the module's
    docstring), or None."""
    members = User.objects.filter(
        is_active=True, memberships__brand=brand, memberships__is_active=True
    )
    if answering:
        found = list(members.filter(Q(username__iexact=answering) | Q(email__iexact=answering))[:2])
        if len(found) == 1:
            return found[0]
    if len(users) == 1:
        found = list(members.filter(username__iexact=users[0])[:2])
        if len(found) == 1:
            return found[0]
        return staff_named(brand, users[0])
    return None


# --- the adapter ------------------------------------------------------------------------------


class Cti:
    provider = "cti"
    # The whole Content-Type: a multipart form's boundary, to read it again on a replay.
    headers: Sequence[str] = ("content-type", "user-agent")

    def verify(self, account: ChannelAccount, webhook: Webhook) -> None:
        """The account was found by its URL's token, which is the credential: nothing more
        to check (Zammad's push is not signed)."""

    def items(self, account: ChannelAccount, webhook: Webhook) -> list[Item]:
        data = read(webhook)
        inbound = data["direction"] == "in"
        return [
            Item(
                kind="call",
                external_id=f"{data['call']}:{data['event']}",
                sender=data["from"] if inbound else data["to"],
                data=data,
            )
        ]

    def send(self, account: ChannelAccount, outbound: OutboundChannelMessage) -> str:
        raise SendError("a telephone system takes no messages", permanent=True)

    def answer(self, event: InboundEvent) -> HttpResponse:
        """Zammad's answers: `{}`, or an error with 422 (500 for our own failure)."""
        if event.state in (InboundState.PROCESSED, InboundState.IGNORED):
            return JsonResponse({})
        detail = str(event.reason_label)
        if event.reason == "unreadable" and event.detail:
            detail = f"{detail}: {event.detail}"
        status = 500 if event.reason == "error" else 422
        return JsonResponse({"error": event.reason, "detail": detail}, status=status)


def handle_call(context: Context, item: Item) -> None:
    """A call event (`inbound.handle("call", …)`), in the event's transaction: the call's
    life through the telephony's services, at the moment the event arrived."""
    # Loaded at the first call event, not at start-up: the telephony's services bring the
    # deadline engine and the policy schema (docs/architecture.md, "Start-up").
    from guichet.telephony import services

    brand, data = context.brand, item.data
    at = context.event.received_at
    users: list[str] = data["users"]
    seen = services.CallSeen(
        direction=data["direction"],
        from_number=number(brand, data["from"]),
        to_number=number(brand, data["to"]),
        users=users,
    )
    event, key = data["event"], data["call"]
    if event == "newCall":
        # Inbound, the people named are those it rings for; outbound, the one who calls.
        agent = staff_of(brand, "", users) if seen.direction == "out" else None
        call = services.call_ring(
            brand=brand,
            external_id=key,
            direction=seen.direction,
            from_number=seen.from_number,
            to_number=seen.to_number,
            at=at,
            users=users,
            agent=agent,
        )
    elif event == "answer":
        voicemail = [user.lower() for user in users] == [VOICEMAIL]
        call = services.call_answer(
            brand=brand,
            external_id=key,
            at=at,
            answering_number=data["answeringNumber"],
            agent=None if voicemail else staff_of(brand, data["answeringNumber"], users),
            voicemail=voicemail,
            seen=seen,
        )
    else:
        call = services.call_hangup(
            brand=brand,
            external_id=key,
            at=at,
            cause=data["cause"],
            agent=staff_of(brand, data["answeringNumber"], users),
            seen=seen,
        )
    context.ticket = call.ticket
