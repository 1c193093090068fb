"""The development mail viewer: the .eml files of the outbox, newest first, each rendered
with its HTML sanitised and its attachments as downloads; for administrators only (a
brand's administrator: their brands' emails), and absent (404) unless enabled."""

from __future__ import annotations

from datetime import timedelta
from email.utils import formataddr
from pathlib import Path
from typing import Any

import pytest
from django.core.mail import EmailMultiAlternatives

from guichet.conftest import World
from guichet.lib import mailfiles
from guichet.lib.mailfiles import EmlBackend

pytestmark = pytest.mark.django_db

LIST = "/desk/dev/mail/"
EVIL_HTML = (
    '<p onclick="steal()">Bonjour</p><script>document.title="pwned"</script>'
    '<img src="https://tracker.example/p.gif"><a href="javascript:alert(1)">x</a>'
    '<iframe src="https://evil.example"></iframe><style>body{display:none}</style>'
)


def write(directory: Path, *, to: str, subject: str, sender: str, **extra: Any) -> str:
    message = EmailMultiAlternatives(
        subject=subject,
        body="Suivez votre demande : http://127.0.0.1:8731/b/ej/track",
        from_email=sender,
        to=[to],
        headers=extra.get("headers", {}),
    )
    message.attach_alternative(extra.get("html", "<p>Bonjour <b>Hélène</b></p>"), "text/html")
    for name, data, kind in extra.get("files", []):
        message.attach(name, data, kind)
    EmlBackend(directory=str(directory)).send_messages([message])
    return mailfiles.names(directory)[0]


@pytest.fixture
def outbox(settings: Any, tmp_path: Path, world: World, frozen_clock: Any) -> dict[str, str]:
    """The viewer on, with an email of EJ (a ticket's letter), one of Jamla24 (a sign-in
    link: known by its sender) and one of no brand, a minute apart."""
    settings.GUICHET_DEV_MAIL_VIEWER = True
    settings.MAILERS = {
        "default": {"BACKEND": mailfiles.BACKEND, "OPTIONS": {"directory": str(tmp_path)}}
    }
    ej = formataddr(("Expérience Jamaïque", "support@experiencejamaique.com"))
    names = {
        "ej": write(
            tmp_path,
            to=formataddr(("Hélène Lefèvre", "helene@exemple.fr")),
            subject="[EJ-26-00001] Nous avons bien reçu votre demande",
            sender=ej,
            headers={"X-Guichet-Ticket": "EJ-26-00001"},
            html=EVIL_HTML,
            files=[("facture.html", b"<script>alert(1)</script>", "text/html")],
        )
    }
    frozen_clock.set(frozen_clock.now() + timedelta(minutes=1))
    names["jamla"] = write(
        tmp_path,
        to="salma@exemple.ma",
        subject="Votre lien de connexion",
        sender=formataddr(("Jamla24", "support@jamla24.ma")),
    )
    frozen_clock.set(frozen_clock.now() + timedelta(minutes=1))
    names["none"] = write(
        tmp_path, to="ops@example.com", subject="Rapport quotidien", sender="guichet@localhost"
    )
    return names


def test_the_list_shows_every_email_newest_first_to_a_superuser(
    client: Any, world: World, outbox: dict[str, str]
) -> None:
    client.force_login(world.superuser)
    page = client.get(LIST).content.decode()
    rapport, signin, ack = (
        page.index(s) for s in ("Rapport quotidien", "Votre lien", "[EJ-26-00001]")
    )
    assert rapport < signin < ack, "newest first"
    assert "Jamla24" in page and "Expérience Jamaïque" in page  # the brand of each
    assert "helene@exemple.fr" in page
    assert f'href="/desk/dev/mail/{outbox["ej"]}/"' in page


def test_a_brands_administrator_sees_their_brands_emails_only(
    client: Any, world: World, outbox: dict[str, str]
) -> None:
    client.force_login(world.admin)  # EJ's administrator
    page = client.get(LIST).content.decode()
    assert "[EJ-26-00001]" in page and "Votre lien" not in page and "Rapport quotidien" not in page
    assert client.get(f"{LIST}{outbox['ej']}/").status_code == 200
    assert client.get(f"{LIST}{outbox['jamla']}/").status_code == 404
    assert client.get(f"{LIST}{outbox['none']}/").status_code == 404
    client.force_login(world.outsider_admin)  # Jamla24's
    assert client.get(f"{LIST}{outbox['ej']}/").status_code == 404
    assert client.get(f"{LIST}{outbox['jamla']}/").status_code == 200


