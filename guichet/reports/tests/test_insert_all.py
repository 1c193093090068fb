"""`lib.bulk.insert_all`, as the projector uses it: the rows of an opening (a ticket's
figures, its first stay, its deadlines) in one statement on PostgreSQL, every value as
given; many rows through each table's prepared statement."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from guichet.conftest import World
from guichet.lib.bulk import insert_all
from guichet.reports.models import DeadlineFact, LevelFact, TicketFact

pytestmark = pytest.mark.django_db
AT = datetime(2026, 11, 2, 9, 30, tzinfo=UTC)


def _rows(world: World, ticket_id: int, deadlines: int) -> dict[type, list]:
    fact = TicketFact(
        brand=world.ej,
        ticket_id=ticket_id,
        reference=f"EJ-{ticket_id}",
        received_at=AT,
        received_on=date(2026, 11, 2),
        channel="web",
        contact_type="complaint",
        category="billing",
    )
    stay = LevelFact(
        brand=world.ej, ticket_id=ticket_id, level=1, received_at=AT, entered_at=AT, trigger="x"
    )
    promises = [
        DeadlineFact(
            brand=world.ej,
            ticket_id=ticket_id,
            received_at=AT,
            kind=f"kind{n}",
            level=1,
            rule=f"deadlines[{n}]",
            due_at=AT.replace(day=3 + n),
        )
        for n in range(deadlines)
    ]
    return {TicketFact: [fact], LevelFact: [stay], DeadlineFact: promises}


def test_an_openings_rows_go_in_one_statement_on_postgresql(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        insert_all(_rows(world, 9001, deadlines=4))
    postgres = connection.vendor == "postgresql"
    assert len(queries.captured_queries) == (1 if postgres else 3)
    if postgres:
        assert queries.captured_queries[0]["sql"].startswith("WITH inserted_0 AS (INSERT INTO")
    fact = TicketFact._base_manager.get(ticket_id=9001)
    assert (fact.brand_id, fact.reference, fact.received_at, fact.category) == (
        world.ej.pk,
        "EJ-9001",
        AT,
        "billing",
    )
    assert fact.is_open and fact.top_level == 1  # the model's defaults, written out
    assert LevelFact._base_manager.filter(ticket_id=9001, level=1, entered_at=AT).count() == 1
    due = DeadlineFact._base_manager.filter(ticket_id=9001).order_by("kind")
    assert [(d.kind, d.rule, d.due_at.day) for d in due] == [
        (f"kind{n}", f"deadlines[{n}]", 3 + n) for n in range(4)
    ]


def test_many_rows_go_through_each_tables_statement(world: World) -> None:
    rows: dict[type, list] = {TicketFact: [], LevelFact: [], DeadlineFact: []}
    for ticket_id in range(9100, 9200):
        for model, made in _rows(world, ticket_id, deadlines=2).items():
            rows[model] += made
    with CaptureQueriesContext(connection) as queries:
        insert_all(rows)
    assert len(queries.captured_queries) == 3  # one executemany a table
    assert TicketFact._base_manager.filter(ticket_id__gte=9100).count() == 100
    assert DeadlineFact._base_manager.filter(ticket_id__gte=9100).count() == 200


def test_nothing_to_insert_runs_nothing(world: World) -> None:
    with CaptureQueriesContext(connection) as queries:
        insert_all({TicketFact: [], LevelFact: []})
    assert queries.captured_queries == []
