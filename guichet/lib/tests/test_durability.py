"""A commit that need not wait for the disk: off for that transaction alone, never for a
transaction it runs inside (PostgreSQL); an ordinary transaction on SQLite."""

from __future__ import annotations

from typing import Any

from django.db import connection, transaction

from guichet.accounts.models import User
from guichet.lib.durability import unhurried_commit


def _synchronous_commit() -> str | None:
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        return str(cursor.fetchone()[0])


def test_off_for_its_own_transaction_only(transactional_db: Any) -> None:
    usual = _synchronous_commit()
    with unhurried_commit():
        User.objects.create_user(username="heartbeat")
        inside = _synchronous_commit()
    assert User.objects.filter(username="heartbeat").exists()  # committed
    assert _synchronous_commit() == usual
    if connection.vendor == "postgresql":
        assert (usual, inside) == ("on", "off")


def test_inside_another_transaction_that_one_decides(transactional_db: Any) -> None:
    with transaction.atomic():
        User.objects.create_user(username="ticket")
        with unhurried_commit():
            inside = _synchronous_commit()
        after = _synchronous_commit()
    if connection.vendor == "postgresql":
        assert (inside, after) == ("on", "on")
    assert User.objects.filter(username="ticket").exists()
