"""Replies, customer messages, internal notes and the paused clock."""

from datetime import timedelta

import pytest

from guichet.conftest import last, story
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Direction, Status, Verb

pytestmark = pytest.mark.django_db


def verbs(ticket):
    return [verb for verb, _ in story(ticket)]


def test_first_reply_is_recorded_once_and_opens_the_ticket(world, frozen_clock):
    frozen_clock.advance(hours=2)
    message = services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour Hélène")
    assert message.direction == Direction.OUTBOUND and message.author_user == world.agent
    assert world.ticket.first_responded_at == frozen_clock.now()
    assert world.ticket.status == Status.OPEN
    first = world.ticket.first_responded_at
    frozen_clock.advance(hours=1)
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Encore")
    assert world.ticket.first_responded_at == first
    assert verbs(world.ticket) == [Verb.OPENED, Verb.STATUS_CHANGED, Verb.REPLIED, Verb.REPLIED]


def pauses(ticket):
    with brand_scope(ticket.brand_id):
        return list(ticket.pauses.values_list("started_at", "ended_at"))


def test_a_reply_given_as_html_has_a_text_part_with_its_links_written_out(world):
    """An email's text part says where a link goes; an email received keeps its words."""
    html = (
        '<p>Voir <a href="https://ej.example/faq">la FAQ</a> :</p><ol><li>un</li><li>deux</li></ol>'
    )
    reply = services.ticket_reply(ticket=world.ticket, actor=world.agent, text="", html=html)
    assert reply.text == "Voir la FAQ (https://ej.example/faq) :\n\n1. un\n2. deux"
    received = services.ticket_receive(
        ticket=world.ticket, contact=world.customer, text="", html=html, channel="email"
    )
    assert received.text == "Voir la FAQ :\n\n1. un\n2. deux"


def test_waiting_on_the_customer_pauses_the_clock_until_they_answer(world, frozen_clock):
    services.ticket_reply(
        ticket=world.ticket,
        actor=world.agent,
        text="Votre numéro ?",
        status_after=Status.WAITING_CUSTOMER,
    )
    asked = frozen_clock.now()
    assert pauses(world.ticket) == [(asked, None)]
    frozen_clock.advance(hours=5)
    services.ticket_receive(
        ticket=world.ticket, contact=world.customer, text="CMD-1", channel="email"
    )
    assert world.ticket.status == Status.OPEN
    assert pauses(world.ticket) == [(asked, asked + timedelta(hours=5))]


def test_a_pause_ends_when_the_ticket_is_closed_while_waiting(world, frozen_clock):
    services.ticket_reply(
        ticket=world.ticket, actor=world.agent, text="?", status_after=Status.WAITING_CUSTOMER
    )
    asked = frozen_clock.now()
    frozen_clock.advance(hours=3)
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome="withdrawn")
    assert pauses(world.ticket) == [(asked, asked + timedelta(hours=3))]


def test_an_automatic_reply_from_the_customer_changes_nothing(world, frozen_clock):
    services.ticket_reply(
        ticket=world.ticket, actor=world.agent, text="?", status_after=Status.WAITING_CUSTOMER
    )
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome="upheld")
    message = services.ticket_receive(
        ticket=world.ticket,
        contact=world.customer,
        text="Absent du bureau",
        channel="email",
        automatic=True,
    )
    assert message.is_automatic and world.ticket.status == Status.CLOSED


def test_a_customer_message_reopens_a_closed_ticket(world, frozen_clock):
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome="upheld")
    frozen_clock.advance(days=1)
    services.ticket_receive(
        ticket=world.ticket, contact=world.customer, text="Merci mais…", channel="email"
    )
    assert world.ticket.status == Status.OPEN and world.ticket.closed_at is None
    assert verbs(world.ticket)[-2:] == [Verb.MESSAGE_RECEIVED, Verb.REOPENED]


def test_an_agent_cannot_reply_on_a_closed_ticket(world):
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome="upheld")
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="x")
    assert caught.value.code == "closed"


def test_notes_are_internal_and_do_not_count_as_a_response(world):
    note = services.ticket_note(ticket=world.ticket, actor=world.agent, text="Client connu")
    assert note.is_internal and world.ticket.first_responded_at is None
    assert world.ticket.status == Status.NEW


def test_automatic_messages_do_not_count_as_a_persons_response(world):
    message = services.ticket_reply(
        ticket=world.ticket, actor=SYSTEM, text="Accusé de réception", automatic=True
    )
    assert message.is_automatic and world.ticket.first_responded_at is None
    event = last(world.ticket, Verb.REPLIED)
    assert event.actor_label == "system" and event.message == message


def test_attachments_are_linked_once(world):
    attachment = attachment_store(
        brand=world.ej, filename="../../etc/passwd", content=b"x" * 10, content_type="text/plain"
    )
    assert attachment.filename == "passwd" and attachment.size == 10
    assert "passwd" not in attachment.storage_key
    message = services.ticket_reply(
        ticket=world.ticket, actor=world.agent, text="pj", attachments=[attachment]
    )
    with brand_scope(world.ej):
        assert list(message.attachments.all()) == [attachment]
    with pytest.raises(InvalidRequest):
        services.ticket_note(
            ticket=world.ticket, actor=world.agent, text="again", attachments=[attachment]
        )


def test_oversized_attachments_are_refused_without_reading_everything(world):
    from guichet.tickets.attachments import AttachmentTooLarge

    read = []

    def chunks():
        for _ in range(100):
            read.append(1)
            yield b"x" * 1024

    with pytest.raises(AttachmentTooLarge):
        attachment_store(brand=world.ej, filename="big.bin", content=chunks(), max_bytes=10 * 1024)
    assert len(read) == 11


def test_stale_revision_is_refused(world):
    seen = world.ticket.revision
    services.ticket_note(ticket=world.ticket, actor=world.agent2, text="someone else")
    from guichet.lib.errors import Conflict

    with pytest.raises(Conflict):
        services.ticket_reply(
            ticket=world.ticket, actor=world.agent, text="late", expected_revision=seen
        )


def test_time_moves_only_with_the_clock(world, frozen_clock):
    before = world.ticket.updated_at
    frozen_clock.advance(timedelta(minutes=7))
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="n")
    assert world.ticket.updated_at - before == timedelta(minutes=7)
