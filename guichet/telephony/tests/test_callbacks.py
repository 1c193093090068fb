"""Callbacks: a task with a deadline (by default the phone channel's `respond_within`, else
one business day on the brand's calendar), given to a person or a team, attempted (a call
that did not get through leaves it open), done — recorded on its ticket."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from django.core.exceptions import PermissionDenied

from guichet.accounts.permissions import staff_access
from guichet.brands.models import Team
from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, World, last
from guichet.contacts.services import contact_for_phone
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.telephony import services
from guichet.telephony.models import Call, Callback
from guichet.telephony.queries import callbacks_due
from guichet.tickets.choices import Verb


@pytest.fixture
def caller(world: World):
    return contact_for_phone(brand=world.ej, phone="+1 876 555 0101", name="Marcia Brown")


def test_by_default_a_callback_is_due_one_business_day_later(world: World, caller):
    # Monday 09:00 in Kingston: due Tuesday 09:00.
    callback = services.callback_plan(brand=world.ej, actor=world.agent, contact=caller)
    assert callback.due_at == datetime(2026, 11, 24, 14, 0, tzinfo=UTC)
    assert callback.phone == "+18765550101"  # the customer's number
    assert callback.assignee is None
    assert callback.team is not None and callback.team.key == "front-line"  # the first level's


def test_a_callback_asked_on_friday_evening_is_due_on_monday(
    world: World, caller, frozen_clock: clock.FrozenClock
):
    frozen_clock.set(datetime(2026, 11, 27, 21, 30, tzinfo=UTC))  # Friday 16:30 in Kingston
    due = services.default_callback_due(world.ej)
    assert due == datetime(2026, 11, 30, 21, 30, tzinfo=UTC)  # Monday 16:30


def test_the_phone_channels_respond_within_sets_the_default(world: World):
    text = (PRESETS / "ej.toml").read_text(encoding="utf-8")
    text = text.replace(
        'phone = "+1 876 000 0000"\n', 'phone = "+1 876 000 0000"\nrespond_within = "2h"\n'
    )
    brand = policy_publish(text=text, source="test").brand
    # Monday 09:00: two opening hours later.
    assert services.default_callback_due(brand) == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)


def test_a_callback_on_a_ticket_is_in_its_history(world: World):
    callback = services.callback_plan(
        brand=world.ej,
        actor=world.agent,
        contact=world.customer,
        phone="+33 6 12 34 56 78",
        ticket=world.ticket,
        assignee=world.agent,
        note="Rappeler après 14 h",
    )
    assert callback.assignee == world.agent and callback.team is None
    event = last(world.ticket, Verb.CALLBACK_PLANNED)
    assert event.data["callback"] == callback.pk
    assert event.data["to"] == world.agent.pk
    assert event.data["due_at"] == callback.due_at.isoformat()


def test_a_callback_needs_a_number_and_a_future(world: World):
    with pytest.raises(InvalidRequest) as refused:
        services.callback_plan(brand=world.ej, actor=world.agent, contact=world.customer)
    assert refused.value.code == "phone"  # Hélène has only an email address
    with pytest.raises(InvalidRequest):
        services.callback_plan(
            brand=world.ej,
            actor=world.agent,
            contact=world.customer,
            phone="+33612345678",
            due_at=clock.now() - timedelta(hours=1),
        )


def test_giving_a_callback_to_someone_else_needs_the_right_to_assign(world: World, caller):
    with pytest.raises(PermissionDenied):
        services.callback_plan(
            brand=world.ej, actor=world.agent, contact=caller, assignee=world.agent2
        )
    callback = services.callback_plan(
        brand=world.ej, actor=world.lead, contact=caller, assignee=world.agent2
    )
    assert callback.assignee == world.agent2
    # An agent takes it for themselves, and gives their own back to the team.
    taken = services.callback_assign(callback=callback, actor=world.agent, assignee=world.agent)
    assert taken.assignee == world.agent
    back = services.callback_assign(callback=taken, actor=world.agent, assignee=None)
    assert back.assignee is None and back.team is not None
    with pytest.raises(PermissionDenied):
        services.callback_assign(callback=back, actor=world.agent, assignee=world.agent2)
    given = services.callback_assign(callback=back, actor=world.lead, assignee=world.agent2)
    assert given.assignee == world.agent2


def test_another_brand_cannot_plan_or_be_given_a_callback(world: World, caller):
    with pytest.raises(PermissionDenied):
        services.callback_plan(brand=world.ej, actor=world.outsider, contact=caller)
    with pytest.raises(InvalidRequest):
        services.callback_plan(brand=world.jamla, actor=world.outsider_admin, contact=caller)
    with pytest.raises(InvalidRequest):  # someone who does not work for EJ
        services.callback_plan(
            brand=world.ej, actor=world.lead, contact=caller, assignee=world.outsider
        )
    with brand_scope(world.jamla):
        jamla_team = Team.objects.filter(brand=world.jamla).first()
    with pytest.raises(InvalidRequest):
        services.callback_plan(brand=world.ej, actor=world.lead, contact=caller, team=jamla_team)


def test_an_attempt_that_does_not_reach_the_customer_leaves_the_callback_open(
    world: World, frozen_clock: clock.FrozenClock
):
    callback = services.callback_plan(
        brand=world.ej,
        actor=world.agent,
        contact=world.customer,
        phone="+33612345678",
        ticket=world.ticket,
        assignee=world.agent,
    )
    frozen_clock.advance(hours=1)
    attempt = services.callback_done(
        callback=callback, actor=world.agent, outcome="no_answer", note="Répondeur plein"
    )
    assert attempt.done_at is None
    with brand_scope(world.ej):
        call = Call.objects.get(callback=callback)
    assert (call.direction, call.to_number, call.outcome) == ("out", "+33612345678", "no_answer")
    assert call.ticket == world.ticket
    assert last(world.ticket, Verb.CALL_LOGGED).data["outcome"] == "no_answer"
    assert last(world.ticket, Verb.CALLBACK_DONE) is None

    frozen_clock.advance(hours=2)
    done = services.callback_done(
        callback=callback, actor=world.agent, outcome="answered", duration_s=180, note="Réglé"
    )
    assert done.done_at == clock.now() and done.done_by == world.agent
    assert done.done_note == "Réglé"
    event = last(world.ticket, Verb.CALLBACK_DONE)
    assert event.data == {"callback": callback.pk, "reached": True, "attempts": 2, "late": False}
    with pytest.raises(InvalidRequest):
        services.callback_done(callback=done, actor=world.agent)


def test_a_callback_done_without_a_call_says_how(world: World, caller):
    callback = services.callback_plan(brand=world.ej, actor=world.agent, contact=caller)
    done = services.callback_done(
        callback=callback, actor=world.agent2, note="Il a écrit entre-temps"
    )
    assert done.done_at is not None
    with brand_scope(world.ej):
        assert not Call.objects.filter(callback=callback).exists()


def test_overdue_callbacks_are_counted_for_their_people(
    world: World, caller, frozen_clock: clock.FrozenClock
):
    mine = services.callback_plan(
        brand=world.ej,
        actor=world.agent,
        contact=caller,
        assignee=world.agent,
        due_at=clock.now() + timedelta(hours=1),
    )
    services.callback_plan(  # the team's: the agent is in front-line
        brand=world.ej, actor=world.agent, contact=caller, due_at=clock.now() + timedelta(hours=3)
    )
    services.callback_plan(  # someone else's
        brand=world.ej,
        actor=world.lead,
        contact=caller,
        assignee=world.agent2,
        due_at=clock.now() + timedelta(hours=1),
    )
    desk = staff_access(world.agent)
    assert callbacks_due(desk, clock.now()) == 0
    assert callbacks_due(desk, clock.now() + timedelta(hours=2)) == 1
    assert callbacks_due(desk, clock.now() + timedelta(hours=4)) == 2
    services.callback_done(callback=mine, actor=world.agent)
    assert callbacks_due(desk, clock.now() + timedelta(hours=4)) == 1
    assert callbacks_due(staff_access(world.outsider), clock.now() + timedelta(days=9)) == 0
    with brand_scope(world.ej):
        assert Callback.objects.filter(done_at__isnull=True).count() == 2


def test_a_missed_call_from_an_unknown_number_gets_a_callback_and_a_customer(world: World):
    t0 = clock.now()
    services.call_ring(
        brand=world.ej,
        external_id="m-1",
        direction="in",
        from_number="+1 876 555 0444",
        to_number="+1 876 000 0000",
        at=t0,
    )
    missed = services.call_hangup(
        brand=world.ej, external_id="m-1", at=t0 + timedelta(seconds=45), cause="cancel"
    )
    assert missed.contact is None
    callback = services.callback_for_call(call=missed, actor=world.agent)
    assert callback.phone == "+18765550444" and callback.call == missed
    assert callback.contact is not None and callback.contact.name == ""
    with brand_scope(world.ej):
        assert Call.objects.get(pk=missed.pk).contact == callback.contact
    anonymous = services.call_ring(
        brand=world.ej, external_id="m-2", direction="in", from_number="", to_number="", at=t0
    )
    with pytest.raises(InvalidRequest):
        services.callback_for_call(call=anonymous, actor=world.agent)
