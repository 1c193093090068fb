"""Django's admin, with the apps' `admin.py` modules loaded when the admin is needed rather
than when any process starts.

`django.contrib.admin`'s own AppConfig imports every `admin.py` at start-up, and with them
the service layer, the policy loader, the IMAP client and the webhooks: every `guichet`
command, an MTA's `guichet ingest-eml` included, paid for them and for an admin it never
serves. Here they are loaded by the URLconf that serves the admin (`guichet/urls.py`) and
by the admin's system checks, which must see every registration."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.contrib.admin.apps import SimpleAdminConfig
from django.contrib.admin.checks import check_admin_app, check_dependencies
from django.core import checks


def check_admin_registrations(app_configs: Any, **kwargs: Any) -> list[checks.CheckMessage]:
    """Django's checks of every ModelAdmin, once they are all registered (a check run before
    the URLconf was imported would otherwise find none)."""
    admin.autodiscover()
    return check_admin_app(app_configs, **kwargs)


class AdminConfig(SimpleAdminConfig):
    def ready(self) -> None:
        checks.register(check_dependencies, checks.Tags.admin)
        checks.register(check_admin_registrations, checks.Tags.admin)
