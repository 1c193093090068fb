# SQL is assembled from the constants below; it takes no input.
# ruff: noqa: S608
"""The search index: one document per ticket, kept current by the database itself.

A ticket's document holds its reference, subject, customer (name and email addresses) and
the text of its messages (customer messages, replies and internal notes; not the letters
the system sends by itself). Triggers on the source tables keep it current, so every write
path — the services, Django's bulk_create, raw SQL, the admin — updates it in the same
transaction.

- PostgreSQL: a table `search_document` (ticket id, brand, last activity, a tsvector with
  French and English lexemes) with a GIN index, and PL/pgSQL triggers.
- SQLite: an FTS5 table `search_document` (rowid = ticket id, unicode61 tokenizer without
  diacritics, prefix indexes) and SQL triggers.

Each operation does nothing on the other backend. The SQL is written out here, frozen with
the migration; `guichet/search/queries.py` calls the functions it creates. See
docs/search.md.
"""

from __future__ import annotations

from typing import Any

from django.db import migrations

# The first MESSAGE_CHARS characters of a message are indexed (the new text of an email is
# at its top; what follows is mostly quoted history). A ticket's messages are indexed in
# order until they reach the ticket's budget; later ones are not (the document of a
# PostgreSQL row cannot exceed 1 MB, and SQLite rewrites a ticket's row on each message).
MESSAGE_CHARS = 20_000
PG_DOCUMENT_BYTES = 900_000
SQLITE_DOCUMENT_CHARS = 100_000

# Messages the system wrote by itself (acknowledgements, delay letters) are the same
# template on every ticket: indexing them would make their words match everything.
INDEXED = "(NOT {m}.is_automatic OR {m}.direction = 'in')"

# --- PostgreSQL ---------------------------------------------------------------------------

# Accents are folded by the `unaccent` extension (shipped with PostgreSQL; trusted, so the
# owner of the database may create it): a trie walk per character, where translate() with
# a table of accented letters took 0.8 ms per message. It folds ligatures too ("cœur" gives
# "coeur"). guichet/search/queries.py folds the same way in Python, for snippets.
PG_EXTENSION = "CREATE EXTENSION IF NOT EXISTS unaccent"
UNACCENT = "unaccent('unaccent'::regdictionary, {text})"

# French lexemes are stemmed from the text as written (the French stemmer needs its
# accents: "abîmée" gives "abîm") and then folded one by one ("abim"); English lexemes are
# stemmed from the folded text. A query's words go through the same two paths, so a word
# typed with or without its accents finds the same documents. Without positions: matching
# needs none, and the document is half the size. guichet.search.maintenance writes the
# same expression out inline for its rebuild (a function call costs as much as the work).
FRENCH_LEXEMES = (
    "array_remove(ARRAY(SELECT nullif(" + UNACCENT.format(text="l") + ", '')"
    " FROM unnest(tsvector_to_array(to_tsvector('french'::regconfig, {text}))) AS l), NULL)"
)
VECTOR = (
    "array_to_tsvector(" + FRENCH_LEXEMES + ")"
    " || strip(to_tsvector('english'::regconfig, " + UNACCENT + "))"
)

PG_VECTOR = f"""
CREATE FUNCTION search_vector(body text) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    SELECT {VECTOR.format(text=f"left(body, {MESSAGE_CHARS})")}
$$
"""

# A word's French lexemes are ANDed into a tsquery written out as text: each lexeme quoted,
# its quotes doubled and its backslashes escaped, so that it reads back as itself.
PG_TERM_QUERY = f"""
CREATE FUNCTION search_term_query(term text) RETURNS tsquery
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
    -- One word as the user typed it: its French lexemes, or its English lexemes, or (when
    -- it could be the start of an email address) the prefix of one.
    SELECT CASE WHEN lower(term) ~ '^[a-z0-9._%+@-]{{3,}}$'
                THEN w.words || ('''@' || lower(term) || ''':*')::tsquery
                ELSE w.words END
    FROM (SELECT coalesce((SELECT string_agg('''' || replace(replace(f, '\\', '\\\\'), '''', '''''')
                                             || '''', ' & ')
                           FROM unnest({FRENCH_LEXEMES.format(text="term")}) AS f),
                          '')::tsquery
                 || plainto_tsquery('english'::regconfig, {UNACCENT.format(text="term")})
                 AS words) w
$$
"""

