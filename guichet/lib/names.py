"""Names a person reads in their own language: languages and time zones (from the Unicode
CLDR, through Babel, loaded at first use: not every process names a zone)."""

from __future__ import annotations

import functools
from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils.translation import gettext as _

from guichet.lib import clock
from guichet.lib.french import elide


def _upper_first(text: str) -> str:
    return text[:1].upper() + text[1:]


@functools.lru_cache(maxsize=64)
def language_name(code: str, in_language: str) -> str:
    """The name of language `code` as a reader of `in_language` writes it at the start of
    a line ("Anglais" for a French reader); the code itself if CLDR does not know it."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(in_language)
    except (UnknownLocaleError, ValueError):
        return code
    return _upper_first(name) if name else code


def autonym(code: str) -> str:
    """A language's name in that language ("English", "Français"): how a language switch
    names each one, so a reader finds their own whatever the page's language."""
    return language_name(code, code)


def utc_offset(zone: str, at: datetime | None = None) -> str:
    """ "UTC", "UTC+1", "UTC−5", "UTC+5:30": the zone's offset at `at` (default: now)."""
    moment = (at or clock.now()).astimezone(ZoneInfo(zone))
    offset = moment.utcoffset()
    minutes = round(offset.total_seconds() / 60) if offset is not None else 0
    if minutes == 0:
        return "UTC"
    sign = "+" if minutes > 0 else "\u2212"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "")


@functools.lru_cache(maxsize=64)
def zone_city(zone: str, language: str) -> str:
    """The place that names a time zone in `language` ("Abidjan", "Jamaïque")."""
    from babel.dates import get_timezone_location

    try:
        return str(get_timezone_location(zone, locale=language, return_city=True))
    except (LookupError, ValueError):
        return zone.rpartition("/")[2].replace("_", " ")


def zone_name(zone: str, language: str, at: datetime | None = None) -> str:
    """A time zone as a person reads it, in the active language: "Abidjan time (UTC)",
    "heure d’Abidjan (UTC)" — never the IANA name. `language` names the place; the
    wording comes from the active translation."""
    city = zone_city(zone, language)
    text = _("%(city)s time (%(offset)s)") % {"city": city, "offset": utc_offset(zone, at)}
    return elide(text, city) if language.startswith("fr") else text
