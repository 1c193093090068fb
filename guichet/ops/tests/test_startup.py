"""What a `guichet` process imports when it starts: every command pays for each module it
imports, and an MTA's pipe runs `guichet ingest-eml` once per message (docs/email.md, "A
mail server's deliveries"). Checked in fresh interpreters by the modules they import,
never by a duration, which depends on the machine."""

from __future__ import annotations

import os
import subprocess
import sys
from email.message import EmailMessage

import pytest
from django.urls import reverse
from django.utils import translation

from guichet.conftest import database_url
from guichet.intake.models import InboundEmail, InboundState
from guichet.lib.scoping import all_brands
from guichet.notify.models import OutboundEmail
from guichet.portal.urls import urlpatterns as portal_patterns

# Served by the web server only: the URLconf, its views, the API (django-ninja and its
# pydantic schemas) and the admin's modules (with them the IMAP client); the TOTP QR codes;
# the SMTP receiver; the web server; the API's test tool (a development dependency).
WEB_ONLY = {
    "guichet.urls",
    "guichet.api.api",
    "guichet.api.schemas",
    "guichet.api.tickets",
    "ninja",
    "guichet.desk.views",
    "guichet.accounts.views",
    "guichet.tickets.admin",
    "guichet.intake.admin",
    "guichet.intake.email.imap",
    "django.contrib.admin.forms",
    "qrcode",
    "aiosmtpd",
    "aiosmtpd.smtp",
    "gunicorn",
    "schemathesis",
}


def python(*args: str) -> subprocess.CompletedProcess[str]:
    """A fresh interpreter on the test database."""
    return subprocess.run(
        [sys.executable, *args],
        env={**os.environ, "DATABASE_URL": database_url()},
        capture_output=True,
        text=True,
        timeout=120,
    )


def imported(importtime: str) -> set[str]:
    """The modules that `python -X importtime` reports on its standard error."""
    return {
        line.rsplit("|", 1)[1].strip()
        for line in importtime.splitlines()
        if line.startswith("import time:") and "|" in line
    }


SETUP = "import sys, django; django.setup(); "  # DJANGO_SETTINGS_MODULE: pytest's

# Read by the processes that read a policy or compute a deadline, not by every process: the
# apps' hooks (reactions, the timekeeper, the publish and merge hooks) register without them.
POLICY_READERS = {"pydantic", "holidays", "guichet.policies.schema", "guichet.sla.engine"}


def test_starting_django_imports_no_view_api_or_admin_module():
    """What every `guichet` command loads (`guichet help` loads nothing else)."""
    run = python("-c", SETUP + "print('\\n'.join(sys.modules))")
    assert run.returncode == 0, run.stderr
    assert WEB_ONLY & set(run.stdout.split()) == set()


def test_the_apps_hooks_register_without_the_policy_schema_or_the_deadline_engine():
    run = python("-c", SETUP + "print('\\n'.join(sys.modules))")
    assert run.returncode == 0, run.stderr
    assert POLICY_READERS & set(run.stdout.split()) == set()


def test_the_admin_checks_still_see_every_model_admin():
    """The apps' admin.py modules are loaded by the URLconf, not at start-up: the admin's
    system checks load them too, whatever order the checks run in."""
    run = python(
        "-c",
        SETUP
        + "from django.core import checks; from django.contrib import admin; "
        + "from guichet.tickets.models import Ticket; "
        + "before = admin.site.is_registered(Ticket); "
        + "checks.run_checks(tags=['admin']); "
        + "print(before, admin.site.is_registered(Ticket))",
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.split() == ["False", "True"]


@pytest.mark.django_db(transaction=True)
def test_a_one_message_ingest_imports_no_view_api_or_admin_module(world, tmp_path):
    """As an MTA's pipe runs it: a new request, stored, processed into a ticket and
    acknowledged (the acknowledgement links to the portal) in a process of its own."""
    message = EmailMessage()
    message["From"] = "Hélène Lefèvre <helene@exemple.fr>"
    message["To"] = "support@experiencejamaique.com"
    message["Subject"] = "Facture en double"
    message["Message-ID"] = "<startup@exemple.fr>"
    message.set_content("Bonjour, j'ai été débitée deux fois pour ma réservation.")
    path = tmp_path / "one.eml"
    path.write_bytes(message.as_bytes())

    run = python("-X", "importtime", "-m", "guichet", "ingest-eml", str(path))

    assert run.returncode == 0, run.stderr[-3000:]
    with all_brands():
        inbound = InboundEmail.objects.get()
        assert (inbound.state, inbound.reason) == (InboundState.TICKET_MESSAGE, "new_ticket")
        assert OutboundEmail.objects.filter(ticket=inbound.ticket, automatic=True).exists()
    assert WEB_ONLY & imported(run.stderr) == set()


@pytest.mark.parametrize("language", ["fr", "en"])
def test_letters_link_to_the_very_pages_the_site_serves(language):
    """Letters reverse the customer's pages against guichet.links, a URLconf without the
    views and the API: the addresses are the site's own."""
    for pattern in portal_patterns:
        kwargs = {"brand": "ej", **dict.fromkeys(pattern.pattern.converters, "1")}
        with translation.override(language):
            served = reverse(f"portal:{pattern.name}", kwargs=kwargs)
            linked = reverse(f"portal:{pattern.name}", kwargs=kwargs, urlconf="guichet.links")
        assert linked == served
