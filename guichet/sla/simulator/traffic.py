"""The simulator's made-up traffic: when tickets arrive, by which channel, of which contact
type, category and complexity (`Traffic.generate`), and what will happen to each, drawn
when it arrives (`Script`). The figures and what they assume are in `model.py`."""

from __future__ import annotations

import math
import random
from bisect import bisect_right
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate

from guichet.policies.schema import Policy
from guichet.sla.businesstime import BusinessCalendar
from guichet.sla.simulator.model import (
    AFTER_PAUSE_DAYS,
    AFTER_SELLER_DAYS,
    AGENT_ESCALATES,
    AGENT_ESCALATION_DAYS,
    ANSWER_DAYS,
    ANSWER_SIGMA,
    ANSWERED_AT_ONCE,
    ASK_HOURS,
    ASK_SIGMA,
    CHANNEL_WEIGHTS,
    COMMENT_NEEDS_REPLY,
    COMPLEX_SHARE,
    COMPLEX_SHARE_OTHERS,
    CONTACT_TYPE_WEIGHTS,
    CUSTOMER_ANSWER_HOURS,
    CUSTOMER_ANSWER_SIGMA,
    CUSTOMER_NEVER_ANSWERS,
    DECIDED_TYPES,
    DELIVERED_DAYS,
    DELIVERED_SIGMA,
    FINAL_LEVEL_DAYS,
    FIRST_RESPONSE_HOURS,
    FIRST_RESPONSE_SIGMA,
    HOLIDAY_FACTOR,
    HOUR_WEIGHTS,
    LEVEL_DAYS,
    LEVEL_SIGMA,
    LIVE_MINUTES,
    LIVE_SIGMA,
    NEVER_SENDS,
    OFFICE_ONLY,
    OPEN_HOUR_FACTOR,
    OUTCOME_WEIGHTS,
    OUTCOMES,
    PAUSE_SHARE,
    PAUSE_SHARE_OTHERS,
    REFUND_DAYS,
    REFUND_SIGMA,
    RETURN_SHARE,
    SELLER_ANSWER_HOURS,
    SELLER_ANSWER_SIGMA,
    SELLER_ASKED_SHARE,
    SELLER_NEVER_ANSWERS,
    SELLER_TYPES,
    SENDS_BACK_HOURS,
    SENDS_BACK_SIGMA,
    SOLVED_LIVE,
    WEEKDAY_WEIGHTS,
)


@dataclass
class Script:
    """What will happen to a ticket, drawn when it arrives (so the draws do not depend on
    what the engine does with it)."""

    first_hours: float
    live_minutes: float
    solved_live: bool
    answered_at_once: bool
    pauses: bool
    customer_hours: float
    never_answers: bool
    after_pause_days: float
    answer_days: float
    agent_escalates: bool
    agent_escalation_days: float
    needs_reply: bool
    level_days: list[float]  # per level (index 0 = level 1, unused)
    outcomes: list[str]  # per level
    asks_next: list[float]  # per level: uniform draw compared with ASKS_NEXT_LEVEL
    ask_hours: list[float]
    # A marketplace's dispute: the seller asked (its index in the pool), when it answers
    # (calendar hours after it is asked) or that it never does, and how long after that
    # (or after its deadline) the decision comes, in open days.
    seller: int | None = None
    seller_hours: float = 0.0
    seller_never: bool = False
    after_seller_days: float = 0.0
    # A return request with a returns policy where an item comes back: delivered `days`
    # before the request, back `sends_back_hours` after the instructions (or never),
    # refunded `refund_days` open days after it came back.
    returns_item: bool = False
    delivered_days: float = 0.0
    sends_back_hours: float = 0.0
    never_sends: bool = False
    refund_days: float = 0.0


@dataclass(frozen=True)
class Arrival:
    at: datetime
    contact_type: str
    channel: str
    category: str
    complexity: str
    script: Script


