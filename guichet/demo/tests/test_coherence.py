"""The demo tells coherent stories: every ticket of the five preset brands is routed as its
brand's policy says for its category and level, and never to a department its category
has nothing to do with; it is filed under a category its request is about; every reply
is one declared for that request (a question asked before the customer's answer to it, the
answer after); escalations, notes and decisions are the ones declared for their kind.
A scripted scene's ticket (guichet/demo/scenes.py) holds its script's messages, in order,
each from the side its step says. The parties agree with the tickets: a seller's strikes
come from deadlines it missed, its status from its strikes or a manager's decision, the
release of its details from the policy's rule; money is paid in the brand's currency,
after the item came back.

Checked from the data the demo wrote (tickets, messages, events) against the policies and
the declarations of guichet/demo/content.py and scenes.py, not against snapshots of texts:
by test_demo.py's test, which loads the demo once for all that is read of it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache

from guichet.accounts.models import Membership
from guichet.accounts.permissions import Action, can
from guichet.brands.models import Brand
from guichet.demo import content, scenes
from guichet.demo.content import Story
from guichet.demo.scenes import AskSeller, PassOn, Pay, Reply, Scene, SellerAnswers, Write
from guichet.lib.scoping import all_brands
from guichet.marketplace.models import (
    ContactRelease,
    Proposal,
    ProposalKind,
    ReleaseStatus,
    Seller,
    SellerStatus,
    SellerStatusChange,
    Strike,
    StrikeReason,
)
from guichet.policies.schema import Policy
from guichet.sla.models import Deadline
from guichet.tickets.choices import Direction, Verb
from guichet.tickets.models import Event, Message, Payment, Ticket


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


def scene_of(brand: Brand, ticket: Ticket, opening: Message) -> Scene | None:
    for scene in scenes.SCENES:
        if (
            scene.brand == brand.slug
            and scene.contact_type == ticket.contact_type
            and said(opening.text, scene.body, ticket.language)
        ):
            return scene
    return None


def problems(brand: Brand) -> Iterator[str]:
    policy = brand.get_policy()
    staff = {
        m.user_id: (m.role, {team.key for team in m.teams.all()})
        for m in Membership.objects.filter(brand=brand).prefetch_related("teams")
    }
    # The scripted tickets; the live chats, played through the chat's services, have their
    # own check (test_demo.py, brands_with_chat_have_three_weeks_of_chats).
    tickets = Ticket.objects.filter(brand=brand, chats__isnull=True).select_related(
        "team", "seller"
    )
    for ticket in tickets.order_by("pk"):
        messages = list(ticket.messages.select_related("author_user").order_by("created_at", "pk"))
        events = list(ticket.events.order_by("at", "pk"))
        where = f"{ticket.reference} ({ticket.contact_type}, {ticket.category or 'no category'})"
        scene = scene_of(brand, ticket, messages[0])
        if scene is not None:
            yield from (f"{where}: {problem}" for problem in routing(policy, ticket, events))
            yield from (
                f"{where}: {problem}"
                for problem in scripted(policy, ticket, scene, messages, events, staff)
            )
            yield from (f"{where}: {problem}" for problem in decisions(policy, ticket, "", events))
            continue
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
        yield from (
            f"{where}: {problem}" for problem in decisions(policy, ticket, story.no_reply, events)
        )
    yield from parties(brand, policy)


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
        if message.is_seller_side:
            yield f"a message on the seller's side outside a scene: {text[:60]!r}"
        elif message.is_internal:
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
            yield from handled(policy, message, level, staff)
        else:
            yield f"a reply that answers something else: {text[:60]!r}"


def handled(
    policy: Policy, message: Message, level: int, staff: dict[int, tuple[str, set[str]]]
) -> Iterator[str]:
    """Written at `level` by a person of a role that handles it, from its team where the
    brand has someone there."""
    step = policy.level_at(level)
    role, teams = staff.get(message.author_user_id or 0, ("", set()))
    could = [t for r, t in staff.values() if r in step.handled_by]
    if role not in step.handled_by:
        yield f"level {level} answered by a {role or 'stranger'}"
    elif step.team not in teams and any(step.team in t for t in could):
        yield f"level {level} answered from outside its team, {step.team}"


# Who writes each step of a script, and where its message goes.
SIDES = {
    Reply: "to the customer",
    PassOn: "to the customer",
    Write: "from the customer",
    AskSeller: "to the seller",
    SellerAnswers: "from the seller",
}


def side(message: Message) -> str:
    if message.is_seller_side:
        return "from the seller" if message.direction == Direction.INBOUND else "to the seller"
    if message.is_internal:
        return "a note"
    return "from the customer" if message.direction == Direction.INBOUND else "to the customer"


def scripted(
    policy: Policy,
    ticket: Ticket,
    scene: Scene,
    messages: list[Message],
    events: list[Event],
    staff: dict[int, tuple[str, set[str]]],
) -> Iterator[str]:
    """Filed under the scene's category with its seller; the messages people wrote are the
    script's, in order (as far as it went before now), each on the side its step says: the
    staff's by a handler of the level the ticket was at, the seller's by one of its
    people."""
    if ticket.category != scene.category:
        yield f"filed under {ticket.category}, not {scene.category}"
    if (ticket.seller.name if ticket.seller else "") != scene.seller:
        yield f"names the seller {ticket.seller}, not {scene.seller or 'none'}"
    written = [m for m in messages[1:] if not m.is_automatic]
    steps = [step for step in scene.script if type(step) in SIDES]
    if len(written) > len(steps):
        yield f"{len(written)} messages for a script of {len(steps)}"
    for message, step in zip(written, steps, strict=False):
        name = type(step).__name__
        assert isinstance(step, Reply | PassOn | Write | AskSeller | SellerAnswers)
        if not said(message.text, step.text, ticket.language):
            yield f"{name}: {message.text[:60]!r} is not its script's"
        if side(message) != SIDES[type(step)]:
            yield f"{name}: a message {side(message)}"
        if message.is_seller_side and message.direction == Direction.INBOUND:
            person = message.seller_person
            if person is None or person.seller_id != ticket.seller_id:
                yield f"{name}: written by {person}, not one of the seller's people"
        elif message.direction == Direction.OUTBOUND:
            yield from handled(policy, message, level_when(message, events), staff)


def parties(brand: Brand, policy: Policy) -> Iterator[str]:
    """The sellers and the money agree with the tickets."""
    yield from seller_sides(brand)
    yield from strikes(brand)
    yield from statuses(brand, policy)
    yield from releases(brand)
    yield from payments(brand, policy)


def seller_sides(brand: Brand) -> Iterator[str]:
    """The seller's side of a ticket is the ticket's seller's, and its proposals too."""
    for message in Message.objects.filter(ticket__brand=brand, seller__isnull=False).select_related(
        "ticket"
    ):
        if message.seller_id != message.ticket.seller_id:
            yield f"{message.ticket.reference}: a message of a seller the ticket does not name"
    for proposal in Proposal.objects.filter(brand=brand).select_related("ticket"):
        where = f"{proposal.ticket.reference}: a {proposal.kind} proposal"
        if proposal.seller_id != proposal.ticket.seller_id:
            yield f"{where} by another seller than the ticket's"
        if proposal.kind == ProposalKind.REFUSAL and not proposal.reason:
            yield f"{where} without its reason"
        if proposal.amount is not None and proposal.currency != policy_currency(brand):
            yield f"{where} in {proposal.currency}"


