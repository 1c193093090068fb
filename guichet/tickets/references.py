"""Tracking numbers (docs/requirements.md IN-3): brand prefix, two-digit year, sequence.

EJ-26-00042 is the 42nd ticket EJ received in 2026 (in EJ's time zone). Numbers only grow:
a deleted ticket never gives its number back.

- PostgreSQL: a sequence per brand and year (`guichet_next_references`, migration tickets
  0011), made the first time that year needs it, starting after the counter table's last
  number. Drawing takes no lock, so tickets of one brand are created side by side; a
  creation rolled back leaves its number unused (a gap, as in other helpdesks' numbering).
- SQLite: the counter row is bumped and stays locked until the creating transaction ends
  (SQLite has one writer at a time anyway): consecutive numbers, no gaps.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction

from guichet.brands.models import Brand
from guichet.tickets.models import ReferenceCounter


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year % 100:02d}-{number:05d}"


_BUMP = "UPDATE {table} SET last = last + %s WHERE brand_id = %s AND year = %s RETURNING last"


def next_reference(brand: Brand, at: datetime) -> str:
    return next_references(brand, [at])[0]


def next_references(brand: Brand, moments: list[datetime]) -> list[str]:
    """Draw the next numbers, one per moment (a batch of tickets): one statement per year
    concerned — on SQLite the UPDATE takes the row lock and returns the last number drawn
    (RETURNING, SQLite ≥ 3.35); on PostgreSQL the year's sequence gives them."""
    connection = transaction.get_connection()
    if not connection.in_atomic_block:
        raise RuntimeError("a reference is drawn inside the transaction that creates the ticket")
    zone = ZoneInfo(brand.timezone)
    years = [at.astimezone(zone).year for at in moments]
    if connection.vendor == "postgresql":
        return _from_sequences(connection, brand, years)
    bump = _BUMP.format(table=connection.ops.quote_name(ReferenceCounter._meta.db_table))
    drawn: dict[int, int] = {}  # year -> first number drawn
    with connection.cursor() as cursor:
        for year in sorted(set(years)):
            count = years.count(year)
            cursor.execute(bump, [count, brand.pk, year])
            row = cursor.fetchone()
            if row is None:
                try:
                    with transaction.atomic():
                        ReferenceCounter.objects.create(brand=brand, year=year, last=count)
                        row = (count,)
                except IntegrityError:  # another transaction created it first: bump theirs
                    cursor.execute(bump, [count, brand.pk, year])
                    row = cursor.fetchone()
            drawn[year] = row[0] - count + 1
    references = []
    for year in years:
        references.append(format_reference(brand.reference_prefix, year, drawn[year]))
        drawn[year] += 1
    return references


def _from_sequences(connection: Any, brand: Brand, years: list[int]) -> list[str]:
    drawn: dict[int, Iterator[int]] = {}
    with connection.cursor() as cursor:
        for year in sorted(set(years)):
            cursor.execute(
                "SELECT n FROM guichet_next_references(%s, %s, %s) AS n ORDER BY n",
                [brand.pk, year, years.count(year)],
            )
            drawn[year] = iter([row[0] for row in cursor.fetchall()])
    return [format_reference(brand.reference_prefix, year, next(drawn[year])) for year in years]
