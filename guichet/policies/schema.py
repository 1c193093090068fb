"""The typed schema of a brand's policy file (docs/requirements.md PL-5).

A policy is a TOML file. `load_policy` (loader.py) parses it, validates it against
these models (unknown keys are errors, so a typo never passes silently), then runs the
cross-reference checks of `semantic_errors`. Durations are strings such as "24h";
translated texts are tables keyed by language: { fr = "…", en = "…" }.

Adding a field: add it here with a default (so existing files stay valid), use it where
it matters, and document it in docs/policies.md.
"""

from __future__ import annotations

import itertools
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, time
from functools import cached_property
from typing import Annotated, Any, Literal

import holidays
from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    PlainSerializer,
    RootModel,
    field_validator,
    model_validator,
)

from guichet.lib.contrast import AA_TEXT, WHITE, contrast_ratio, nearest_compliant
from guichet.lib.french import typography
from guichet.policies.durations import Duration

SCHEMA_VERSION = 1

Lang = Literal["fr", "en"]
ContactTypeKey = Literal[
    "question",
    "comment",
    "compliment",
    "complaint",
    "service_request",
    "return_refund",
    "dispute",
    "data_rights",
]
ChannelKind = Literal[
    "email", "web", "chat", "phone", "social", "sms", "push", "letter", "faq", "api"
]
PriorityKey = Literal["low", "normal", "high", "urgent"]
ComplexityKey = Literal["simple", "complex"]
StaffRoleKey = Literal["agent", "team_lead", "investigator", "director", "manager", "admin"]
ClockKind = Literal["calendar", "business_hours", "business_days"]
DeadlineKind = Literal[
    "acknowledgement",
    "first_response",
    "full_answer",
    "resolution",
    "update",
    "level",
    "seller_response",
    "return_window",
    "refund",
]
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

_SLUG = r"^[a-z0-9][a-z0-9_-]{0,39}$"


def _duration(value: Any) -> Duration:
    if isinstance(value, Duration):
        return value
    return Duration.parse(value)


DurationField = Annotated[
    Duration, BeforeValidator(_duration), PlainSerializer(str, return_type=str)
]


