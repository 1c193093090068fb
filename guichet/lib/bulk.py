"""Writing many rows in few statements. Saving chosen fields: one prepared UPDATE … WHERE
pk = %s, run for each row (`executemany`) — Django's bulk_update builds a CASE per column
and row, which costs more than the statements it saves when rows are few or fields many.
Inserting rows nobody reads the ids of: `insert_all`."""

from __future__ import annotations

import functools
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from django.db import models, transaction


def save_fields(rows: Iterable[tuple[models.Model, Sequence[str]]]) -> None:
    """Save each (instance, field names); instances with the same fields share a statement."""
    groups: dict[tuple[type[models.Model], tuple[str, ...]], list[models.Model]] = defaultdict(list)
    for instance, names in rows:
        if names:
            groups[(type(instance), tuple(sorted(set(names))))].append(instance)
    for (model, names), instances in groups.items():
        update(model, instances, names)


def update(
    model: type[models.Model], instances: Sequence[models.Model], names: Sequence[str]
) -> None:
    if not instances:
        return
    connection = transaction.get_connection()
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [meta.get_field(name) for name in names]
    assert meta.pk is not None
    # Identifiers from the model's own metadata, quoted; the values go as parameters.
    sql = "UPDATE {} SET {} WHERE {} = %s".format(  # noqa: S608
        quote(meta.db_table),
        ", ".join(f"{quote(field.column)} = %s" for field in fields),  # type: ignore[union-attr]
        quote(meta.pk.column),
    )
    params = [
        [
            field.get_db_prep_save(getattr(instance, field.attname), connection)  # type: ignore[union-attr]
            for field in fields
        ]
        + [instance.pk]
        for instance in instances
    ]
    with connection.cursor() as cursor:
        if len(params) == 1:
            cursor.execute(sql, params[0])
        else:
            cursor.executemany(sql, params)


# Rows of several tables go in one statement up to this many parameters (PostgreSQL takes
# 65,535 in a statement); beyond, each table's statement is run for each row (executemany).
_ONE_STATEMENT_PARAMETERS = 1000


def insert_all(rows: Mapping[type[models.Model], Sequence[models.Model]]) -> None:
    """INSERT new rows of one or several models, whose ids nobody reads back.

    On PostgreSQL, a few rows of several tables go in one statement — one round trip — each
    table's INSERT but the last in a WITH clause (`WITH a AS (INSERT …), b AS (INSERT …)
    INSERT …`): the hot path writes a handful of rows in three tables at each opening.
    Otherwise, and for many rows, each model's prepared statement is run for each row
    (`executemany`) — cheaper than bulk_create's statement, built anew for every batch."""
    groups = [(model, instances) for model, instances in rows.items() if instances]
    if not groups:
        return
    connection = transaction.get_connection()
    built = [(_insert_sql(connection, model), model, instances) for model, instances in groups]
    size = sum(len(fields) * len(instances) for (_sql, fields), _model, instances in built)
    with connection.cursor() as cursor:
        if (
            connection.vendor == "postgresql"
            and len(groups) > 1
            and size <= _ONE_STATEMENT_PARAMETERS
        ):
            statements, params = [], []
            for (sql, fields), _model, instances in built:
                row = f"({', '.join(['%s'] * len(fields))})"
                statements.append(f"{sql} VALUES {', '.join([row] * len(instances))}")
                for instance in instances:
                    params.extend(_values(connection, fields, instance))
            *first, last = statements
            heads = ", ".join(f"inserted_{n} AS ({text})" for n, text in enumerate(first))
            cursor.execute(f"WITH {heads} {last}", params)
            return
        for (sql, fields), _model, instances in built:
            one = f"{sql} VALUES ({', '.join(['%s'] * len(fields))})"
            values = [_values(connection, fields, instance) for instance in instances]
            if len(values) == 1:
                cursor.execute(one, values[0])
            else:
                cursor.executemany(one, values)


def _insert_sql(connection: Any, model: type[models.Model]) -> tuple[str, list[Any]]:
    """`INSERT INTO table (columns)` for every column but the id, and those fields."""
    quote = connection.ops.quote_name
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    sql = "INSERT INTO {} ({})".format(
        quote(meta.db_table), ", ".join(quote(field.column) for field in fields)
    )
    return sql, fields


def _values(connection: Any, fields: Sequence[Any], instance: models.Model) -> list[Any]:
    return [
        field.get_db_prep_save(getattr(instance, field.attname), connection) for field in fields
    ]


def delete_in_batches(
    queryset: models.QuerySet[Any],
    *,
    batch: int,
    after_commit: Callable[[list[Any]], None] | None = None,
    keep: str = "pk",
) -> int:
    """Delete the rows of `queryset` (with what cascades from them), `batch` at a time,
    each batch locked and deleted in its own short transaction (no statement holds locks
    for long). `after_commit` gets each batch's values of the field `keep` once its
    transaction committed (files to remove, say). Returns how many rows went."""
    done = 0
    while True:
        with transaction.atomic():
            rows = list(queryset.select_for_update().order_by("pk").values_list("pk", keep)[:batch])
            queryset.model.objects.filter(pk__in=[pk for pk, _kept in rows]).delete()
            if after_commit is not None and rows:
                kept = [value for _pk, value in rows]
                transaction.on_commit(functools.partial(after_commit, kept))
        done += len(rows)
        if len(rows) < batch:
            return done


@contextmanager
def literal_parameters(connection: Any = None) -> Iterator[None]:
    """Statements run inside get their parameters written into the SQL text (psycopg's
    client-side binding) on PostgreSQL, for hand-written set-based SQL the server could not
    type parameters of (`generate_series(%s, %s)`, `EXPLAIN … %s`): the production
    connections may bind them apart (`GUICHET_DB_PREPARED_STATEMENTS`). `connection`:
    Django's default one unless given."""
    if connection is None:
        from django.db import connection
    if connection.vendor != "postgresql":
        yield
        return
    from psycopg import ClientCursor

    def inline(execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        if many or params is None:
            return execute(sql, params, many, context)
        text = ClientCursor(context["connection"].connection).mogrify(sql, params)
        return execute(text, None, many, context)

    with connection.execute_wrapper(inline):
        yield


@contextmanager
def literal_cursor() -> Iterator[Any]:
    """A cursor of Django's default connection under `literal_parameters`."""
    from django.db import connection

    with literal_parameters(connection), connection.cursor() as cursor:
        yield cursor
