# Trigger SQL is assembled from constants and column names; it takes no input.
# ruff: noqa: S608
"""The SQLite half of the search index: the triggers that keep `search_document` (an FTS5
table made by migration 0001, one row per ticket, rowid = ticket id) current.

They are installed after every `migrate`, not by the migration: to alter a table, Django
makes SQLite copy it, drop it and rename the copy, which drops the triggers on the table
and fails while a trigger elsewhere names the dropped one. So `pre_migrate` removes them,
and `post_migrate` puts them back and, when migrations ran (writes made meanwhile went
unindexed), rebuilds the table. See docs/search.md.
"""

from __future__ import annotations

from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper

# The first MESSAGE_CHARS characters of a message are indexed (the new text of an email is
# at its top; what follows is mostly quoted history). A ticket's messages are indexed in
# order until DOCUMENT_CHARS; later ones are not (each message rewrites the ticket's row).
MESSAGE_CHARS = 20_000
DOCUMENT_CHARS = 100_000

# Letters the system wrote by itself (acknowledgements, delay letters) are the same template
# on every ticket: indexing them would make their words match every ticket.
INDEXED = "(NOT {m}.is_automatic OR {m}.direction = 'in')"


def _customer(contact: str) -> str:
    """The customer's name and addresses (in the order they were added), as one text."""
    addresses = (
        "SELECT group_concat(e.address, ' ') FROM (SELECT address FROM contacts_contactemail"
        " WHERE contact_id = c.id ORDER BY id) e"
    )
    return (
        f"(SELECT c.name || ' ' || coalesce(({addresses}), '')"
        f" FROM contacts_contact c WHERE c.id = {contact})"
    )


def _messages(ticket: str, created_at: str) -> str:
    """(messages, size, active_at) of a ticket: its messages in the order they were inserted
    (as the insert trigger appends them) until the first that does not fit (NULL when there
    are none), their size (over DOCUMENT_CHARS once one did not fit) and the time of the
    last one."""
    return f"""
    SELECT group_concat(CASE WHEN p.total <= {DOCUMENT_CHARS} THEN p.part END,
                        char(10)) AS messages,
           CASE WHEN max(p.total) > {DOCUMENT_CHARS} THEN {DOCUMENT_CHARS + 1}
                ELSE coalesce(max(p.total), 0) END AS size,
           max(coalesce({created_at}, ''), coalesce(max(p.created_at), '')) AS active_at
    FROM (SELECT substr(m.text, 1, {MESSAGE_CHARS}) AS part, m.created_at,
                 sum(min(length(m.text), {MESSAGE_CHARS})) OVER (ORDER BY m.id) AS total
          FROM tickets_message m
          WHERE m.ticket_id = {ticket} AND {INDEXED.format(m="m")}
          ORDER BY m.id) p
    """


def _insert_documents(where: str) -> str:
    # Three scalar subqueries (SQLite has no lateral join). A new ticket has no messages
    # yet, unless they were inserted first (foreign keys are only checked at commit).
    messages = _messages("t.id", "t.created_at")
    return f"""
    INSERT INTO search_document (rowid, reference, subject, customer, brand_id,
                                 messages, size, active_at)
    SELECT t.id, t.reference, t.subject, {_customer("t.contact_id")}, t.brand_id,
           (SELECT x.messages FROM ({messages}) AS x),
           (SELECT x.size FROM ({messages}) AS x),
           (SELECT x.active_at FROM ({messages}) AS x)
    FROM tickets_ticket t WHERE {where}
    """


def _refresh_messages(where: str) -> str:
    created_at = "(SELECT t.created_at FROM tickets_ticket t WHERE t.id = search_document.rowid)"
    return f"""
    UPDATE search_document
    SET (messages, size, active_at) = ({_messages("search_document.rowid", created_at)})
    WHERE {where}
    """


def _refresh_customer(contact: str) -> str:
    return f"""
    UPDATE search_document SET customer = {_customer(contact)}
    WHERE rowid IN (SELECT t.id FROM tickets_ticket t WHERE t.contact_id = {contact})
    """


def _trigger(event: str, when: str, *statements: str) -> str:
    condition = f"\nWHEN {when}" if when else ""
    body = ";\n".join(statement.strip() for statement in statements)
    return f"AFTER {event}{condition}\nBEGIN\n{body};\nEND"


_APPEND_FITS = f"size + min(length(NEW.text), {MESSAGE_CHARS}) <= {DOCUMENT_CHARS}"

