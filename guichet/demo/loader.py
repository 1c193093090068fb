"""Demo people and about 300 tickets spread over the last 60 days.

Every ticket is made by the service layer, with the clock moved to each moment of its
life (opened, taken, answered, escalated, closed), so the demo's event log is exactly
what real use would have written. Deterministic for a given seed and "now".
"""

from __future__ import annotations

import functools
import math
import random
import unicodedata
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from guichet.accounts.models import Membership, Role, User
from guichet.brands.models import Brand, Team
from guichet.contacts.models import Contact
from guichet.contacts.services import contact_for_email
from guichet.demo import articles, calls, chats, content, player, scenes
from guichet.demo.timeline import Timeline
from guichet.desk.models import CannedReply
from guichet.lib import clock
from guichet.lib.crypto import decrypt
from guichet.lib.scoping import all_brands, brand_scope
from guichet.marketplace.models import Seller, SellerPerson
from guichet.notify.models import OutboundEmail
from guichet.policies.schema import Policy
from guichet.portal import services as portal_services
from guichet.portal import surveys
from guichet.portal.models import SurveyLink
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Channel, Outcome, Status
from guichet.tickets.models import Ticket

TICKETS_PER_BRAND = 60
DAYS = 60

# (username suffix, role, first name, last name); the team is chosen from the policy.
STAFF = [
    ("agent", Role.AGENT, "Camille", "Martin"),
    ("agent2", Role.AGENT, "Lucas", "Bernard"),
    ("lead", Role.TEAM_LEAD, "Inès", "Laurent"),
    ("investigator", Role.INVESTIGATOR, "Karim", "Benoît"),
    ("director", Role.DIRECTOR, "Sylvie", "Rousseau"),
    ("manager", Role.MANAGER, "Olivier", "Mercier"),
    ("admin", Role.ADMIN, "Nadia", "Faure"),
]

DEMO_USERS_HELP = """
Demo sign-ins (password: {password}):
  admin                        superuser, every brand
  <brand>-agent, <brand>-agent2, <brand>-lead, <brand>-investigator,
  <brand>-director, <brand>-manager, <brand>-admin
  with <brand> one of: ej, ivoire-toner, jive, respect, jamla24   (e.g. ej-agent)
  admin and <brand>-admin set up a second factor (TOTP) at their first sign-in.
  jamla24-manager decides on Jamla24's sellers (strikes, restriction, termination).
  respect-manager reads a blocked customer's held messages (desk: Held messages) and the
  complaint about Camille Martin, which Camille (respect-agent) never sees; respect-agent
  has an insult waiting for a decision (desk: Flagged as abusive).
Seller portal: /s/jamla24/ — ask for a sign-in link with a seller's person's address,
  e.g. youssef.berrada@atlas-electro.example (Atlas Électroménager); the link is in the
  mail sent to that address.
"""

_POLICY_CHANNELS = {c.value for c in Channel}


@dataclass
class Plan:
    contact_type: str
    category: str
    channel: str
    language: str
    level: int
    state: str  # new, open, waiting_customer, waiting_third_party, closed
    outcome: str = ""
    withdrawn: bool = False
    complexity: str = "simple"
    story: content.Story | None = None
    extras: dict[str, Any] = field(default_factory=dict)


def _ascii(text: str) -> str:
    return unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()


def ensure_people(brand: Brand, policy: Policy) -> dict[str, User]:
    """The brand's demo staff, created once; returns them by username suffix."""
    people: dict[str, User] = {}
    password = _demo_password_hash()
    team_for_role = _teams(policy)
    with brand_scope(brand):
        for suffix, role, first, last in STAFF:
            username = f"{brand.slug}-{suffix}"
            user = User.objects.filter(username=username).first()
            if user is None:
                user = User.objects.create(
                    username=username,
                    password=password,
                    first_name=first,
                    last_name=last,
                    email=f"{username}@staff.guichet.example",
                    language="fr",
                    time_zone=brand.timezone,
                    is_staff=role in (Role.ADMIN, Role.MANAGER),
                )
            membership, _ = Membership.objects.get_or_create(
                user=user, brand=brand, defaults={"role": role}
            )
            team_key = team_for_role.get(role)
            if team_key:
                membership.teams.add(*Team.objects.filter(brand=brand, key=team_key))
            people[suffix] = user
    return people


