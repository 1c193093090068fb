"""Outgoing email without EMAIL_HOST: one .eml file per message, named by time and
recipient, safe as a file name, never overwritten; and read back whole."""

from __future__ import annotations

from datetime import UTC, datetime
from email.utils import formataddr
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives, mailers

from guichet.lib import clock, mailfiles
from guichet.lib.mailfiles import EmlBackend

T = datetime(2026, 12, 6, 22, 58, 1, 123456, tzinfo=UTC)


def mail(to: str, subject: str = "Nous avons bien reçu votre demande") -> EmailMultiAlternatives:
    message = EmailMultiAlternatives(
        subject=subject,
        body="Bonjour Hélène,\n\nSuivez votre demande : http://127.0.0.1:8731/b/ej/track\n",
        from_email=formataddr(("Expérience Jamaïque", "support@experiencejamaique.com")),
        to=[to],
        headers={"X-Guichet-Ticket": "EJ-26-00042"},
    )
    message.attach_alternative("<p>Bonjour <b>Hélène</b></p>", "text/html")
    message.attach("facture.pdf", b"%PDF-1.4 ...", "application/pdf")
    return message


@pytest.fixture
def outbox(tmp_path: Path) -> EmlBackend:
    return EmlBackend(directory=str(tmp_path / "outbox"))


def test_each_email_is_one_file_named_by_time_and_recipient(outbox: EmlBackend) -> None:
    with clock.frozen(T):
        sent = outbox.send_messages(
            [mail(formataddr(("Hélène Lefèvre", "Helene.Lefevre@exemple.fr"))), mail("john@x.com")]
        )
    assert sent == 2
    assert mailfiles.names(outbox.directory) == [
        "20261206-225801-123456-john@x.com.eml",
        "20261206-225801-123456-helene.lefevre@exemple.fr.eml",
    ]
    message = mailfiles.read(outbox.directory, "20261206-225801-123456-john@x.com.eml")
    assert message is not None and message["Subject"] == "Nous avons bien reçu votre demande"
    parts = mailfiles.parts(message)
    assert "http://127.0.0.1:8731/b/ej/track" in parts.text
    assert parts.html.strip() == "<p>Bonjour <b>Hélène</b></p>"
    [pdf] = parts.attachments
    assert (pdf.filename, pdf.content_type) == ("facture.pdf", "application/pdf")
    assert mailfiles.attachment(message, pdf.index) == ("facture.pdf", b"%PDF-1.4 ...")


def test_a_file_is_never_overwritten(outbox: EmlBackend) -> None:
    with clock.frozen(T):
        for subject in ("first", "second", "third"):
            outbox.send_messages([mail("jane@example.com", subject)])
    names = mailfiles.names(outbox.directory)
    assert sorted(names) == [
        "20261206-225801-123456-jane@example.com-2.eml",
        "20261206-225801-123456-jane@example.com-3.eml",
        "20261206-225801-123456-jane@example.com.eml",
    ]
    subjects = {str(mailfiles.read(outbox.directory, n)["Subject"]) for n in names}  # type: ignore[index]
    assert subjects == {"first", "second", "third"}


def test_names_are_safe_whatever_the_address(outbox: EmlBackend) -> None:
    with clock.frozen(T):
        outbox.send_messages([mail('"../../etc" <../../etc/pass wd@evil.example>')])
        outbox.send_messages([mail("a" * 300 + "@example.com")])
    for name in mailfiles.names(outbox.directory):
        assert "/" not in name and " " not in name and len(name) < 150
        assert (outbox.directory / name).parent == outbox.directory
    assert len(list(outbox.directory.iterdir())) == 2


def test_only_this_backends_files_can_be_read(outbox: EmlBackend) -> None:
    with clock.frozen(T):
        outbox.send_messages([mail("jane@example.com")])
    (outbox.directory / "notes.txt").write_text("not an email")
    assert mailfiles.names(outbox.directory) == ["20261206-225801-123456-jane@example.com.eml"]
    for name in ("../secret_key", "notes.txt", "20261206-225801-123456-x/../../a.eml"):
        assert mailfiles.read(outbox.directory, name) is None
    assert mailfiles.read(outbox.directory, "20261206-225801-123456-gone@x.com.eml") is None


def test_without_email_host_the_default_mailer_writes_eml_files(
    settings: Any, tmp_path: Path
) -> None:
    settings.MAILERS = {
        "default": {"BACKEND": mailfiles.BACKEND, "OPTIONS": {"directory": str(tmp_path)}}
    }
    assert mailfiles.outbox_directory() == tmp_path
    with clock.frozen(T):
        assert mailers.default.send_messages([mail("jane@example.com")]) == 1
    assert mailfiles.names(tmp_path) == ["20261206-225801-123456-jane@example.com.eml"]
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    assert mailfiles.outbox_directory() is None


def test_the_settings_choose_eml_files_without_email_host() -> None:
    import subprocess
    import sys

    probe = (
        "import django, os; os.environ.pop('EMAIL_HOST', None); django.setup();"
        "from django.conf import settings; print(settings.MAILERS['default']['BACKEND'])"
    )
    found = subprocess.run(
        [sys.executable, "-c", probe],
        env={"DJANGO_SETTINGS_MODULE": "guichet.settings", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        check=True,
    )
    assert found.stdout.strip() == mailfiles.BACKEND