def policy_currency(brand: Brand) -> str:
    return brand.get_policy().brand.currency or ""


def strikes(brand: Brand) -> Iterator[str]:
    """A strike for no answer is the watcher's, at the breach of a seller's deadline on its
    ticket that nothing had met: recorded once, at the moment it was due."""
    for strike in Strike.objects.filter(brand=brand).select_related("ticket"):
        where = f"{strike.ticket.reference}: a strike"
        if strike.seller_id != strike.ticket.seller_id:
            yield f"{where} against another seller than the ticket's"
        if strike.reason != StrikeReason.NO_ANSWER:
            continue
        missed = Deadline.objects.filter(
            ticket=strike.ticket,
            kind="seller_response",
            due_at=strike.due_at,
            breached_at__isnull=False,
            met_at__isnull=True,
        )
        if not missed.exists():
            yield f"{where} with no missed seller deadline due then"
        if strike.at != strike.due_at or strike.recorded_by_id is not None:
            yield f"{where} recorded at {strike.at} by {strike.recorded_by}, not by the watcher"


def statuses(brand: Brand, policy: Policy) -> Iterator[str]:
    """Each seller's history runs from active to its status, one change after another; a
    restriction by the policy comes with the strike that reached the threshold (counted in
    its window); a change by a person is a manager's or director's; each is recorded on the
    seller's tickets open then."""
    market = policy.marketplace
    for seller in Seller.objects.filter(brand=brand):
        status = SellerStatus.ACTIVE
        for change in SellerStatusChange.objects.filter(seller=seller).order_by("at", "pk"):
            where = f"{seller.name}: {change.from_status} → {change.to_status}"
            if change.from_status != status:
                yield f"{where}, but it was {status}"
            status = change.to_status
            if change.actor_user is not None:
                if not can(change.actor_user, Action.MANAGE_SELLERS, brand=brand):
                    yield f"{where} decided by {change.actor_user}, who may not"
            elif change.strike is None or change.to_status != SellerStatus.RESTRICTED:
                yield f"{where} by the policy without a strike"
            elif market is not None:
                window = market.strikes_within
                since = change.at - window.as_timedelta() if window else None
                counted = Strike.objects.filter(
                    seller=seller, at__lte=change.at, withdrawn_at__isnull=True
                )
                if since is not None:
                    counted = counted.filter(at__gte=since)
                if counted.count() < market.strikes_before_restriction:
                    yield f"{where} with {counted.count()} strikes"
            told = Event.objects.filter(
                verb=Verb.SELLER_STATUS_CHANGED, data__seller=seller.pk, at=change.at
            ).select_related("ticket")
            for event in told:
                if event.ticket.seller_id != seller.pk or event.ticket.created_at > event.at:
                    yield f"{where} recorded on {event.ticket.reference}"
        if status != seller.status:
            yield f"{seller.name} is {seller.status}, its history says {status}"


