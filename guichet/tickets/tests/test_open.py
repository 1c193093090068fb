"""Opening a ticket (docs/requirements.md IN-1, IN-3, IN-6)."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.choices import Direction, Status, Verb
from guichet.tickets.models import Event, Message

pytestmark = pytest.mark.django_db


def test_opening_records_the_ticket_its_first_message_and_an_event(world, frozen_clock):
    ticket = world.ticket
    assert ticket.status == Status.NEW and ticket.level == 1
    assert ticket.created_at == frozen_clock.now() == ticket.level_started_at
    assert ticket.team.key == "front-line"
    assert ticket.priority == "high"  # EJ's billing category is served first
    assert ticket.language == "fr"
    with brand_scope(world.ej):
        [message] = Message.objects.filter(ticket=ticket, direction=Direction.INBOUND)
        [event] = Event.objects.filter(ticket=ticket, verb=Verb.OPENED)
    assert message.direction == Direction.INBOUND and message.author_contact == world.customer
    assert (event.verb, event.actor_contact, event.message) == (
        Verb.OPENED,
        world.customer,
        message,
    )
    assert event.data["reference"] == ticket.reference


def test_html_is_sanitised_and_text_derived(world):
    ticket = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="  Un   objet ",
        text="",
        html="<p>Bonjour<script>alert(1)</script></p>",
        channel="web",
    )
    assert ticket.subject == "Un objet"
    with brand_scope(world.ej):
        message = ticket.messages.get(direction=Direction.INBOUND)
    assert message.html == "<p>Bonjour</p>" and message.text == "Bonjour"


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"contact_type": "dispute"}, "contact_type"),  # EJ offers no disputes
        ({"category": "ghost"}, "category"),
        ({"channel": "pigeon"}, "channel"),
        ({"priority": "asap"}, "priority"),
        ({"subject": "   "}, "subject"),
        ({"text": "  "}, "empty_message"),
        ({"language": "de"}, "language"),
    ],
)
def test_what_the_policy_does_not_offer_is_refused(world, change, code):
    arguments = {
        "brand": world.ej,
        "contact": world.customer,
        "contact_type": "question",
        "subject": "s",
        "text": "t",
        "channel": "email",
    }
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_open(**{**arguments, **change})
    assert caught.value.code == code


def test_a_customer_of_another_brand_cannot_be_used(world):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_open(
            brand=world.ej,
            contact=world.other_customer,
            contact_type="question",
            subject="s",
            text="t",
            channel="email",
        )
    assert caught.value.code == "not_found"


def test_an_agent_logs_a_phone_call(world):
    ticket = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Appel",
        text="Notes",
        channel="phone",
        actor=world.agent,
    )
    with brand_scope(world.ej):
        event = ticket.events.get(verb=Verb.OPENED)
    assert event.actor_user == world.agent and event.actor_contact is None


def test_an_outsider_cannot_open_a_ticket_for_another_brand(world):
    with pytest.raises(PermissionDenied):
        services.ticket_open(
            brand=world.ej,
            contact=world.customer,
            contact_type="question",
            subject="s",
            text="t",
            channel="phone",
            actor=world.outsider,
        )