@dataclass(frozen=True, slots=True)
class Interval:
    """An opening interval within one day, in minutes since midnight (end may be 1440)."""

    start: int
    end: int

    def __str__(self) -> str:
        return (
            f"{self.start // 60:02d}:{self.start % 60:02d}-{self.end // 60:02d}:{self.end % 60:02d}"
        )

    @property
    def start_time(self) -> time:
        return time(self.start // 60, self.start % 60)


_INTERVAL = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")


def _interval(value: Any) -> Interval:
    if isinstance(value, Interval):
        return value
    match = _INTERVAL.match(value.replace(" ", "")) if isinstance(value, str) else None
    if not match:
        raise ValueError('an opening interval is written "HH:MM-HH:MM", such as "09:00-17:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if h1 > 23 or m1 > 59 or m2 > 59 or end > 24 * 60:
        raise ValueError(f"{value!r} is not a time of day (use 00:00 to 24:00)")
    if end <= start:
        raise ValueError(f"{value!r} ends before it starts")
    return Interval(start, end)


IntervalField = Annotated[
    Interval, BeforeValidator(_interval), PlainSerializer(str, return_type=str)
]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class LocalText(RootModel[dict[Lang, str]]):
    """A text a person reads, in each of the brand's languages."""

    model_config = ConfigDict(frozen=True)

    @field_validator("root")
    @classmethod
    def _not_blank(cls, value: dict[str, str]) -> dict[str, str]:
        if not value:
            raise ValueError('give the text in at least one language: { fr = "…", en = "…" }')
        for lang, text in value.items():
            if not text.strip():
                raise ValueError(f"the {lang} text is empty")
        return value

    def get(self, lang: str, fallback: str = "fr") -> str:
        return self.pick(lang, fallback)[1]

    def pick(self, lang: str, fallback: str = "fr") -> tuple[str, str]:
        """(the language given, the text): in `lang`, else in `fallback`, else the first."""
        texts: dict[str, str] = {str(k): v for k, v in self.root.items() if v}
        for candidate in (lang, fallback):
            if candidate in texts:
                return candidate, texts[candidate]
        return next(iter(texts.items()))


def _web_address(value: Any) -> Any:
    """A link a customer follows: https:// (or http://), nothing else (no javascript:)."""
    texts = value.root.values() if isinstance(value, LocalText) else [value]
    for text in texts:
        if text and not str(text).startswith(("https://", "http://")):
            raise ValueError(f"{text!r} is not a web address (https://…)")
    return value


# --- brand and calendar ----------------------------------------------------------------------


class BrandSection(Strict):
    slug: Annotated[str, Field(pattern=_SLUG)]
    name: Annotated[str, Field(min_length=1, max_length=120)]
    legal_name: str = ""
    sector: str = ""
    reference_prefix: Annotated[str, Field(pattern=r"^[A-Z][A-Z0-9]{1,5}$")]
    languages: Annotated[list[Lang], Field(min_length=1)]
    colour: Annotated[str, Field(pattern=r"^#[0-9a-fA-F]{6}$")] = "#1f4e79"
    website: str = ""
    # The currency its refunds and credits are in, by default (ISO 4217, such as EUR).
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] | None = None
    # The brand's privacy policy, linked from the consent of the portal's forms: one
    # address, or one per language ({ fr = "https://…", en = "https://…" }).
    privacy_policy_url: LocalText | str = ""

    _privacy_policy_url = field_validator("privacy_policy_url")(_web_address)

    @field_validator("languages")
    @classmethod
    def _unique(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a language is listed twice")
        return value

    @property
    def default_language(self) -> str:
        return self.languages[0]


class WeekHours(Strict):
    """Opening intervals per weekday; an empty list is a closed day."""

    mon: list[IntervalField] = []
    tue: list[IntervalField] = []
    wed: list[IntervalField] = []
    thu: list[IntervalField] = []
    fri: list[IntervalField] = []
    sat: list[IntervalField] = []
    sun: list[IntervalField] = []

    @model_validator(mode="after")
    def _no_overlap(self) -> WeekHours:
        for day in WEEKDAYS:
            intervals = getattr(self, day)
            for before, after in itertools.pairwise(intervals):
                if after.start < before.end:
                    raise ValueError(
                        f"{day}: intervals must be in order and must not overlap "
                        f"({before} then {after})"
                    )
        return self

    def for_weekday(self, weekday: int) -> list[Interval]:
        """Intervals for a Python weekday number (Monday is 0)."""
        return list(getattr(self, WEEKDAYS[weekday]))

    @property
    def is_always_open(self) -> bool:
        return all([(i.start, i.end) for i in getattr(self, d)] == [(0, 1440)] for d in WEEKDAYS)


class HolidaySource(Strict):
    country: Annotated[str, Field(pattern=r"^[A-Z]{2}$")]
    subdivision: str | None = None

    @model_validator(mode="after")
    def _known(self) -> HolidaySource:
        supported = holidays.list_supported_countries()
        if self.country not in supported:
            raise ValueError(f"the holidays package does not know country {self.country!r}")
        if self.subdivision and self.subdivision not in supported[self.country]:
            raise ValueError(
                f"{self.country} has no subdivision {self.subdivision!r} "
                f"(known: {', '.join(supported[self.country]) or 'none'})"
            )
        return self


class Closure(Strict):
    start: date
    end: date
    reason: LocalText

    @model_validator(mode="after")
    def _ordered(self) -> Closure:
        if self.end < self.start:
            raise ValueError("a closure ends before it starts")
        return self


class CalendarSection(Strict):
    timezone: str
    holidays: HolidaySource | None = None
    hours: WeekHours
    closures: list[Closure] = []

    @field_validator("timezone")
    @classmethod
    def _zone(cls, value: str) -> str:
        try:
            zoneinfo.ZoneInfo(value)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            raise ValueError(
                f"unknown time zone {value!r} (use an IANA name such as Europe/Paris)"
            ) from None
        return value


# --- intake ---------------------------------------------------------------------------------


class Channel(Strict):
    kind: ChannelKind
    label: LocalText | None = None
    address: str = ""
    phone: str = ""
    url: str = ""
    # One address, or the address as each language writes it ({ fr = "…", en = "…" }).
    postal_address: LocalText | str = ""
    networks: list[str] = []
    public: bool = True
    acknowledge: bool = True
    answer_within: DurationField | None = None
    respond_within: DurationField | None = None
    hours: WeekHours | None = None
    # Live chat: how many chats an agent holds at once (docs/chat.md; 3 when not said).
    chats_per_agent: Annotated[int, Field(ge=1, le=20)] | None = None

    @model_validator(mode="after")
    def _contact_detail(self) -> Channel:
        if self.chats_per_agent is not None and self.kind != "chat":
            raise ValueError("chats_per_agent belongs to a chat channel")
        if self.kind == "email" and "@" not in self.address:
            raise ValueError("an email channel needs an address")
        if self.kind == "phone" and not self.phone:
            raise ValueError("a phone channel needs a phone number")
        if self.kind == "letter" and not self.postal_address:
            raise ValueError("a letter channel needs a postal_address")
        return self


class ContactTypeRule(Strict):
    type: ContactTypeKey
    reply: Literal["required", "if_service", "none"] = "required"
    thank_and_forward: bool = False
    label: LocalText | None = None
    description: LocalText | None = None


class Category(Strict):
    key: Annotated[str, Field(pattern=_SLUG)]
    name: LocalText
    priority: PriorityKey = "normal"
    first_in_queue: bool = False
    team: str | None = None
    keywords: list[str] = []
    # A complaint about a member of the staff (AB-3): routed to `conduct.agent_complaints_to`,
    # hidden from the person concerned once named; the form asks who it is about.
    about_staff: bool = False


class Team(Strict):
    key: Annotated[str, Field(pattern=_SLUG)]
    name: LocalText


class Level(Strict):
    key: Annotated[str, Field(pattern=_SLUG)]
    name: LocalText
    team: str
    final: bool = False
    handled_by: Annotated[list[StaffRoleKey], Field(min_length=1)] = ["agent", "team_lead"]
    description: LocalText | None = None


# --- deadlines and escalation ---------------------------------------------------------------------


class DeadlineRule(Strict):
    """A target. A rule applies to a ticket when every non-empty selector matches it;
    the most specific matching rule of a kind wins (ties: the first written)."""

    kind: DeadlineKind
    target: DurationField
    clock: ClockKind
    start: Literal["received", "level_start", "last_update"] = "received"
    received_on: Literal["any", "open_day", "closed_day"] = "any"
    aim: DurationField | None = None
    attainment: Annotated[int, Field(ge=1, le=100)] | None = None
    warn_before: DurationField | None = None
    contact_types: list[ContactTypeKey] = []
    categories: list[str] = []
    priorities: list[PriorityKey] = []
    complexity: list[ComplexityKey] = []
    levels: list[str] = []
    channels: list[ChannelKind] = []
    label: LocalText | None = None

    @property
    def specificity(self) -> int:
        return sum(
            bool(s)
            for s in (
                self.contact_types,
                self.categories,
                self.priorities,
                self.complexity,
                self.levels,
                self.channels,
                self.received_on != "any",
            )
        )


class AutoEscalation(Strict):
    after: DurationField
    clock: ClockKind
    start: Literal["received", "level_start"] = "received"
    to_level: str
    contact_types: list[ContactTypeKey] = []


class Escalation(Strict):
    agent_may_escalate: bool = True
    reason_required: bool = True
    customer_may_request: bool = True
    another_person: bool = True
    request_label: LocalText | None = None
    notify_customer: bool = True
    automatic: list[AutoEscalation] = []


class DelayLetter(Strict):
    deadline: Literal["first_response", "full_answer", "resolution"] = "full_answer"
    lead: DurationField
    clock: ClockKind = "business_days"
    default_reason: LocalText


class Ombudsman(Strict):
    name: LocalText
    short_name: LocalText
    website: str
    phone: str = ""
    email: str = ""
    postal_address: str = ""
    description: LocalText | None = None


# --- behaviour, closing, data ---------------------------------------------------------------------


class Conduct(Strict):
    detect: bool = True
    warnings_before_block: Annotated[int, Field(ge=0, le=10)] = 1
    auto_reply_when_blocked: bool = False
    referral_allowed: bool = True
    agent_complaints_to: StaffRoleKey = "manager"
    lift_block_roles: Annotated[list[StaffRoleKey], Field(min_length=1)] = ["manager"]
    extra_terms: list[str] = []


class Survey(Strict):
    enabled: bool = True
    send_after: DurationField = Duration()
    expires_after: DurationField = Duration(days=14)
    scale: Annotated[int, Field(ge=2, le=10)] = 5
    not_satisfied_at_most: Annotated[int, Field(ge=1)] = 2
    contact_types: list[ContactTypeKey] = []
    question: LocalText | None = None


class Retention(Strict):
    closed_tickets: DurationField = Duration(days=3 * 365)
    quarantine: DurationField = Duration(days=90)
    survey_answers: DurationField = Duration(days=2 * 365)
    audit_log: DurationField = Duration(days=5 * 365)


class OrderReferenceRule(Strict):
    label: LocalText
    pattern: str
    example: str = ""
    lookup_url: str = ""
    required_for_categories: list[str] = []

    @field_validator("pattern")
    @classmethod
    def _compiles(cls, value: str) -> str:
        try:
            re.compile(value)
        except re.error as exc:
            raise ValueError(f"not a valid regular expression: {exc}") from None
        return value

    @model_validator(mode="after")
    def _example_matches(self) -> OrderReferenceRule:
        if self.example and not re.fullmatch(self.pattern, self.example):
            raise ValueError(f"the example {self.example!r} does not match the pattern")
        return self


class IdentityCheck(Strict):
    required_for: list[ContactTypeKey] = []
    methods: Annotated[list[str], Field(min_length=1)]


class Validation(Strict):
    order_reference: OrderReferenceRule | None = None
    identity_check: IdentityCheck | None = None


class Returns(Strict):
    """Returns and refunds (docs/requirements.md CL-2): the customer may send an item back
    within `window` of receiving it (of the request, when the delivery date is unknown);
    the money is paid back within `refund_within` of the item's return. Both are deadlines
    of a return request (contact type `return_refund`), planned like the others."""

    window: DurationField
    refund_within: DurationField
    clock: ClockKind = "calendar"
    warn_before: DurationField | None = None


def _release_rule(value: Any) -> Any:
    # `true` / `false` were the first spelling of the rule.
    if value is True:
        return "after_seller_contacted"
    if value is False:
        return "never"
    return value


class Marketplace(Strict):
    """A marketplace's sellers (docs/marketplace.md). The seller's deadline is a
    `[[deadlines]]` rule of kind `seller_response` (with its warning); `seller_response`
    here is the short form, used when there is no such rule."""

    seller_response: DurationField | None = None
    clock: ClockKind = "calendar"
    # Strikes that restrict a seller, counted over `strikes_within` when given (else ever).
    strikes_before_restriction: Annotated[int, Field(ge=1, le=100)] = 3
    strikes_within: DurationField | None = None
    # When a customer may have the seller's direct contact details (MK-3): "never";
    # "on_request" (as soon as asked); "after_seller_contacted" (once Guichet has asked the
    # seller and it let its deadline pass or refused; before that an agent decides).
    contact_release: Annotated[
        Literal["never", "on_request", "after_seller_contacted"], BeforeValidator(_release_rule)
    ] = "after_seller_contacted"


class Intake(Strict):
    """Limits on what customers send, and on what Guichet sends back automatically."""

    attachment_max_mb: Annotated[int, Field(ge=1, le=100)] = 25
    message_attachments_max_mb: Annotated[int, Field(ge=1, le=200)] = 50
    auto_replies_per_sender_per_hour: Annotated[int, Field(ge=0, le=100)] = 3
    # What a customer agrees to on the contact form (a checkbox); without it, a wording
    # naming the brand and its retention period.
    consent: LocalText | None = None


# What a brand's report shows (`[reports] kpis`), in its order: every key is a figure of
# `guichet.reports.figures.KPIS` (docs/reports.md lists them).
KpiKey = Literal[
    "contacts_by_category",
    "contacts_by_channel",
    "contacts_by_contact_type",
    "received_and_answered_dates",
    "frequent_request_types",
    "handled_per_level",
    "time_at_levels_2_3",
    "outcome_per_level",
    "auto_escalations",
    "deadlines_met_per_level",
    "first_response_time",
    "first_contact_resolution",
    "simple_solved_within_2_business_days",
    "resolved_within_5_days",
    "satisfaction",
    "retention",
    "phone_answered_within",
    "abuse_flags",
    "blocks",
    "agent_conduct_complaints",
    "ombudsman_referrals",
    "seller_strikes",
]
# The answer every equality question has, added by Guichet and never written in a policy
# (docs/reports.md, "Equality monitoring (RP-3)").
EQUALITY_DECLINED = "prefer_not_to_say"


class EqualityOption(Strict):
    key: Annotated[str, Field(pattern=_SLUG)]
    label: LocalText


class EqualityQuestion(Strict):
    """A question of the optional equality form (RP-3): the customer picks one of
    `options`, or "prefer not to say", which Guichet adds to every question."""

    key: Annotated[str, Field(pattern=_SLUG)]
    question: LocalText
    options: Annotated[list[EqualityOption], Field(min_length=2, max_length=15)]

    def option(self, key: str) -> EqualityOption | None:
        return next((o for o in self.options if o.key == key), None)


# The roles that may be allowed to export (`[reports] export_roles`): those that see the
# reports (`view_reports`, docs/roles.md); an agent or an investigator is refused by the
# schema rather than listed to no effect.
ExportRoleKey = Literal["team_lead", "director", "manager", "admin"]


class Reports(Strict):
    kpis: list[KpiKey] = []
    review: Literal["weekly", "monthly", "quarterly"] = "monthly"
    equality_monitoring: bool = False
    # The questions of the equality form, in their order (a short form: at most 8).
    equality_questions: Annotated[list[EqualityQuestion], Field(max_length=8)] = []

    def equality_question(self, key: str) -> EqualityQuestion | None:
        return next((q for q in self.equality_questions if q.key == key), None)

    # Who may export tickets and report tables (CSV, XLSX, the API's export): an export
    # leaves Guichet, so by default the roles above the team lead.
    export_roles: list[ExportRoleKey] = ["director", "manager", "admin"]


class HelpCentre(Strict):
    """The help centre's articles (docs/help-centre.md): who writes them and who reviews
    and publishes them. A writer's draft goes to review; a publisher may publish their
    own. Both lists name staff roles of the brand."""

    writers: Annotated[list[StaffRoleKey], Field(min_length=1)] = [
        "agent",
        "team_lead",
        "investigator",
        "director",
        "manager",
        "admin",
    ]
    publishers: Annotated[list[StaffRoleKey], Field(min_length=1)] = ["manager", "admin"]


# --- the whole policy --------------------------------------------------------------------------


# The version of this schema: a policy file says which it was written for, and a file for a
# newer one is refused with that reason (loader.py).
SCHEMA_VERSION = 1


class Policy(Strict):
    schema_version: Literal[1]
    version: Annotated[str, Field(min_length=1)]
    brand: BrandSection
    calendar: CalendarSection
    channels: Annotated[list[Channel], Field(min_length=1)]
    contact_types: Annotated[list[ContactTypeRule], Field(min_length=1)]
    categories: Annotated[list[Category], Field(min_length=1)]
    teams: Annotated[list[Team], Field(min_length=1)]
    levels: Annotated[list[Level], Field(min_length=1)]
    deadlines: list[DeadlineRule] = []
    escalation: Escalation = Escalation()
    delay_letter: DelayLetter | None = None
    ombudsman: Ombudsman | None = None
    conduct: Conduct = Conduct()
    survey: Survey = Survey()
    retention: Retention = Retention()
    validation: Validation = Validation()
    returns: Returns | None = None
    marketplace: Marketplace | None = None
    intake: Intake = Intake()
    reports: Reports = Reports()
    help_centre: HelpCentre = HelpCentre()

    # --- lookups used by the rest of Guichet ---------------------------------------------
    @cached_property
    def level_keys(self) -> list[str]:
        return [level.key for level in self.levels]

    def level_number(self, key: str) -> int:
        """1-based position of a level in the ladder."""
        return self.level_keys.index(key) + 1

    def level_at(self, number: int) -> Level:
        return self.levels[number - 1]

    @property
    def final_level(self) -> int:
        return len(self.levels)

    def category(self, key: str) -> Category | None:
        return next((c for c in self.categories if c.key == key), None)

    def contact_type(self, key: str) -> ContactTypeRule | None:
        return next((c for c in self.contact_types if c.type == key), None)

    def channel(self, kind: str) -> Channel | None:
        return next((c for c in self.channels if c.kind == kind), None)

    @property
    def default_language(self) -> str:
        return self.brand.default_language

    def text(self, value: LocalText | str | None, lang: str) -> str:
        """A translated text in `lang` (else in the brand's first language); a plain
        string, where the policy allows one for every language, as it is."""
        if isinstance(value, str):
            return value
        if not value:
            return ""
        given, text = value.pick(lang, self.default_language)
        # French typography's non-breaking spaces, whatever space the author typed.
        return typography(text) if given == "fr" else text

    def privacy_policy_url(self, lang: str) -> str:
        return self.text(self.brand.privacy_policy_url, lang)

    @cached_property
    def deadline_rules(self) -> list[tuple[str, DeadlineRule]]:
        """Every deadline rule with where it is written: the `[[deadlines]]`, then those
        the short forms mean — [returns] (the return window and the refund of a return
        request) and [marketplace]'s `seller_response`."""
        rules = [(f"deadlines[{i}]", rule) for i, rule in enumerate(self.deadlines)]
        if self.returns is not None:
            shorts: tuple[tuple[str, DeadlineKind, Duration], ...] = (
                ("returns.window", "return_window", self.returns.window),
                ("returns.refund_within", "refund", self.returns.refund_within),
            )
            for name, kind, target in shorts:
                rule = DeadlineRule(
                    kind=kind,
                    target=target,
                    clock=self.returns.clock,
                    warn_before=self.returns.warn_before,
                    contact_types=["return_refund"],
                )
                rules.append((name, rule))
        market = self.marketplace
        if market is not None and market.seller_response is not None:
            rule = DeadlineRule(
                kind="seller_response", target=market.seller_response, clock=market.clock
            )
            rules.append(("marketplace.seller_response", rule))
        return rules


def _walk(value: Any, path: tuple[str | int, ...]) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    yield path, value
    if isinstance(value, LocalText):
        return
    if isinstance(value, BaseModel):
        for name in type(value).model_fields:
            yield from _walk(getattr(value, name), (*path, name))
    elif isinstance(value, list):
        for i, item in enumerate(value):
            yield from _walk(item, (*path, i))


# A key path in the policy ("levels", 2, "team") and what is wrong there.
_Problem = tuple[tuple[str | int, ...], str]


def semantic_errors(policy: Policy) -> list[tuple[tuple[str | int, ...], str]]:
    """Cross-reference checks that a per-field schema cannot express: each of `_CHECKS` in
    turn, one per rule. `policy` has passed the schema (its fields have their types)."""
    defined = _Defined(
        teams={t.key for t in policy.teams},
        levels={level.key for level in policy.levels},
        categories={c.key for c in policy.categories},
        contact_types={c.type for c in policy.contact_types},
    )
    errors: list[_Problem] = []
    for check in _CHECKS:
        errors.extend(check(policy, defined))
    return errors


@dataclass(frozen=True)
class _Defined:
    """The keys a policy defines, which other sections name."""

    teams: set[str]
    levels: set[str]
    categories: set[str]
    contact_types: set[str]


def _duplicate_keys(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    sections: list[tuple[str, list[Any], str]] = [
        ("teams", policy.teams, "key"),
        ("levels", policy.levels, "key"),
        ("categories", policy.categories, "key"),
        ("contact_types", policy.contact_types, "type"),
    ]
    for section, items, attr in sections:
        seen: set[str] = set()
        for i, item in enumerate(items):
            key = getattr(item, attr)
            if key in seen:
                yield (section, i, attr), f"{key!r} is defined twice"
            seen.add(key)


def _levels(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    for i, level in enumerate(policy.levels):
        if level.team not in defined.teams:
            yield ("levels", i, "team"), f"no team {level.team!r} in [[teams]]"
        is_last = i == len(policy.levels) - 1
        if level.final and not is_last:
            yield ("levels", i, "final"), "only the last level can be final"
        if is_last and not level.final:
            yield ("levels", i, "final"), "the last level must say final = true"


def _category_teams(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    for i, category in enumerate(policy.categories):
        if category.team and category.team not in defined.teams:
            yield ("categories", i, "team"), f"no team {category.team!r} in [[teams]]"


def _deadlines(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    for i, rule in enumerate(policy.deadlines):
        for j, key in enumerate(rule.categories):
            if key not in defined.categories:
                yield ("deadlines", i, "categories", j), f"no category {key!r}"
        for j, key in enumerate(rule.levels):
            if key not in defined.levels:
                yield ("deadlines", i, "levels", j), f"no level {key!r}"
        for j, key in enumerate(rule.contact_types):
            if key not in defined.contact_types:
                yield ("deadlines", i, "contact_types", j), f"contact type {key!r} is not enabled"
        if rule.kind == "level" and not rule.levels:
            yield ("deadlines", i, "levels"), "a level deadline names the levels it applies to"
        if rule.aim and rule.aim.as_timedelta() > rule.target.as_timedelta():
            yield ("deadlines", i, "aim"), "the aim must not be later than the target"
        if rule.warn_before and rule.warn_before.as_timedelta() >= rule.target.as_timedelta():
            yield ("deadlines", i, "warn_before"), "warn_before must be shorter than the target"
        if rule.kind in ("return_window", "refund"):
            yield ("deadlines", i, "kind"), "returns and refunds are set in [returns]"
        if rule.kind == "seller_response" and policy.marketplace is None:
            yield ("deadlines", i, "kind"), "a seller deadline needs a [marketplace] section"


def _marketplace(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    market = policy.marketplace
    if market is None:
        return
    has_rule = any(rule.kind == "seller_response" for rule in policy.deadlines)
    if market.seller_response is None and not has_rule:
        yield (
            ("marketplace",),
            (
                "the seller's deadline is missing: a [[deadlines]] rule of kind seller_response, "
                "or seller_response here"
            ),
        )
    if market.seller_response is not None and has_rule:
        yield (
            ("marketplace", "seller_response"),
            ("the seller's deadline is also a [[deadlines]] rule: keep one of the two"),
        )


def _returns(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    returns = policy.returns
    if returns is None:
        return
    if "return_refund" not in defined.contact_types:
        yield ("returns",), "returns need the contact type return_refund"
    shortest = min(returns.window.as_timedelta(), returns.refund_within.as_timedelta())
    if returns.warn_before and returns.warn_before.as_timedelta() >= shortest:
        yield ("returns", "warn_before"), "warn_before must be shorter than both deadlines"


def _automatic_escalations(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    previous = 0
    for i, auto in enumerate(policy.escalation.automatic):
        path = ("escalation", "automatic", i, "to_level")
        if auto.to_level not in defined.levels:
            yield path, f"no level {auto.to_level!r}"
            continue
        number = policy.level_number(auto.to_level)
        if number == 1:
            yield path, "automatic escalation cannot go to the first level"
        if number <= previous:
            yield path, "automatic escalations must climb the ladder in order"
        previous = number


def _delay_letter(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    letter = policy.delay_letter
    if letter and not any(r.kind == letter.deadline for r in policy.deadlines):
        yield ("delay_letter", "deadline"), f"no [[deadlines]] of kind {letter.deadline!r}"


def _order_reference(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    order_rule = policy.validation.order_reference
    if order_rule:
        for j, key in enumerate(order_rule.required_for_categories):
            if key not in defined.categories:
                path = ("validation", "order_reference", "required_for_categories", j)
                yield path, f"no category {key!r}"


def _survey(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    survey = policy.survey
    if survey.not_satisfied_at_most >= survey.scale:
        yield (
            ("survey", "not_satisfied_at_most"),
            f"must be below the top of the scale ({survey.scale})",
        )
    for j, key in enumerate(survey.contact_types):
        if key not in defined.contact_types:
            yield ("survey", "contact_types", j), f"contact type {key!r} is not enabled"


def _equality(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    """Equality monitoring (RP-3) asks the policy's own questions: off, questions would
    never be asked. Keys are unique, and "prefer not to say" is Guichet's. Monitoring on
    without questions offers no form (a policy published before questions existed still
    loads; `policy check` of such a file is no error either)."""
    reports = policy.reports
    questions = reports.equality_questions
    if questions and not reports.equality_monitoring:
        yield (
            ("reports", "equality_questions"),
            "equality questions are only asked with equality_monitoring = true",
        )
    seen: set[str] = set()
    for i, question in enumerate(questions):
        if question.key in seen:
            yield ("reports", "equality_questions", i, "key"), f"{question.key!r} is defined twice"
        seen.add(question.key)
        options: set[str] = set()
        for j, option in enumerate(question.options):
            path = ("reports", "equality_questions", i, "options", j, "key")
            if option.key == EQUALITY_DECLINED:
                yield (
                    path,
                    f"{EQUALITY_DECLINED!r} is added to every question by Guichet: do not write it",
                )
            elif option.key in options:
                yield path, f"{option.key!r} is defined twice"
            options.add(option.key)


def _channels(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    kinds = [c.kind for c in policy.channels]
    for i, kind in enumerate(kinds):
        if kind in kinds[:i] and kind not in ("social", "phone", "email"):
            yield ("channels", i, "kind"), f"channel {kind!r} is listed twice"


def _languages(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    """Every translated text of the policy is in each of the brand's languages, and in no
    other."""
    languages = set(policy.brand.languages)
    for where, value in _walk(policy, ()):
        if isinstance(value, LocalText):
            missing = sorted(languages - set(value.root))
            extra = sorted(set(value.root) - languages)
            if missing:
                yield (
                    where,
                    f"missing the {', '.join(missing)} text (brand languages: "
                    f"{', '.join(policy.brand.languages)})",
                )
            if extra:
                yield where, f"text in {', '.join(extra)}, which is not a brand language"


def _colour(policy: Policy, defined: _Defined) -> Iterator[_Problem]:
    """The brand's colour is text on white and the background of white text (the
    portal's links, header and buttons): at least 4.5:1 against white (WCAG AA)."""
    colour = policy.brand.colour
    ratio = contrast_ratio(colour, WHITE)
    if ratio < AA_TEXT:
        yield (
            ("brand", "colour"),
            f"{colour} on white (and white on it) has a contrast of {ratio:.1f}:1, below "
            f"the {AA_TEXT}:1 text needs (WCAG AA); the nearest shade that passes is "
            f"{nearest_compliant(colour, WHITE)}",
        )


_CHECKS = (
    _duplicate_keys,
    _levels,
    _category_teams,
    _deadlines,
    _marketplace,
    _returns,
    _automatic_escalations,
    _delay_letter,
    _order_reference,
    _survey,
    _equality,
    _channels,
    _languages,
    _colour,
)
