"""A telephone system's call events through Zammad's generic CTI push API, end to end: the
documented fields posted to the account's URL as JSON, a URL-encoded form or a multipart
form; the call's life in the telephony (wait, length, outcome, agent); retries; events out
of order; payloads that cannot be read; another brand's account. REQUIREMENTS IN-2, RP-1."""

from __future__ import annotations

import json
import threading
from datetime import date

import pytest
from django.db import connections
from django.test import Client
from django.utils import translation

from guichet.channels import inbound
from guichet.channels.models import ChannelAccount, ChannelItem, InboundEvent, InboundState
from guichet.channels.providers.cti import call_key
from guichet.channels.tests.cti_client import cti_account, event, push, url_of
from guichet.conftest import World, publish_preset
from guichet.contacts.services import contact_for_phone
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.reports import figures
from guichet.reports.scope import Scope
from guichet.telephony.models import Call, CallSource, CallState

pytestmark = pytest.mark.django_db
CALLER = "+18765550101"


@pytest.fixture
def pbx(world: World) -> ChannelAccount:
    return cti_account(world.ej, "EJ PBX")


def call_of(brand, call_id: str) -> Call:
    with brand_scope(brand):
        return Call.objects.select_related("contact", "agent").get(external_id=call_id)


def calls_of(brand) -> list[Call]:
    with brand_scope(brand):
        return list(Call.objects.filter(brand=brand).order_by("pk"))


