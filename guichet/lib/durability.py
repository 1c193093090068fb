"""Writes that need not wait for the disk."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import connection, transaction


@contextmanager
def unhurried_commit() -> Iterator[None]:
    """A transaction whose commit does not wait for the disk (PostgreSQL's
    `synchronous_commit` off for it alone), for what a crash may lose without harm: a
    heartbeat, a read receipt. The database stays consistent; the last fraction of a
    second of such writes may be lost in a crash. Anything a person was told is kept
    (a message acknowledged, a ticket) never goes through here. On SQLite, an ordinary
    transaction. Inside another transaction, that one's commit decides: nothing changes."""
    outermost = not connection.in_atomic_block
    with transaction.atomic():
        if outermost and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL synchronous_commit TO OFF")
        yield
