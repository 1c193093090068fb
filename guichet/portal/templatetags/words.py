"""Filters for what a customer reads in their language: `{{ text|elide:brand.name }}`
mends French elision around a name put in a translation ("auprès d’Expérience
Jamaïque"), `{{ text|french }}` its typography; `{{ code|autonym }}` names a language in
itself ("English"), `{{ code|language_name }}` in the page's language ("Anglais")."""

from __future__ import annotations

from collections.abc import Callable

from django import template
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language

from guichet.lib import french as french_text
from guichet.lib import names

register = template.Library()


def _in_french() -> bool:
    return (get_language() or "").startswith("fr")


def _mended(value: object, mend: Callable[[str, bool], str]) -> object:
    """`value` mended; a safe string (already escaped) stays safe."""
    if isinstance(value, SafeString):
        return mark_safe(mend(str(value), True))  # noqa: S308 (mending adds no markup)
    return mend(str(value), False)


@register.filter
def elide(value: object, name: object) -> object:
    """French elision before `name` in `value` (when the page is in French)."""
    if not _in_french() or not name:
        return value
    return _mended(
        value,
        lambda text, escaped: french_text.elide(
            text, str(conditional_escape(str(name))) if escaped else str(name)
        ),
    )


@register.filter
def french(value: object) -> object:
    """French typography's non-breaking spaces (when the page is in French)."""
    if not _in_french():
        return value
    return _mended(value, lambda text, escaped: french_text.typography(text))


@register.filter
def autonym(code: object) -> str:
    return names.autonym(str(code))


@register.filter
def language_name(code: object) -> str:
    return names.language_name(str(code), get_language() or "fr")
