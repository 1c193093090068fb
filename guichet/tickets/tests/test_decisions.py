"""Outcomes and closing (docs/requirements.md SLA-6): a complaint closes with an outcome, per level."""

import pytest
from django.core.exceptions import PermissionDenied

from guichet.conftest import last
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Outcome, Status, Verb

pytestmark = pytest.mark.django_db


def test_a_complaint_cannot_close_without_an_outcome(world):
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_close(ticket=world.ticket, actor=world.agent)
    assert caught.value.code == "outcome_required"
    assert world.ticket.status == Status.NEW


def test_a_question_closes_without_an_outcome(world):
    ticket = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="s",
        text="t",
        channel="web",
    )
    services.ticket_close(ticket=ticket, actor=world.agent)
    assert ticket.status == Status.CLOSED and ticket.closed_at is not None


def test_outcomes_are_kept_per_level_in_the_history(world, frozen_clock):
    services.ticket_set_outcome(
        ticket=world.ticket, actor=world.agent, outcome=Outcome.NOT_UPHELD, summary="N1"
    )
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="Client insatisfait")
    services.ticket_set_outcome(
        ticket=world.ticket, actor=world.investigator, outcome=Outcome.PARTLY_UPHELD
    )
    services.ticket_close(ticket=world.ticket, actor=world.investigator)
    with brand_scope(world.ej):
        history = [
            (e.data["level"], e.data["outcome"])
            for e in world.ticket.events.filter(verb=Verb.OUTCOME_SET)
        ]
    assert history == [(1, "not_upheld"), (2, "partly_upheld")]
    assert world.ticket.outcome == Outcome.PARTLY_UPHELD


def test_deciding_at_a_level_needs_a_role_the_policy_lists_there(world):
    services.ticket_escalate(ticket=world.ticket, actor=world.agent, reason="r", to_level=3)
    with pytest.raises(PermissionDenied):
        services.ticket_close(ticket=world.ticket, actor=world.agent, outcome=Outcome.UPHELD)
    services.ticket_close(
        ticket=world.ticket, actor=world.director, outcome=Outcome.UPHELD, summary="Décision du DG"
    )
    assert world.ticket.status == Status.CLOSED


def test_the_customer_withdraws_their_complaint(world):
    services.ticket_close(
        ticket=world.ticket, actor=Customer(world.customer), outcome=Outcome.WITHDRAWN
    )
    assert last(world.ticket, Verb.CLOSED).actor_contact == world.customer


def test_reopening_needs_a_closed_ticket_and_a_reason(world):
    with pytest.raises(InvalidRequest):
        services.ticket_reopen(ticket=world.ticket, actor=world.agent, reason="r")
    services.ticket_close(ticket=world.ticket, actor=world.agent, outcome=Outcome.UPHELD)
    with pytest.raises(InvalidRequest):
        services.ticket_reopen(ticket=world.ticket, actor=world.agent, reason=" ")
    services.ticket_reopen(ticket=world.ticket, actor=world.agent, reason="Erreur de clôture")
    assert world.ticket.status == Status.OPEN and world.ticket.closed_at is None
