"""The ladder: escalation by an agent and at the customer's request, returning down, final level."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.conftest import last
from guichet.lib.errors import InvalidRequest
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Status, Verb

pytestmark = pytest.mark.django_db


def last_event(ticket, verb=Verb.ESCALATED):
    return last(ticket, verb)


def test_an_agent_escalates_with_a_reason_to_the_next_level_and_its_team(world, frozen_clock):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    frozen_clock.advance(hours=3)
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="Besoin d'un expert")
    assert world.ticket.level == 2 and world.ticket.team.key == "gallery"
    assert world.ticket.assignee is None and world.ticket.level_started_at == frozen_clock.now()
    event = last_event(world.ticket)
    assert event.verb == Verb.ESCALATED
    assert event.data == {
        "from": 1,
        "to": 2,
        "level_key": "department",
        "team": "gallery",
        "team_id": world.ticket.team_id,
        "reason": "Besoin d'un expert",
        "trigger": "agent",
    }


def test_an_agent_must_give_a_reason_where_the_policy_says_so(world):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="  ")
    assert caught.value.code == "reason"


def answer(world):
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Voici notre réponse.")


def test_the_customer_asks_for_the_next_level(world):
    answer(world)
    services.ticket_escalate(
        ticket=world.ticket,
        actor=Customer(world.customer),
        reason="Pas satisfaite de la réponse",
    )
    event = last_event(world.ticket)
    assert (
        world.ticket.level == 2
        and event.actor_contact == world.customer
        and event.data["trigger"] == "customer"
    )


def test_the_customer_cannot_ask_for_the_next_level_before_any_answer(world):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_escalate(ticket=world.ticket, actor=Customer(world.customer), reason="r")
    assert caught.value.code == "not_answered"
    assert "une fois que nous vous aurons répondu" in str(caught.value)  # French, by default
    assert world.ticket.level == 1


def test_an_automatic_letter_is_not_an_answer(world):
    from guichet.tickets.actors import SYSTEM

    services.ticket_reply(
        ticket=world.ticket, actor=SYSTEM, text="Accusé de réception", automatic=True
    )
    assert not world.ticket.has_answer
    with pytest.raises(InvalidRequest):
        services.ticket_escalate(ticket=world.ticket, actor=Customer(world.customer))


def test_a_request_recorded_by_the_staff_before_any_answer_is_refused_too(world):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_escalate(
            ticket=world.ticket, actor=Customer(world.customer, recorded_by=world.agent2)
        )
    assert caught.value.code == "not_answered"


def test_an_agent_may_escalate_before_any_answer(world):
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="Besoin d'un expert")
    assert world.ticket.level == 2


def test_a_customer_can_reopen_a_closed_complaint_by_asking_for_the_next_level(world):
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome="not_upheld")
    services.ticket_escalate(ticket=world.ticket, actor=Customer(world.customer))
    assert world.ticket.status == Status.OPEN and world.ticket.level == 2


def test_a_request_recorded_for_the_customer_names_who_recorded_it(world):
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome="not_upheld")
    services.ticket_escalate(
        ticket=world.ticket,
        actor=Customer(world.customer, recorded_by=world.agent2),
        reason="Au téléphone : pas satisfaite",
    )
    for verb in (Verb.REOPENED, Verb.ESCALATED):
        event = last(world.ticket, verb)
        assert event.actor_contact_id == world.customer.pk, "the request stays hers"
        assert event.actor_user_id is None
        assert event.data["recorded_by"] == world.agent2.pk
    assert last(world.ticket, Verb.ESCALATED).data["trigger"] == "customer"


def test_recording_a_request_needs_the_right_to_escalate(world):
    with pytest.raises(PermissionDenied):
        services.ticket_escalate(
            ticket=world.ticket, actor=Customer(world.customer, recorded_by=world.outsider)
        )
    assert world.ticket.level == 1


def test_only_the_tickets_customer_can_ask(world):
    from guichet.contacts.services import contact_for_email

    stranger = contact_for_email(brand=world.ej, email="x@exemple.fr")
    with pytest.raises(InvalidRequest):
        services.ticket_escalate(ticket=world.ticket, actor=Customer(stranger))


def test_a_policy_without_escalation_on_request_refuses_it(db, frozen_clock):
    from guichet.conftest import publish_preset
    from guichet.contacts.services import contact_for_email

    brand = publish_preset("respect")  # "ne changera pas la réponse"
    contact = contact_for_email(brand=brand, email="c@exemple.fr")
    ticket = services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type="complaint",
        subject="s",
        text="t",
        channel="email",
    )
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_escalate(ticket=ticket, actor=Customer(contact))
    assert caught.value.code == "policy"


def test_the_final_level_is_final(world):
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="r", to_level=3)
    assert world.ticket.team.key == "direction"
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_escalate(ticket=world.ticket, actor=world.director, reason="r")
    assert caught.value.code == "final_level"


def test_escalation_only_goes_up(world):
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="r", to_level=2)
    for level in (1, 2, 4):
        with pytest.raises(InvalidRequest):
            services.ticket_escalate(
                ticket=world.ticket, actor=world.agent, reason="r", to_level=level
            )


def test_returning_to_a_lower_level_needs_a_reason(world):
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="r", to_level=2)
    with pytest.raises(InvalidRequest):
        services.ticket_return_to_level(
            ticket=world.ticket, actor=world.investigator, to_level=1, reason=""
        )
    services.ticket_return_to_level(
        ticket=world.ticket, actor=world.investigator, to_level=1, reason="Réponse N1 à compléter"
    )
    assert world.ticket.level == 1 and last_event(world.ticket, Verb.LEVEL_RETURNED)


def test_outsiders_cannot_escalate(world):
    with pytest.raises(PermissionDenied):
        services.ticket_escalate(ticket=world.ticket, actor=world.outsider, reason="r")
