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
from importlib import import_module

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

# Migration 0001 made the index with this very statement (PG_BACKFILL); a test compares
# its documents with those the triggers make.
_MIGRATION = import_module("guichet.search.migrations.0001_initial")


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
            cursor.execute(_MIGRATION.PG_BACKFILL)
            count = cursor.rowcount
            for _name, definition in indexes:
                cursor.execute(definition)
            cursor.execute("ANALYZE search_document")
        else:
            cursor.execute("DELETE FROM search_document")
            cursor.execute(sqlite.REBUILD)
            cursor.execute("SELECT changes()")  # rowcount is -1 for WITH … INSERT
            count = cursor.fetchone()[0]
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
        # A table cannot be altered while checks of deferred foreign keys are pending on
        # it (rows written earlier in the same transaction): run them now, as a commit
        # would, then defer again (Django declares its foreign keys initially deferred).
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
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