# Email addresses are whole lexemes marked with "@" (the parser never makes a lexeme that
# starts with it), so the start of an address is a prefix query on them alone.
PG_CUSTOMER_VECTOR = """
CREATE FUNCTION search_customer_vector(contact bigint) RETURNS tsvector
LANGUAGE sql STABLE PARALLEL SAFE AS $$
    SELECT coalesce((SELECT search_vector(c.name) FROM contacts_contact c WHERE c.id = contact),
                    ''::tsvector)
        || coalesce((SELECT array_to_tsvector(array_agg('@' || lower(e.address)))
                     FROM contacts_contactemail e WHERE e.contact_id = contact),
                    ''::tsvector)
$$
"""

PG_CONCAT = """
CREATE AGGREGATE search_concat(tsvector) (SFUNC = tsvector_concat, STYPE = tsvector, INITCOND = '')
"""

PG_TABLE = """
CREATE TABLE search_document (
    ticket_id bigint PRIMARY KEY,
    brand_id bigint NOT NULL,
    -- The ticket's last indexed message (or its opening): the most recent come first.
    active_at timestamptz NOT NULL,
    -- Size of the messages' vectors in the document; over the budget once one did not fit.
    bytes integer NOT NULL,
    -- For ranking: the words of the reference and subject, and of the customer.
    subject tsvector NOT NULL,
    customer tsvector NOT NULL,
    -- Everything: subject || customer || the messages' vectors.
    document tsvector NOT NULL
)
"""

# The words, and the most recent documents overall and per brand (guichet/search/queries.py
# walks the latter for common words).
PG_INDEXES = [
    "CREATE INDEX search_document_words ON search_document USING gin (document)",
    "CREATE INDEX search_document_recent ON search_document (active_at DESC)",
    "CREATE INDEX search_document_brand_recent ON search_document (brand_id, active_at DESC)",
]

PG_REBUILD = f"""
CREATE FUNCTION search_documents_rebuild(ids bigint[]) RETURNS void
LANGUAGE sql AS $$
    DELETE FROM search_document d
    WHERE d.ticket_id = ANY(ids) AND NOT EXISTS (SELECT FROM tickets_ticket t WHERE t.id = d.ticket_id);

    WITH parts AS MATERIALIZED (  -- materialized: each vector is made once
        SELECT m.ticket_id, m.id, m.created_at, search_vector(m.text) AS vector
        FROM tickets_message m
        WHERE m.ticket_id = ANY(ids) AND {INDEXED.format(m="m")}
    ), sized AS (
        SELECT p.*, sum(pg_column_size(p.vector)) OVER (PARTITION BY p.ticket_id ORDER BY p.id) AS total
        FROM parts p
    ), messages AS (
        SELECT s.ticket_id, max(s.created_at) AS last_at, max(s.total) AS total,
               search_concat(s.vector ORDER BY s.id) FILTER (WHERE s.total <= {PG_DOCUMENT_BYTES}) AS vector
        FROM sized s GROUP BY s.ticket_id
    )
    INSERT INTO search_document AS d (ticket_id, brand_id, active_at, bytes, subject, customer, document)
    SELECT t.id, t.brand_id, greatest(t.created_at, m.last_at),
           CASE WHEN m.total > {PG_DOCUMENT_BYTES} THEN {PG_DOCUMENT_BYTES + 1} ELSE coalesce(m.total, 0) END,
           v.subject, v.customer, v.subject || v.customer || coalesce(m.vector, ''::tsvector)
    FROM tickets_ticket t
    LEFT JOIN messages m ON m.ticket_id = t.id
    CROSS JOIN LATERAL (
        SELECT search_vector(t.reference || ' ' || replace(t.reference, '-', ' ') || ' ' || t.subject) AS subject,
               search_customer_vector(t.contact_id) AS customer
        OFFSET 0  -- each vector made once
    ) v
    WHERE t.id = ANY(ids)
    ON CONFLICT (ticket_id) DO UPDATE
    SET brand_id = excluded.brand_id, active_at = excluded.active_at, bytes = excluded.bytes,
        subject = excluded.subject, customer = excluded.customer, document = excluded.document;
$$
"""

