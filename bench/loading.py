"""What the benchmarks share: the one way they write rows into a model's table, their
databases (made once and labelled with what they hold, so a later run reuses them), and a
few helpers to run SQL and time the steps of a load.

The loaders fill tables with set-based SQL (`INSERT … SELECT … FROM generate_series`): a
million rows through the ORM would take hours. A hand-written INSERT names its columns,
so a NOT NULL column a migration adds later breaks it (`make bench-sla` met
`tickets_ticket.auto_acknowledge` that way). `insert_select` writes the column list from
the model instead: the loader gives SQL expressions for the columns it cares about, every
other column gets what Django gives a new instance — its default, the database's own
default (`db_default`), the moment of the insert for `auto_now`, NULL when nullable — so
a column added to a model later never breaks a loader. `make bench-smoke` runs every
loader in CI to keep it so.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from django.db import models
from django.db.models.fields import AutoFieldMixin


def insert_select(
    model: type[models.Model],
    values: Mapping[str, str],
    source: str,
    params: Mapping[str, Any] | None = None,
    *,
    with_: str = "",
    suffix: str = "",
) -> int:
    """`[WITH with_] INSERT INTO` the model's table `SELECT` one expression per column
    `FROM source [suffix]`; how many rows went in.

    `values` maps column names (`brand_id`, not `brand`) to SQL expressions; `source` is
    what follows FROM (joins, WHERE, ORDER BY); `suffix` follows it (ON CONFLICT …).
    Parameters are named (`%(now)s`: the columns come in the model's order, not the
    mapping's, so positional ones would land in the wrong place) and written into the SQL
    (`guichet.lib.bulk.literal_cursor`): a literal % is written %%. A unique column
    without a default value must be given (one default for every row would collide); so
    must a NOT NULL column whose default Django cannot tell (a number without one)."""
    from guichet.lib.bulk import literal_cursor

    meta = model._meta
    known = {field.column for field in meta.concrete_fields}
    unknown = sorted(set(values) - known)
    if unknown:
        raise ValueError(f"{meta.db_table} has no column {', '.join(unknown)}")
    with literal_cursor() as cursor:
        connection = cursor.db
        quote = connection.ops.quote_name
        columns, expressions = [], []
        for field in meta.concrete_fields:
            column = field.column
            if column in values:
                expression = values[column]
            else:
                expression = _default(model, field, connection)
                if expression is None:
                    continue  # the database fills it: a sequence, db_default or NULL
            columns.append(quote(column))
            expressions.append(expression)
        sql = (
            (f"WITH {with_} " if with_ else "")
            + f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "
            + f"SELECT {', '.join(expressions)} FROM {source}"
            + (f" {suffix}" if suffix else "")
        )
        # Always parameters (none is an empty mapping) so that %% means % in every statement.
        cursor.execute(sql, dict(params or {}))
        return cursor.rowcount


def _default(model: type[models.Model], field: Any, connection: Any) -> str | None:
    """The SQL for a column the loader did not give, or None to leave it out."""
    where = f"{model._meta.db_table}.{field.column}"
    if getattr(field, "generated", False) or isinstance(field, AutoFieldMixin):
        return None
    if field.has_default():
        value = field.get_default()
    elif field.has_db_default():
        return None
    elif getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False):
        return "now()"
    elif field.null:
        return None
    else:
        value = field.get_default()  # "" for text without a default, None for the rest
        if value is None:
            raise ValueError(f"{where} is NOT NULL without a default: give it a value")
    if field.unique:
        raise ValueError(f"{where} is unique: give each row its own value")
    return literal(field.get_db_prep_save(value, connection), connection)


def literal(value: Any, connection: Any) -> str:
    """`value` as an SQL literal of PostgreSQL (the benches run there), its % doubled
    for the parameters of the statement it goes into."""
    from psycopg.sql import Literal

    connection.ensure_connection()
    return Literal(value).as_string(connection.connection).replace("%", "%%")


def _server(url: str) -> tuple[Any, str]:
    """An autocommit connection to the PostgreSQL server of `url` (its `postgres`
    database), and the name of the database `url` names."""
    import dj_database_url
    import psycopg

    settings = dj_database_url.parse(url)
    conn = psycopg.connect(
        host=settings["HOST"] or "127.0.0.1",
        port=settings["PORT"] or 5432,
        user=settings["USER"],
        password=settings.get("PASSWORD") or None,
        dbname="postgres",
        autocommit=True,
    )
    return conn, settings["NAME"]


def ensure_database(url: str, *, fresh: bool = False, template: str | None = None) -> None:
    """Create the PostgreSQL database of `url` if it does not exist (a copy of the database
    of the URL `template` if given: nobody may be connected to that one); with `fresh`,
    drop it first (whoever is connected to it is disconnected)."""
    import dj_database_url

    conn, name = _server(url)
    with conn:
        if fresh:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if not exists:
            copy = f' TEMPLATE "{dj_database_url.parse(template)["NAME"]}"' if template else ""
            conn.execute(f'CREATE DATABASE "{name}"{copy}')


def labelled_database(url: str, label: str, *, reload: bool = False) -> bool:
    """Whether the database of `url` holds what `label` describes (the label `mark_loaded`
    gave it). If not — absent, labelled otherwise (another size, another version of the
    data), or `reload` — it is made again, empty."""
    conn, name = _server(url)
    with conn:
        if reload:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        row = conn.execute(
            "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
            [name],
        ).fetchone()
        if row is not None and row[0] == label:
            return True
        if row is not None:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        conn.execute(f'CREATE DATABASE "{name}"')
        return False


def mark_loaded(url: str, label: str) -> None:
    """Label the database of `url`: it holds what `label` describes (a comment on it)."""
    from psycopg.sql import SQL, Identifier, Literal

    conn, name = _server(url)
    with conn:
        conn.execute(SQL("COMMENT ON DATABASE {} IS {}").format(Identifier(name), Literal(label)))


@contextmanager
def step(label: str) -> Iterator[None]:
    """Print `label…`, then the seconds the block took."""
    print(f"  {label}…", end="", flush=True)
    started = time.perf_counter()
    yield
    print(f" {time.perf_counter() - started:.0f} s", flush=True)


def execute(sql: str, params: Any = None) -> int:
    """Run one statement on the default database (parameters written into it); the rows
    it touched."""
    from guichet.lib.bulk import literal_cursor

    with literal_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.rowcount


def rows(sql: str, params: Any = None) -> list[tuple[Any, ...]]:
    from guichet.lib.bulk import literal_cursor

    with literal_cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def scalar_row(sql: str, params: Any = None) -> Any:
    found = rows(sql, params)
    return found[0] if found else None


def scalar(sql: str, params: Any = None) -> Any:
    row = scalar_row(sql, params)
    return row[0] if row else None
