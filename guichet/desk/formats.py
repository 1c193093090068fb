"""Money and days as the desk writes them, in the reader's language."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from babel.numbers import format_decimal
from django.utils import formats, timezone
from django.utils.translation import get_language, to_locale


def money(amount: Any, currency: str) -> str:
    """ "1 500,00 MAD" / "1,500.00 MAD": the amount exactly as recorded (two decimals, never
    rounded to the currency's usual digits), then its ISO code."""
    try:
        value = Decimal(str(amount))
    except InvalidOperation:
        return f"{amount} {currency}".strip()
    locale = to_locale(get_language() or "fr")
    return f"{format_decimal(value, format='#,##0.00', locale=locale)}\u00a0{currency}".strip()


def day(moment: datetime | str | None) -> str:
    """A moment's day in the viewer's time zone ("12/05/2026"), from a datetime or the ISO
    text an event keeps; "" for nothing or what is not a moment."""
    if isinstance(moment, str):
        try:
            moment = datetime.fromisoformat(moment)
        except ValueError:
            return ""
    if moment is None:
        return ""
    if timezone.is_aware(moment):
        moment = timezone.localtime(moment)
    return formats.date_format(moment, "SHORT_DATE_FORMAT")
