"""Comments (docs/requirements.md IN-7, EJ): no answer needed unless they concern the service —
closed without a word to the customer, with the reason recorded."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, last
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.tickets import services
from guichet.tickets.choices import Status, Verb

pytestmark = pytest.mark.django_db


def comment(world, channel="email"):
    return services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="comment",
        subject="Votre nouveau site",
        text="Le nouveau site est joli.",
        channel=channel,
    )


def sent(ticket):
    with brand_scope(ticket.brand_id):
        return OutboundEmail.objects.filter(ticket=ticket).count()


def test_a_comment_that_does_not_concern_the_service_is_closed_with_its_reason(world, frozen_clock):
    ticket = comment(world)
    letters = sent(ticket)  # the acknowledgement
    services.ticket_close_without_reply(
        ticket=ticket, actor=world.agent, reason="Simple avis sur le site"
    )
    assert ticket.status == Status.CLOSED and ticket.closed_at == frozen_clock.now()
    assert last(ticket, Verb.CLOSED).data == {
        "from": Status.NEW,
        "outcome": "",
        "level": 1,
        "summary": "",
        "without_reply": True,
        "reason": "Simple avis sur le site",
    }
    assert last(ticket, Verb.CLOSED).actor_user == world.agent
    assert sent(ticket) == letters and last(ticket, Verb.REPLIED).data["automatic"]
    assert ticket.next_due_at is None


def test_if_it_might_concern_the_service_the_reason_is_required(world):
    ticket = comment(world)
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_close_without_reply(ticket=ticket, actor=world.agent, reason="  ")
    assert caught.value.code == "reason" and ticket.status == Status.NEW


def test_where_comments_get_no_answer_no_reason_is_needed(world):
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    policy_publish(
        text=text.replace(
            'type = "comment"\nreply = "if_service"', 'type = "comment"\nreply = "none"'
        )
    )
    world.ej.refresh_from_db()
    ticket = comment(world)
    services.ticket_close_without_reply(ticket=ticket, actor=world.agent, reason="")
    assert ticket.status == Status.CLOSED


def test_what_needs_an_answer_cannot_be_closed_without_one(world):
    question = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Horaires",
        text="Quand ouvrez-vous ?",
        channel="email",
    )
    for ticket in (question, world.ticket):
        with pytest.raises(InvalidRequest) as caught:
            services.ticket_close_without_reply(ticket=ticket, actor=world.agent, reason="Bof")
        assert caught.value.code == "reply_required" and ticket.status == Status.NEW


def test_closing_twice_is_refused(world):
    ticket = comment(world)
    services.ticket_close_without_reply(ticket=ticket, actor=world.agent, reason="Avis")
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_close_without_reply(ticket=ticket, actor=world.agent, reason="Avis")
    assert caught.value.code == "closed"


def test_who_may_not_decide_at_its_level_cannot_close_it(world):
    ticket = comment(world)
    for person in (world.investigator, world.outsider):
        with pytest.raises(PermissionDenied):
            services.ticket_close_without_reply(ticket=ticket, actor=person, reason="Avis")
    assert ticket.status == Status.NEW
