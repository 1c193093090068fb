"""bench.loading.insert_select, the one way the benchmarks' loaders write rows: every column
a loader does not name gets what Django gives a new instance, so a column a migration adds
later never breaks a loader (`make bench-smoke` runs the loaders themselves in CI)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, connection, models, transaction
from django.test.utils import isolate_apps

from bench.loading import insert_select

# The loaders and their SQL are PostgreSQL's (generate_series, literals written by psycopg).
pytestmark = [pytest.mark.postgres, pytest.mark.django_db]

NAMES = {"name": "'row ' || g"}
TWO = "generate_series(1, %(n)s) g"


def probe_model(**fields: models.Field[Any, Any]) -> Any:
    """A model of the test's own, outside the project's apps, with its table (gone with
    the test's transaction)."""
    with isolate_apps():
        meta = type("Meta", (), {"app_label": "bench", "db_table": "bench_probe"})
        attributes = {"__module__": __name__, "Meta": meta, **fields}
        attributes["name"] = models.CharField(max_length=40)
        model = type("Probe", (models.Model,), attributes)
    with connection.schema_editor() as editor:
        editor.create_model(model)
    return model


def test_a_not_null_column_added_later_is_filled_with_its_default() -> None:
    model = probe_model()
    insert_select(model, NAMES, TWO, {"n": 2})

    # A migration adds a NOT NULL column with a default: Django fills the rows there are
    # and leaves no default in the database (what tickets_ticket.auto_acknowledge did).
    field = models.BooleanField(default=True)
    model.add_to_class("acknowledged", field)
    with connection.schema_editor() as editor:
        editor.add_field(model, field)

    # A hand-written INSERT naming its columns now fails…
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO bench_probe (name) SELECT 'row ' || g FROM generate_series(1, 2) g"
        )
    # …the same call as before does not.
    assert insert_select(model, NAMES, TWO, {"n": 2}) == 2
    assert list(model.objects.order_by("pk").values_list("name", "acknowledged")) == [
        ("row 1", True),
        ("row 2", True),
        ("row 1", True),
        ("row 2", True),
    ]


def test_columns_not_given_get_what_django_gives_a_new_instance() -> None:
    model = probe_model(
        count=models.PositiveIntegerField(default=3),
        data=models.JSONField(default=dict),
        note=models.TextField(blank=True),
        share=models.CharField(max_length=10, default="100 %"),
        rank=models.PositiveSmallIntegerField(db_default=7),
        closed_at=models.DateTimeField(null=True),
        changed_at=models.DateTimeField(auto_now=True),
        flagged_at=models.DateTimeField(null=True),
    )

    insert_select(
        model, {**NAMES, "flagged_at": "%(now)s"}, TWO, {"n": 2, "now": "2026-11-23T10:00Z"}
    )

    row = model.objects.order_by("pk").first()
    new = model(name="row 1")
    assert (row.name, row.count, row.data, row.note, row.share) == (
        "row 1",
        new.count,
        new.data,
        new.note,
        new.share,
    )
    assert row.rank == 7  # the database's own default
    assert row.closed_at is None
    assert row.changed_at is not None  # the moment of the insert, as a save would give
    assert row.flagged_at.isoformat() == "2026-11-23T10:00:00+00:00"


def test_a_column_the_model_cannot_fill_must_be_given() -> None:
    with_size = probe_model(size=models.IntegerField())
    with pytest.raises(ValueError, match=r"bench_probe\.size is NOT NULL without a default"):
        insert_select(with_size, NAMES, TWO, {"n": 2})
    assert insert_select(with_size, {**NAMES, "size": "g"}, TWO, {"n": 2}) == 2


def test_a_unique_column_must_be_given_one_value_per_row() -> None:
    model = probe_model(code=models.CharField(max_length=10, unique=True, default=""))
    with pytest.raises(ValueError, match=r"bench_probe\.code is unique"):
        insert_select(model, NAMES, TWO, {"n": 2})
    assert insert_select(model, {**NAMES, "code": "'c' || g"}, TWO, {"n": 2}) == 2


def test_a_column_the_model_does_not_have_is_refused() -> None:
    model = probe_model()
    with pytest.raises(ValueError, match="bench_probe has no column nmae"):
        insert_select(model, {"nmae": "'x'"}, TWO, {"n": 2})
