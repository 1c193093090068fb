"""On PostgreSQL, reference numbers are drawn from a sequence per brand and year
(guichet/tickets/references.py): no row lock held until the creating transaction commits,
so concurrent creations for one brand no longer queue behind each other. The function
makes the sequence the first time a brand's year needs it, starting after the last number
the counter table gave. SQLite keeps the counter table (it has one writer at a time)."""

from typing import Any

from django.db import migrations

CREATE = """
CREATE OR REPLACE FUNCTION guichet_next_references(brand bigint, year integer, count integer)
RETURNS SETOF bigint LANGUAGE plpgsql AS $$
DECLARE
    seq_name text := format('tickets_reference_%s_%s', brand, year);
    start bigint;
BEGIN
    IF to_regclass(seq_name) IS NULL THEN
        SELECT coalesce(max(c.last), 0) + 1 INTO start
        FROM tickets_referencecounter c WHERE c.brand_id = brand AND c.year = guichet_next_references.year;
        BEGIN
            EXECUTE format('CREATE SEQUENCE %I START WITH %s', seq_name, start);
        EXCEPTION WHEN duplicate_table OR unique_violation THEN
            NULL;  -- another transaction made it first
        END;
    END IF;
    RETURN QUERY SELECT nextval(seq_name::regclass) FROM generate_series(1, count);
END
$$
"""

DROP = "DROP FUNCTION IF EXISTS guichet_next_references(bigint, integer, integer)"


def forwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(CREATE)  # no parameters: its % signs are format()'s


def backwards(apps: Any, schema_editor: Any) -> None:
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("tickets", "0010_priority_and_level_orders")]

    operations = [migrations.RunPython(forwards, backwards, elidable=False)]
