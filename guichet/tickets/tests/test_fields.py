"""Changing contact type, category, priority, complexity, subject and status."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.choices import Status, Verb

pytestmark = pytest.mark.django_db


def test_each_changed_field_is_one_event_with_old_and_new_values(world):
    services.ticket_change(
        ticket=world.ticket,
        actor=world.agent,
        category="shopping",
        priority="urgent",
        complexity="simple",
    )
    assert (world.ticket.category, world.ticket.priority) == ("shopping", "urgent")
    with brand_scope(world.ej):
        changes = [e.data for e in world.ticket.events.filter(verb=Verb.FIELD_CHANGED)]
    assert changes == [
        {"field": "category", "from": "billing", "to": "shopping"},
        {"field": "priority", "from": "high", "to": "urgent"},
    ]


def test_changes_are_checked_against_the_policy(world):
    with pytest.raises(InvalidRequest):
        services.ticket_change(ticket=world.ticket, actor=world.agent, category="ghost")
    with pytest.raises(InvalidRequest):
        services.ticket_change(ticket=world.ticket, actor=world.agent, contact_type="dispute")


def test_status_moves_between_open_and_waiting_but_not_to_closed(world):
    services.ticket_set_status(
        ticket=world.ticket, actor=world.agent, status=Status.WAITING_THIRD_PARTY
    )
    assert world.ticket.status == Status.WAITING_THIRD_PARTY
    for forbidden in (Status.CLOSED, Status.NEW):
        with pytest.raises(InvalidRequest):
            services.ticket_set_status(ticket=world.ticket, actor=world.agent, status=forbidden)


def test_outsiders_cannot_change_anything(world):
    with pytest.raises(PermissionDenied):
        services.ticket_change(ticket=world.ticket, actor=world.outsider, priority="low")
