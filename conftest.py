"""Rules of every test run, for the product's tests (`guichet/`, whose fixtures are in
`guichet/conftest.py`) and the benchmarks' (`bench/tests/`).

A test that is skipped fails the run: a test that did not run because something was
missing (a browser, a server, a database) must be fixed, not ignored.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

import pytest
from django.db import connection


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[Any]
) -> Generator[None, Any, Any]:
    report: Any = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.longrepr = f"skipped tests fail the run (something needed was missing): {reason}"
    return report


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Deselected (not skipped): PostgreSQL-only tests on SQLite — the PostgreSQL pass of
    .ci/run runs them, and on it they must run; and on PostgreSQL the tests that make and
    use a database of their own whatever DATABASE_URL says (`own_database`: `make run`'s
    SQLite) — the SQLite pass ran them, and they would run the same again."""
    marker = "own_database" if connection.vendor == "postgresql" else "postgres"
    kept: list[pytest.Item] = []
    dropped: list[pytest.Item] = []
    for item in items:
        (dropped if item.get_closest_marker(marker) else kept).append(item)
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = kept
