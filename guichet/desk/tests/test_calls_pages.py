"""The caller log (`/desk/calls/`) and the callbacks (`/desk/callbacks/`), docs/telephony.md:
the ringing call at the top with who it is and their open requests, recent calls with the
caller's wait and the outcome, "create a callback" on a missed call, the page's refresh
(204 while nothing changed); callbacks mine, my team's, all for who may assign, done or
attempted, given to someone else; every one of them within the person's brands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from guichet.conftest import World, assert_hidden_from_outsider
from guichet.contacts.services import contact_add_phone, contact_block, contact_for_phone
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.telephony import services
from guichet.telephony.models import Call, Callback

CALLS = reverse("desk:calls")
CALLBACKS = reverse("desk:callbacks")


@pytest.fixture
def caller(world: World):
    return contact_for_phone(brand=world.ej, phone="+18765550101", name="Marcia Brown")


def _ring(world: World, external_id: str, number: str, *, brand=None):
    return services.call_ring(
        brand=brand or world.ej,
        external_id=external_id,
        direction="in",
        from_number=number,
        to_number="+18760000000",
        at=clock.now(),
    )


def _missed(world: World, external_id: str, number: str, *, brand=None):
    _ring(world, external_id, number, brand=brand)
    return services.call_hangup(
        brand=brand or world.ej,
        external_id=external_id,
        at=clock.now() + timedelta(seconds=40),
        cause="cancel",
    )


def test_a_ringing_call_is_at_the_top_with_the_callers_open_requests(client, world: World):
    contact_add_phone(contact=world.customer, phone="+33 6 12 34 56 00")
    _ring(world, "r-1", "+33612345600")
    client.force_login(world.agent)
    html = client.get(CALLS).content.decode()
    top = html.split('class="calls-live"')[1].split("</article>")[0]
    assert "Hélène Lefèvre" in top
    assert world.ticket.reference in top  # what she is probably calling about
    assert "Ouvrir un ticket pour cet appel" in top


def test_recent_calls_show_the_wait_and_the_outcome_and_offer_a_callback_when_missed(
    client, world: World, caller
):
    services.call_log(
        brand=world.ej,
        actor=world.agent,
        direction="in",
        started_at=clock.now() - timedelta(minutes=20),
        wait_s=12,
        duration_s=250,
        outcome="answered",
        contact=caller,
    )
    missed = _missed(world, "m-1", "+18765550101")
    client.force_login(world.agent)
    html = client.get(CALLS).content.decode()
    assert "Répondu" in html and "12 s" in html and "4 min 10 s" in html
    assert "Manqué" in html and "40 s" in html
    assert html.count("Prévoir un rappel") == 1
    response = client.post(reverse("desk:call_callback", args=[missed.pk]))
    assert response.status_code == 302
    with brand_scope(world.ej):
        callback = Callback.objects.get(call=missed)
    assert callback.contact == caller and callback.phone == "+18765550101"
    after = client.get(CALLS).content.decode()
    assert "Prévoir un rappel" not in after and "Rappel prévu pour le" in after


def test_a_blocked_callers_calls_are_flagged(client, world: World, caller):
    contact_block(contact=caller, actor=world.lead, reason="Insultes répétées")
    _ring(world, "b-1", "+18765550101")
    _missed(world, "b-2", "+18765550101")
    client.force_login(world.agent)
    html = client.get(CALLS).content.decode()
    assert "Client bloqué" in html.split('class="calls-live"')[1].split("</article>")[0]
    assert 'class="badge flag sev-4">Bloqué' in html


def test_the_log_shows_only_the_persons_brands(client, world: World):
    _missed(world, "j-1", "+212600000001", brand=world.jamla)
    _missed(world, "e-1", "+18765550102")
    client.force_login(world.agent)
    html = client.get(CALLS).content.decode()
    assert "+1 876-555-0102" in html and "+212 6 00 00 00 01" not in html  # spaced to be read
    client.force_login(world.outsider)
    html = client.get(CALLS).content.decode()
    assert "+212 6 00 00 00 01" in html and "+1 876-555-0102" not in html


def test_another_brands_call_cannot_be_called_back(client, world: World):
    missed = _missed(world, "e-2", "+18765550103")
    assert_hidden_from_outsider(
        client, world.outsider, reverse("desk:call_callback", args=[missed.pk]), method="post"
    )
    with brand_scope(world.ej):
        assert not Callback.objects.exists()


def test_the_log_refreshes_only_when_a_call_changed(client, world: World):
    client.force_login(world.agent)
    page = client.get(CALLS)
    fingerprint = page.context["fingerprint"]
    poll = client.get(CALLS, {"fp": fingerprint}, headers={"HX-Request": "true"})
    assert poll.status_code == 204
    _ring(world, "n-1", "+18765550104")
    poll = client.get(CALLS, {"fp": fingerprint}, headers={"HX-Request": "true"})
    assert poll.status_code == 200
    html = poll.content.decode()
    assert html.lstrip().startswith('<div id="calls-log"') and "+1 876-555-0104" in html
    assert 'hx-trigger="every 5s"' in html


# --- callbacks ------------------------------------------------------------------------------


def _callbacks(world: World, caller):
    mine = services.callback_plan(
        brand=world.ej,
        actor=world.agent,
        contact=caller,
        assignee=world.agent,
        due_at=clock.now() + timedelta(minutes=1),
        note="Numéro de dossier 42",
    )
    team = services.callback_plan(brand=world.ej, actor=world.agent, contact=caller)
    other = services.callback_plan(
        brand=world.ej, actor=world.lead, contact=caller, assignee=world.investigator
    )
    return mine, team, other


def test_the_callbacks_mine_my_teams_and_all_for_who_may_assign(client, world: World, caller):
    mine, team, other = _callbacks(world, caller)
    client.force_login(world.agent)
    own = client.get(CALLBACKS).content.decode()
    assert f'id="cb{mine.pk}"' in own and f'id="cb{team.pk}"' not in own
    assert "Numéro de dossier 42" in own
    assert "?show=all" not in own  # an agent does not assign
    teams = client.get(CALLBACKS, {"show": "team"}).content.decode()
    assert f'id="cb{mine.pk}"' in teams and f'id="cb{team.pk}"' in teams
    assert f'id="cb{other.pk}"' not in teams  # the investigator is in another team
    # "all" is not theirs: they get their own.
    assert f'id="cb{team.pk}"' not in client.get(CALLBACKS, {"show": "all"}).content.decode()
    client.force_login(world.lead)
    everything = client.get(CALLBACKS, {"show": "all"}).content.decode()
    assert all(f'id="cb{c.pk}"' in everything for c in (mine, team, other))


def test_an_overdue_callback_is_red(client, world: World, caller, frozen_clock):
    mine, _team, _other = _callbacks(world, caller)
    frozen_clock.advance(hours=2)
    client.force_login(world.agent)
    html = client.get(CALLBACKS).content.decode()
    assert f'class="callback late" id="cb{mine.pk}"' in html
    assert "en retard de" in html


def test_an_attempt_then_the_callback_done(client, world: World, caller):
    mine, _team, _other = _callbacks(world, caller)
    client.force_login(world.agent)
    url = reverse("desk:callback_done", args=[mine.pk])
    attempt = client.post(url, {"outcome": "no_answer", "show": "mine"}, follow=True)
    assert "Tentative enregistrée" in attempt.content.decode()
    with brand_scope(world.ej):
        assert Call.objects.filter(callback=mine, outcome="no_answer").count() == 1
        assert Callback.objects.get(pk=mine.pk).done_at is None
    empty = client.post(url, {"outcome": "", "note": ""}, follow=True)
    assert "Dites comment le client a été joint." in empty.content.decode()
    done = client.post(url, {"outcome": "answered", "minutes": "3", "note": "Réglé"}, follow=True)
    assert "Rappel fait." in done.content.decode()
    with brand_scope(world.ej):
        assert Callback.objects.get(pk=mine.pk).done_at is not None
    shown = client.get(CALLBACKS, {"show": "done"}).content.decode()
    assert f'id="cb{mine.pk}"' in shown and "Réglé" in shown


def test_giving_a_callback_to_someone_else(client, world: World, caller):
    _mine, team, _other = _callbacks(world, caller)
    client.force_login(world.agent)
    url = reverse("desk:callback_assign", args=[team.pk])
    assert client.post(url, {"to": "me"}).status_code == 302  # taking it
    with brand_scope(world.ej):
        assert Callback.objects.get(pk=team.pk).assignee == world.agent
    refused = client.post(url, {"to": f"user:{world.agent2.pk}"})
    assert refused.status_code == 403
    client.force_login(world.lead)
    client.post(url, {"to": f"user:{world.agent2.pk}"})
    with brand_scope(world.ej):
        assert Callback.objects.get(pk=team.pk).assignee == world.agent2
    # Someone of another brand cannot be given it.
    client.post(url, {"to": f"user:{world.outsider.pk}"})
    with brand_scope(world.ej):
        assert Callback.objects.get(pk=team.pk).assignee == world.agent2


def test_another_brands_callbacks_are_out_of_reach(client, world: World, caller):
    mine, _team, _other = _callbacks(world, caller)
    for name in ("callback_done", "callback_assign"):
        assert_hidden_from_outsider(
            client,
            world.outsider,
            reverse(f"desk:{name}", args=[mine.pk]),
            method="post",
            outcome="answered",
            to="me",
        )
    client.force_login(world.outsider)
    assert f'id="cb{mine.pk}"' not in client.get(CALLBACKS, {"show": "all"}).content.decode()


def test_the_callbacks_due_are_counted_in_the_navigation(
    client, world: World, caller, frozen_clock
):
    _callbacks(world, caller)
    client.force_login(world.agent)
    frozen_clock.advance(hours=2)
    html = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    link = html.split(f'href="{CALLBACKS}"')[1].split("</a>")[0]
    assert '<span class="count"' in link and ">1<" in link


def test_posting_without_the_csrf_token_is_refused(world: World, caller):
    mine, _team, _other = _callbacks(world, caller)
    strict = Client(enforce_csrf_checks=True)
    strict.force_login(world.agent)
    response = strict.post(reverse("desk:callback_done", args=[mine.pk]), {"outcome": "answered"})
    assert response.status_code == 403
