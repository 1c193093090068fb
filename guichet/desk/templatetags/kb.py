"""Template helpers of the desk's help centre pages (desk/help/*.html)."""

from __future__ import annotations

from typing import Any

from django import template

register = template.Library()


@register.filter
def section_title(section: Any, language: str) -> str:
    """A section's title in `language` (or its other language's)."""
    return str(section.title_in(language)) if section is not None else ""


@register.filter
def kb_has_language(articles: Any, language: str) -> bool:
    """Whether one of `articles` is in `language`."""
    return any(a.language == language for a in articles)


@register.filter
def kb_title(titles: Any, language: str) -> str:
    """The title a section has in `language` itself ("" when it has none)."""
    return str(titles.get(language, "")) if isinstance(titles, dict) else ""
