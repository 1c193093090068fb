"""The email channel in the admin: mailboxes with a write-only password, and the incoming
emails with their quarantine, each visible only in its brand."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.conftest import assert_hidden_from_outsider
from guichet.intake.email import ingest
from guichet.intake.models import InboundEmail, InboundSource, InboundState, Mailbox
from guichet.intake.tests import dovecot as imap_server
from guichet.intake.tests.dovecot import append, flags
from guichet.lib.scoping import all_brands, brand_scope

pytestmark = pytest.mark.django_db
dovecot = imap_server.dovecot  # the fixtures: a real IMAP server, a folder per test
imap_folder = imap_server.imap_folder

EJ = "support@experiencejamaique.com"
SECRET = "Tr0ub4dor&3-éà"


def raw_mail(
    *, to: str = EJ, body: str = "Bonjour, ma commande est arrivée cassée.", mid: str = "a1"
) -> bytes:
    return (
        f"From: Hélène <helene@exemple.fr>\r\nTo: {to}\r\nSubject: Colis abîmé\r\n"
        f"Message-ID: <{mid}@exemple.fr>\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n"
        f"{body}\r\n"
    ).encode()


def form_data(brand_id: int, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "brand": brand_id,
        "name": "Réclamations",
        "address": "reclamations@experiencejamaique.com",
        "host": "imap.example.invalid",
        "port": 993,
        "use_ssl": "on",
        "username": "reclamations",
        "password": "",
        "folder": "INBOX",
        "move_to": "",
        "is_active": "on",
    }
    data.update(changes)
    return {k: v for k, v in data.items() if v is not None}


def stored_mailbox(world) -> Mailbox:
    with brand_scope(world.ej):
        mailbox = Mailbox(
            brand=world.ej,
            name="Réclamations",
            address="reclamations@experiencejamaique.com",
            host="imap.example.invalid",
            username="reclamations",
        )
        mailbox.set_password(SECRET)
        mailbox.save()
    return mailbox


def test_an_administrator_adds_a_mailbox_whose_password_is_write_only(client, world):
    client.force_login(world.admin)
    missing = client.post(reverse("admin:intake_mailbox_add"), form_data(world.ej.pk))
    assert missing.status_code == 200 and "password" in missing.context["adminform"].form.errors
    response = client.post(
        reverse("admin:intake_mailbox_add"), form_data(world.ej.pk, password=SECRET)
    )
    assert response.status_code == 302
    with brand_scope(world.ej):
        mailbox = Mailbox.objects.get()
    assert mailbox.get_password() == SECRET and SECRET not in mailbox.password_encrypted

    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    page = client.get(url).content.decode()
    assert 'name="password"' in page
    assert SECRET not in page and mailbox.password_encrypted not in page

    # Saving without typing it keeps the stored password.
    assert client.post(url, form_data(world.ej.pk, name="Plaintes")).status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.get_password()) == ("Plaintes", SECRET)
    # Pointing it at another server needs the password again (or it could be sent there).
    moved = client.post(url, form_data(world.ej.pk, host="imap.attacker.example"))
    assert moved.status_code == 200 and "password" in moved.context["adminform"].form.errors
    assert SECRET not in moved.content.decode()
    mailbox.refresh_from_db()
    assert mailbox.host == "imap.example.invalid"
    assert (
        client.post(
            url, form_data(world.ej.pk, host="imap2.example.invalid", password="nouveau")
        ).status_code
        == 302
    )
    mailbox.refresh_from_db()
    assert (mailbox.host, mailbox.get_password()) == ("imap2.example.invalid", "nouveau")
    # Moving mail into the folder it is read from would bring it back forever.
    loop = client.post(url, form_data(world.ej.pk, host="imap2.example.invalid", move_to="INBOX"))
    assert loop.status_code == 200 and "move_to" in loop.context["adminform"].form.errors


def test_saving_a_mailbox_leaves_the_poll_state_alone(client, world):
    """A poll may advance the checkpoint while the page is open: the save must not undo it."""
    mailbox = stored_mailbox(world)
    client.force_login(world.admin)
    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    client.get(url)
    with brand_scope(world.ej):
        Mailbox.objects.filter(pk=mailbox.pk).update(uidvalidity=7, last_uid=42)
    assert client.post(url, form_data(world.ej.pk, name="Plaintes")).status_code == 302
    mailbox.refresh_from_db()
    assert (mailbox.name, mailbox.uidvalidity, mailbox.last_uid) == ("Plaintes", 7, 42)


def test_mailboxes_are_for_the_administrators_of_their_brand(client, world):
    mailbox = stored_mailbox(world)
    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    assert_hidden_from_outsider(client, world.outsider_admin, url)
    assert_hidden_from_outsider(client, world.manager, url)  # same brand, not an administrator
    client.force_login(world.outsider_admin)
    listing = client.get(reverse("admin:intake_mailbox_changelist"))
    assert listing.status_code == 200 and "reclamations@" not in listing.content.decode()
    # An administrator of Jamla24 cannot create a mailbox for EJ.
    refused = client.post(
        reverse("admin:intake_mailbox_add"), form_data(world.ej.pk, password=SECRET)
    )
    assert refused.status_code == 200 and "brand" in refused.context["adminform"].form.errors


def test_incoming_emails_are_hidden_from_other_brands_and_from_non_administrators(client, world):
    inbound = ingest.ingest(raw_mail(), source=InboundSource.UPLOAD)
    for url in (
        reverse("admin:intake_inboundemail_change", args=[inbound.pk]),
        reverse("admin:intake_inboundemail_raw", args=[inbound.pk]),
    ):
        assert_hidden_from_outsider(client, world.outsider_admin, url)
        assert_hidden_from_outsider(client, world.manager, url)
    client.force_login(world.manager)
    assert client.get(reverse("admin:intake_inboundemail_changelist")).status_code == 403


def test_superusers_also_see_messages_with_no_brand(client, world):
    lost = ingest.ingest(raw_mail(to="personne@ailleurs.example"), source=InboundSource.UPLOAD)
    assert lost.brand is None and lost.state == InboundState.QUARANTINED
    ours = ingest.ingest(raw_mail(mid="a2"), source=InboundSource.UPLOAD)
    listing = reverse("admin:intake_inboundemail_changelist")
    client.force_login(world.superuser)
    assert client.get(listing).context["cl"].result_count == 2
    client.force_login(world.admin)
    assert [row.pk for row in client.get(listing).context["cl"].result_list] == [ours.pk]
    assert_hidden_from_outsider(
        client, world.admin, reverse("admin:intake_inboundemail_change", args=[lost.pk])
    )


def quarantine_one(monkeypatch) -> InboundEmail:
    real = ingest.parse_email

    def poisoned(raw, **kwargs):
        if b"POISON" in raw:
            raise RecursionError("MIME of death")
        return real(raw, **kwargs)

    monkeypatch.setattr(ingest, "parse_email", poisoned)
    inbound = ingest.ingest(raw_mail(body="POISON", mid="p1"), source=InboundSource.UPLOAD)
    monkeypatch.setattr(ingest, "parse_email", real)  # the fix
    return inbound


def test_the_quarantine_filters_by_state_and_reason(client, world, monkeypatch):
    poison = quarantine_one(monkeypatch)
    ingest.ingest(raw_mail(mid="ok1"), source=InboundSource.UPLOAD)
    client.force_login(world.admin)
    url = reverse("admin:intake_inboundemail_changelist")
    quarantined = client.get(url, {"state__exact": "quarantined", "reason": "error"})
    assert [row.pk for row in quarantined.context["cl"].result_list] == [poison.pk]
    assert client.get(url, {"state__exact": "ticket_message"}).context["cl"].result_count == 1


def test_a_quarantined_message_is_replayed_from_the_admin(client, world, monkeypatch):
    poison = quarantine_one(monkeypatch)
    assert poison.state == InboundState.QUARANTINED
    client.force_login(world.admin)
    response = client.post(
        reverse("admin:intake_inboundemail_changelist"),
        {"action": "replay", "_selected_action": [poison.pk]},
        follow=True,
    )
    assert response.status_code == 200
    poison.refresh_from_db()
    assert poison.state == InboundState.TICKET_MESSAGE and poison.ticket is not None


def test_the_raw_message_is_a_download_never_shown_inline(client, world):
    raw = raw_mail(body="<script>alert('piège')</script> CORPS-UNIQUE", mid="raw1")
    inbound = ingest.ingest(raw, source=InboundSource.UPLOAD)
    client.force_login(world.admin)
    page = client.get(reverse("admin:intake_inboundemail_change", args=[inbound.pk]))
    text = page.content.decode()
    assert page.status_code == 200
    assert "Colis abîmé" in text and "raw1@exemple.fr" in text  # the headers, decoded
    assert "CORPS-UNIQUE" not in text and "<script>alert" not in text
    raw_url = reverse("admin:intake_inboundemail_raw", args=[inbound.pk])
    assert raw_url in text
    download = client.get(raw_url)
    assert download.status_code == 200
    assert download["Content-Type"] == "message/rfc822"
    assert download["Content-Disposition"] == f'attachment; filename="inbound-{inbound.pk}.eml"'
    assert download["X-Content-Type-Options"] == "nosniff"
    assert download.content == raw


@pytest.mark.django_db(transaction=True)
def test_test_connection_and_poll_now_from_the_admin(client, world, dovecot, imap_folder):
    append(dovecot, imap_folder, raw_mail(mid="admin-poll"))
    client.force_login(world.admin)
    data = form_data(
        world.ej.pk,
        host=dovecot.host,
        port=dovecot.port,
        use_ssl=None,
        username=dovecot.user,
        password=dovecot.password,
        folder=imap_folder,
    )
    added = client.post(reverse("admin:intake_mailbox_add"), data, follow=True)
    assert added.status_code == 200
    with brand_scope(world.ej):
        mailbox = Mailbox.objects.get()
    listing = reverse("admin:intake_mailbox_changelist")
    checked = client.post(
        listing, {"action": "check_connection", "_selected_action": [mailbox.pk]}, follow=True
    )
    assert [m.level_tag for m in checked.context["messages"]] == ["success"]
    polled = client.post(
        listing, {"action": "poll_now", "_selected_action": [mailbox.pk]}, follow=True
    )
    assert [m.level_tag for m in polled.context["messages"]] == ["success"]
    with all_brands():
        assert InboundEmail.objects.get().header_message_id == "admin-poll@exemple.fr"
    assert b"\\Seen" in flags(dovecot, imap_folder)[b"<admin-poll@exemple.fr>"]

    # A wrong password: the error shows on the page, the password nowhere.
    url = reverse("admin:intake_mailbox_change", args=[mailbox.pk])
    wrong = f"{dovecot.password}-faux"
    assert client.post(url, {**data, "password": wrong}, follow=True).status_code == 200
    failed = client.post(
        listing, {"action": "poll_now", "_selected_action": [mailbox.pk]}, follow=True
    )
    assert [m.level_tag for m in failed.context["messages"]] == ["error"]
    pages = failed.content.decode() + client.get(url).content.decode()
    assert "AUTHENTICATIONFAILED" in pages
    assert wrong not in pages and dovecot.password not in pages
