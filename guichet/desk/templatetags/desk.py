"""Small template helpers of the desk."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django import template
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

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


def _luminance(rgb: tuple[float, float, float]) -> float:
    """WCAG's relative luminance of an sRGB colour (channels 0-255)."""

    def linear(channel: float) -> float:
        c = channel / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    r, g, b = (linear(c) for c in rgb)
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


# WCAG AA for text: white text on the colour, and the colour as text on white.
READABLE = 4.5
DEFAULT_COLOUR = "#1f4e79"


@register.filter
def readable(colour: str | None) -> str:
    """The brand's colour, darkened (same hue) until white text on it — and it as text on
    white — reaches WCAG AA's 4.5:1: the desk's bar, buttons and links carry it. A colour
    that already does is kept; one that is not a #rrggbb colour gives the default."""
    value = (colour or "").strip().lstrip("#")
    if len(value) != 6:
        return DEFAULT_COLOUR
    try:
        rgb = tuple(float(int(value[i : i + 2], 16)) for i in (0, 2, 4))
    except ValueError:
        return DEFAULT_COLOUR
    r, g, b = rgb
    while 1.05 / (_luminance((r, g, b)) + 0.05) < READABLE:
        r, g, b = r * 0.95, g * 0.95, b * 0.95
    return "#{:02x}{:02x}{:02x}".format(*(round(c) for c in (r, g, b)))


@register.filter
def initials(user: Any) -> str:
    """A person's initials (for their badge in the top bar)."""
    name = (user.get_full_name() or user.username) if user is not None else ""
    letters = [part[0] for part in name.replace("-", " ").split() if part[:1].isalpha()]
    return "".join(letters[:2]).upper() or name[:1].upper()
