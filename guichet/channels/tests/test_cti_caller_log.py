"""The desk's caller log fed by the telephone system (docs/telephony.md, "The caller log"):
calls pushed through the CTI endpoint as a PBX connector does, then read in `/desk/calls/`
as an agent sees it — the ringing call at the top with who it is and their open requests, a
missed call offering a callback, a blocked caller taken and flagged, never refused (AB-2)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.channels.models import ChannelAccount
from guichet.channels.tests.cti_client import cti_account, event, push
from guichet.conftest import World
from guichet.contacts.services import contact_add_phone, contact_block, contact_for_phone
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.telephony.models import Call, Callback

pytestmark = pytest.mark.django_db
CALLS = reverse("desk:calls")


@pytest.fixture
def pbx(world: World) -> ChannelAccount:
    return cti_account(world.ej, "EJ PBX")


def live_part(html: str) -> str:
    return html.split('class="calls-live"')[1].split("</article>")[0]


def test_a_ringing_call_shows_at_the_top_with_the_caller_and_their_open_requests(
    client, world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    contact_add_phone(contact=world.customer, phone="+1 876 555 0150")
    push(pbx, event("newCall", "live-1", caller="8765550150"))  # as the PBX writes it
    frozen_clock.advance(seconds=12)
    client.force_login(world.agent)
    html = client.get(CALLS).content.decode()
    top = live_part(html)
    assert "Hélène Lefèvre" in top and "+1 876-555-0150" in top
    assert world.ticket.reference in top  # what she is probably calling about
    assert "12 s" in top  # ringing for
    assert "Ouvrir un ticket pour cet appel" in top
    # The same page in English.
    html = client.get("/en" + CALLS).content.decode()
    assert "Open a ticket for this call" in live_part(html)


def test_an_unknown_caller_rings_as_an_unknown_caller(
    client, world: World, pbx: ChannelAccount
) -> None:
    push(pbx, event("newCall", "live-2", caller="+18765550177"))
    client.force_login(world.agent)
    top = live_part(client.get("/en" + CALLS).content.decode())
    assert "Unknown caller" in top and "+1 876-555-0177" in top


def test_a_missed_call_offers_a_callback_to_the_caller(
    client, world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    caller = contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    push(pbx, event("newCall", "miss-1"))
    frozen_clock.advance(seconds=40)
    push(pbx, event("hangup", "miss-1", cause="cancel"))
    client.force_login(world.agent)
    html = client.get(CALLS).content.decode()
    assert 'class="calls-live"' not in html  # it rings no more
    assert "Manqué" in html and "40 s" in html and "Marcia Brown" in html
    assert html.count("Prévoir un rappel") == 1
    with brand_scope(world.ej):
        missed = Call.objects.get(external_id="miss-1")
    assert client.post(reverse("desk:call_callback", args=[missed.pk])).status_code == 302
    with brand_scope(world.ej):
        callback = Callback.objects.get(call=missed)
    assert (callback.contact, callback.phone) == (caller, "+18765550101")
    assert "Prévoir un rappel" not in client.get(CALLS).content.decode()


def test_an_answered_call_shows_who_took_it_and_the_wait(
    client, world: World, pbx: ChannelAccount, frozen_clock: clock.FrozenClock
) -> None:
    push(pbx, event("newCall", "ans-1"))
    frozen_clock.advance(seconds=9)
    push(pbx, event("answer", "ans-1", answeringNumber="agent"))
    frozen_clock.advance(seconds=250)
    push(pbx, event("hangup", "ans-1", cause="normalClearing"))
    client.force_login(world.lead)
    html = client.get("/en" + CALLS).content.decode()
    assert "Answered" in html and "9 s" in html and "4 min 10 s" in html
    assert "Agent" in html and "Create a callback" not in html


def test_a_blocked_callers_call_is_taken_and_flagged_to_the_agent(
    client, world: World, pbx: ChannelAccount
) -> None:
    caller = contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")
    contact_block(contact=caller, actor=world.lead, reason="Insultes répétées")
    answered = push(pbx, event("newCall", "blk-1"))
    assert answered.status_code == 200 and answered.json() == {}  # no "reject"
    client.force_login(world.agent)
    assert "Client bloqué" in live_part(client.get(CALLS).content.decode())
    assert "Blocked customer" in live_part(client.get("/en" + CALLS).content.decode())


def test_another_brands_calls_stay_out_of_the_log(
    client, world: World, pbx: ChannelAccount
) -> None:
    jamla_pbx = cti_account(world.jamla, "Jamla24 PBX")
    push(jamla_pbx, event("newCall", "j-1", caller="+212600000001", called="+212539420142"))
    push(pbx, event("newCall", "e-1", caller="+18765550102"))
    client.force_login(world.agent)
    html = client.get(CALLS).content.decode()
    assert "+1 876-555-0102" in html and "+212 6 00 00 00 01" not in html
    client.force_login(world.outsider)
    html = client.get(CALLS).content.decode()
    assert "+212 6 00 00 00 01" in html and "+1 876-555-0102" not in html
