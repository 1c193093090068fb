"""Tracking numbers (REQUIREMENTS IN-3): brand prefix, two-digit year, sequence.

EJ-26-00042 is the 42nd ticket EJ received in 2026 (in EJ's time zone). The counter row
is locked for the rest of the creating transaction, so concurrent creations queue on it
and get consecutive numbers; a rolled-back creation never committed its number, and a
deleted ticket never gives its number back because the counter only grows.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from guichet.brands.models import Brand
from guichet.tickets.models import ReferenceCounter


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year % 100:02d}-{number:05d}"


_BUMP = "UPDATE {table} SET last = last + 1 WHERE brand_id = %s AND year = %s RETURNING last"


def next_reference(brand: Brand, at: datetime) -> str:
    """Draw the next number (one statement: the UPDATE takes the row lock and returns the
    number; SQLite ≥ 3.35 and PostgreSQL both support RETURNING)."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("a reference is drawn inside the transaction that creates the ticket")
    year = at.astimezone(ZoneInfo(brand.timezone)).year
    bump = _BUMP.format(table=connection.ops.quote_name(ReferenceCounter._meta.db_table))
    with connection.cursor() as cursor:
        cursor.execute(bump, [brand.pk, year])
        row = cursor.fetchone()
        if row is None:
            try:
                with transaction.atomic():
                    ReferenceCounter.objects.create(brand=brand, year=year, last=1)
                    row = (1,)
            except IntegrityError:  # another transaction created it first: bump theirs
                cursor.execute(bump, [brand.pk, year])
                row = cursor.fetchone()
    return format_reference(brand.reference_prefix, year, row[0])
