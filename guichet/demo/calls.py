"""The demo's telephone calls: three weeks of inbound calls to each brand whose policy has a
phone channel, as its telephone system would have reported them (rung, answered or not,
hung up: `telephony.services`, what the CTI webhook calls), so the caller log, the
callbacks and the "answered within 30 s" figure have something to show. Most callers are
the brand's demo customers (their number added to their record), a few are unknown;
most calls are answered within the policy's `answer_within` (30 s by default), some
later, about one in ten is missed, and the missed calls of the last week wait in the
agents' callbacks (the older ones done)."""

from __future__ import annotations

import contextlib
import random
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.db import transaction

from guichet.accounts.models import User
from guichet.brands.models import Brand
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_add_phone
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.policies.schema import Policy
from guichet.telephony import services as telephony
from guichet.telephony.models import CallOutcome

DAYS = 21
CALLS_PER_DAY = 4
# The missed calls of the last days wait in the callbacks; the older ones were called back.
RECENT_DAYS = 6
# Numbers in each brand's country, for its callers: (country code, national prefix of a
# mobile, digits after it).
MOBILES = {"CI": ("+225", "07", 8), "MA": ("+212", "6", 8), "JM": ("+1876", "5", 6)}
DEFAULT_MOBILE = ("+1", "514555", 4)  # Canada (Jive's customers), 555: no real line


def _number(rng: random.Random, country: str) -> str:
    code, prefix, digits = MOBILES.get(country, DEFAULT_MOBILE)
    return code + prefix + "".join(str(rng.randrange(10)) for _ in range(digits))


def load_calls(
    rng: random.Random,
    brand: Brand,
    policy: Policy,
    people: dict[str, User],
    contacts: list[Contact],
    now: datetime,
    days: int = DAYS,
) -> int:
    """The brand's calls of the last `days` days, at its opening hours. Returns how many."""
    phone = policy.channel("phone")
    if phone is None:
        return 0
    zone = ZoneInfo(brand.timezone)
    within = int(phone.answer_within.as_timedelta().total_seconds()) if phone.answer_within else 30
    callers = contacts[: max(1, len(contacts) // 2)]
    numbers: dict[int, str] = {}
    made = 0
    for days_ago in range(days, 0, -1):
        day = (now - timedelta(days=days_ago)).astimezone(zone).date()
        if day.weekday() >= 5:
            continue
        for _ in range(CALLS_PER_DAY):
            local = datetime(day.year, day.month, day.day, 9, tzinfo=zone) + timedelta(
                minutes=rng.randrange(8 * 60)
            )
            started = local.astimezone(ZoneInfo("UTC"))
            caller = rng.choice(callers) if rng.random() < 0.85 else None
            number = _number(rng, brand.country)
            if caller is not None:
                number = numbers.setdefault(caller.pk, number)
            _call(rng, brand, people, phone.phone, caller, number, started, within, days_ago, made)
            made += 1
    return made


def _call(
    rng: random.Random,
    brand: Brand,
    people: dict[str, User],
    to_number: str,
    caller: Contact | None,
    number: str,
    started: datetime,
    within: int,
    days_ago: int,
    index: int,
) -> None:
    draw = rng.random()
    missed = draw < 0.1
    wait = (
        rng.randint(40, 150)
        if missed
        else (rng.randint(3, within) if draw < 0.75 else rng.randint(within + 1, within + 120))
    )
    agent = people[rng.choice(["agent", "agent", "agent2"])]
    call_id = f"demo-{brand.slug}-{index}"
    with transaction.atomic(), brand_scope(brand):
        if caller is not None:
            # Another demo customer's number already: they share a line.
            with contextlib.suppress(InvalidRequest):
                contact_add_phone(contact=caller, phone=number)
        with clock.frozen(started) as frozen:
            telephony.call_ring(
                brand=brand,
                external_id=call_id,
                direction="in",
                from_number=number,
                to_number=to_number,
                at=started,
            )
            answered = started + timedelta(seconds=wait)
            frozen.set(answered)
            if missed:
                call = telephony.call_hangup(
                    brand=brand, external_id=call_id, at=answered, cause="cancel"
                )
            else:
                telephony.call_answer(brand=brand, external_id=call_id, at=answered, agent=agent)
                ended = answered + timedelta(seconds=rng.randint(60, 600))
                frozen.set(ended)
                call = telephony.call_hangup(
                    brand=brand, external_id=call_id, at=ended, cause="normalClearing"
                )
            if call.outcome != CallOutcome.MISSED or caller is None:
                return
            frozen.set(answered + timedelta(minutes=rng.randint(2, 30)))
            callback = telephony.callback_for_call(call=call, actor=agent)
            if days_ago > RECENT_DAYS:  # called back since; the last days' wait in the list
                frozen.set(answered + timedelta(hours=rng.randint(1, 5)))
                telephony.callback_done(
                    callback=callback, actor=agent, outcome="answered", duration_s=180
                )
