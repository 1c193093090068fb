"""The demo tells coherent stories: every ticket of the five preset brands is routed as its
brand's policy says for its category and level, and never to a department its category
has nothing to do with; it is filed under a category its request is about; every reply
is one declared for that request (a question asked before the customer's answer to it, the
answer after); escalations, notes and decisions are the ones declared for their kind.

Checked from the data the demo wrote (tickets, messages, events) against the policies and
the declarations of guichet/demo/content.py, not against snapshots of texts."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from functools import cache

import pytest

from guichet.accounts.models import Membership
from guichet.brands.models import Brand
from guichet.demo import content
from guichet.demo.content import Story
from guichet.lib.scoping import all_brands
from guichet.policies.schema import Policy
from guichet.tickets.choices import Direction, Verb
from guichet.tickets.models import Event, Message, Ticket

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


@cache
def pattern(text: str) -> re.Pattern[str]:
    """A declared text with its placeholders ({name}, {ref}…) standing for any words."""
    parts = re.split(r"\{\w+\}", text)
    return re.compile(".*?".join(re.escape(part) for part in parts))


def said(text: str, declared: dict[str, str] | None, language: str) -> bool:
    return declared is not None and bool(pattern(declared[language]).fullmatch(text.strip()))


def story_of(ticket: Ticket, opening: Message) -> Story | None:
    for story in content.STORIES[ticket.contact_type]:
        if said(opening.text, story.body, ticket.language):
            return story
    return None


def problems(brand: Brand) -> Iterator[str]:
    policy = brand.get_policy()
    staff = {
        m.user_id: (m.role, {team.key for team in m.teams.all()})
        for m in Membership.objects.filter(brand=brand).prefetch_related("teams")
    }
    tickets = Ticket.objects.filter(brand=brand).select_related("team", "seller")
    for ticket in tickets.order_by("pk"):
        messages = list(ticket.messages.select_related("author_user").order_by("created_at", "pk"))
        events = list(ticket.events.order_by("at", "pk"))
        where = f"{ticket.reference} ({ticket.contact_type}, {ticket.category or 'no category'})"
        story = story_of(ticket, messages[0])
        if story is None:
            yield f"{where}: its opening is no story declared for a {ticket.contact_type}"
            continue
        yield from (f"{where}: {problem}" for problem in routing(policy, ticket, events))
        yield from (f"{where}: {problem}" for problem in filing(policy, ticket, story))
        yield from (
            f"{where}: {problem}"
            for problem in conversation(policy, ticket, story, messages, events, staff)
        )
        yield from (f"{where}: {problem}" for problem in decisions(policy, ticket, story, events))


def routing(policy: Policy, ticket: Ticket, events: list[Event]) -> Iterator[str]:
    """Level 1 is with the category's team (or level 1's); each level with its own team;
    a level whose team is a department (the own team of a category) holds only tickets of
    that department's categories."""
    category = policy.category(ticket.category)
    departments = {c.team for c in policy.categories if c.team}
    first = (category.team if category and category.team else None) or policy.level_at(1).team
    expected = first if ticket.level == 1 else policy.level_at(ticket.level).team
    if ticket.team is None or ticket.team.key != expected:
        yield f"at level {ticket.level} with team {ticket.team}, not {expected}"
    for event in events:
        if event.verb != Verb.ESCALATED:
            continue
        team = policy.level_at(event.data["to"]).team
        if event.data["team"] != team:
            yield f"escalated to level {event.data['to']} with team {event.data['team']}"
        if team in departments and (category is None or category.team != team):
            yield f"escalated to the {team} department, which its category is not routed to"


def filing(policy: Policy, ticket: Ticket, story: Story) -> Iterator[str]:
    """Filed under a category its story is about; a dispute names its seller."""
    keys = {c.key for c in policy.categories}
    if story.categories is None:
        allowed = keys - content.RESERVED
    elif not story.categories:
        allowed = {""}
    else:
        allowed = keys & set(story.categories)
    if ticket.category not in allowed:
        yield f"“{story.subject['en']}” filed under {ticket.category or 'no category'}"
    if ticket.contact_type == "dispute" and ticket.seller is None:
        yield "a dispute with no seller"


