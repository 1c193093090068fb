"""System checks of a deployment (`guichet check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core import checks


@checks.register(checks.Tags.security, deploy=True)
def site_url_is_set(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Every link in an email (tracking, sign-in, survey) starts with SITE_URL: without it,
    customers get links to http://127.0.0.1:8000, which only opens on the server itself."""
    if settings.DEBUG or settings.GUICHET_SITE_URL_SET:
        return []
    return [
        checks.Warning(
            f"SITE_URL is not set: links in emails will point at {settings.SITE_URL}.",
            hint="Set SITE_URL to the public address of the site, e.g. https://support.example.com.",
            id="guichet.W001",
        )
    ]