def _teams(policy: Policy) -> dict[str, str | None]:
    """The team of each demo role: level 1's for agents and leads, level 2's for the
    investigator, the last level's for the director and the manager."""
    return {
        Role.AGENT: policy.levels[0].team,
        Role.TEAM_LEAD: policy.levels[0].team,
        Role.INVESTIGATOR: policy.levels[min(1, len(policy.levels) - 1)].team,
        Role.DIRECTOR: policy.levels[-1].team,
        Role.MANAGER: policy.levels[-1].team,
        Role.ADMIN: None,
    }


def ensure_canned_replies(brand: Brand) -> None:
    """The brand's demo canned replies, in French and English, created once."""
    with brand_scope(brand):
        for language, replies in content.CANNED_REPLIES.items():
            for title, body in replies:
                CannedReply.objects.get_or_create(
                    brand=brand, language=language, title=title, defaults={"body": body}
                )


@functools.cache
def _demo_password_hash() -> str:
    # One slow hash for all demo people, not one per person.
    return make_password(settings.GUICHET_DEMO_PASSWORD)


def ensure_superuser() -> User:
    user = User.objects.filter(username="admin").first()
    if user is None:
        user = User.objects.create(
            username="admin",
            password=_demo_password_hash(),
            is_staff=True,
            is_superuser=True,
            email="admin@staff.guichet.example",
            first_name="Admin",
            last_name="Guichet",
        )
    return user


def _customers(rng: random.Random, brand: Brand, count: int) -> list[Contact]:
    contacts = []
    for i in range(count):
        lang = "fr" if rng.random() < 0.65 else "en"
        first = rng.choice(content.FIRST_NAMES[lang])
        last = rng.choice(content.LAST_NAMES[lang])
        domain = "exemple.fr" if lang == "fr" else "example.com"
        email = f"{_ascii(first)}.{_ascii(last).replace(' ', '').replace(chr(39), '')}{i}@{domain}"
        contacts.append(
            contact_for_email(brand=brand, email=email, name=f"{first} {last}", language=lang)
        )
    return contacts


def _channels(policy: Policy) -> list[str]:
    kinds = [c.kind for c in policy.channels if c.kind in _POLICY_CHANNELS]
    return list(dict.fromkeys(kinds)) or [Channel.EMAIL]


def _plans(rng: random.Random, policy: Policy, count: int) -> list[Plan]:
    """Every contact type, category and channel at least once; complaints cover every
    level and every outcome; the rest at random, complaints weighted up. The oldest end
    closed, the newest are still in progress. Each plan has its story and a category that
    fits it (`_tell`)."""
    types: list[str] = [t.type for t in policy.contact_types]
    complaints: list[str] = [t for t in types if t in ("complaint", "dispute")] or types
    categories = [c.key for c in policy.categories]
    channels = _channels(policy)
    levels = list(range(1, len(policy.levels) + 1))
    outcomes = [o.value for o in Outcome]
    coverage = max(len(levels), len(outcomes)) * 2
    plans = []
    decided = 0
    filed: Counter[str] = Counter(dict.fromkeys(categories, 0))
    told: Counter[int] = Counter()
    for i in range(count):
        if i < len(types):
            contact_type = types[i]
        elif i < len(types) + coverage:
            contact_type = rng.choice(complaints)
        else:
            contact_type = rng.choice(types + complaints)
        plan = Plan(
            contact_type=contact_type,
            category="",
            channel=channels[i % len(channels)] if i < 2 * len(channels) else rng.choice(channels),
            language="en" if i % 3 == 1 else "fr",
            level=1,
            state=_state(rng, i, count),
            complexity="complex" if rng.random() < 0.3 else "simple",
        )
        if contact_type in complaints:
            if decided < coverage:
                plan.level = levels[decided % len(levels)]
                plan.outcome = outcomes[decided % len(outcomes)]
            else:
                plan.level = min(rng.choice([1, 1, 1, 2, 2, 3]), len(levels))
                plan.outcome = rng.choice(outcomes)
            plan.withdrawn = plan.outcome == Outcome.WITHDRAWN
            decided += 1
        _tell(rng, policy, plan, filed, told)
        plans.append(plan)
    return plans


