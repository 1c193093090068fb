"""Hand-written SQL under the production connections, which send parameters apart."""

import pytest
from django.db import DatabaseError, connection, transaction

from guichet.lib.bulk import literal_parameters

pytestmark = pytest.mark.django_db

SERIES = "SELECT count(*) FROM generate_series(%s, %s) g WHERE g::text LIKE %s"


@pytest.mark.postgres
def test_untyped_parameters_need_the_literal_form_on_postgresql():
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(SERIES, [1, 10, "1%%"])  # generate_series(smallint, smallint)?


@pytest.mark.postgres
def test_literal_parameters_run_them():
    with literal_parameters(), connection.cursor() as cursor:
        cursor.execute(SERIES, [1, 10, "1%"])
        assert cursor.fetchone()[0] == 2  # 1 and 10


def test_literal_parameters_keep_values_whole_on_either_database():
    with literal_parameters(), connection.cursor() as cursor:
        cursor.execute("SELECT %s || 'x' WHERE 'a%%' LIKE 'a%%'", ["it's 100%; --"])
        assert cursor.fetchone()[0] == "it's 100%; --x"
