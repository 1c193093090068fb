"""Assigning, taking, and who may do which."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.conftest import last
from guichet.lib.errors import Conflict, InvalidRequest
from guichet.tickets import services
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.django_db


def test_an_agent_takes_a_ticket(world):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    assert world.ticket.assignee == world.agent
    assert last(world.ticket, Verb.ASSIGNED).data == {"from": None, "to": world.agent.pk}


def test_an_agent_cannot_hand_a_ticket_to_someone_else_but_a_team_lead_can(world):
    with pytest.raises(PermissionDenied):
        services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent2)
    services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.agent2)
    assert world.ticket.assignee == world.agent2


def test_nobody_outside_the_brand_can_be_assigned(world):
    with pytest.raises(InvalidRequest):
        services.ticket_assign(ticket=world.ticket, actor=world.lead, assignee=world.outsider)


def test_two_agents_taking_the_same_ticket_cannot_both_win(world):
    seen = world.ticket.revision
    services.ticket_assign(
        ticket=world.ticket, actor=world.agent, assignee=world.agent, expected_revision=seen
    )
    with pytest.raises(Conflict):
        services.ticket_assign(
            ticket=world.ticket, actor=world.agent2, assignee=world.agent2, expected_revision=seen
        )
    assert world.ticket.assignee == world.agent


def test_assigning_to_the_current_assignee_records_nothing(world):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    revision = world.ticket.revision
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    assert world.ticket.revision == revision