def _state(rng: random.Random, index: int, count: int) -> str:
    """States follow age: the oldest are closed, the newest still in progress."""
    if index >= count - 12:
        return rng.choice(["new", "open", "waiting_customer", "waiting_third_party", "open"])
    if index >= count - 20 and rng.random() < 0.5:
        return rng.choice(["open", "waiting_customer"])
    return "closed"


def departments(policy: Policy) -> set[str]:
    """The teams that are the own team of some category: a department a category is
    routed to (EJ's online gallery, Ivoire Toner's experts, Respect's management)."""
    return {c.team for c in policy.categories if c.team}


def concerned(policy: Policy, category: str, level: int) -> bool:
    """Whether a ticket of `category` may be at `level`, and at every level on its way: a
    level whose team is a department takes only the categories routed to that department
    (EJ's level 2, "the department concerned", is the online gallery's: a billing complaint
    has no business there)."""
    own = policy.category(category)
    for number in range(2, level + 1):
        team = policy.level_at(number).team
        if team in departments(policy) and (own is None or own.team != team):
            return False
    return True


def fitting(policy: Policy, story: content.Story) -> list[str]:
    """The brand's categories `story` may be filed under ("" for none)."""
    keys = [c.key for c in policy.categories]
    if story.categories is None:
        return [key for key in keys if key not in content.RESERVED]
    if not story.categories:
        return [""]
    return [key for key in keys if key in story.categories]


def _tell(
    rng: random.Random,
    policy: Policy,
    plan: Plan,
    filed: Counter[str],
    told: Counter[int],
) -> None:
    """Choose the plan's story and category: a story of its contact type that can reach
    its level and state (a wait on the customer needs a question to them, a wait on a third
    party someone to wait on), filed under a category it fits and that every level on its
    way is concerned with; the least used category first, then the least told story (so
    the demo covers every category). A plan no story can take that far stops lower."""
    stories = content.STORIES.get(plan.contact_type) or content.STORIES["question"]
    for level in range(plan.level, 0, -1):
        options = [
            (index, story, category)
            for index, story in enumerate(stories)
            for category in fitting(policy, story)
            if concerned(policy, category, level)
        ]
        if options:
            plan.level = level
            break
    else:
        raise ValueError(f"no demo story fits a {plan.contact_type} of this brand")
    needs = {"waiting_customer": "ask", "waiting_third_party": "third_party"}.get(plan.state)
    if needs:
        able = [option for option in options if getattr(option[1], needs)]
        if able:
            options = able
        else:
            plan.state = "open"
    fewest = min((filed[category], told[index]) for index, _story, category in options)
    index, story, category = rng.choice([o for o in options if (filed[o[2]], told[o[0]]) == fewest])
    filed[category] += 1
    told[index] += 1
    plan.story, plan.category = story, category


def _handler(people: dict[str, User], policy: Policy, level: int) -> User:
    """Who handles `level`: a person of a role the level's `handled_by` names, from the
    level's own team if one is (EJ's level 2: the gallery's investigator, not a lead of
    the front line)."""
    step = policy.level_at(level)
    teams = _teams(policy)
    able = [(suffix, role) for suffix, role, *_ in STAFF if role in step.handled_by]
    for suffix, role in able:
        if teams.get(role) == step.team:
            return people[suffix]
    return people[able[0][0]] if able else people["manager"]