def releases(brand: Brand) -> Iterator[str]:
    """The customer of the ticket asked; the policy gave the details at once only where its
    rule allowed it then (the seller asked and it missed its deadline or refused); a
    request still waiting has no decision."""
    for release in ContactRelease.objects.filter(brand=brand).select_related("ticket"):
        where = f"{release.ticket.reference}: a release ({release.status})"
        ticket = release.ticket
        if release.requested_by_contact_id not in (None, ticket.contact_id):
            yield f"{where} asked by someone else than the customer"
        if release.status == ReleaseStatus.REQUESTED:
            if release.decided_at is not None or release.details:
                yield f"{where} already decided"
            continue
        if release.decided_by_label == "policy":
            before = release.requested_at
            missed = Strike.objects.filter(ticket=ticket, at__lte=before).exists()
            refused = Proposal.objects.filter(
                ticket=ticket, kind=ProposalKind.REFUSAL, at__lte=before
            ).exists()
            if ticket.seller_asked_at is None or not (missed or refused):
                yield f"{where} by the policy before the seller failed"
        if release.status == ReleaseStatus.RELEASED and not release.details:
            yield f"{where} with no details given"


def payments(brand: Brand, policy: Policy) -> Iterator[str]:
    """Money is paid in the brand's currency; a return's refund after the item came back."""
    for payment in Payment.objects.filter(brand=brand).select_related("ticket"):
        ticket = payment.ticket
        where = f"{ticket.reference}: a {payment.kind} of {payment.amount} {payment.currency}"
        if payment.currency != (policy.brand.currency or ""):
            yield f"{where}, not in {policy.brand.currency}"
        returned = ticket.item_returned_at
        if ticket.contact_type == "return_refund" and (returned is None or returned > payment.at):
            yield f"{where} before the item came back"


def level_when(message: Message, events: list[Event]) -> int:
    """The ticket's level when `message` was written (its escalations so far)."""
    level = 1
    for event in events:
        if event.verb == Verb.ESCALATED and event.at <= message.created_at:
            level = event.data["to"]
    return level


def decisions(policy: Policy, ticket: Ticket, no_reply: str, events: list[Event]) -> Iterator[str]:
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
            elif trigger == "routing":
                if not ticket.about_agent:
                    yield "routed up a level without being a complaint about a team member"
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
            if event.data.get("without_reply") and not no_reply:
                yield "closed without a reply although its story asks one"
    forwarded = any(e.verb == Verb.FORWARDED for e in events)
    rule = policy.contact_type(ticket.contact_type)
    thanked = rule is not None and rule.thank_and_forward
    if ticket.status == "closed" and thanked and not forwarded:
        yield "a compliment closed without being thanked and forwarded"


def every_demo_ticket_is_routed_filed_answered_and_decided_coherently(
    presets: dict[str, Brand],
) -> None:
    """Checked in test_demo.py's test, over its load of the demo (one load of 15 to 20 s
    for every check that reads it)."""
    with all_brands():
        found = [problem for brand in presets.values() for problem in problems(brand)]
        escalated = Event.objects.filter(verb=Verb.ESCALATED)
        assert escalated.filter(data__trigger="agent").exists()
        assert escalated.filter(data__trigger="customer").exists()
        assert Event.objects.filter(verb=Verb.FORWARDED).exists()
        assert Event.objects.filter(verb=Verb.CLOSED, data__without_reply=True).exists()
        assert Message.objects.filter(is_internal=True).exists()
        # The parties' checks had something to check.
        assert Message.objects.filter(seller__isnull=False).exists()
        assert Strike.objects.exists() and SellerStatusChange.objects.exists()
        assert ContactRelease.objects.exists() and Payment.objects.exists()
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


def test_every_scene_is_told_in_french_and_english_with_the_same_placeholders() -> None:
    for scene in scenes.SCENES:
        texts = [scene.subject, scene.body, *scene.texts()]
        texts += [step.reason for step in scene.script if isinstance(step, SellerAnswers | Pay)]
        for text in texts:
            if text is None:
                continue
            assert set(text) == {"fr", "en"}, scene.key
            names = [sorted(re.findall(r"\{(\w+)\}", text[lang])) for lang in ("fr", "en")]
            assert names[0] == names[1], (scene.key, text["en"][:40])
        assert scene.texts(), scene.key
    assert len({scene.key for scene in scenes.SCENES}) == len(scenes.SCENES)