PG_MESSAGE_INSERTED = f"""
CREATE FUNCTION search_message_inserted() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    vector tsvector := search_vector(NEW.text);
    size integer := pg_column_size(vector);
BEGIN
    -- Appending is all a new message needs. Once a message does not fit, the ticket is
    -- full: later ones are not indexed either (as search_documents_rebuild does).
    UPDATE search_document d
    SET document = CASE WHEN d.bytes + size <= {PG_DOCUMENT_BYTES} THEN d.document || vector ELSE d.document END,
        bytes = CASE WHEN d.bytes + size <= {PG_DOCUMENT_BYTES} THEN d.bytes + size ELSE {PG_DOCUMENT_BYTES + 1} END,
        active_at = greatest(d.active_at, NEW.created_at)
    WHERE d.ticket_id = NEW.ticket_id;
    -- No row: the ticket is inserted later in this transaction (foreign keys are checked at
    -- commit), and its own trigger indexes this message then.
    RETURN NULL;
END
$$
"""

PG_TRIGGER_FUNCTIONS = {
    # Statement-level triggers see every row of a bulk insert, update or delete at once.
    "search_tickets_inserted": "PERFORM search_documents_rebuild(ARRAY(SELECT id FROM new_rows));",
    "search_tickets_changed": "PERFORM search_documents_rebuild(ARRAY[NEW.id]);",
    "search_tickets_deleted": (
        "DELETE FROM search_document WHERE ticket_id IN (SELECT id FROM old_rows);"
    ),
    "search_tickets_truncated": "TRUNCATE search_document;",
    "search_messages_changed": f"""
        PERFORM search_documents_rebuild(ARRAY(
            SELECT o.ticket_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.text, o.ticket_id, o.is_automatic, o.direction)
                  IS DISTINCT FROM (n.text, n.ticket_id, n.is_automatic, n.direction)
              AND ({INDEXED.format(m="o")} OR {INDEXED.format(m="n")})
            UNION
            SELECT n.ticket_id FROM old_rows o JOIN new_rows n ON n.id = o.id
            WHERE (o.text, o.ticket_id, o.is_automatic, o.direction)
                  IS DISTINCT FROM (n.text, n.ticket_id, n.is_automatic, n.direction)
              AND ({INDEXED.format(m="o")} OR {INDEXED.format(m="n")})
        ));""",
    "search_messages_deleted": f"""
        PERFORM search_documents_rebuild(ARRAY(
            SELECT DISTINCT o.ticket_id FROM old_rows o WHERE {INDEXED.format(m="o")}
        ));""",
    "search_messages_truncated": (
        "PERFORM search_documents_rebuild(ARRAY(SELECT id FROM tickets_ticket));"
    ),
    "search_contact_renamed": (
        "PERFORM search_documents_rebuild(ARRAY("
        "SELECT t.id FROM tickets_ticket t WHERE t.contact_id = NEW.id));"
    ),
    "search_emails_inserted": (
        "PERFORM search_documents_rebuild(ARRAY("
        "SELECT t.id FROM tickets_ticket t WHERE t.contact_id IN (SELECT contact_id FROM new_rows)));"
    ),
    "search_emails_changed": (
        "PERFORM search_documents_rebuild(ARRAY("
        "SELECT t.id FROM tickets_ticket t WHERE t.contact_id IN "
        "(SELECT contact_id FROM new_rows UNION SELECT contact_id FROM old_rows)));"
    ),
    "search_emails_deleted": (
        "PERFORM search_documents_rebuild(ARRAY("
        "SELECT t.id FROM tickets_ticket t WHERE t.contact_id IN (SELECT contact_id FROM old_rows)));"
    ),
}

