"""The live chat's figures, from the chat's events recorded on its tickets as the chat
server records them (chat_history.py): chats offered, answered, abandoned, messages left,
the wait (median, 90th percentile), chats per agent, ratings — per brand and period, with
the report's filters; a rebuild gives the same figures."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.utils import translation

from guichet.accounts.models import Role
from guichet.chat import services as chat
from guichet.conftest import make_staff
from guichet.lib.errors import InvalidRequest
from guichet.reports import chat_figures, figures
from guichet.reports.models import ChatFact
from guichet.reports.rebuild import rebuild
from guichet.reports.scope import Scope
from guichet.reports.tests.chat_history import Recorder, chat_ticket, jamla_chats
from guichet.reports.tests.facts import snapshot
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.django_db

NOVEMBER = {"month": "2026-11"}


def november(brand, **filters) -> Scope:
    return Scope.from_params(brand, {**NOVEMBER, **filters})


def values(figure) -> list[list[object]]:
    return [[cell.value for cell in row] for row in figure.rows]


def texts(figure) -> list[list[str]]:
    return [[cell.text for cell in row] for row in figure.rows]


def behind(scope: Scope, **link: str) -> set[int]:
    return set(figures.behind(scope, link).values_list("ticket_id", flat=True))


def all_figures(scope: Scope) -> list[dict]:
    with translation.override("en"):
        section = chat_figures.section(scope)
        return [f.as_json() for f in section.figures] if section else []


def test_each_chat_is_one_row_of_ids_and_numbers(world, frozen_clock):
    chats = jamla_chats(world, frozen_clock)
    row = ChatFact._base_manager.get(chat_id=101)
    assert row.brand_id == world.jamla.pk and row.ticket_id == chats.tickets[101].pk
    assert row.offered_at == datetime(2026, 11, 10, 9, tzinfo=UTC)
    assert (row.agent_id, row.wait_s, row.transfers) == (chats.amina.pk, 30, 1)
    assert (row.end_reason, row.length_s, row.score, row.rated_agent_id) == (
        "agent",
        870,
        5,
        chats.bilal.pk,
    )
    abandoned = ChatFact._base_manager.get(chat_id=103)
    assert (abandoned.answered_at, abandoned.agent_id, abandoned.wait_s) == (None, None, 240)
    assert abandoned.end_reason == "abandoned" and abandoned.length_s is None
    waiting = ChatFact._base_manager.get(chat_id=107)
    assert (waiting.answered_at, waiting.ended_at, waiting.wait_s) == (None, None, None)
    # Names, addresses, texts: none (ids and numbers only).
    text_columns = {
        f.name for f in ChatFact._meta.concrete_fields if f.get_internal_type() == "CharField"
    }
    assert text_columns == {"end_reason"}


def test_offered_answered_abandoned_and_messages_left(world, frozen_clock):
    jamla_chats(world, frozen_clock)
    scope = november(world.jamla)
    found = chat_figures.totals(scope)
    assert (found.offered, found.answered, found.abandoned) == (7, 3, 2)
    assert (found.unanswered, found.waiting, found.transferred) == (1, 1, 1)
    assert (found.messages_left, found.rated, found.mean_score) == (1, 2, 4.0)
    with translation.override("en"):
        figure = chat_figures.chats(scope)
    assert values(figure) == [
        [None, 7, 100.0],
        [None, 3, 42.9],
        [None, 2, 28.6],
        [None, 1, 14.3],
        [None, 1, 14.3],
        [None, 1, 14.3],
        [None, 1, None],
    ]
    assert figure.summary == "7 chats offered, 3 answered (43%)"
    assert [row[0].text for row in figure.rows][-1].startswith("Messages left")


def test_the_wait_for_an_agent_median_and_90th_percentile(world, frozen_clock):
    jamla_chats(world, frozen_clock)
    scope = november(world.jamla)
    with translation.override("en"):
        figure = chat_figures.chat_wait(scope)
    # Answered after 30, 60 and 120 s; abandoned after 20 and 240 s; conversations of 870
    # and 480 s (the third goes on). Percentiles interpolate as percentile_cont does.
    assert values(figure) == [
        [None, 3, 60.0, 108.0, 120.0],
        [None, 2, 130.0, 218.0, 240.0],
        [None, 2, 675.0, 831.0, 870.0],
    ]
    assert texts(figure)[0][2:] == ["1 min", "1 min 48 s", "2 min"]
    assert texts(figure)[1][2:] == ["2 min 10 s", "3 min 38 s", "4 min"]
    assert figure.summary == "Median wait 1 min; 9 chats in 10 answered within 1 min 48 s"


def test_chats_handled_per_agent_with_their_wait_and_rating(world, frozen_clock):
    chats = jamla_chats(world, frozen_clock)
    scope = november(world.jamla)
    with translation.override("en"):
        figure = chat_figures.chats_per_agent(scope)
    assert texts(figure) == [
        ["Amina Alaoui", "2", "67%", "1 min 15 s", "3.0", "1"],
        ["Bilal Bennani", "1", "33%", "1 min", "5.0", "1"],
    ]
    amina = figure.rows[0]
    assert amina[1].link == {"chat": "answered", "chat_agent": str(chats.amina.pk)}
    assert behind(scope, **amina[1].link) == {chats.tickets[101].pk, chats.tickets[102].pk}
    assert behind(scope, **figure.rows[1][5].link) == {chats.tickets[101].pk}


def test_satisfaction_mean_count_and_share_of_4_and_5(world, frozen_clock):
    chats = jamla_chats(world, frozen_clock)
    scope = november(world.jamla)
    with translation.override("en"):
        figure = chat_figures.chat_satisfaction(scope)
    assert values(figure) == [
        [5, 1, 50.0],
        [4, 0, 0.0],
        [3, 1, 50.0],
        [2, 0, 0.0],
        [1, 0, 0.0],
    ]
    assert figure.summary == "Mean 4.0 out of 5 from 2 ratings; 50% gave 4 or 5"
    assert behind(scope, **figure.rows[0][1].link) == {chats.tickets[101].pk}
    with translation.override("fr"):
        said = chat_figures.chat_satisfaction(scope).summary
    assert said == "Moyenne 4,0 sur 5 pour 2 notes\u202f; 50\u00a0% ont donné 4 ou 5"


def test_each_number_links_to_the_tickets_it_counts(world, frozen_clock):
    chats = jamla_chats(world, frozen_clock)
    scope = november(world.jamla)
    t = {chat: ticket.pk for chat, ticket in chats.tickets.items()}
    assert behind(scope, chat="offered") == set(t.values())
    assert behind(scope, chat="answered") == {t[101], t[102], t[106]}
    assert behind(scope, chat="abandoned") == {t[103], t[104]}
    assert behind(scope, chat="unanswered") == {t[105]}
    assert behind(scope, chat="waiting") == {t[107]}
    assert behind(scope, tally=Verb.CHAT_MESSAGE_LEFT) == {chats.left.pk}
    for bad in (
        {"chat": "everything"},
        {"chat": "answered", "chat_agent": "x"},
        {"chat": "answered", "chat_agent": str(2**40)},
    ):
        with pytest.raises(InvalidRequest):
            behind(scope, **bad)


def test_a_chat_belongs_to_the_period_it_was_offered_in(world, frozen_clock):
    jamla_chats(world, frozen_clock)
    october = Scope.from_params(world.jamla, {"month": "2026-10"})
    found = chat_figures.totals(october)
    assert (found.offered, found.answered, found.messages_left) == (1, 1, 0)
    assert chat_figures.waits(october)[0] == 60.0
    december = Scope.from_params(world.jamla, {"month": "2026-12"})
    assert chat_figures.section(december) is None


def test_a_brand_sees_only_its_own_chats(world, frozen_clock):
    chats = jamla_chats(world, frozen_clock)
    ej = november(world.ej)
    found = chat_figures.totals(ej)
    assert (found.offered, found.answered, found.rated, found.mean_score) == (1, 1, 1, 1.0)
    with translation.override("en"):
        agents = chat_figures.chats_per_agent(ej)
    assert [row[0].text for row in agents.rows] == [world.agent.get_full_name()]
    assert not behind(ej, chat="offered") & {t.pk for t in chats.tickets.values()}
    jamla = chat_figures.totals(november(world.jamla))
    assert (jamla.offered, jamla.rated) == (7, 2)


def test_the_report_filters_apply_to_the_chats(world, frozen_clock):
    jamla_chats(world, frozen_clock)
    assert chat_figures.section(november(world.jamla, channel="email")) is None
    by_chat = chat_figures.totals(november(world.jamla, channel="chat"))
    assert (by_chat.offered, by_chat.messages_left) == (7, 1)
    category = world.jamla.get_policy().categories[0].key
    assert chat_figures.totals(november(world.jamla, category=category)).offered == 7
    other = world.jamla.get_policy().categories[1].key
    assert chat_figures.section(november(world.jamla, category=other)) is None
    assert chat_figures.totals(november(world.jamla, level=2)).offered == 0


def test_no_chat_no_section(world):
    scope = november(world.ej)
    assert chat_figures.section(scope) is None
    with translation.override("en"):
        assert chat_figures.chats(scope).empty == "No live chat in this period."
        assert chat_figures.chat_wait(scope).empty
        assert chat_figures.chats_per_agent(scope).empty
        assert chat_figures.chat_satisfaction(scope).empty


def test_a_chat_queued_again_after_a_transfer_to_a_level_is_offered_once(world, frozen_clock):
    amina = jamla_chats(world, frozen_clock).amina
    lead = make_staff(world.jamla, "chafik", Role.TEAM_LEAD)
    record = Recorder(frozen_clock)
    at = datetime(2026, 11, 20, 9, tzinfo=UTC)
    ticket = chat_ticket(world.jamla, 300, at, frozen_clock)
    record.queued(ticket, 300, at)
    record.accepted(ticket, 300, at.replace(minute=1), amina, 60)
    record(
        ticket,
        at.replace(minute=3),
        amina,
        Verb.CHAT_TRANSFERRED,
        chat=300,
        to=None,
        level=2,
        **{"from": amina.pk},
    )
    record.queued(ticket, 300, at.replace(minute=3), level=2)
    record.accepted(ticket, 300, at.replace(minute=9), lead, 360)
    row = ChatFact._base_manager.get(chat_id=300)
    assert (row.agent_id, row.wait_s, row.transfers) == (amina.pk, 60, 1)
    assert row.offered_at == at
    assert chat_figures.totals(november(world.jamla)).offered == 8


def test_the_rebuild_gives_the_same_chat_figures(world, frozen_clock):
    jamla_chats(world, frozen_clock)
    scopes = [
        november(world.jamla),
        november(world.ej),
        Scope.month(world.jamla, date(2026, 10, 1)),
    ]
    before, facts = [all_figures(scope) for scope in scopes], snapshot()
    assert facts["ChatFact"] and before[0]
    ChatFact._base_manager.all().delete()
    rebuild()
    assert snapshot() == facts
    assert [all_figures(scope) for scope in scopes] == before


def test_the_chat_servers_own_events_make_the_figures(world, frozen_clock):
    """Through the chat's services (guichet.chat), not hand-written events: one chat
    answered after 42 s and rated 4, one left in the queue after 30 s."""
    agent = make_staff(world.jamla, "karim", Role.AGENT, teams=["customer-service"])

    def start(key: str, email: str):
        return chat.chat_start(
            visitor=chat.Visitor(brand=world.jamla, key=key, language="fr"),
            intro=chat.Intro(name="Yasmine", email=email, topic="", text="Bonjour", consent=True),
            client_id="first",
        )

    answered = start("a" * 32, "yasmine@exemple.ma")
    frozen_clock.advance(seconds=42)
    chat.chat_accept(session_id=answered.pk, brand=world.jamla, agent=agent)
    frozen_clock.advance(minutes=5)
    chat.chat_end(session_id=answered.pk, brand=world.jamla, agent=agent)
    chat.chat_rate(session_id=answered.pk, brand=world.jamla, visitor="a" * 32, score=4)
    left = start("b" * 32, "sofia@exemple.ma")
    frozen_clock.advance(seconds=30)
    chat.chat_end(session_id=left.pk, brand=world.jamla, visitor="b" * 32)

    scope = november(world.jamla)
    found = chat_figures.totals(scope)
    assert (found.offered, found.answered, found.abandoned, found.rated) == (2, 1, 1, 1)
    assert chat_figures.waits(scope) == [42.0, 42.0, 42.0]
    row = ChatFact._base_manager.get(chat_id=answered.pk)
    assert (row.agent_id, row.length_s, row.score, row.rated_agent_id) == (
        agent.pk,
        300,
        4,
        agent.pk,
    )
    assert ChatFact._base_manager.get(chat_id=left.pk).wait_s == 30
