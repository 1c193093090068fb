"""People: agent absences (PL-2) and "another person, please" (EJ, SLA-4)."""

from datetime import timedelta

import pytest

from guichet.accounts.models import Absence
from guichet.conftest import last
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.sla.absences import apply_due_absences
from guichet.sla.tests.test_scenarios import deadline, letters
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.django_db


def absent(user, start, days=3, reason=""):
    return Absence.objects.create(
        user=user,
        starts_at=start,
        ends_at=start + timedelta(days=days),
        reason=reason,
        created_at=start,
    )


def test_an_absent_agents_tickets_go_to_the_least_busy_present_colleague(world, frozen_clock):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    other = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="s",
        text="t",
        channel="email",
    )
    services.ticket_assign(
        ticket=other, actor=world.lead, assignee=world.lead
    )  # the lead is busier
    absent(world.agent, frozen_clock.now() + timedelta(hours=1), reason="congés")
    frozen_clock.advance(hours=2)
    assert apply_due_absences() == 1
    world.ticket.refresh_from_db()
    assert world.ticket.assignee == world.agent2
    event = last(world.ticket, Verb.ASSIGNED)
    assert (
        event.data["from"] == world.agent.pk
        and event.data["reason"] == "absence de la personne en charge"
    )
    assert apply_due_absences() == 0  # applied once


def test_when_nobody_can_take_over_the_customer_gets_the_delay_letter(world, frozen_clock):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    due = deadline(world.ticket, "full_answer").due_at
    start = frozen_clock.now() + timedelta(hours=1)
    for person in (world.agent, world.agent2, world.lead):
        absent(person, start, days=10, reason="maladie")
    frozen_clock.set(start + timedelta(minutes=1))
    apply_due_absences()
    world.ticket.refresh_from_db()
    assert world.ticket.assignee is None  # back in the team's queue
    assert letters(world.ticket)[-1] == "delay_letter"
    full = deadline(world.ticket, "full_answer")
    assert full.original_due_at == due and full.due_at > due
    assert last(world.ticket, Verb.DELAY_LETTER_SENT).data["reason"] == "maladie"


def test_no_delay_letter_when_the_deadline_falls_after_the_absence(world, frozen_clock):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    start = frozen_clock.now() + timedelta(hours=1)
    for person in (world.agent, world.agent2, world.lead):
        absent(person, start, days=1)
    frozen_clock.set(start)
    apply_due_absences()
    assert "delay_letter" not in letters(world.ticket)


def test_another_person_please(world, frozen_clock):
    services.ticket_assign(ticket=world.ticket, actor=world.agent, assignee=world.agent)
    services.ticket_request_another_person(
        ticket=world.ticket, actor=Customer(world.customer), reason="Pas d'accord"
    )
    world.ticket.refresh_from_db()
    assert world.ticket.assignee in (world.agent2, world.lead) and world.ticket.level == 1
    assert last(world.ticket, Verb.ASSIGNED).data["trigger"] == "another_person"
    assert letters(world.ticket)[-1] == "reassigned"


def test_another_person_is_refused_where_the_policy_does_not_offer_it(db, frozen_clock):
    from guichet.conftest import publish_preset
    from guichet.contacts.services import contact_for_email

    brand = publish_preset("respect")
    contact = contact_for_email(brand=brand, email="c@exemple.fr")
    with clock.frozen(frozen_clock.now()):
        ticket = services.ticket_open(
            brand=brand,
            contact=contact,
            contact_type="complaint",
            subject="s",
            text="t",
            channel="email",
        )
    with pytest.raises(InvalidRequest) as caught:
        services.ticket_request_another_person(ticket=ticket, actor=Customer(contact))
    assert caught.value.code == "policy"