PG_TRIGGERS = [
    """CREATE TRIGGER search_ticket_insert AFTER INSERT ON tickets_ticket
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_tickets_inserted()""",
    # Tickets change all the time (status, deadlines, revision); only these columns matter.
    """CREATE TRIGGER search_ticket_update AFTER UPDATE ON tickets_ticket
       FOR EACH ROW WHEN (OLD.reference IS DISTINCT FROM NEW.reference
                          OR OLD.subject IS DISTINCT FROM NEW.subject
                          OR OLD.contact_id IS DISTINCT FROM NEW.contact_id
                          OR OLD.brand_id IS DISTINCT FROM NEW.brand_id)
       EXECUTE FUNCTION search_tickets_changed()""",
    """CREATE TRIGGER search_ticket_delete AFTER DELETE ON tickets_ticket
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_tickets_deleted()""",
    # Django's flush (transactional tests) truncates tables; the documents go with them.
    """CREATE TRIGGER search_ticket_truncate AFTER TRUNCATE ON tickets_ticket
       FOR EACH STATEMENT EXECUTE FUNCTION search_tickets_truncated()""",
    f"""CREATE TRIGGER search_message_insert AFTER INSERT ON tickets_message
       FOR EACH ROW WHEN {INDEXED.format(m="NEW")}
       EXECUTE FUNCTION search_message_inserted()""",
    """CREATE TRIGGER search_message_update AFTER UPDATE ON tickets_message
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_messages_changed()""",
    """CREATE TRIGGER search_message_delete AFTER DELETE ON tickets_message
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_messages_deleted()""",
    """CREATE TRIGGER search_message_truncate AFTER TRUNCATE ON tickets_message
       FOR EACH STATEMENT EXECUTE FUNCTION search_messages_truncated()""",
    """CREATE TRIGGER search_contact_update AFTER UPDATE ON contacts_contact
       FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name)
       EXECUTE FUNCTION search_contact_renamed()""",
    """CREATE TRIGGER search_email_insert AFTER INSERT ON contacts_contactemail
       REFERENCING NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_emails_inserted()""",
    """CREATE TRIGGER search_email_update AFTER UPDATE ON contacts_contactemail
       REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_emails_changed()""",
    """CREATE TRIGGER search_email_delete AFTER DELETE ON contacts_contactemail
       REFERENCING OLD TABLE AS old_rows
       FOR EACH STATEMENT EXECUTE FUNCTION search_emails_deleted()""",
]

PG_TRIGGER_TABLES = {
    "search_ticket_insert": "tickets_ticket",
    "search_ticket_update": "tickets_ticket",
    "search_ticket_delete": "tickets_ticket",
    "search_ticket_truncate": "tickets_ticket",
    "search_message_insert": "tickets_message",
    "search_message_update": "tickets_message",
    "search_message_delete": "tickets_message",
    "search_message_truncate": "tickets_message",
    "search_contact_update": "contacts_contact",
    "search_email_insert": "contacts_contactemail",
    "search_email_update": "contacts_contactemail",
    "search_email_delete": "contacts_contactemail",
}


def _inline_vector(text: str) -> str:
    return VECTOR.format(text=f"left({text}, {MESSAGE_CHARS})")


# Every ticket's document at once (this migration, guichet.search.maintenance.rebuild):
# the documents of search_documents_rebuild(ids), over whole tables instead of a list of
# ids, each customer's vector made once rather than once per ticket, and search_vector()
# written out inline (calling the function costs as much as its work).
PG_BACKFILL = f"""
WITH parts AS (
    SELECT m.ticket_id, m.id, m.created_at, v.vector, pg_column_size(v.vector) AS size
    FROM tickets_message m
    CROSS JOIN LATERAL (SELECT {_inline_vector("m.text")} AS vector OFFSET 0) v  -- made once
    WHERE {INDEXED.format(m="m")}
), sized AS (
    SELECT p.*, sum(p.size) OVER (PARTITION BY p.ticket_id ORDER BY p.id) AS total
    FROM parts p
), messages AS (
    SELECT s.ticket_id, max(s.created_at) AS last_at, max(s.total) AS total,
           search_concat(s.vector ORDER BY s.id) FILTER (WHERE s.total <= {PG_DOCUMENT_BYTES}) AS vector
    FROM sized s GROUP BY s.ticket_id
), addresses AS (
    SELECT e.contact_id, array_to_tsvector(array_agg('@' || lower(e.address))) AS vector
    FROM contacts_contactemail e GROUP BY e.contact_id
), customers AS MATERIALIZED (  -- materialized: each vector is made once
    SELECT c.id, {_inline_vector("c.name")} || coalesce(a.vector, ''::tsvector) AS vector
    FROM contacts_contact c LEFT JOIN addresses a ON a.contact_id = c.id
)
INSERT INTO search_document (ticket_id, brand_id, active_at, bytes, subject, customer, document)
SELECT t.id, t.brand_id, greatest(t.created_at, m.last_at),
       CASE WHEN m.total > {PG_DOCUMENT_BYTES} THEN {PG_DOCUMENT_BYTES + 1} ELSE coalesce(m.total, 0) END,
       v.subject, coalesce(c.vector, ''::tsvector),
       v.subject || coalesce(c.vector, ''::tsvector) || coalesce(m.vector, ''::tsvector)
FROM tickets_ticket t
LEFT JOIN messages m ON m.ticket_id = t.id
LEFT JOIN customers c ON c.id = t.contact_id
CROSS JOIN LATERAL (
    SELECT {_inline_vector("t.reference || ' ' || replace(t.reference, '-', ' ') || ' ' || t.subject")}
               AS subject
    OFFSET 0  -- made once
) v
"""