def conversation(
    policy: Policy,
    ticket: Ticket,
    story: Story,
    messages: list[Message],
    events: list[Event],
    staff: dict[int, tuple[str, set[str]]],
) -> Iterator[str]:
    """Every reply is its story's question, its answer or a higher level's reply: the
    customer writes back only the answer to the question, after it, and the agent answers
    only once told; a higher level's reply names the level the ticket is at, by a person
    of a role that handles it, from its team where the brand has one there. Notes are the
    story's."""
    language = ticket.language
    asked = informed = answered = False
    for message in messages[1:]:
        text = message.text
        if message.is_internal:
            if text not in (story.note, story.third_party):
                yield f"an undeclared note: {text[:60]!r}"
        elif message.is_automatic:
            continue  # the brand's letters (notify's own tests)
        elif message.direction == Direction.INBOUND:
            if asked and not informed and said(text, story.info, language):
                informed = True
            else:
                yield f"the customer wrote {text[:60]!r} unasked"
        elif said(text, story.ask, language) and not answered:
            asked = True
        elif said(text, story.answer, language):
            answered = True
            if story.ask and not informed:
                yield "answered before the customer told what the answer rests on"
        elif said(text, content.LEVEL_REPLY, language):
            level = level_when(message, events)
            step = policy.level_at(level)
            if not answered or level < 2:
                yield "a higher level's reply before the first answer, or at level 1"
            if policy.text(step.name, language) not in text:
                yield f"a reply naming another level than the ticket's ({level})"
            role, teams = staff.get(message.author_user_id or 0, ("", set()))
            could = [t for r, t in staff.values() if r in step.handled_by]
            if role not in step.handled_by:
                yield f"level {level} answered by a {role or 'stranger'}"
            elif step.team not in teams and any(step.team in t for t in could):
                yield f"level {level} answered from outside its team, {step.team}"
        else:
            yield f"a reply that answers something else: {text[:60]!r}"


def level_when(message: Message, events: list[Event]) -> int:
    """The ticket's level when `message` was written (its escalations so far)."""
    level = 1
    for event in events:
        if event.verb == Verb.ESCALATED and event.at <= message.created_at:
            level = event.data["to"]
    return level


def decisions(policy: Policy, ticket: Ticket, story: Story, events: list[Event]) -> Iterator[str]:
    """Escalations by people only for complaints and disputes, with reasons declared for
    who asked; by time only where the policy escalates by itself; the decision's words
    those of its outcome, in the customer's language; a comment closed unanswered only
    when its story needs no answer; a compliment thanked and forwarded where the policy
    says so."""
    language = ticket.language
    for event in events:
        if event.verb == Verb.ESCALATED:
            trigger, reason = event.data["trigger"], event.data["reason"]
            if trigger == "time":
                if not policy.escalation.automatic:
                    yield "escalated by time where the policy never does"
            elif ticket.contact_type not in ("complaint", "dispute"):
                yield f"a {ticket.contact_type} escalated by a person"
            elif trigger == "customer" and reason not in content.CUSTOMER_REASONS[language]:
                yield f"escalated at the customer's request for {reason!r}"
            elif trigger == "agent" and reason not in content.AGENT_REASONS.values():
                yield f"escalated by an agent for {reason!r}"
        elif event.verb == Verb.CLOSED:
            summary, outcome = event.data["summary"], event.data["outcome"]
            expected = content.SUMMARIES[outcome][language] if outcome else ""
            if summary != expected:
                yield f"closed ({outcome or 'no outcome'}) with {summary[:60]!r}"
            if event.data.get("without_reply") and not story.no_reply:
                yield "closed without a reply although its story asks one"
    forwarded = any(e.verb == Verb.FORWARDED for e in events)
    rule = policy.contact_type(ticket.contact_type)
    thanked = rule is not None and rule.thank_and_forward
    if ticket.status == "closed" and thanked and not forwarded:
        yield "a compliment closed without being thanked and forwarded"


@pytest.mark.django_db
def test_every_demo_ticket_is_routed_filed_answered_and_decided_coherently(
    presets: dict[str, Brand],
) -> None:
    from guichet.demo.loader import load_demo

    load_demo(now=NOW)
    with all_brands():
        found = [problem for brand in presets.values() for problem in problems(brand)]
        escalated = Event.objects.filter(verb=Verb.ESCALATED)
        assert escalated.filter(data__trigger="agent").exists()
        assert escalated.filter(data__trigger="customer").exists()
        assert Event.objects.filter(verb=Verb.FORWARDED).exists()
        assert Event.objects.filter(verb=Verb.CLOSED, data__without_reply=True).exists()
        assert Message.objects.filter(is_internal=True).exists()
    assert not found, "\n".join(found)


def test_every_story_is_told_in_french_and_english_with_the_same_placeholders() -> None:
    for kind, stories in content.STORIES.items():
        assert stories, kind
        for story in stories:
            for field in ("subject", "body", "answer", "ask", "info"):
                text = getattr(story, field)
                if text is None:
                    continue
                assert set(text) == {"fr", "en"}, (kind, field)
                names = [sorted(re.findall(r"\{(\w+)\}", text[lang])) for lang in ("fr", "en")]
                assert names[0] == names[1], (kind, field, text["en"][:40])
            assert (story.ask is None) == (story.info is None), (kind, story.subject["en"])
    assert set(content.SUMMARIES) == {
        "upheld",
        "partly_upheld",
        "not_upheld",
        "unresolved",
        "withdrawn",
    }