def _received_at(rng: random.Random, now: datetime, index: int, count: int) -> datetime:
    # Spread over the period, denser in recent days, mostly during the day.
    age_days = (1 - (index / count) ** 0.8) * DAYS * rng.uniform(0.9, 1.0)
    moment = now - timedelta(days=age_days)
    hour = rng.choice([8, 9, 9, 10, 10, 11, 13, 14, 14, 15, 16, 17, 19, 22])
    moment = moment.replace(
        hour=hour, minute=rng.randrange(60), second=rng.randrange(60), microsecond=0
    )
    return min(moment, now - timedelta(minutes=rng.randrange(5, 90)))


def _live(
    rng: random.Random,
    brand: Brand,
    policy: Policy,
    people: dict[str, User],
    contact: Contact,
    plan: Plan,
    received: datetime,
    now: datetime,
    seller: Seller | None,
) -> Ticket:
    """One ticket's story from `received` up to its plan's state or to `now`, whichever
    comes first. Every random draw is made in the same order for the same plan, so a seed
    gives the same demo."""
    subject, body = _opening_text(rng, brand, policy, plan)
    agent = people[rng.choice(["agent", "agent", "agent2"])]
    with clock.frozen(received) as frozen:
        time = Timeline(frozen, now)
        try:
            ticket = _open(brand, contact, plan, subject, body, agent, seller)
            time.ticket = ticket
            _Life(rng, policy, people, contact, plan, agent, ticket, time).live()
            return ticket
        finally:
            time.finish()


def _opening_text(rng: random.Random, brand: Brand, policy: Policy, plan: Plan) -> tuple[str, str]:
    """The customer's subject and message: the plan's story, about its category and an
    order (the `ref` the rest of the story quotes, kept on the plan)."""
    category = policy.category(plan.category)
    order_rule = policy.validation.order_reference
    plan.extras["thing"] = category.name.get(plan.language) if category else ""
    plan.extras["ref"] = (
        order_rule.example
        if order_rule and order_rule.example
        else f"{brand.reference_prefix}-R{rng.randrange(10000, 99999)}"
    )
    assert plan.story is not None
    return say(plan.story.subject, plan), say(plan.story.body, plan)


def say(text: dict[str, str], plan: Plan, **names: str) -> str:
    """A text of the demo in the plan's language, with its story's values filled in."""
    language = plan.language if plan.language in text else "fr"
    return text[language].format(
        thing=plan.extras.get("thing", ""), ref=plan.extras.get("ref", ""), **names
    )


def _open(
    brand: Brand,
    contact: Contact,
    plan: Plan,
    subject: str,
    body: str,
    agent: User,
    seller: Seller | None,
) -> Ticket:
    """Open the ticket at the clock's moment (the caller froze it at its reception)."""
    opening: services.Opening = {
        "brand": brand,
        "contact": contact,
        "contact_type": plan.contact_type,
        "subject": subject,
        "text": body,
        "channel": plan.channel,
        "category": plan.category,
        "complexity": plan.complexity,
        "language": plan.language,
        "seller": seller,
    }
    if plan.channel in (Channel.PHONE, Channel.LETTER):
        opening["actor"] = agent  # an agent logged the call or the letter
    return services.ticket_open(**opening)


