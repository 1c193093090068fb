"""The conversation reads as a conversation: the events of one moment (one action — a
reply and the status and deadlines it moved, a change of priority, an escalation) fold
into one quiet line that says what changed in a few words and opens on demand to the
detailed lines; messages stay as they are, each kind of its own look."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import translation

from guichet.desk.timeline import FOLDED, HEADLINES, Moment, timeline
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import System
from guichet.tickets.choices import Status, Verb
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db


def fresh(ticket: Ticket) -> Ticket:
    with brand_scope(ticket.brand_id):
        return Ticket.objects.select_related("brand", "assignee", "team").get(pk=ticket.pk)


def entries(ticket: Ticket) -> list:
    """What the page shows, as an English reader reads it."""
    with brand_scope(ticket.brand_id), translation.override("en"):
        shown = timeline(fresh(ticket)).entries
        for entry in shown:  # the words, while the language is English
            if isinstance(entry, Moment):
                entry.__dict__.update(words=(entry.actor, entry.headline, entry.lines))
        return shown


def said(moment: Moment) -> tuple[str, str, list[tuple[str, str]]]:
    """(who, the line, the detailed lines) of a moment, in English."""
    return moment.__dict__["words"]


def moments(ticket: Ticket) -> list[Moment]:
    return [entry for entry in entries(ticket) if isinstance(entry, Moment)]


def page(client, ticket: Ticket, prefix: str = "") -> str:
    url = prefix + reverse("desk:ticket", args=[ticket.reference])
    return client.get(url).content.decode()


def test_a_reply_and_what_it_moved_are_the_message_then_one_quiet_line(world, frozen_clock):
    frozen_clock.advance(minutes=30)
    services.ticket_reply(
        ticket=fresh(world.ticket),
        actor=world.agent,
        text="Nous vérifions votre relevé.",
        status_after=Status.WAITING_CUSTOMER,
    )
    shown = entries(world.ticket)
    reply = next(
        i
        for i, e in enumerate(shown)
        if not isinstance(e, Moment) and e.message.author_user_id == world.agent.pk
    )
    after = shown[reply + 1]
    assert isinstance(after, Moment) and after.at == shown[reply].at
    who, line, lines = said(after)
    # One line for the status and the deadlines the reply moved, by the agent, in a few words.
    assert who == "Agent"
    assert line.startswith("status: New → Waiting on the customer · ")
    assert line.endswith("deadlines updated")
    # The detailed lines are there when it opens: the first response met, among others.
    assert ("deadlines", "Deadline met: First response") in lines
    assert shown[reply + 2 :] == []  # nothing else happened at that moment


def test_each_moment_is_one_details_line_in_the_page(client, world, frozen_clock):
    frozen_clock.advance(minutes=10)
    services.ticket_change(ticket=fresh(world.ticket), actor=world.lead, priority="urgent")
    client.force_login(world.agent)
    html = page(client, world.ticket, "/en")
    line = html[html.index('<li class="moment') : html.index("</li>", html.index("priority: High"))]
    assert "<details>" in line and "<summary>" in line
    assert "Lead" in line and "priority: High → Urgent" in line
    # The engine's bookkeeping of the opening is one line too, not five.
    assert html.count("Deadline set: First response") == 1
    assert html.count('class="moment') == len(moments(world.ticket))


def test_two_people_or_two_moments_make_two_lines(world, frozen_clock):
    frozen_clock.advance(minutes=5)
    services.ticket_assign(ticket=fresh(world.ticket), actor=world.lead, assignee=world.agent)
    services.ticket_change(ticket=fresh(world.ticket), actor=world.agent, priority="urgent")
    frozen_clock.advance(minutes=5)
    services.ticket_change(ticket=fresh(world.ticket), actor=world.agent, complexity="complex")
    frozen_clock.advance(minutes=5)
    services.ticket_assign(ticket=fresh(world.ticket), actor=world.agent2, assignee=world.agent2)
    lines = [said(m)[:2] for m in moments(world.ticket)]
    assert ("Lead", "assigned to Agent") in lines
    assert ("Agent2", "took the ticket") in lines
    assert ("Agent", "priority: High → Urgent") in lines
    assert any(actor == "Agent" and "complexity" in headline for actor, headline in lines)


def test_one_request_calling_several_services_is_one_moment(client, world, frozen_clock):
    """The properties panel changes the priority, then the status, then the assignee: three
    services, one Save, one line."""
    client.force_login(world.lead)
    ticket = fresh(world.ticket)
    response = client.post(
        reverse("desk:fields", args=[ticket.reference]),
        {
            "contact_type": ticket.contact_type,
            "category": ticket.category,
            "priority": "urgent",
            "complexity": ticket.complexity,
            "status": Status.WAITING_THIRD_PARTY,
            "assignee": world.agent2.pk,
            "team": ticket.team_id,
            "revision": ticket.revision,
        },
        HTTP_HX_REQUEST="true",
    )
    assert response.status_code == 200
    who, line, lines = said(moments(world.ticket)[-1])
    assert who == "Lead"
    assert line.startswith(
        "priority: High → Urgent · status: New → Waiting on a third party · assigned to Agent2"
    )
    assert ("", "Assigned: Agent2") in lines


def test_a_long_moment_names_a_few_changes_and_counts_the_rest(world):
    services.ticket_change(
        ticket=fresh(world.ticket),
        actor=world.lead,
        priority="urgent",
        complexity="complex",
        contact_type="question",
        subject="Facture en double (bis)",
    )
    parts = said(moments(world.ticket)[-1])[1].split(" · ")
    assert parts[: HEADLINES - 1] == [
        "contact type: Complaint → Question",
        "priority: High → Urgent",
    ]
    assert parts[HEADLINES - 1] == "2 more changes"  # the complexity, the subject
    assert all(part.endswith("updated") for part in parts[HEADLINES:])  # deadlines, if any


def test_a_missed_deadline_stands_out(client, world, frozen_clock):
    frozen_clock.advance(days=2)
    services.ticket_record(
        ticket=fresh(world.ticket),
        actor=System("sla"),
        verb=Verb.DEADLINE_BREACHED,
        data={"kind": "first_response", "level": 0},
    )
    last = moments(world.ticket)[-1]
    assert last.alert and said(last)[1] == "Deadline missed: First response"
    client.force_login(world.agent)
    assert 'class="moment alert"' in page(client, world.ticket)


def test_customer_reply_and_internal_note_each_look_their_own(client, world, frozen_clock):
    frozen_clock.advance(minutes=5)
    services.ticket_reply(ticket=fresh(world.ticket), actor=world.agent, text="Bien reçu.")
    frozen_clock.advance(minutes=5)
    services.ticket_note(ticket=fresh(world.ticket), actor=world.agent, text="Rappeler demain.")
    client.force_login(world.agent)
    html = page(client, world.ticket)
    assert '<li class="msg in"' in html  # the customer's message
    assert '<li class="msg out"' in html  # the agent's reply
    assert '<li class="msg out auto"' in html  # the acknowledgement, a letter
    note = html[html.index('<li class="msg note"') :]
    assert "Note interne — visible de l’équipe seulement" in note[: note.index("</li>")]
    # A letter folds to its subject; its text is there when it opens.
    letter = html[html.index('<li class="msg out auto"') :]
    letter = letter[: letter.index("</li>")]
    assert '<details class="letter">' in letter and "<summary>" in letter


def test_the_live_refresh_redraws_the_moments(client, world, frozen_clock):
    client.force_login(world.agent)
    ticket = fresh(world.ticket)
    seen = {"revision": ticket.revision, "since": ticket.updated_at.isoformat()}
    frozen_clock.advance(timedelta(minutes=3))
    services.ticket_change(ticket=fresh(world.ticket), actor=world.lead, priority="urgent")
    answer = client.get(
        reverse("desk:timeline", args=[ticket.reference]), seen, HTTP_HX_REQUEST="true"
    )
    body = answer.content.decode()
    assert answer.status_code == 200 and "priorité\u00a0: Haute → Urgente" in body
    assert body.count('class="moment') == len(moments(world.ticket))


def test_an_escalation_by_time_says_so_in_words(world, frozen_clock):
    frozen_clock.advance(days=1)
    services.ticket_escalate(
        ticket=fresh(world.ticket),
        actor=System("sla"),
        to_level=2,
        reason="24h (escalation.automatic[0])",
    )
    _who, line, lines = said(moments(world.ticket)[-1])
    assert line.startswith("Escalated: level 1 → 2 — automatically, after 24h")
    assert "escalation.automatic" not in line + str(lines)


def test_a_page_of_the_latest_lines_counts_a_moment_as_one_line(world, frozen_clock, monkeypatch):
    """More events than a page shows, but few moments: all of them on the page; more
    moments than that: the latest ones, with no hole before them."""
    from guichet.desk.timeline import RECENT

    for n in range(RECENT // 3 + 1):  # three events a moment: more events than lines
        frozen_clock.advance(minutes=10)
        services.ticket_change(
            ticket=fresh(world.ticket),
            actor=world.lead,
            priority="urgent" if n % 2 == 0 else "high",
            complexity="complex" if n % 2 == 0 else "simple",
            subject=f"Facture en double ({n})",
        )
    with brand_scope(world.ej):
        shown = timeline(fresh(world.ticket))
    assert shown.hidden == 0 and len(shown.entries) < RECENT
    for n in range(RECENT):  # one event a moment: more moments than a page shows
        frozen_clock.advance(minutes=10)
        services.ticket_change(ticket=fresh(world.ticket), actor=world.lead, subject=f"Objet {n}")
    with brand_scope(world.ej):
        shown = timeline(fresh(world.ticket))
    assert shown.hidden > 0 and len(shown.entries) == RECENT + 1  # and the first message
    kept = [entry.at for entry in shown.entries[1:]]
    with brand_scope(world.ej):
        newer = fresh(world.ticket).events.filter(at__gte=kept[0])
        newer = newer.exclude(verb__in=FOLDED, message__isnull=False)
        shown_events = sum(len(e.events) for e in shown.entries[1:] if isinstance(e, Moment))
        assert shown_events == newer.count()  # no hole: every event since the first line
    # Fewer events read than the lines would hold: the page starts at the oldest one read.
    monkeypatch.setattr("guichet.desk.timeline.EVENTS_READ", 10)
    with brand_scope(world.ej):
        shown = timeline(fresh(world.ticket))
        oldest_read = fresh(world.ticket).events.order_by("-at", "-pk")[9]
    assert shown.entries[1].at >= oldest_read.at
    assert len(shown.entries) == 11 and shown.hidden > 0