def test_an_email_is_shown_with_its_headers_text_sanitised_html_and_attachments(
    client: Any, world: World, outbox: dict[str, str], tmp_path: Path
) -> None:
    client.force_login(world.superuser)
    response = client.get(f"{LIST}{outbox['ej']}/")
    page = response.content.decode()
    assert "X-Guichet-Ticket" in page and "EJ-26-00001" in page and "helene@exemple.fr" in page
    # The text, with its links to follow.
    assert '<a href="http://127.0.0.1:8731/b/ej/track"' in page
    # The HTML, sanitised: no script, handler, frame, style, remote image or javascript: link.
    assert "<p>Bonjour</p>" in page
    for inert in ("pwned", "onclick", "tracker.example", "javascript:", "<iframe", "display:none"):
        assert inert not in page, inert
    # And no inline script could run anyway: the desk's policy wants a nonce.
    assert "script-src 'self' 'nonce-" in response["Content-Security-Policy"]
    message = mailfiles.read(tmp_path, outbox["ej"])
    assert message is not None
    [file] = mailfiles.parts(message).attachments
    assert "facture.html" in page
    download = client.get(f"{LIST}{outbox['ej']}/files/{file.index}/")
    assert download.status_code == 200
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Content-Type"] == "application/octet-stream"
    assert download["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert download.content.strip() == b"<script>alert(1)</script>"
    raw = client.get(f"{LIST}{outbox['ej']}/raw/")
    assert raw["Content-Disposition"].startswith("attachment;") and b"EJ-26-00001" in raw.content
    assert client.get(f"{LIST}{outbox['ej']}/files/99/").status_code == 404


def test_the_views_menu_links_it_for_administrators_only(
    client: Any, world: World, outbox: dict[str, str]
) -> None:
    client.force_login(world.admin)
    assert 'href="/desk/dev/mail/"' in client.get("/desk/inbox/mine/").content.decode()
    client.force_login(world.manager)
    assert 'href="/desk/dev/mail/"' not in client.get("/desk/inbox/mine/").content.decode()


@pytest.mark.parametrize("who", ["agent", "manager", "outsider"])
def test_other_staff_get_a_404(client: Any, world: World, outbox: dict[str, str], who: str) -> None:
    client.force_login(getattr(world, who))
    for url in (LIST, f"{LIST}{outbox['ej']}/", f"{LIST}{outbox['ej']}/raw/"):
        assert client.get(url).status_code == 404, url


def test_it_is_absent_unless_enabled(
    client: Any, world: World, outbox: dict[str, str], settings: Any
) -> None:
    client.force_login(world.superuser)
    assert client.get(LIST).status_code == 200
    settings.GUICHET_DEV_MAIL_VIEWER = False
    urls = (LIST, f"{LIST}{outbox['ej']}/", f"{LIST}{outbox['ej']}/raw/")
    for url in urls:
        assert client.get(url).status_code == 404, url
    assert 'href="/desk/dev/mail/"' not in client.get("/desk/inbox/mine/").content.decode()
    # On, but email goes out by SMTP: nothing to show, no page either.
    settings.GUICHET_DEV_MAIL_VIEWER = True
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    for url in urls:
        assert client.get(url).status_code == 404, url
    # Absent before the sign-in page too: nothing tells a visitor it could exist.
    client.logout()
    assert client.get(LIST).status_code == 404


def test_the_settings_keep_it_off_in_production_and_with_smtp() -> None:
    import subprocess
    import sys

    def viewer(**env: str) -> str:
        probe = (
            "import django; django.setup(); from django.conf import settings;"
            "print(settings.GUICHET_DEV_MAIL_VIEWER)"
        )
        return subprocess.run(
            [sys.executable, "-c", probe],
            env={"DJANGO_SETTINGS_MODULE": "guichet.settings", "PATH": "/usr/bin:/bin", **env},
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()

    assert viewer() == "False"
    assert viewer(DEBUG="1") == "True"
    assert viewer(GUICHET_DEV_MAIL_VIEWER="1") == "True"
    assert viewer(GUICHET_DEV_MAIL_VIEWER="1", EMAIL_HOST="smtp.example.com") == "False"
    assert viewer(DEBUG="1", GUICHET_PRODUCTION="1", SECRET_KEY="x" * 50) == "False"