@dataclass
class _Life:
    """The steps of an opened ticket's life, in order, each answering the one before: the
    agent takes it, asks the customer what the story asks (and hears back) then answers
    it, the complaint climbs to its planned level, waits if planned, and is decided. Each
    step says whether the story goes on: False once the plan's state is reached or the
    next moment would be in the future (`Timeline.advance`)."""

    rng: random.Random
    policy: Policy
    people: dict[str, User]
    contact: Contact
    plan: Plan
    agent: User
    ticket: Ticket
    time: Timeline

    @property
    def story(self) -> content.Story:
        assert self.plan.story is not None
        return self.plan.story

    def live(self) -> None:
        if self.ticket.level > 1:
            # Routed above level 1 on arrival (a complaint about a team member goes to
            # the management): that level's people handle it from the start.
            self.agent = _handler(self.people, self.policy, self.ticket.level)
        steps = (self.take, self.answer, self.climb, self.wait, self.decide, self.rate)
        for step in steps:
            if not step():
                return

    def said(self, text: dict[str, str], agent: User, **more: str) -> str:
        name = self.contact.name.split(" ")[0]
        return say(text, self.plan, name=name, agent=agent.first_name, **more)

    @property
    def unanswered(self) -> bool:
        """A comment that needs no answer, where the policy lets it go without one."""
        rule = self.policy.contact_type(self.plan.contact_type)
        return bool(self.story.no_reply) and rule is not None and rule.reply != "required"

    def take(self) -> bool:
        """An agent takes the new ticket."""
        if self.plan.state == "new" or not self.time.advance(self.rng.uniform(5, 180)):
            return False
        services.ticket_assign(ticket=self.ticket, actor=self.agent, assignee=self.agent)
        return True

    def answer(self) -> bool:
        """What the story asks first, if anything, and the customer's reply; then the
        answer to the request (a compliment's is its thanks, and it is forwarded)."""
        rng, plan, agent, story = self.rng, self.plan, self.agent, self.story
        if self.unanswered:
            return True
        if not self.time.advance(rng.uniform(20, 900)):
            return False
        if story.ask and story.info:  # the answer rests on what the customer tells
            services.ticket_reply(
                ticket=self.ticket,
                actor=agent,
                text=self.said(story.ask, agent),
                status_after=Status.WAITING_CUSTOMER,
            )
            if plan.state == "waiting_customer" or not self.time.advance(rng.uniform(60, 1440)):
                return False
            services.ticket_receive(
                ticket=self.ticket,
                contact=self.contact,
                channel=plan.channel,
                text=say(story.info, plan),
            )
            if not self.time.advance(rng.uniform(20, 600)):
                return False
        rule = self.policy.contact_type(plan.contact_type)
        if rule is not None and rule.thank_and_forward:
            if plan.state == "closed":  # thanked, forwarded and closed in one action
                services.ticket_thank_and_forward(
                    ticket=self.ticket, actor=agent, text=self.said(story.answer, agent)
                )
            return False
        services.ticket_reply(
            ticket=self.ticket, actor=agent, text=self.said(story.answer, agent), full_answer=True
        )
        if story.note and rng.random() < 0.5:
            services.ticket_note(ticket=self.ticket, actor=agent, text=story.note)
        return True

    def climb(self) -> bool:
        """Up to the plan's level (or the one the policy's clock reached): escalated by the
        agent or at the customer's request, taken and answered by each level's handler."""
        rng, ticket, policy = self.rng, self.ticket, self.policy
        level = 1
        while level < max(self.plan.level, ticket.level):
            level += 1
            if not self.time.advance(rng.uniform(120, 2 * 24 * 60)):
                return False
            if ticket.level < level:  # not already moved up by the policy's own clock
                by_customer = policy.escalation.customer_may_request and rng.random() < 0.4
                language = self.plan.language if self.plan.language in ("fr", "en") else "fr"
                services.ticket_escalate(
                    ticket=ticket,
                    actor=Customer(self.contact) if by_customer else self.agent,
                    reason=rng.choice(content.CUSTOMER_REASONS[language])
                    if by_customer
                    else content.AGENT_REASONS[why_up(policy, level)],
                )
            if not self.time.advance(rng.uniform(30, 600)):
                return False
            if ticket.level > level:  # the policy's clock moved it on meanwhile (Jamla24)
                continue
            handler = _handler(self.people, policy, level)
            services.ticket_assign(ticket=ticket, actor=handler, assignee=handler)
            if not self.time.advance(rng.uniform(60, 24 * 60)):
                return False
            if ticket.level > level:  # likewise
                continue
            level_name = policy.text(policy.level_at(level).name, self.plan.language)
            services.ticket_reply(
                ticket=ticket,
                actor=handler,
                text=self.said(content.LEVEL_REPLY, handler, level=level_name),
            )
        return True

    def wait(self) -> bool:
        """Tickets planned open or waiting stay so; a wait on a third party says on whom."""
        if self.plan.state == "waiting_third_party":
            services.ticket_note(ticket=self.ticket, actor=self.agent, text=self.story.third_party)
            services.ticket_set_status(
                ticket=self.ticket, actor=self.agent, status=Status.WAITING_THIRD_PARTY
            )
            return False
        return self.plan.state not in ("open", "waiting_customer")

    def decide(self) -> bool:
        """The decision closes the ticket (a complaint with its outcome, in the customer's
        words when they withdraw it), or a comment is closed without an answer."""
        plan = self.plan
        decided = plan.contact_type in ("complaint", "dispute")
        if not self.time.advance(
            self.rng.uniform(60, 3 * 24 * 60) if decided else self.rng.uniform(30, 600)
        ):
            return False
        ticket = self.ticket
        if self.unanswered:
            services.ticket_close_without_reply(
                ticket=ticket, actor=self.agent, reason=self.story.no_reply
            )
        elif plan.withdrawn:
            services.ticket_close(
                ticket=ticket,
                actor=Customer(self.contact),
                outcome=Outcome.WITHDRAWN,
                summary=say(content.SUMMARIES[Outcome.WITHDRAWN], plan),
            )
        else:
            services.ticket_close(
                ticket=ticket,
                actor=_handler(self.people, self.policy, ticket.level),
                outcome=plan.outcome or None,
                summary=say(content.SUMMARIES[plan.outcome], plan) if plan.outcome else "",
            )
        return True

    def rate(self) -> bool:
        """Some customers answer the satisfaction survey the closing sent them, through its
        link, a few hours later: mostly content, some not (a complaint not upheld less so)."""
        if self.rng.random() > 0.55 or not self.time.advance(self.rng.uniform(30, 2 * 24 * 60)):
            return False
        secret = survey_secret(self.ticket)
        if secret is None:
            return False
        pleased = self.plan.outcome not in (Outcome.NOT_UPHELD, Outcome.UNRESOLVED)
        weights = (1, 1, 2, 5, 7) if pleased else (4, 4, 3, 2, 1)
        scale = self.policy.survey.scale
        score = min(scale, self.rng.choices(range(1, 6), weights=weights)[0])
        surveys.survey_answer(brand=self.ticket.brand, token=secret, score=score)
        return True


