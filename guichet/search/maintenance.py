# SQL here is assembled from constants; it takes no input.
# ruff: noqa: S608
"""Keeping the search index whole around bulk loads.

The index is kept current by triggers (migration 0001 on PostgreSQL, guichet.search.sqlite
on SQLite), row by row or statement by statement. A bulk load (an import, a benchmark's
million tickets) is faster without them and one `rebuild()` afterwards:

    with triggers_paused():
        load_everything()
    rebuild()

Both work on PostgreSQL and SQLite; docs/search.md has the figures.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connections, transaction

from guichet.search import sqlite

# The PostgreSQL triggers of the index (migration 0001), by table.
PG_TRIGGERS = {
    "tickets_ticket": [
        "search_ticket_insert",
        "search_ticket_update",
        "search_ticket_delete",
        "search_ticket_truncate",
    ],
    "tickets_message": [
        "search_message_insert",
        "search_message_update",
        "search_message_delete",
        "search_message_truncate",
    ],
    "contacts_contact": ["search_contact_update"],
    "contacts_contactemail": ["search_email_insert", "search_email_update", "search_email_delete"],
}

# Must stay equal to migration 0001's search_documents_rebuild(ids) (a test compares the
# documents both make): the same functions, over whole tables instead of a list of ids,
# and each customer's vector made once rather than once per ticket.
PG_REBUILD = """
WITH parts AS (
    SELECT m.ticket_id, m.id, m.created_at, search_vector(m.text) AS vector
    FROM tickets_message m
    WHERE NOT m.is_automatic OR m.direction = 'in'
), sized AS (
    SELECT p.*, sum(pg_column_size(p.vector)) OVER (PARTITION BY p.ticket_id ORDER BY p.id) AS total
    FROM parts p
), messages AS (
    SELECT s.ticket_id, max(s.created_at) AS last_at, max(s.total) AS total,
           search_concat(s.vector ORDER BY s.id) FILTER (WHERE s.total <= %(budget)s) AS vector
    FROM sized s GROUP BY s.ticket_id
), addresses AS (
    SELECT e.contact_id, array_to_tsvector(array_agg('@' || lower(e.address))) AS vector
    FROM contacts_contactemail e GROUP BY e.contact_id
), customers AS (
    SELECT c.id, search_vector(c.name) || coalesce(a.vector, ''::tsvector) AS vector
    FROM contacts_contact c LEFT JOIN addresses a ON a.contact_id = c.id
)
INSERT INTO search_document (ticket_id, brand_id, active_at, bytes, document)
SELECT t.id, t.brand_id, greatest(t.created_at, m.last_at),
       CASE WHEN m.total > %(budget)s THEN %(budget)s + 1 ELSE coalesce(m.total, 0) END,
       search_vector(t.reference || ' ' || replace(t.reference, '-', ' ') || ' ' || t.subject)
       || coalesce(c.vector, ''::tsvector)
       || coalesce(m.vector, ''::tsvector)
FROM tickets_ticket t
LEFT JOIN customers c ON c.id = t.contact_id
LEFT JOIN messages m ON m.ticket_id = t.id
"""
PG_DOCUMENT_BYTES = 900_000  # as migration 0001


def rebuild(using: str = "default") -> int:
    """Index every ticket afresh, in one transaction; returns the number of documents.

    On PostgreSQL the table is emptied and its indexes dropped, the documents are made by
    one INSERT … SELECT over the tickets, messages and customers, then the indexes are
    built again and the table analysed. Writes to tickets wait meanwhile (the table is
    locked), so the triggers, if enabled, miss nothing. On SQLite the FTS5 table is filled
    by one INSERT … SELECT. Call it after a load made under `triggers_paused()`, or whenever
    the index is in doubt."""
    connection = connections[using]
    with transaction.atomic(using=using), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cursor.execute("SET LOCAL work_mem = '256MB'")
            cursor.execute("LOCK TABLE search_document IN ACCESS EXCLUSIVE MODE")
            cursor.execute(
                "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'search_document'"
                " AND indexname <> 'search_document_pkey' ORDER BY indexname"
            )
            indexes = cursor.fetchall()
            cursor.execute("TRUNCATE search_document")
            for name, _definition in indexes:
                cursor.execute(f'DROP INDEX "{name}"')
            cursor.execute(PG_REBUILD, {"budget": PG_DOCUMENT_BYTES})
            count = cursor.rowcount
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("ANALYZE search_document")
        else:
            cursor.execute("DELETE FROM search_document")
            cursor.execute(sqlite.REBUILD)
            count = cursor.rowcount
            cursor.execute("INSERT INTO search_document (search_document) VALUES ('optimize')")
    return count


def disable_triggers(using: str = "default") -> None:
    """Stop maintaining the index, for every connection, until `enable_triggers()`:
    PostgreSQL disables the triggers (ALTER TABLE … DISABLE TRIGGER, transactional like any
    DDL), SQLite drops them. Writes meanwhile are not indexed: rebuild afterwards."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        _alter_triggers(using, "DISABLE")
    else:
        sqlite.drop_triggers(connection)


def enable_triggers(using: str = "default") -> None:
    """Maintain the index again (it is not rebuilt: see `rebuild()`)."""
    connection = connections[using]
    if connection.vendor == "postgresql":
        _alter_triggers(using, "ENABLE")
    else:
        sqlite.install_triggers(connection, rebuild=False)


def _alter_triggers(using: str, verb: str) -> None:
    with transaction.atomic(using=using), connections[using].cursor() as cursor:
        for table, triggers in PG_TRIGGERS.items():
            for trigger in triggers:
                cursor.execute(f"ALTER TABLE {table} {verb} TRIGGER {trigger}")


@contextmanager
def triggers_paused(using: str = "default") -> Iterator[None]:
    """The index triggers are off inside the block and on again after it, even on error.
    The index is not rebuilt: call `rebuild()` after the block."""
    disable_triggers(using)
    try:
        yield
    finally:
        enable_triggers(using)

