"""`{% dev_mail_on as on %}`: whether the development mail viewer exists (for its link)."""

from __future__ import annotations

from django import template

from guichet.lib.mailfiles import viewer_directory

register = template.Library()


@register.simple_tag
def dev_mail_on() -> bool:
    return viewer_directory() is not None