def pg_trigger_function(name: str, body: str) -> str:
    return (
        f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$\n"
        f"BEGIN\n    {body.strip()}\n    RETURN NULL;\nEND\n$$"
    )


def pg_forwards(cursor: Any) -> None:
    for sql in [
        PG_EXTENSION,
        PG_VECTOR,
        PG_TERM_QUERY,
        PG_CUSTOMER_VECTOR,
        PG_CONCAT,
        PG_TABLE,
    ]:
        cursor.execute(sql)
    cursor.execute(PG_REBUILD)
    # Existing tickets first, in batches (a large desk has a million of them), then the
    # indexes (faster to build once than to maintain row by row) and the triggers.
    # Existing tickets first, in one statement, then the indexes (faster to build once
    # than to maintain row by row) and the triggers.
    cursor.execute(PG_BACKFILL)
    for sql in PG_INDEXES:
        cursor.execute(sql)
    cursor.execute("ANALYZE search_document")
    cursor.execute(PG_MESSAGE_INSERTED)
    for name, body in PG_TRIGGER_FUNCTIONS.items():
        cursor.execute(pg_trigger_function(name, body))
    for sql in PG_TRIGGERS:
        cursor.execute(sql)


def pg_backwards(cursor: Any) -> None:
    for trigger, table in PG_TRIGGER_TABLES.items():
        cursor.execute(f"DROP TRIGGER IF EXISTS {trigger} ON {table}")
    for name in [*PG_TRIGGER_FUNCTIONS, "search_message_inserted"]:
        cursor.execute(f"DROP FUNCTION IF EXISTS {name}()")
    cursor.execute("DROP FUNCTION IF EXISTS search_documents_rebuild(bigint[])")
    cursor.execute("DROP TABLE IF EXISTS search_document")
    cursor.execute("DROP AGGREGATE IF EXISTS search_concat(tsvector)")
    cursor.execute("DROP FUNCTION IF EXISTS search_customer_vector(bigint)")
    cursor.execute("DROP FUNCTION IF EXISTS search_term_query(text)")
    cursor.execute("DROP FUNCTION IF EXISTS search_vector(text)")
    # The unaccent extension stays: other code may use it.


# --- SQLite -------------------------------------------------------------------------------

# Only the table: its triggers are installed after every `migrate` by
# guichet.search.sqlite (a later migration that alters a ticket or contact table makes
# SQLite copy, drop and rename it, which drops the triggers on it and refuses to rename
# while triggers elsewhere name the dropped table). The same step fills the table.
SQLITE_TABLE = """
CREATE VIRTUAL TABLE search_document USING fts5(
    reference, subject, customer, messages,
    brand_id UNINDEXED, active_at UNINDEXED, size UNINDEXED,
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
)
"""


def sqlite_forwards(cursor: Any) -> None:
    cursor.execute(SQLITE_TABLE)


def sqlite_backwards(cursor: Any) -> None:
    cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name GLOB 'search_*'")
    for (name,) in cursor.fetchall():
        cursor.execute(f'DROP TRIGGER IF EXISTS "{name}"')
    cursor.execute("DROP TABLE IF EXISTS search_document")


def forwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            pg_forwards(cursor)
        elif vendor == "sqlite":
            sqlite_forwards(cursor)


def backwards(apps: Any, schema_editor: Any) -> None:
    vendor = schema_editor.connection.vendor
    with schema_editor.connection.cursor() as cursor:
        if vendor == "postgresql":
            pg_backwards(cursor)
        elif vendor == "sqlite":
            sqlite_backwards(cursor)


class Migration(migrations.Migration):
    dependencies = [
        ("tickets", "0005_messagereference"),
        ("contacts", "0002_contact_blocks"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