def test_a_calls_life_from_ring_to_hang_up_gives_its_wait_length_and_the_30s_figure(
    world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    marcia = contact_for_phone(brand=world.ej, phone=CALLER, name="Marcia Brown")
    rung = push(pbx, event("newCall", "c-1", user=["Agent", "Agent2"]))
    assert rung.status_code == 200 and rung.json() == {}  # Zammad's answer: no action
    call = call_of(world.ej, "c-1")
    assert (call.state, call.source, call.contact) == (CallState.RINGING, CallSource.CTI, marcia)
    assert call.cti_users == ["Agent", "Agent2"] and call.agent is None  # a group rings

    frozen_clock.advance(seconds=18)
    answered = push(
        pbx, event("answer", "c-1", user="Agent", answeringNumber=world.agent.username.upper())
    )
    assert answered.json() == {}
    call = call_of(world.ej, "c-1")
    assert (call.state, call.wait_s, call.agent) == (CallState.ANSWERED, 18, world.agent)

    frozen_clock.advance(seconds=300)
    push(pbx, event("hangup", "c-1", cause="normalClearing"))
    call = call_of(world.ej, "c-1")
    assert (call.state, call.outcome, call.wait_s, call.duration_s) == (
        CallState.ENDED,
        "answered",
        18,
        300,
    )
    assert call.cause == "normalClearing" and call.ended_at == clock.now()
    with all_brands():
        assert list(InboundEvent.objects.values_list("state", flat=True)) == ["processed"] * 3
        assert sorted(ChannelItem.objects.values_list("external_id", flat=True)) == [
            "c-1:answer",
            "c-1:hangup",
            "c-1:newCall",
        ]
    with translation.override("en"):
        figure = figures.phone_answered_within(Scope.month(world.ej, date(2026, 11, 1)))
    assert [cell.value for cell in figure.rows[0]] == [1, 1, 0, 0, 100.0, 30]
    assert figure.summary == "100% answered within 30 s"


def test_a_call_nobody_answers_is_missed_after_the_callers_wait(
    world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    push(pbx, event("newCall", "m-1"))
    frozen_clock.advance(seconds=40)
    push(pbx, event("hangup", "m-1", cause="cancel"))
    call = call_of(world.ej, "m-1")
    assert (call.outcome, call.wait_s, call.missed) == ("missed", 40, True)
    with translation.override("en"):
        figure = figures.phone_answered_within(Scope.month(world.ej, date(2026, 11, 1)))
    assert [cell.value for cell in figure.rows[0]][:5] == [1, 0, 0, 1, 0.0]


def test_a_retried_event_creates_nothing_twice(
    world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    ring = event("newCall", "r-1")
    push(pbx, ring)
    push(pbx, ring)  # the connector retried: our first answer was slow
    frozen_clock.advance(seconds=12)
    answer = event("answer", "r-1")
    push(pbx, answer)
    frozen_clock.advance(seconds=30)
    assert push(pbx, answer).json() == {}  # the retry, 30 s later, is not a later answer
    [call] = calls_of(world.ej)
    assert (call.state, call.wait_s) == (CallState.ANSWERED, 12)
    with all_brands():
        assert InboundEvent.objects.filter(state=InboundState.PROCESSED).count() == 4
        assert ChannelItem.objects.count() == 2


def test_an_unknown_token_or_another_providers_address_is_404(
    world: World, pbx: ChannelAccount
) -> None:
    path = url_of(pbx).replace(pbx.token, "no-such-token")
    assert Client().post(path, event("newCall", "x-1")).status_code == 404
    assert Client().post(url_of(pbx, "twilio"), event("newCall", "x-1")).status_code == 404
    assert calls_of(world.ej) == []
    with all_brands():
        assert not InboundEvent.objects.exists()


@pytest.mark.parametrize(
    ("body", "why"),
    [
        ({"from": CALLER, "direction": "in", "callId": "u-1"}, "event ''"),
        ({"event": "transfer", "direction": "in", "callId": "u-1"}, "event 'transfer'"),
        ({"event": "newCall", "direction": "in"}, "no callId"),
        ({"event": "newCall", "direction": "in", "callId": "x" * 251}, "callId: at most 250"),
        ({"event": "newCall", "direction": "sideways", "callId": "u-1"}, "direction 'sideways'"),
        ([{"event": "newCall"}], "not an object"),
        ("{not json", "not JSON"),
    ],
)
def test_a_payload_that_cannot_be_read_is_quarantined_with_its_reason(
    world: World, pbx: ChannelAccount, body, why: str
) -> None:
    text = body if isinstance(body, str) else json.dumps(body)
    answered = Client().post(url_of(pbx), text, content_type="application/json")
    assert answered.status_code == 422  # as Zammad answers an invalid direction
    assert answered.json()["error"] == "unreadable" and why in answered.json()["detail"]
    with all_brands():
        stored = InboundEvent.objects.get()
    assert (stored.state, stored.reason) == (InboundState.QUARANTINED, "unreadable")
    assert why in stored.detail and bytes(stored.body) == text.encode()  # kept as it came
    assert calls_of(world.ej) == []


@pytest.mark.parametrize("encoding", ["json", "form", "multipart"])
def test_json_and_both_forms_are_read_alike(
    world: World, pbx: ChannelAccount, encoding: str
) -> None:
    users = ["Christopher Miller", "Emma Taylor"]
    fields = event("newCall", "f-1", queue="support", **{"user[]": users})
    if encoding == "json":  # Zammad's JSON names the field `user`
        fields = event("newCall", "f-1", queue="support", user=users)
    answered = push(pbx, fields, encoding=encoding)
    assert answered.status_code == 200 and answered.json() == {}
    call = call_of(world.ej, "f-1")
    assert call.cti_users == users and call.from_number == CALLER
    # A replay reads the stored body again (the multipart's boundary kept with it).
    with all_brands():
        stored = InboundEvent.objects.get()
    assert inbound.replay(stored.pk).state == InboundState.PROCESSED
    assert len(calls_of(world.ej)) == 1


def test_a_single_user_form_field_and_a_numeric_call_id_are_read(
    world: World, pbx: ChannelAccount
) -> None:
    push(pbx, event("newCall", "ignored", user="Emma Taylor") | {"callId": 123456789})
    assert call_of(world.ej, "123456789").cti_users == ["Emma Taylor"]
    push(pbx, event("newCall", "s-1", user="Emma Taylor"), encoding="form")
    assert call_of(world.ej, "s-1").cti_users == ["Emma Taylor"]


def test_another_brands_account_never_touches_this_brands_calls(
    world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    jamla_pbx = cti_account(world.jamla, "Jamla24 PBX")
    push(pbx, event("newCall", "shared"))
    frozen_clock.advance(seconds=5)
    # The same call id at Jamla24's address: Jamla24's call, made there; EJ's rings on.
    push(jamla_pbx, event("answer", "shared"))
    push(jamla_pbx, event("hangup", "shared", cause="normalClearing"))
    ej_call = call_of(world.ej, "shared")
    assert (ej_call.state, ej_call.answered_at) == (CallState.RINGING, None)
    [jamla_call] = calls_of(world.jamla)
    assert jamla_call.external_id == "shared" and jamla_call.state == CallState.ENDED
    assert jamla_call.contact is None  # EJ's customer is not Jamla24's
    with all_brands():
        assert ChannelItem.objects.filter(account=pbx).count() == 1
        assert ChannelItem.objects.filter(account=jamla_pbx).count() == 2


def test_an_answer_before_its_ring_makes_the_call_with_its_wait_unknown(
    world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    push(pbx, event("answer", "o-1", answeringNumber=world.agent.username))
    call = call_of(world.ej, "o-1")
    assert (call.state, call.wait_s, call.answered_at) == (CallState.ANSWERED, None, clock.now())
    frozen_clock.advance(seconds=2)
    push(pbx, event("newCall", "o-1"))  # late: finds the call, changes nothing
    frozen_clock.advance(seconds=60)
    push(pbx, event("hangup", "o-1", cause="normalClearing"))
    [call] = calls_of(world.ej)
    assert (call.outcome, call.wait_s, call.duration_s) == ("answered", None, 62)
    with translation.override("en"):
        figure = figures.phone_answered_within(Scope.month(world.ej, date(2026, 11, 1)))
    assert figure.rows == [] and figure.empty.startswith("No data")
    assert "1 call without a known waiting time is not counted." in figure.note


@pytest.mark.parametrize(
    ("cause", "outcome", "missed"),
    [("cancel", "missed", True), ("busy", "busy", True), ("normalClearing", "answered", False)],
)
def test_a_hang_up_of_an_unknown_call_keeps_the_call(
    world: World, pbx: ChannelAccount, cause: str, outcome: str, missed: bool
) -> None:
    contact = contact_for_phone(brand=world.ej, phone=CALLER, name="Marcia Brown")
    assert push(pbx, event("hangup", "h-1", cause=cause)).json() == {}
    call = call_of(world.ej, "h-1")
    assert (call.state, call.outcome, call.missed, call.contact) == (
        CallState.ENDED,
        outcome,
        missed,
        contact,
    )
    assert call.wait_s is None and call.duration_s is None  # neither was measured


def test_a_voicemail_answering_is_nobody_answering(
    world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    push(pbx, event("newCall", "v-1"))
    frozen_clock.advance(seconds=20)
    push(pbx, event("answer", "v-1", user="voicemail"))
    assert call_of(world.ej, "v-1").state == CallState.RINGING
    frozen_clock.advance(seconds=45)
    push(pbx, event("hangup", "v-1", cause="normalClearing"))
    call = call_of(world.ej, "v-1")
    assert (call.outcome, call.wait_s, call.missed, call.agent) == ("voicemail", 65, True, None)


def test_the_agent_is_read_from_the_answering_number_or_the_user_within_the_brand(
    world: World, pbx: ChannelAccount
) -> None:
    world.agent2.email = "agent2@ej.example"
    world.agent2.save(update_fields=["email"])
    push(pbx, event("answer", "a-1", answeringNumber="Agent2@EJ.example"))
    assert call_of(world.ej, "a-1").agent == world.agent2
    # Outbound, the `user` is the person who calls: their user name or full name.
    push(pbx, event("newCall", "a-2", direction="out", user="agent", caller="201"))
    assert call_of(world.ej, "a-2").agent == world.agent
    # A member of another brand, or nobody known: no agent.
    push(pbx, event("answer", "a-3", answeringNumber=world.outsider.username))
    push(pbx, event("answer", "a-4", answeringNumber="42", user="Nobody Here"))
    assert call_of(world.ej, "a-3").agent is None and call_of(world.ej, "a-4").agent is None


def test_numbers_are_read_as_the_telephone_system_writes_them(
    world: World, pbx: ChannelAccount
) -> None:
    national = contact_for_phone(brand=world.ej, phone=CALLER, name="Marcia Brown")
    abroad = contact_for_phone(brand=world.ej, phone="+493055571600", name="Franz Bauer")
    push(pbx, event("newCall", "n-1", caller="8765550101"))  # national, the brand's country
    push(pbx, event("newCall", "n-2", caller="493055571600"))  # international without "+"
    push(pbx, event("newCall", "n-3", caller="anonymous"))
    assert call_of(world.ej, "n-1").contact == national
    assert call_of(world.ej, "n-2").contact == abroad
    withheld = call_of(world.ej, "n-3")
    assert (withheld.from_number, withheld.contact) == ("", None)


def test_a_very_long_call_id_is_kept_as_its_digest(world: World, pbx: ChannelAccount) -> None:
    long_id = "call-" + "7" * 240
    push(pbx, event("newCall", long_id))
    push(pbx, event("hangup", long_id, cause="cancel"))
    [call] = calls_of(world.ej)
    assert call.external_id == call_key(long_id) and len(call.external_id) <= 100
    assert call.state == CallState.ENDED


def test_a_switched_off_account_keeps_the_event_for_later(
    world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    with all_brands():
        ChannelAccount.objects.filter(pk=pbx.pk).update(is_active=False)
    answered = push(pbx, event("newCall", "i-1"))
    assert answered.status_code == 422 and answered.json()["error"] == "inactive"
    assert calls_of(world.ej) == []
    with all_brands():
        ChannelAccount.objects.filter(pk=pbx.pk).update(is_active=True)
        stored = InboundEvent.objects.get()
    frozen_clock.advance(minutes=5)
    assert inbound.replay(stored.pk).state == InboundState.PROCESSED
    assert call_of(world.ej, "i-1").started_at == stored.received_at  # when it came, not now


@pytest.mark.django_db(transaction=True)
def test_a_calls_events_arriving_at_once_make_one_call() -> None:
    """A connector posting in parallel: newCall, answer and hangup of one call at the same
    moment, in any order: one call, every event processed."""
    brand = publish_preset("ej")
    pbx = cti_account(brand)
    start = threading.Barrier(3)
    answers: list[int] = []
    errors: list[BaseException] = []

    def post(name: str) -> None:
        try:
            start.wait()
            answers.append(push(pbx, event(name, "par-1", cause="normalClearing")).status_code)
        except BaseException as exc:
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=post, args=(n,)) for n in ("newCall", "answer", "hangup")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors and answers == [200, 200, 200]
    [call] = calls_of(brand)
    assert call.external_id == "par-1" and call.state == CallState.ENDED
    with all_brands():
        assert set(InboundEvent.objects.values_list("state", flat=True)) == {"processed"}
