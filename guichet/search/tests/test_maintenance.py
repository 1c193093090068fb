"""rebuild() makes exactly the index the triggers keep; triggers_paused() stops them for a
bulk load; Python folds accents as the database does."""

from __future__ import annotations

import unicodedata
from typing import Any

import pytest
from django.db import connection

from guichet.contacts.models import Contact
from guichet.search import maintenance
from guichet.search.queries import _fold
from guichet.tickets import services
from guichet.tickets.actors import SYSTEM

from .helpers import found, open_ticket

pytestmark = pytest.mark.django_db


def index_rows() -> list[tuple[Any, ...]]:
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT ticket_id, brand_id, active_at, bytes, subject::text, customer::text,"
                " document::text FROM search_document ORDER BY ticket_id"
            )
        else:
            cursor.execute(
                "SELECT rowid, reference, subject, customer, messages, brand_id, size, active_at"
                " FROM search_document ORDER BY rowid"
            )
        return cursor.fetchall()


def busy_desk(world: Any) -> list[Any]:
    """Tickets of both brands with every kind of message and change."""
    a = open_ticket(world, subject="Chambre bruyante", text="Travaux à côté, cœur brisé.")
    b = open_ticket(world, subject="Repas", text="Végétarien oublié.", jamla=True)
    c = open_ticket(world, subject="Doublon", text="Même chose, l’été dernier.")
    services.ticket_reply(ticket=a, actor=world.agent, text="Nous changeons votre chambre.")
    services.ticket_note(ticket=a, actor=world.agent, text="Voir l'hôtel Ωmega.")
    services.ticket_receive(
        ticket=world.ticket, contact=world.customer, text="Ça avance ?", channel="email"
    )
    services.ticket_merge(ticket=c, into=a, actor=SYSTEM)
    services.ticket_change(ticket=world.ticket, actor=SYSTEM, subject="Facture corrigée")
    with world.scoped():
        Contact.objects.filter(pk=world.customer.pk).update(name="Hélène Lefèvre-Martin")
    return [world.ticket, a, b, c]


def test_rebuild_makes_the_index_the_triggers_keep(world):
    busy_desk(world)
    kept = index_rows()
    assert len(kept) == 4
    queries = ["chambre", "coeur", "ete", "lefevre martin", "facture", "végétarien", "omega"]
    before = {q: found(q) for q in queries}
    assert maintenance.rebuild() == 4
    assert index_rows() == kept
    assert {q: found(q) for q in queries} == before


def test_rebuild_restores_a_damaged_index(world):
    busy_desk(world)
    kept = index_rows()
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM search_document")
    assert found("chambre") == []
    maintenance.rebuild()
    assert index_rows() == kept


def test_while_paused_writes_are_not_indexed_until_the_rebuild(world):
    with maintenance.triggers_paused():
        ticket = open_ticket(world, subject="Kayak", text="Pagaie cassée.")
        services.ticket_receive(
            ticket=world.ticket, contact=world.customer, text="Pingouin.", channel="email"
        )
    assert found("kayak", world.ej) == []
    assert found("pingouin", world.ej) == []
    maintenance.rebuild()
    assert found("kayak", world.ej) == [ticket.pk]
    assert found("pingouin", world.ej) == [world.ticket.pk]
    # The triggers are back.
    later = open_ticket(world, subject="Canoë", text="Rame.")
    assert found("canoe", world.ej) == [later.pk]


def test_the_triggers_come_back_after_an_error(world):
    with pytest.raises(RuntimeError), maintenance.triggers_paused():
        raise RuntimeError
    ticket = open_ticket(world, subject="Toboggan", text="Glissant.")
    assert found("toboggan", world.ej) == [ticket.pk]


def letters() -> list[str]:
    """Every letter of Latin-1 and Latin Extended-A."""
    return [chr(c) for c in range(0xC0, 0x180) if unicodedata.category(chr(c)).startswith("L")]


@pytest.mark.postgres
def test_python_folds_letters_as_postgresql_does(db):
    """Snippets find in a message the words the database matched (queries._fold)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT lower(unaccent('unaccent'::regdictionary, l)) FROM unnest(%s::text[]) l",
            [letters()],
        )
        database = [row[0] for row in cursor.fetchall()]
    differ = [
        (letter, _fold(letter)[0], folded)
        for letter, folded in zip(letters(), database, strict=True)
        if _fold(letter)[0] != folded
    ]
    assert differ == []


def test_python_folds_letters_as_fts5_does(db):
    """On SQLite the needles are the query's words folded by Python: each accented letter
    of a document is found by the letter Python folds it to."""
    if connection.vendor != "sqlite":
        return  # PostgreSQL: test_python_folds_letters_as_postgresql_does
    import sqlite3

    memory = sqlite3.connect(":memory:")
    memory.execute(
        "CREATE VIRTUAL TABLE t USING fts5(x, tokenize = 'unicode61 remove_diacritics 2')"
    )
    memory.executemany(
        "INSERT INTO t (rowid, x) VALUES (?, ?)", [(i, "a" + ch) for i, ch in enumerate(letters())]
    )
    missed = [
        ch
        for i, ch in enumerate(letters())
        if (i,)
        not in memory.execute(
            "SELECT rowid FROM t WHERE t MATCH ?", ['"a' + _fold(ch)[0] + '"']
        ).fetchall()
    ]
    # FTS5 leaves letters without a canonical decomposition (ø, ł, œ, ĳ…) as they are.
    assert set(missed) <= set("øØłŁđĐħĦıŧŦœŒæÆßĸŉſĲĳĿŀðÐþÞŋŊ")
