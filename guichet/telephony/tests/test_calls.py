"""Calls: written down by an agent (with the caller's wait and the call's length), reported
by the telephone system (ringing, answered, hung up; a retried event changes nothing), put
on a ticket (CALL_LOGGED with what the reports read), kept within their brand."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied

from guichet.conftest import World, last, make_staff
from guichet.contacts.services import contact_for_phone, contact_merge
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.telephony import services
from guichet.telephony.models import Call, CallOutcome, CallSource, CallState
from guichet.tickets.choices import Verb


def test_a_call_logged_on_a_ticket_is_in_its_history_with_what_the_reports_read(world: World):
    started = clock.now() - timedelta(minutes=10)
    call = services.call_log(
        brand=world.ej,
        actor=world.agent,
        direction="in",
        started_at=started,
        wait_s=12,
        duration_s=240,
        outcome=CallOutcome.ANSWERED,
        ticket=world.ticket,
        from_number="+1 876 555 0101",
    )
    assert call.state == CallState.ENDED
    assert call.contact == world.customer  # the ticket's customer
    assert call.answered_at == started + timedelta(seconds=12)
    assert call.ended_at == started + timedelta(seconds=252)
    assert (call.wait_s, call.duration_s) == (12, 240)
    assert call.from_number == "+18765550101"
    assert call.agent == world.agent and call.source == CallSource.DESK
    event = last(world.ticket, Verb.CALL_LOGGED)
    assert event.actor_user == world.agent
    assert event.data == {
        "call": call.pk,
        "direction": "in",
        "outcome": "answered",
        "answered": True,
        "wait_s": 12,
        "duration_s": 240,
        "started_at": started.isoformat(),
        "source": "desk",
        "callback": None,
    }


def test_a_call_without_a_ticket_finds_the_customer_by_number(world: World):
    caller = contact_for_phone(brand=world.ej, phone="+1 876 555 0199", name="Marcia Brown")
    call = services.call_log(
        brand=world.ej,
        actor=world.agent,
        direction="in",
        started_at=clock.now(),
        outcome=CallOutcome.MISSED,
        wait_s=40,
        from_number="+1 (876) 555-0199",
    )
    assert call.contact == caller
    assert call.ticket is None
    assert call.missed
    assert call.answered_at is None and call.duration_s is None
    assert call.ended_at == call.started_at + timedelta(seconds=40)


def test_an_unknown_number_is_a_call_without_a_customer(world: World):
    call = services.call_log(
        brand=world.ej,
        actor=world.agent,
        direction="out",
        started_at=clock.now(),
        outcome=CallOutcome.NO_ANSWER,
        to_number="+1 876 555 0000",
    )
    assert call.contact is None


@pytest.mark.parametrize(
    ("direction", "outcome"), [("in", "no_answer"), ("out", "missed"), ("sideways", "answered")]
)
def test_an_outcome_must_fit_the_direction(world: World, direction: str, outcome: str):
    with pytest.raises(InvalidRequest):
        services.call_log(
            brand=world.ej,
            actor=world.agent,
            direction=direction,
            started_at=clock.now(),
            outcome=outcome,
        )


def test_a_call_cannot_start_in_the_future_nor_last_more_than_a_day(world: World):
    for started, duration in ((clock.now() + timedelta(hours=1), 10), (clock.now(), 90_000)):
        with pytest.raises(InvalidRequest):
            services.call_log(
                brand=world.ej,
                actor=world.agent,
                direction="in",
                started_at=started,
                duration_s=duration,
                outcome="answered",
            )


def test_another_brands_staff_and_objects_are_refused(world: World):
    with pytest.raises(PermissionDenied):
        services.call_log(
            brand=world.ej,
            actor=world.outsider,
            direction="in",
            started_at=clock.now(),
            outcome="answered",
        )
    with pytest.raises(InvalidRequest) as refused:
        services.call_log(
            brand=world.jamla,
            actor=world.outsider,
            direction="in",
            started_at=clock.now(),
            outcome="answered",
            ticket=world.ticket,  # EJ's
        )
    assert refused.value.code == "not_found"


def test_a_complaint_about_the_agent_is_out_of_their_reach(world: World):
    from guichet.tickets import services as tickets

    tickets.ticket_set_concerned_agent(ticket=world.ticket, actor=world.lead, agent=world.agent)
    with pytest.raises(InvalidRequest):
        services.call_log(
            brand=world.ej,
            actor=world.agent,
            direction="in",
            started_at=clock.now(),
            outcome="answered",
            ticket=world.ticket,
        )


# --- the telephone system's events --------------------------------------------------------


def test_a_reported_call_rings_is_answered_and_ends_with_its_wait_and_length(
    world: World, frozen_clock: clock.FrozenClock
):
    contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    t0 = clock.now()
    call = services.call_ring(
        brand=world.ej,
        external_id="c-1",
        direction="in",
        from_number="+18765550101",
        to_number="+18760000000",
        at=t0,
        users=["Agent"],
    )
    assert call.state == CallState.RINGING and call.source == CallSource.CTI
    assert call.contact is not None and call.contact.name == "Marcia Brown"
    again = services.call_ring(
        brand=world.ej,
        external_id="c-1",
        direction="in",
        from_number="+18765550101",
        to_number="+18760000000",
        at=t0,
    )
    assert again.pk == call.pk

    answered = services.call_answer(
        brand=world.ej,
        external_id="c-1",
        at=t0 + timedelta(seconds=18),
        answering_number="+18760000001",
        agent=world.agent,
    )
    assert answered.state == CallState.ANSWERED and answered.wait_s == 18
    # A second answer (retried) changes nothing.
    services.call_answer(brand=world.ej, external_id="c-1", at=t0 + timedelta(seconds=50))
    ended = services.call_hangup(
        brand=world.ej, external_id="c-1", at=t0 + timedelta(seconds=318), cause="normalClearing"
    )
    assert ended.state == CallState.ENDED
    assert (ended.outcome, ended.wait_s, ended.duration_s) == ("answered", 18, 300)
    assert ended.agent == world.agent and ended.answering_number == "+18760000001"
    services.call_hangup(brand=world.ej, external_id="c-1", at=t0 + timedelta(hours=1))
    with brand_scope(world.ej):
        assert Call.objects.get(pk=call.pk).duration_s == 300


@pytest.mark.parametrize(
    ("direction", "cause", "outcome"),
    [
        ("in", "cancel", "missed"),
        ("in", "noAnswer", "missed"),
        ("in", "normalClearing", "missed"),
        ("out", "noAnswer", "no_answer"),
        ("out", "busy", "busy"),
        ("out", "congestion", "failed"),
        ("in", "forwarded", "forwarded"),
    ],
)
def test_a_call_nobody_answered_ends_as_its_cause_says(
    world: World, direction: str, cause: str, outcome: str
):
    t0 = clock.now()
    services.call_ring(
        brand=world.ej,
        external_id="c-2",
        direction=direction,
        from_number="+18765550101",
        to_number="+18760000000",
        at=t0,
    )
    ended = services.call_hangup(
        brand=world.ej, external_id="c-2", at=t0 + timedelta(seconds=25), cause=cause
    )
    assert ended.outcome == outcome
    assert ended.wait_s == 25 and ended.answered_at is None
    assert ended.missed == (direction == "in")


def test_call_ids_are_per_brand(world: World):
    t0 = clock.now()
    ej = services.call_ring(
        brand=world.ej, external_id="x", direction="in", from_number="", to_number="", at=t0
    )
    jamla = services.call_ring(
        brand=world.jamla, external_id="x", direction="in", from_number="", to_number="", at=t0
    )
    assert ej.pk != jamla.pk
    with pytest.raises(InvalidRequest):  # another brand's call id is not found
        services.call_answer(brand=world.jamla, external_id="nope", at=t0)


def test_a_reported_call_put_on_a_ticket_records_it_there(world: World):
    t0 = clock.now()
    services.call_ring(
        brand=world.ej, external_id="c-3", direction="in", from_number="", to_number="", at=t0
    )
    services.call_answer(brand=world.ej, external_id="c-3", at=t0 + timedelta(seconds=5))
    call = services.call_hangup(brand=world.ej, external_id="c-3", at=t0 + timedelta(seconds=65))
    attached = services.call_attach(call=call, ticket=world.ticket, actor=world.agent)
    assert attached.ticket == world.ticket and attached.contact == world.customer
    event = last(world.ticket, Verb.CALL_LOGGED)
    assert event.data["wait_s"] == 5 and event.data["source"] == "cti"
    assert services.call_attach(call=call, ticket=world.ticket, actor=world.agent).pk == call.pk
    with brand_scope(world.ej):
        assert world.ticket.events.filter(verb=Verb.CALL_LOGGED).count() == 1


def test_merging_two_records_moves_their_calls(world: World):
    second = contact_for_phone(brand=world.ej, phone="+18765550177", name="Hélène L.")
    call = services.call_log(
        brand=world.ej,
        actor=world.agent,
        direction="in",
        started_at=clock.now(),
        outcome="answered",
        contact=second,
    )
    lead = make_staff(world.ej, "lead2", "team_lead")
    contact_merge(keep=world.customer, merge=second, actor=lead, reason="same person")
    with brand_scope(world.ej):
        assert Call.objects.get(pk=call.pk).contact_id == world.customer.pk