def survey_secret(ticket: Ticket) -> str | None:
    """The secret of the survey link the closing queued for this ticket's customer, as its
    email carries it (sealed in the outbox until delivery)."""
    with brand_scope(ticket.brand_id):
        link = (
            SurveyLink.objects.filter(
                ticket=ticket, sent_at__isnull=False, answered_at__isnull=True
            )
            .order_by("-pk")
            .first()
        )
        if link is None:
            return None
        sealed = OutboundEmail.objects.filter(ticket=ticket).exclude(sealed_secret="")
        for email in sealed.order_by("-pk"):
            secret = decrypt(email.sealed_secret)
            if portal_services.digest(secret) == link.token_hash:
                return secret
    return None


def why_up(policy: Policy, level: int) -> str:
    """Why an agent sends a complaint to `level`: the key of its reason in AGENT_REASONS."""
    target = policy.level_at(level)
    if target.team in departments(policy):
        return "department"
    return "final" if target.final else "higher"


def load_demo(
    *, now: datetime | None = None, seed: int = 2026, per_brand: int = TICKETS_PER_BRAND
) -> dict[str, int]:
    """Create demo people and tickets for every brand: `per_brand` drawn at random, and
    the brand's scripted scenes (guichet/demo/scenes.py) the first time, each played at
    its moment among the others. Returns tickets created per brand."""
    now = now or clock.now()
    rng = random.Random(seed)
    created: dict[str, int] = {}
    with all_brands():
        ensure_superuser()
        brands = list(Brand.objects.filter(is_active=True, policy__isnull=False).order_by("slug"))
    for brand in brands:
        policy = brand.get_policy()
        people = ensure_people(brand, policy)
        ensure_canned_replies(brand)
        articles.ensure_articles(brand, people["manager"], random.Random(f"{seed}-{brand.slug}-kb"))
        with brand_scope(brand):
            fresh = not Ticket.objects.filter(brand=brand).exists()
            contacts = _customers(rng, brand, 40)
        sellers = ensure_sellers(brand, now) if policy.marketplace else {}
        ordinary = [sellers[s.name] for s in content.SELLERS if s.ordinary and s.name in sellers]
        play = _Scenes(brand, policy, people, contacts, sellers, now) if fresh else None
        plans = _plans(rng, policy, per_brand)
        for index, plan in enumerate(plans):
            received = _received_at(rng, now, index, len(plans))
            if play is not None:
                play.until(received)
            contact = contacts[index % len(contacts)]
            plan.language = contact.language or plan.language
            seller = (
                rng.choice(ordinary)
                if ordinary and (plan.contact_type == "dispute" or plan.category == "seller")
                else None
            )
            with transaction.atomic():
                _live(rng, brand, policy, people, contact, plan, received, now, seller)
        if play is not None:
            play.until(now)
        if fresh:
            # A smaller demo (a test's) has a shorter history of calls and chats, in
            # proportion; each has a generator of its own: the tickets' draws stay the same.
            share = min(1, per_brand / TICKETS_PER_BRAND)
            calls.load_calls(
                random.Random(f"{seed}-{brand.slug}-calls"),
                brand,
                policy,
                people,
                contacts,
                now,
                days=max(calls.RECENT_DAYS + 1, math.ceil(calls.DAYS * share)),
            )
            chats.load_chats(
                random.Random(f"{seed}-{brand.slug}-chats"),
                brand,
                policy,
                people,
                contacts,
                now,
                days=max(2, math.ceil(chats.DAYS * share)),
            )
        created[brand.slug] = len(plans) + (play.played if play is not None else 0)
    return created


