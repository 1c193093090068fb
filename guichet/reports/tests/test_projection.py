"""The read model against hand-computed expectations: small fixed histories with a moved
clock, across a weekend and a holiday, up to level 3, reopened, surveyed."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation

from guichet.conftest import make_staff, publish_preset
from guichet.contacts.services import contact_for_email
from guichet.lib import clock
from guichet.reports import figures
from guichet.reports.models import DeadlineFact, LevelFact, Tally, TicketFact
from guichet.reports.rebuild import rebuild
from guichet.reports.scope import Scope
from guichet.reports.tests.facts import snapshot
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.django_db

JAMAICA = ZoneInfo("America/Jamaica")
ABIDJAN = ZoneInfo("Africa/Abidjan")
HOUR = 3600


def at(zone: ZoneInfo, *args: int) -> datetime:
    return datetime(*args, tzinfo=zone)


def fact(ticket) -> TicketFact:
    return TicketFact._base_manager.get(ticket_id=ticket.pk)


def stays(ticket) -> list[tuple[int, str, int | None, str, bool]]:
    return [
        (s.level, s.trigger, s.seconds, s.outcome, s.closed_here)
        for s in LevelFact._base_manager.filter(ticket_id=ticket.pk).order_by("entered_at", "pk")
    ]


def open_at(brand, moment, *, email="awa@exemple.fr", **extra):
    contact = contact_for_email(brand=brand, email=email, name="Awa Koné", language="fr")
    with clock.frozen(moment):
        return services.ticket_open(
            brand=brand,
            contact=contact,
            contact_type=extra.pop("contact_type", "complaint"),
            subject="Facture en double",
            text="J'ai été débitée deux fois.",
            channel=extra.pop("channel", "email"),
            **extra,
        )


def test_a_complaint_over_a_weekend_up_to_level_three(db):
    ej = publish_preset("ej")
    agent = make_staff(ej, "agent", "agent", teams=["front-line"])
    manager = make_staff(ej, "manager", "manager")
    # Friday 16:00 in Kingston; EJ's hours are 09:00–17:00 on weekdays.
    ticket = open_at(ej, at(JAMAICA, 2026, 11, 27, 16), category="billing")
    with clock.frozen(at(JAMAICA, 2026, 11, 30, 10)):  # Monday 10:00
        services.ticket_reply(ticket=ticket, actor=agent, text="Nous regardons.")
    with clock.frozen(at(JAMAICA, 2026, 11, 30, 12)):
        services.ticket_escalate(ticket=ticket, actor=agent, reason="Au service concerné")
    with clock.frozen(at(JAMAICA, 2026, 12, 2, 12)):
        services.ticket_escalate(ticket=ticket, actor=manager, reason="À la direction")
    with clock.frozen(at(JAMAICA, 2026, 12, 3, 12)):
        services.ticket_set_outcome(ticket=ticket, actor=manager, outcome="upheld")
        services.ticket_close(ticket=ticket, actor=manager, summary="Remboursé.")

    row = fact(ticket)
    assert row.received_on == date(2026, 11, 27)
    assert row.first_response_s == 2 * 24 * HOUR + 18 * HOUR  # Friday 16:00 → Monday 10:00
    assert row.first_response_bs == 2 * HOUR  # Friday 16–17, Monday 9–10
    assert (row.level, row.top_level, row.escalations, row.auto_escalations) == (3, 3, 2, 0)
    assert row.outcome == "upheld" and not row.is_open and row.resolved_at == row.closed_at
    assert row.resolution_s == (6 * 24 - 4 + 0) * HOUR  # Friday 16:00 → Thursday 12:00
    assert row.first_contact is False  # escalated
    assert row.full_answer_at == at(JAMAICA, 2026, 12, 3, 12)
    assert stays(ticket) == [
        (1, "opened", (2 * 24 + 20) * HOUR, "", False),
        (2, "agent", 48 * HOUR, "", False),
        (3, "agent", 24 * HOUR, "upheld", True),
    ]
    first_response = DeadlineFact._base_manager.get(ticket_id=ticket.pk, kind="first_response")
    # EJ's 24 h (calendar) first response: missed over the weekend.
    assert first_response.breached and first_response.met_at == at(JAMAICA, 2026, 11, 30, 10)

    scope = Scope.month(ej, date(2026, 11, 1))
    with translation.override("en"):
        levels = figures.handled_per_level(scope)
        assert [[c.text for c in r[:2]] for r in levels.rows] == [
            ["Level 1 – customer service", "1"],
            ["Level 2 – department concerned", "1"],
            ["Level 3 – Managing Director", "1"],
        ]
        time_at = figures.time_at_levels_2_3(scope)
        assert [r[2].value for r in time_at.rows] == [48 * HOUR, 24 * HOUR]
        outcomes = figures.outcome_per_level(scope)
        assert outcomes.rows[0][0].text.startswith("Level 3") and outcomes.rows[0][1].value == 1
        met = {r[0].text.split(" (")[0]: r for r in figures.deadlines_met_per_level(scope).rows}
        assert met["First response"][4].value == 1  # missed
        assert met["First response"][5].text == "0%"
    # The ticket belongs to November (received there), not to December.
    assert figures.handled_per_level(Scope.month(ej, date(2026, 12, 1))).empty


def test_simple_requests_across_a_holiday_and_a_weekend(db):
    brand = publish_preset("ivoire-toner")
    agent = make_staff(brand, "agent", "agent", teams=["front-line"])
    manager = make_staff(brand, "manager", "manager")
    # Thursday 24 December, 10:00; Friday 25 is Christmas (a public holiday in Côte
    # d'Ivoire), then a weekend.
    quick = open_at(brand, at(ABIDJAN, 2026, 12, 24, 10), contact_type="question")
    slow = open_at(brand, at(ABIDJAN, 2026, 12, 24, 10), contact_type="question", email="b@x.ci")
    for ticket, when in ((quick, (2026, 12, 28, 9)), (slow, (2026, 12, 30, 12))):
        with clock.frozen(at(ABIDJAN, *when)):
            services.ticket_reply(ticket=ticket, actor=agent, text="Voici.", full_answer=True)
            services.ticket_close(ticket=ticket, actor=manager, summary="Répondu.")
    assert (quick.complexity, slow.complexity) == ("simple", "simple")
    # Business days count 00:00–24:00 on open days only: 14 h on Thursday, 9 h on Monday.
    assert fact(quick).resolution_bd_s == 23 * HOUR
    assert fact(quick).resolution_s == (4 * 24 - 1) * HOUR
    assert fact(slow).resolution_bd_s == (14 + 24 + 24 + 12) * HOUR

    scope = Scope.month(brand, date(2026, 12, 1))
    figure = figures.simple_solved_within_2_business_days(scope)
    resolved, within, rate, goal = figure.rows[0]
    assert (resolved.value, within.value, rate.value, goal.value) == (2, 1, 50.0, 90)
    assert rate.status == "missed" == goal.status  # the policy's own goal: 90 %
    # The resolution deadline of simple requests: 2 business days, aim 1 day.
    rows = {
        (r.kind, r.ticket_id): r
        for r in DeadlineFact._base_manager.filter(
            kind="resolution", ticket_id__in=[quick.pk, slow.pk]
        )
    }
    assert rows[("resolution", quick.pk)].within_aim is True  # 23 h ≤ 1 business day
    assert rows[("resolution", quick.pk)].breached is False
    assert rows[("resolution", slow.pk)].breached is True
    assert rows[("resolution", slow.pk)].within_aim is False


def test_a_reopened_ticket_keeps_its_first_resolution_and_is_no_first_contact(world, frozen_clock):
    ticket = world.ticket
    frozen_clock.advance(hours=2)
    services.ticket_reply(ticket=ticket, actor=world.agent, text="C'est corrigé.", full_answer=True)
    services.ticket_set_outcome(ticket=ticket, actor=world.agent, outcome="upheld")
    services.ticket_close(ticket=ticket, actor=world.agent, summary="Remboursé.")
    assert fact(ticket).first_contact is True
    first_close = fact(ticket).resolved_at
    frozen_clock.advance(days=1)
    services.ticket_receive(
        ticket=ticket, contact=world.customer, text="Toujours débitée !", channel="email"
    )
    row = fact(ticket)
    assert row.is_open and row.reopened == 1 and row.first_contact is False
    frozen_clock.advance(hours=5)
    services.ticket_close(ticket=ticket, actor=world.agent, summary="Vraiment remboursé.")
    row = fact(ticket)
    assert row.resolved_at == first_close and row.closed_at == clock.now()
    assert [s[:2] for s in stays(ticket)] == [(1, "opened"), (1, "reopened")]
    services.ticket_record(
        ticket=ticket,
        actor=Customer(world.customer),
        verb=Verb.SURVEY_ANSWERED,
        data={"score": 2, "scale": 5, "not_satisfied": True, "level": 1},
    )
    row = fact(ticket)
    assert (row.survey_score, row.survey_scale, row.survey_satisfied) == (2, 5, False)
    scope = Scope.month(world.ej, date(2026, 11, 1))
    with translation.override("en"):
        assert figures.satisfaction(scope).summary.startswith("0% satisfied")
        assert figures.first_contact_resolution(scope).rows[0][2].text == "0%"


def test_counted_events_and_returning_customers(world, frozen_clock):
    services.ticket_flag_abuse(ticket=world.ticket, actor=world.agent, severity=1, reason="Insulte")
    frozen_clock.advance(days=1)
    again = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Une autre question",
        text="Bonjour",
        channel="web",
    )
    assert Tally._base_manager.filter(what=Verb.ABUSE_FLAGGED, detail="1").count() == 1
    scope = Scope.month(world.ej, date(2026, 11, 1))
    assert figures.abuse_flags(scope).summary == "1"
    retention = figures.retention(scope)
    assert [c.value for c in retention.rows[0]] == [1, 1, 100.0]
    assert list(figures.behind(scope, {"returning": "1"})) == [{"ticket_id": again.pk}]


def test_the_read_model_equals_a_rebuild_from_the_events(world, frozen_clock):
    test_a_reopened_ticket_keeps_its_first_resolution_and_is_no_first_contact(world, frozen_clock)
    services.ticket_reopen(ticket=world.ticket, actor=world.manager, reason="Pas réglé")
    services.ticket_escalate(ticket=world.ticket, actor=world.manager, reason="Plus haut")
    live = snapshot()
    assert live["TicketFact"] and live["LevelFact"] and live["DeadlineFact"]
    done = rebuild()
    assert done.tickets == 1 and done.events > 10
    assert snapshot() == live


def test_a_rebuild_leaves_the_figures_of_purged_tickets(world):
    TicketFact._base_manager.create(
        brand=world.ej,
        ticket_id=10_000,
        reference="EJ-20-00001",
        received_at=datetime(2020, 1, 1, tzinfo=UTC),
        received_on=date(2020, 1, 1),
        channel="email",
        contact_type="complaint",
    )
    rebuild(brands=[world.ej])
    assert TicketFact._base_manager.filter(ticket_id=10_000).exists()
    assert TicketFact._base_manager.filter(ticket_id=world.ticket.pk).exists()


def test_the_read_model_holds_no_personal_data(world):
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Hélène, bonjour")
    text = repr(snapshot())
    for secret in ("Hélène", "helene@exemple.fr", "Facture en double", "débitée"):
        assert secret not in text


def test_opening_a_ticket_adds_a_few_statements_only(world, django_assert_max_num_queries):
    contact = world.customer
    # Baseline: the same opening with the projection switched off.
    from guichet.tickets import reactions

    projectors = list(reactions._projectors)
    reactions._projectors.clear()
    try:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as without:
            services.ticket_open(
                brand=world.ej,
                contact=contact,
                contact_type="question",
                subject="A",
                text="a",
                channel="web",
            )
    finally:
        reactions._projectors[:] = projectors
    with CaptureQueriesContext(connection) as with_projection:
        services.ticket_open(
            brand=world.ej,
            contact=contact,
            contact_type="question",
            subject="B",
            text="b",
            channel="web",
        )
    # Its figures, its level stay, its deadlines: one INSERT each.
    assert len(with_projection) - len(without) <= 3
    assert clock.now() - timedelta(seconds=1) < fact(world.ticket).received_at + timedelta(days=365)
