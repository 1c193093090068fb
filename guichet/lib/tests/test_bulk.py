"""Hand-written SQL under connections that send parameters apart (server-side binding,
`GUICHET_DB_PREPARED_STATEMENTS=1`) or inline (the default)."""

import copy

import pytest
from django.db import DatabaseError, connection

from guichet.lib.bulk import literal_parameters

pytestmark = pytest.mark.django_db

SERIES = "SELECT count(*) FROM generate_series(%s, %s) g WHERE g::text LIKE %s"


@pytest.fixture
def bound():
    """A second connection to the test database, binding parameters apart."""
    from django.db.backends.postgresql.base import DatabaseWrapper

    settings_dict = copy.deepcopy(connection.settings_dict)
    options = {k: v for k, v in settings_dict["OPTIONS"].items() if k != "pool"}
    settings_dict["OPTIONS"] = {**options, "server_side_binding": True, "prepare_threshold": 5}
    wrapper = DatabaseWrapper(settings_dict, alias="bound")
    yield wrapper
    wrapper.close()


@pytest.mark.postgres
def test_untyped_parameters_need_the_literal_form_when_bound_apart(bound):
    with pytest.raises(DatabaseError), bound.cursor() as cursor:
        cursor.execute(SERIES, [1, 10, "1%%"])  # generate_series(smallint, smallint)?
    with literal_parameters(bound), bound.cursor() as cursor:
        cursor.execute(SERIES, [1, 10, "1%"])
        assert cursor.fetchone()[0] == 2  # 1 and 10


def test_literal_parameters_keep_values_whole_on_either_database():
    with literal_parameters(), connection.cursor() as cursor:
        cursor.execute("SELECT %s || 'x' WHERE 'a%%' LIKE 'a%%'", ["it's 100%; --"])
        assert cursor.fetchone()[0] == "it's 100%; --x"
