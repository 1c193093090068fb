"""Small template helpers of the desk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from guichet.desk import formats
from guichet.desk.conduct import severity_name
from guichet.lib.contrast import nearest_compliant
from guichet.lib.phones import spaced

register = template.Library()


@register.filter
def get_item(mapping: dict[Any, Any], key: Any) -> Any:
    return mapping.get(key, "") if mapping else ""


def _span(seconds: float) -> str:
    minutes = int(abs(seconds) // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return _("%(d)d d %(h)d h") % {"d": days, "h": hours}
    if hours:
        return _("%(h)d h %(m)02d min") % {"h": hours, "m": minutes}
    return ngettext("%(m)d minute", "%(m)d minutes", minutes) % {"m": minutes}


@register.filter
def due_in(value: datetime | None, now: datetime) -> str:
    """ "in 3 h 20 min" or "late by 1 d 2 h"."""
    if value is None:
        return "—"
    seconds = (value - now).total_seconds()
    if seconds < 0:
        return _("late by %(span)s") % {"span": _span(seconds)}
    return _("in %(span)s") % {"span": _span(seconds)}


@register.filter
def person(user: Any) -> str:
    """A staff member as people call them: their name, else their username."""
    if user is None:
        return "—"
    return user.get_full_name() or user.username


DEFAULT_COLOUR = "#1f4e79"


@register.filter
def readable(colour: str | None) -> str:
    """The brand's colour as the desk draws it (its bar, buttons and links): itself, or
    the nearest shade that white text on it and it as text on white read at 4.5:1 — a
    policy published before `policy check` refused such colours keeps its colour until
    published again. Not a #rrggbb colour: the default."""
    try:
        return nearest_compliant(colour or "")
    except ValueError:
        return DEFAULT_COLOUR


@register.filter
def initials(user: Any) -> str:
    """A person's initials (for their badge in the top bar)."""
    name = (user.get_full_name() or user.username) if user is not None else ""
    letters = [part[0] for part in name.replace("-", " ").split() if part[:1].isalpha()]
    return "".join(letters[:2]).upper() or name[:1].upper()


@register.filter
def money(amount: Any, currency: str) -> str:
    """ "2 499,00 MAD": an amount with its currency, as recorded (`desk.formats.money`)."""
    return formats.money(amount, currency or "")


@register.filter
def severity(value: Any) -> str:
    """An abuse severity's word ("Threat"), "" for none."""
    return severity_name(value)


@register.filter
def phone(number: str) -> str:
    """+33612345678 as +33 6 12 34 56 78."""
    return spaced(number or "")
