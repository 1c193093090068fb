"""Tracking numbers (REQUIREMENTS IN-3): brand prefix, two-digit year, sequence.

EJ-26-00042 is the 42nd ticket EJ received in 2026 (in EJ's time zone). The counter row
is locked for the rest of the creating transaction, so concurrent creations queue on it
and get consecutive numbers; a rolled-back creation never committed its number, and a
deleted ticket never gives its number back because the counter only grows.
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.db import transaction
from django.db.models import F

from guichet.brands.models import Brand
from guichet.tickets.models import ReferenceCounter


def format_reference(prefix: str, year: int, number: int) -> str:
    return f"{prefix}-{year % 100:02d}-{number:05d}"


def next_reference(brand: Brand, at: datetime) -> str:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("a reference is drawn inside the transaction that creates the ticket")
    year = at.astimezone(ZoneInfo(brand.timezone)).year
    counter, _ = ReferenceCounter.objects.select_for_update().get_or_create(brand=brand, year=year)
    ReferenceCounter.objects.filter(pk=counter.pk).update(last=F("last") + 1)
    counter.refresh_from_db(fields=["last"])
    return format_reference(brand.reference_prefix, year, counter.last)