class Traffic:
    """Arrivals: when, by which channel, what kind of request; and each ticket's script."""

    def __init__(self, policy: Policy, calendar: BusinessCalendar, rng: random.Random) -> None:
        self.policy = policy
        self.calendar = calendar
        self.rng = rng
        self.zone = calendar.timezone
        kinds: list[str] = []
        for channel in policy.channels:
            if channel.kind in CHANNEL_WEIGHTS and channel.kind not in kinds:
                kinds.append(channel.kind)
        if not kinds:
            raise ValueError(
                "the policy has no channel that brings tickets "
                f"({', '.join(sorted(CHANNEL_WEIGHTS))})"
            )
        self.channels = kinds
        self.channel_cum = list(accumulate(CHANNEL_WEIGHTS[k] for k in kinds))
        self.anytime = [k for k in kinds if k not in OFFICE_ONLY]
        self.anytime_cum = list(accumulate(CHANNEL_WEIGHTS[k] for k in self.anytime))
        # A channel's own opening hours decide when it takes calls; otherwise the brand's.
        self.channel_hours: dict[str, BusinessCalendar] = {}
        for kind in kinds:
            own = policy.channel(kind)
            if own is not None and own.hours is not None:
                self.channel_hours[kind] = BusinessCalendar.from_policy(
                    policy.calendar, hours=own.hours
                )
        self.types = [c.type for c in policy.contact_types]
        self.type_cum = list(accumulate(CONTACT_TYPE_WEIGHTS.get(t, 1.0) for t in self.types))
        self.categories = [c.key for c in policy.categories]
        self.category_cum = list(accumulate(1 / (1 + 0.3 * i) for i in range(len(self.categories))))
        self.levels = len(policy.levels)

    def generate(self, start: date, days: int, per_day: int) -> list[Arrival]:
        from zoneinfo import ZoneInfo

        zone = ZoneInfo(self.zone)
        rng = self.rng
        mean_weight = sum(WEEKDAY_WEIGHTS) / 7
        arrivals: list[Arrival] = []
        for offset in range(days):
            day = start + timedelta(days=offset)
            rate = per_day * WEEKDAY_WEIGHTS[day.weekday()] / mean_weight
            if not self.calendar.is_open_day(day) and self.calendar.hours[day.weekday()]:
                rate *= HOLIDAY_FACTOR  # a holiday or closure on a usual opening day
            hour_cum = list(
                accumulate(
                    weight
                    * (
                        OPEN_HOUR_FACTOR
                        if self.calendar.is_open(datetime.combine(day, time(hour, 30), zone))
                        else 1.0
                    )
                    for hour, weight in enumerate(HOUR_WEIGHTS)
                )
            )
            moments = []
            for _arrival in range(_poisson(rng, rate)):
                hour = bisect_right(hour_cum, rng.random() * hour_cum[-1])
                local = datetime.combine(day, time(min(hour, 23)), zone)
                moments.append(local.astimezone(UTC) + timedelta(seconds=rng.random() * 3600))
            moments.sort()
            for at in moments:
                arrivals.append(self.arrival(at))
        arrivals.sort(key=lambda a: a.at)
        return arrivals

    def pick(self, items: Sequence[str], cum: Sequence[float]) -> str:
        return items[bisect_right(cum, self.rng.random() * cum[-1])]

    def arrival(self, at: datetime) -> Arrival:
        rng = self.rng
        channel = self.pick(self.channels, self.channel_cum)
        if channel in OFFICE_ONLY:
            hours = self.channel_hours.get(channel, self.calendar)
            if not hours.is_open(at):
                if self.anytime:
                    channel = self.pick(self.anytime, self.anytime_cum)
                else:
                    at = hours.next_open(at)
        contact_type = self.pick(self.types, self.type_cum)
        category = self.pick(self.categories, self.category_cum)
        share = COMPLEX_SHARE.get(contact_type, COMPLEX_SHARE_OTHERS)
        complexity = "complex" if rng.random() < share else "simple"
        return Arrival(
            at, contact_type, channel, category, complexity, self.script(contact_type, complexity)
        )

    def script(self, contact_type: str, complexity: str) -> Script:
        """Every draw a ticket may need, in a fixed number and order (a seller's and a
        return's only for the tickets that may have them)."""
        script = self.handling(contact_type, complexity)
        rng = self.rng
        if contact_type in SELLER_TYPES and self.policy.marketplace is not None:
            asked = rng.random() < SELLER_ASKED_SHARE
            seller = rng.randrange(len(SELLER_NEVER_ANSWERS))
            never = rng.random() < SELLER_NEVER_ANSWERS[seller]
            hours = _lognormal(rng, SELLER_ANSWER_HOURS, SELLER_ANSWER_SIGMA)
            after = _lognormal(rng, AFTER_SELLER_DAYS, ANSWER_SIGMA)
            if asked:  # the decision rests on the seller: not solved at once
                script = replace(
                    script,
                    solved_live=False,
                    answered_at_once=False,
                    seller=seller,
                    seller_hours=hours,
                    seller_never=never,
                    after_seller_days=after,
                )
        if contact_type == "return_refund" and self.policy.returns is not None:
            item = rng.random() < RETURN_SHARE
            delivered = _lognormal(rng, DELIVERED_DAYS, DELIVERED_SIGMA)
            back = _lognormal(rng, SENDS_BACK_HOURS, SENDS_BACK_SIGMA)
            never_sends = rng.random() < NEVER_SENDS
            refund = _lognormal(rng, REFUND_DAYS, REFUND_SIGMA)
            if item:  # the return is the wait: no question first, nothing solved at once
                script = replace(
                    script,
                    solved_live=False,
                    answered_at_once=False,
                    pauses=False,
                    returns_item=True,
                    delivered_days=delivered,
                    sends_back_hours=back,
                    never_sends=never_sends,
                    refund_days=refund,
                )
        return script

    def handling(self, contact_type: str, complexity: str) -> Script:
        """What staff and the customer do: every ticket's draws."""
        rng = self.rng
        decided = contact_type in DECIDED_TYPES
        rule = self.policy.contact_type(contact_type)
        reply = rule.reply if rule is not None else "required"
        service_issue = rng.random() < COMMENT_NEEDS_REPLY
        needs_reply = service_issue if reply == "if_service" else reply != "none"
        thanks = rule is not None and rule.thank_and_forward
        final = self.levels
        return Script(
            first_hours=_lognormal(rng, FIRST_RESPONSE_HOURS, FIRST_RESPONSE_SIGMA),
            live_minutes=_lognormal(rng, LIVE_MINUTES, LIVE_SIGMA),
            solved_live=rng.random() < SOLVED_LIVE.get((complexity, decided), 0.0),
            answered_at_once=rng.random() < ANSWERED_AT_ONCE.get((complexity, decided), 0.0)
            or thanks,
            pauses=rng.random() < PAUSE_SHARE.get(contact_type, PAUSE_SHARE_OTHERS),
            customer_hours=_lognormal(rng, CUSTOMER_ANSWER_HOURS, CUSTOMER_ANSWER_SIGMA),
            never_answers=rng.random() < CUSTOMER_NEVER_ANSWERS,
            after_pause_days=_lognormal(rng, AFTER_PAUSE_DAYS[complexity], ANSWER_SIGMA),
            answer_days=_lognormal(rng, ANSWER_DAYS[complexity], ANSWER_SIGMA),
            agent_escalates=rng.random() < AGENT_ESCALATES[(decided, complexity)],
            agent_escalation_days=_lognormal(rng, AGENT_ESCALATION_DAYS, ANSWER_SIGMA),
            needs_reply=needs_reply,
            level_days=[
                _lognormal(rng, FINAL_LEVEL_DAYS if n == final else LEVEL_DAYS, LEVEL_SIGMA)
                for n in range(1, final + 1)
            ],
            outcomes=[rng.choices(OUTCOMES, OUTCOME_WEIGHTS)[0] for _level in range(final)],
            asks_next=[rng.random() for _level in range(final)],
            ask_hours=[_lognormal(rng, ASK_HOURS, ASK_SIGMA) for _level in range(final)],
        )


def _lognormal(rng: random.Random, median: float, sigma: float) -> float:
    return rng.lognormvariate(math.log(median), sigma)


def _poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (counting exponential gaps in a unit interval: O(mean))."""
    if mean <= 0:
        return 0
    count, total = 0, rng.expovariate(mean)
    while total < 1.0:
        count += 1
        total += rng.expovariate(mean)
    return count
