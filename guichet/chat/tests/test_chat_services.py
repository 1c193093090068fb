"""A chat's life through the services: every chat is a ticket from its first message, its
lines numbered once, taken, transferred, ended; what the widget is told about waiting."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from guichet.accounts.models import Role
from guichet.chat import services
from guichet.chat.models import Author, ChatEntry, ChatSession, ChatState, EndReason
from guichet.chat.tests.conftest import ChatWorld
from guichet.conduct.services import conduct_block
from guichet.conftest import last, make_staff, story
from guichet.contacts.services import contact_block, contact_for_email
from guichet.intake.models import InboundEmail
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.tickets import services as tickets
from guichet.tickets.choices import Channel, Status, Verb
from guichet.tickets.models import Ticket


def lines(session: ChatSession) -> list[tuple[int, str, str]]:
    with brand_scope(session.brand_id):
        return [
            (e.seq, e.author, e.message.text if e.message else e.code)
            for e in ChatEntry.objects.filter(session=session)
            .select_related("message")
            .order_by("seq")
        ]


def test_a_chat_is_a_ticket_from_its_first_message(chat: ChatWorld) -> None:
    session = chat.start()
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get(pk=session.ticket_id)
        assert ticket.channel == Channel.CHAT
        assert ticket.reference.startswith(chat.brand.reference_prefix)
        assert session.state == ChatState.QUEUED
        assert lines(session) == [
            (1, Author.CUSTOMER, "Bonjour, ma commande n'est pas arrivée."),
            (2, Author.SYSTEM, "opened"),
        ]
        assert last(ticket, Verb.CHAT_QUEUED).data == {"chat": session.pk, "level": 1}
        # Deadlines apply as to any ticket.
        assert ticket.next_due_at is not None


def test_the_same_visitor_starting_again_finds_their_chat(chat: ChatWorld) -> None:
    first = chat.start()
    assert chat.start(text="Encore moi").pk == first.pk


def test_an_agent_takes_the_chat_and_the_ticket(chat: ChatWorld) -> None:
    session = chat.start()
    chat.clock.advance(timedelta(seconds=42))
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    with brand_scope(chat.brand):
        session.refresh_from_db()
        ticket = Ticket.objects.get(pk=session.ticket_id)
        assert session.state == ChatState.ACTIVE and session.agent == chat.agent
        assert ticket.assignee == chat.agent
        assert last(ticket, Verb.CHAT_ACCEPTED).data == {
            "chat": session.pk,
            "agent": chat.agent.pk,
            "wait_s": 42,
        }
        assert lines(session)[-1] == (3, Author.SYSTEM, "joined")
    with pytest.raises(InvalidRequest) as taken:
        services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent2)
    assert taken.value.code == "taken"


def test_an_agent_holds_no_more_chats_than_the_policy_says(chat: ChatWorld) -> None:
    for n in range(services.DEFAULT_CHATS_PER_AGENT):
        session = chat.start(key=f"{n:032d}", email=f"c{n}@exemple.ma")
        services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    extra = chat.start(key="f" * 32, email="extra@exemple.ma")
    with pytest.raises(InvalidRequest) as full:
        services.chat_accept(session_id=extra.pk, brand=chat.brand, agent=chat.agent)
    assert full.value.code == "limit"


def test_messages_are_ticket_messages_kept_once_per_client_id(chat: ChatWorld) -> None:
    session = chat.start()
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    entry, new = services.chat_post(
        session_id=session.pk,
        brand=chat.brand,
        text="Votre numéro ?",
        client_id="a1",
        agent=chat.agent,
    )
    again, new_again = services.chat_post(
        session_id=session.pk,
        brand=chat.brand,
        text="Votre numéro ?",
        client_id="a1",
        agent=chat.agent,
    )
    assert new and not new_again and again.pk == entry.pk
    services.chat_post(
        session_id=session.pk,
        brand=chat.brand,
        text="JM-4471",
        client_id="c2",
        visitor=session.visitor,
    )
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get(pk=session.ticket_id)
        assert ticket.first_responded_at is not None  # the first-response deadline is met
        texts = [m.text for m in ticket.messages.order_by("pk") if not m.is_automatic]
        assert texts[-2:] == ["Votre numéro ?", "JM-4471"]
    assert [line[2] for line in lines(session)][-2:] == ["Votre numéro ?", "JM-4471"]
    # No email for a live chat's lines: the customer reads them in the chat.
    with brand_scope(chat.brand):
        assert not OutboundEmail.objects.filter(ticket_id=session.ticket_id, automatic=False)


def test_only_the_chats_agent_and_visitor_write_in_it(chat: ChatWorld) -> None:
    session = chat.start()
    with pytest.raises(InvalidRequest):
        services.chat_post(
            session_id=session.pk, brand=chat.brand, text="Hi", client_id="x", agent=chat.agent
        )
    with pytest.raises(InvalidRequest):
        services.chat_post(
            session_id=session.pk, brand=chat.brand, text="Hi", client_id="y", visitor="b" * 32
        )
    with pytest.raises(InvalidRequest) as long:
        services.chat_post(
            session_id=session.pk,
            brand=chat.brand,
            text="x" * 4001,
            client_id="z",
            visitor=session.visitor,
        )
    assert long.value.code == "too_long"


def test_a_reply_from_the_ticket_page_joins_the_chat_then_goes_by_email(chat: ChatWorld) -> None:
    session = chat.start()
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get(pk=session.ticket_id)
    tickets.ticket_reply(ticket=ticket, actor=chat.agent, text="Je regarde votre commande.")
    assert lines(session)[-1] == (4, Author.AGENT, "Je regarde votre commande.")
    services.chat_end(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    with brand_scope(chat.brand):
        ticket.refresh_from_db()
        assert ticket.status != Status.CLOSED  # the ticket stays open for the follow-up
    tickets.ticket_reply(ticket=ticket, actor=chat.agent, text="Votre colis part demain.")
    with brand_scope(chat.brand):
        mail = OutboundEmail.objects.get(ticket=ticket, automatic=False)
        assert mail.to_address == "yasmine@exemple.ma" and "demain" in mail.text
    assert lines(session)[-1][2] == "ended"


def test_a_transfer_to_a_colleague_or_to_a_level(chat: ChatWorld) -> None:
    session = chat.start()
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    services.chat_transfer(
        session_id=session.pk, brand=chat.brand, agent=chat.agent, to_user=chat.agent2
    )
    with brand_scope(chat.brand):
        session.refresh_from_db()
        ticket = Ticket.objects.get(pk=session.ticket_id)
        assert session.agent == chat.agent2 and ticket.assignee == chat.agent2
    services.chat_transfer(
        session_id=session.pk,
        brand=chat.brand,
        agent=chat.agent2,
        to_level=2,
        reason="Enquête nécessaire",
    )
    with brand_scope(chat.brand):
        session.refresh_from_db()
        ticket.refresh_from_db()
        assert ticket.level == 2
        assert session.state == ChatState.QUEUED and session.level == 2 and session.agent is None
        verbs = [verb for verb, _ in story(ticket)]
        assert verbs.count(Verb.CHAT_TRANSFERRED) == 2 and Verb.ESCALATED in verbs
    # A level-1 agent cannot take it back from the level-2 queue; the investigator can.
    with pytest.raises(InvalidRequest):
        services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.investigator)
    with brand_scope(chat.brand):
        assert last(ticket, Verb.CHAT_ACCEPTED).data["transfer"] is True


def test_an_abusive_chat_ends_at_once_and_is_flagged(chat: ChatWorld) -> None:
    session = chat.start()
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    services.chat_end(session_id=session.pk, brand=chat.brand, agent=chat.agent, abusive=True)
    with brand_scope(chat.brand):
        session.refresh_from_db()
        ticket = Ticket.objects.get(pk=session.ticket_id)
        assert session.end_reason == EndReason.ABUSIVE
        assert ticket.abuse_flagged_at is not None
        assert last(ticket, Verb.CHAT_ENDED).data["reason"] == "abusive"
    with pytest.raises(InvalidRequest) as closed:
        services.chat_post(
            session_id=session.pk,
            brand=chat.brand,
            text="encore",
            client_id="n",
            visitor=session.visitor,
        )
    assert closed.value.code == "closed"


def test_a_blocked_customer_cannot_start_a_chat(chat: ChatWorld) -> None:
    contact = contact_for_email(brand=chat.brand, email="yasmine@exemple.ma", name="Yasmine")
    manager = make_staff(chat.brand, "direction", Role.MANAGER)
    with brand_scope(chat.brand):
        contact_block(contact=contact, actor=manager, reason="Menaces répétées")
    started = services.chat_start(
        visitor=chat.visitor(),
        intro=services.Intro(
            name="Yasmine", email="yasmine@exemple.ma", topic="", text="Ouvrez !", consent=True
        ),
    )
    assert started is None
    with brand_scope(chat.brand):
        assert not ChatSession.objects.exists()
        assert InboundEmail.objects.filter(brand=chat.brand).count() == 1  # kept, unanswered


def test_a_message_left_becomes_an_ordinary_request(chat: ChatWorld) -> None:
    ticket = services.chat_leave_message(
        visitor=chat.visitor(),
        intro=services.Intro(
            name="Yasmine",
            email="yasmine@exemple.ma",
            topic="",
            text="Rappelez-moi",
            consent=True,
        ),
    )
    assert ticket is not None
    with brand_scope(chat.brand):
        assert ticket.channel == Channel.WEB
        assert last(ticket, Verb.CHAT_MESSAGE_LEFT) is not None
        assert OutboundEmail.objects.filter(ticket=ticket, automatic=True).exists()


def test_the_pre_chat_form_is_checked(chat: ChatWorld) -> None:
    def intro(**changes: object) -> services.Intro:
        fields: dict[str, object] = {
            "name": "Yasmine",
            "email": "y@exemple.ma",
            "topic": "",
            "text": "Bonjour",
            "consent": True,
        }
        fields.update(changes)
        return services.Intro(**fields)  # type: ignore[arg-type]

    for bad, code in [
        (intro(consent=False), "consent"),
        (intro(email="pas une adresse"), "invalid"),
        (intro(name=" "), "invalid"),
        (intro(topic="unknown"), "invalid"),
        (intro(text="   "), "invalid"),
    ]:
        with pytest.raises(InvalidRequest) as refused:
            services.chat_start(visitor=chat.visitor(), intro=bad)
        assert refused.value.code == code


def test_availability_follows_hours_presence_and_load(chat: ChatWorld) -> None:
    found = services.availability(chat.brand)
    assert found.open and not found.available  # nobody has the console open
    chat.present(chat.agent)
    found = services.availability(chat.brand)
    assert found.available and found.wait == 0
    for n in range(services.DEFAULT_CHATS_PER_AGENT):
        session = chat.start(key=f"{n:032d}", email=f"c{n}@exemple.ma")
        chat.clock.advance(timedelta(seconds=60))
        services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    chat.start(key="e" * 32, email="queued@exemple.ma")
    services.presence_seen(chat.agent)
    found = services.availability(chat.brand)
    assert found.queued == 1 and found.wait == 60 * 2  # the median wait, two turns ahead
    services.presence_seen(chat.agent, status="away")
    assert not services.availability(chat.brand).available
    services.presence_seen(chat.agent, status="available")
    chat.clock.advance(services.PRESENCE_TIMEOUT + timedelta(seconds=1))
    assert not services.availability(chat.brand).available
    # At night the chat is closed: a message may be left.
    chat.clock.advance(timedelta(hours=9))
    services.presence_seen(chat.agent)
    assert not services.availability(chat.brand).open


def test_the_sweep_ends_abandoned_and_idle_chats(chat: ChatWorld) -> None:
    waiting = chat.start()
    talking = chat.start(key="b" * 32, email="b@exemple.ma")
    services.chat_accept(session_id=talking.pk, brand=chat.brand, agent=chat.agent)
    chat.clock.advance(services.ABANDON_AFTER + timedelta(seconds=1))
    assert services.chats_sweep() == 1
    chat.clock.advance(services.IDLE_AFTER)
    assert services.chats_sweep() == 1
    with brand_scope(chat.brand):
        waiting.refresh_from_db()
        talking.refresh_from_db()
    assert waiting.end_reason == EndReason.ABANDONED
    assert talking.end_reason == EndReason.IDLE


def test_rating_and_transcript(chat: ChatWorld) -> None:
    session = chat.start()
    with pytest.raises(InvalidRequest):  # nobody answered yet
        services.chat_rate(
            session_id=session.pk, brand=chat.brand, visitor=session.visitor, score=5
        )
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    services.chat_post(
        session_id=session.pk,
        brand=chat.brand,
        text="C'est réglé.",
        client_id="r",
        agent=chat.agent,
    )
    services.chat_end(session_id=session.pk, brand=chat.brand, visitor=session.visitor)
    services.chat_rate(
        session_id=session.pk, brand=chat.brand, visitor=session.visitor, score=4, comment="Bien"
    )
    with pytest.raises(InvalidRequest):
        services.chat_rate(
            session_id=session.pk, brand=chat.brand, visitor=session.visitor, score=5
        )
    address = services.chat_transcript(
        session_id=session.pk, brand=chat.brand, visitor=session.visitor
    )
    assert address == "yasmine@exemple.ma"
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get(pk=session.ticket_id)
        assert last(ticket, Verb.CHAT_RATED).data["score"] == 4
        mail = OutboundEmail.objects.filter(ticket=ticket, message__isnull=True).get()
        assert "Karim: C'est réglé." in mail.text and ticket.reference in mail.subject
    with pytest.raises(InvalidRequest) as again:
        services.chat_transcript(session_id=session.pk, brand=chat.brand, visitor=session.visitor)
    assert again.value.code == "rate_limited"


def test_a_customer_blocked_during_a_chat_is_cut_off(
    chat: ChatWorld, django_capture_on_commit_callbacks: Any
) -> None:
    session = chat.start()
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    manager = make_staff(chat.brand, "direction", Role.MANAGER)
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get(pk=session.ticket_id)
    with django_capture_on_commit_callbacks(execute=True):
        conduct_block(
            contact=session.contact, ticket=ticket, actor=manager, reason="Insultes répétées"
        )
    with brand_scope(chat.brand):
        session.refresh_from_db()
    assert session.state == ChatState.ENDED and session.end_reason == EndReason.ABUSIVE


def test_an_abusive_line_in_a_chat_is_read_by_the_conduct_detector(chat: ChatWorld) -> None:
    from guichet.conduct.models import AbuseFlag

    session = chat.start()
    services.chat_accept(session_id=session.pk, brand=chat.brand, agent=chat.agent)
    services.chat_post(
        session_id=session.pk,
        brand=chat.brand,
        text="Vous êtes une bande de connards.",
        client_id="insult",
        visitor=session.visitor,
    )
    with brand_scope(chat.brand):
        ticket = Ticket.objects.get(pk=session.ticket_id)
        assert ticket.abuse_flagged_at is not None
        assert AbuseFlag.objects.filter(ticket=ticket).exists()


def test_pings_keep_a_waiting_visitor_a_minute_at_a_time(chat: ChatWorld) -> None:
    """The widget pings every 25 s; its presence is written at most once a minute (a
    thousand widgets open would otherwise write forty times a second), which is enough
    for a chat abandoned after three minutes unseen."""
    from guichet.chat import visit

    conn = visit.Connection(brand_id=chat.brand.pk, address="192.0.2.7", origin="")
    visit.handle(conn, {"type": "hello", "language": "fr"})
    visit.handle(
        conn,
        {
            "type": "start",
            "name": "Yasmine Benali",
            "email": "yasmine@exemple.ma",
            "text": "Bonjour, ma commande n'est pas arrivée.",
            "consent": True,
            "client_id": "first",
        },
    )

    def seen() -> Any:
        with brand_scope(chat.brand):
            return ChatSession.objects.get(pk=conn.chat).visitor_seen_at

    started = seen()
    for _ in range(8):  # 25 s apart, as the widget pings: 3 min 20 s in all
        chat.clock.advance(seconds=25)
        assert visit.handle(conn, {"type": "ping"}) == [{"type": "pong"}]
        assert chat.clock.now() - seen() < visit.SEEN_EVERY + timedelta(seconds=25)
    assert seen() > started
    assert services.chats_sweep() == 0  # still there
    chat.clock.advance(services.ABANDON_AFTER)
    assert services.chats_sweep() == 1  # gone: no ping for three minutes