TRIGGERS = {
    "search_ticket_insert": _trigger(
        "INSERT ON tickets_ticket", "", _insert_documents("t.id = NEW.id")
    ),
    # Tickets change all the time (status, deadlines, revision); only these columns matter.
    "search_ticket_update": _trigger(
        "UPDATE ON tickets_ticket",
        "OLD.reference IS NOT NEW.reference OR OLD.subject IS NOT NEW.subject"
        " OR OLD.contact_id IS NOT NEW.contact_id OR OLD.brand_id IS NOT NEW.brand_id",
        f"""UPDATE search_document SET reference = NEW.reference, subject = NEW.subject,
            customer = {_customer("NEW.contact_id")}, brand_id = NEW.brand_id
            WHERE rowid = NEW.id""",
    ),
    "search_ticket_delete": _trigger(
        "DELETE ON tickets_ticket", "", "DELETE FROM search_document WHERE rowid = OLD.id"
    ),
    # A new message is appended; once one does not fit, the ticket is full (later messages
    # are not indexed either, exactly as _messages rebuilds it).
    "search_message_insert": _trigger(
        "INSERT ON tickets_message",
        INDEXED.format(m="NEW"),
        f"""UPDATE search_document
            SET messages = CASE WHEN {_APPEND_FITS}
                                THEN iif(messages IS NULL, '', messages || char(10))
                                     || substr(NEW.text, 1, {MESSAGE_CHARS})
                                ELSE messages END,
                size = CASE WHEN {_APPEND_FITS}
                            THEN size + min(length(NEW.text), {MESSAGE_CHARS})
                            ELSE {DOCUMENT_CHARS + 1} END,
                active_at = max(active_at, NEW.created_at)
            WHERE rowid = NEW.ticket_id""",
    ),
    # Redacted, moved to another ticket (merge, split) or deleted: the ticket is rebuilt.
    "search_message_update": _trigger(
        "UPDATE ON tickets_message",
        "OLD.text IS NOT NEW.text OR OLD.ticket_id IS NOT NEW.ticket_id"
        " OR OLD.is_automatic IS NOT NEW.is_automatic OR OLD.direction IS NOT NEW.direction",
        _refresh_messages("rowid IN (OLD.ticket_id, NEW.ticket_id)"),
    ),
    "search_message_delete": _trigger(
        "DELETE ON tickets_message",
        INDEXED.format(m="OLD"),
        _refresh_messages("rowid = OLD.ticket_id"),
    ),
    "search_contact_update": _trigger(
        "UPDATE ON contacts_contact", "OLD.name IS NOT NEW.name", _refresh_customer("NEW.id")
    ),
    "search_email_insert": _trigger(
        "INSERT ON contacts_contactemail", "", _refresh_customer("NEW.contact_id")
    ),
    "search_email_update": _trigger(
        "UPDATE ON contacts_contactemail",
        "OLD.address IS NOT NEW.address OR OLD.contact_id IS NOT NEW.contact_id",
        _refresh_customer("OLD.contact_id"),
        _refresh_customer("NEW.contact_id"),
    ),
    "search_email_delete": _trigger(
        "DELETE ON contacts_contactemail", "", _refresh_customer("OLD.contact_id")
    ),
}


# The whole index at once (guichet.search.maintenance.rebuild): the same documents as the
# triggers make, from one pass over each table instead of subqueries per ticket.
REBUILD = f"""
WITH parts AS (
    SELECT m.ticket_id, m.id, m.created_at, substr(m.text, 1, {MESSAGE_CHARS}) AS part,
           sum(min(length(m.text), {MESSAGE_CHARS}))
               OVER (PARTITION BY m.ticket_id ORDER BY m.id) AS total
    FROM tickets_message m WHERE {INDEXED.format(m="m")}
), messages AS (
    SELECT p.ticket_id,
           group_concat(CASE WHEN p.total <= {DOCUMENT_CHARS} THEN p.part END, char(10))
               AS messages,
           CASE WHEN max(p.total) > {DOCUMENT_CHARS} THEN {DOCUMENT_CHARS + 1}
                ELSE max(p.total) END AS size,
           max(p.created_at) AS last_at
    FROM (SELECT * FROM parts ORDER BY ticket_id, id) p GROUP BY p.ticket_id
), addresses AS (
    SELECT e.contact_id, group_concat(e.address, ' ') AS addresses
    FROM (SELECT contact_id, address FROM contacts_contactemail ORDER BY contact_id, id) e
    GROUP BY e.contact_id
)
INSERT INTO search_document (rowid, reference, subject, customer, brand_id,
                             messages, size, active_at)
SELECT t.id, t.reference, t.subject, c.name || ' ' || coalesce(a.addresses, ''), t.brand_id,
       m.messages, coalesce(m.size, 0), max(coalesce(t.created_at, ''), coalesce(m.last_at, ''))
FROM tickets_ticket t
JOIN contacts_contact c ON c.id = t.contact_id
LEFT JOIN addresses a ON a.contact_id = t.contact_id
LEFT JOIN messages m ON m.ticket_id = t.id
"""


def _has_index(cursor: Any) -> bool:
    cursor.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'search_document'")
    return cursor.fetchone() is not None


def drop_triggers(connection: BaseDatabaseWrapper) -> None:
    with connection.cursor() as cursor:
        for name in TRIGGERS:
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")


def install_triggers(connection: BaseDatabaseWrapper, *, rebuild: bool) -> None:
    """Create the triggers (replacing older versions) and, with `rebuild`, index every
    ticket afresh. Does nothing until migration 0001 has made the table."""
    with connection.cursor() as cursor:
        if not _has_index(cursor):
            return
        for name, definition in TRIGGERS.items():
            cursor.execute(f"DROP TRIGGER IF EXISTS {name}")
            cursor.execute(f"CREATE TRIGGER {name} {definition}")
        if rebuild:
            cursor.execute("DELETE FROM search_document")
            cursor.execute(REBUILD)


def pre_migrate(using: str, plan: Any = None, **kwargs: Any) -> None:
    from django.db import connections

    connection = connections[using]
    if connection.vendor == "sqlite" and plan:
        drop_triggers(connection)


def post_migrate(using: str, plan: Any = None, **kwargs: Any) -> None:
    """Put the triggers back; rebuild the index when migrations ran (they ran without
    triggers). `flush` (transactional tests) sends post_migrate without a plan."""
    from django.db import connections, transaction

    connection = connections[using]
    if connection.vendor == "sqlite":
        # One transaction: no write from another process falls between the old triggers
        # and the new ones, or between the rebuild and the triggers.
        with transaction.atomic(using=using):
            install_triggers(connection, rebuild=bool(plan))