def ensure_sellers(brand: Brand, now: datetime) -> dict[str, Seller]:
    """The marketplace's demo sellers, with their details and the people who may sign in
    for them (content.SELLERS), created once; returns them by name."""
    since = now - timedelta(days=400)  # long-standing sellers: before every demo ticket
    sellers: dict[str, Seller] = {}
    with brand_scope(brand):
        for spec in content.SELLERS:
            seller = Seller.objects.filter(brand=brand, name=spec.name).first()
            if seller is None:
                seller = Seller.objects.create(
                    brand=brand,
                    name=spec.name,
                    legal_name=spec.legal_name,
                    email=spec.email,
                    phone=spec.phone,
                    address=spec.address,
                    created_at=since,
                )
            for name, email in spec.people:
                SellerPerson.objects.get_or_create(
                    brand=brand,
                    email=email,
                    defaults={"seller": seller, "name": name, "created_at": since},
                )
            sellers[spec.name] = seller
    return sellers


class _Scenes:
    """The brand's scripted scenes, played in the order they happened, each by a customer
    of its language no other scene has."""

    def __init__(
        self,
        brand: Brand,
        policy: Policy,
        people: dict[str, User],
        contacts: list[Contact],
        sellers: dict[str, Seller],
        now: datetime,
    ) -> None:
        zone = ZoneInfo(brand.timezone)
        mine = [s for s in scenes.SCENES if s.brand == brand.slug]
        self.pending = sorted(mine, key=lambda scene: scene.received(now, zone))
        self.brand, self.policy, self.people, self.sellers = brand, policy, people, sellers
        self.zone, self.now = zone, now
        self.free = list(contacts)
        self.played = 0

    def until(self, moment: datetime) -> None:
        """Play the scenes that came before `moment`."""
        while self.pending and self.pending[0].received(self.now, self.zone) < moment:
            scene = self.pending.pop(0)
            # One who writes in the scene's language (any, if a seed drew none left).
            contact = next((c for c in self.free if c.language == scene.language), self.free[0])
            self.free.remove(contact)
            with transaction.atomic():
                player.play(
                    scene,
                    brand=self.brand,
                    contact=contact,
                    now=self.now,
                    handler=functools.partial(_handler, self.people, self.policy),
                    manager=self.people["manager"],
                    sellers=self.sellers,
                )
            self.played += 1


def demo_present() -> bool:
    with all_brands():
        return Ticket.objects.exists()
