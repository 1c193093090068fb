"""IMAP polling against a real dovecot: every message arrives once, none is lost, and the
server forgets a message only after it is committed."""

from __future__ import annotations

import logging
import os
import ssl
import subprocess
import sys
import threading
import time
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.db import connection
from django.db.models.functions import Now
from django_tasks_db.models import DBTaskResult

from guichet.conftest import database_url
from guichet.intake.email import imap, ingest
from guichet.intake.email.stats import inbound_stats
from guichet.intake.models import InboundEmail, InboundSource, InboundState, Mailbox
from guichet.intake.tests import dovecot as imap_server
from guichet.intake.tests.dovecot import Dovecot, append, flags
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets.models import Message

pytestmark = pytest.mark.django_db(transaction=True)
dovecot = imap_server.dovecot  # the fixtures: a real IMAP server, a folder per test
imap_folder = imap_server.imap_folder

EJ = "support@experiencejamaique.com"
SEEN = b"\\Seen"


def mail(n: int | str, *, body: str | None = None, message_id: str | None = None) -> bytes:
    message = EmailMessage()
    message["From"] = f"Client {n} <client{n}@exemple.fr>"
    message["To"] = EJ
    message["Subject"] = f"Demande {n}"
    message["Message-ID"] = message_id or f"<imap-{n}@exemple.fr>"
    message.set_content(body or f"Bonjour, voici ma demande numéro {n}.")
    return message.as_bytes()


def mailbox_for(
    world,
    server: Dovecot,
    folder: str,
    *,
    address: str = "courrier@experiencejamaique.com",
    **fields,
) -> Mailbox:
    with brand_scope(world.ej):
        settings = {
            "name": "Courrier",
            "host": server.host,
            "port": server.port,
            "use_ssl": False,
            "username": server.user,
            **fields,
        }
        mailbox = Mailbox(brand=world.ej, address=address, folder=folder, **settings)
        mailbox.set_password(server.password)
        mailbox.save()
    return mailbox


def rows() -> list[InboundEmail]:
    with all_brands():
        return list(InboundEmail.objects.order_by("pk"))


def queued() -> list[int]:
    """Inbound ids that poll queued for processing."""
    return [
        result.args_kwargs["args"][0]
        for result in DBTaskResult.objects.filter(
            task_path="guichet.intake.email.tasks.process_inbound", status="READY"
        ).order_by("enqueued_at")
    ]


def process_queued() -> list[InboundEmail]:
    """What the worker does with the queued tasks, in this process."""
    done = [ingest.process(inbound_id) for inbound_id in queued()]
    DBTaskResult.objects.filter(task_path="guichet.intake.email.tasks.process_inbound").delete()
    return done


def test_a_new_message_becomes_a_ticket_and_is_marked_seen_only_after_the_commit(
    world, dovecot, imap_folder, monkeypatch
):
    append(dovecot, imap_folder, mail(1))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    seen_at_store: list[set[bytes]] = []
    committed_at_mark: list[bool] = []
    real_store, real_finish = ingest.store, imap._finish_on_server

    def store(raw, **kwargs):
        seen_at_store.append(flags(dovecot, imap_folder)[b"<imap-1@exemple.fr>"])
        return real_store(raw, **kwargs)

    def finish(conn, box, uids):
        # Outside any transaction, a row that a query finds is committed.
        committed_at_mark.append(not connection.in_atomic_block and len(rows()) == 1)
        assert flags(dovecot, imap_folder)[b"<imap-1@exemple.fr>"] == set()  # not yet seen
        return real_finish(conn, box, uids)

    monkeypatch.setattr(ingest, "store", store)
    monkeypatch.setattr(imap, "_finish_on_server", finish)
    stats = imap.poll(mailbox)

    assert (stats["fetched"], stats["new"], stats["failed"], stats["errors"]) == (1, 1, 0, 0)
    assert seen_at_store == [set()]  # fetched with PEEK: still unseen while it was stored
    assert committed_at_mark == [True]
    assert SEEN in flags(dovecot, imap_folder)[b"<imap-1@exemple.fr>"]
    assert (mailbox.last_uid, mailbox.last_error) == (1, "")
    assert mailbox.uidvalidity and mailbox.polled_at
    [row] = rows()
    assert (row.source, row.mailbox_id, row.brand_id) == (
        InboundSource.IMAP,
        mailbox.pk,
        world.ej.pk,
    )
    assert queued() == [row.pk]
    [processed] = process_queued()
    assert processed.state == InboundState.TICKET_MESSAGE and processed.new_ticket
    assert processed.ticket.brand == world.ej


def test_move_to_moves_committed_messages_into_a_folder_it_creates(world, dovecot, imap_folder):
    append(dovecot, imap_folder, mail(1), mail(2))
    target = f"{imap_folder} réclamations traitées"  # a space and accents: quoted, UTF-7
    mailbox = mailbox_for(world, dovecot, imap_folder, move_to=target)
    stats = imap.poll(mailbox)
    assert (stats["new"], stats["errors"], mailbox.last_error) == (2, 0, "")
    assert flags(dovecot, imap_folder) == {}
    conn = dovecot.client()
    assert conn.select(imap._folder(target))[0] == "OK"
    conn.logout()
    assert len(rows()) == 2


def test_polling_again_fetches_nothing_new(world, dovecot, imap_folder):
    append(dovecot, imap_folder, mail(1), mail(2))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    assert imap.poll(mailbox)["new"] == 2
    again = imap.poll(mailbox)
    assert (again["fetched"], again["new"], again["duplicates"]) == (0, 0, 0)
    append(dovecot, imap_folder, mail(3))
    third = imap.poll(mailbox)
    assert (third["fetched"], third["new"]) == (1, 1)
    assert [r.header_message_id for r in rows()] == [f"imap-{n}@exemple.fr" for n in (1, 2, 3)]


@pytest.mark.timeout(600)
def test_a_backlog_of_500_messages_after_an_outage_all_arrives(world, dovecot, imap_folder):
    mailbox = mailbox_for(world, dovecot, imap_folder)
    append(dovecot, imap_folder, mail(0))
    assert imap.poll(mailbox)["new"] == 1
    process_queued()
    # The server is unreachable for a while (wrong port): the poll records it and stops.
    with brand_scope(world.ej):
        Mailbox.objects.filter(pk=mailbox.pk).update(port=1)
    down = imap.poll(mailbox)
    assert down["errors"] == 1 and "cannot connect" in mailbox.last_error
    # Meanwhile 500 messages arrive.
    started = time.monotonic()
    append(dovecot, imap_folder, *(mail(n) for n in range(1, 501)))
    appended = time.monotonic() - started
    with brand_scope(world.ej):
        Mailbox.objects.filter(pk=mailbox.pk).update(port=dovecot.port)

    started = time.monotonic()
    stats = imap.poll(mailbox)
    polled = time.monotonic() - started
    started = time.monotonic()
    processed = process_queued()
    processing = time.monotonic() - started

    assert (stats["fetched"], stats["new"], stats["failed"], stats["errors"]) == (500, 500, 0, 0)
    assert mailbox.last_error == "" and mailbox.last_uid == 501
    assert len(processed) == 500
    accounts = inbound_stats(world.ej)
    assert (accounts["received"], accounts["new_tickets"]) == (501, 501)
    assert accounts["accounted"] and accounts["all_processed"]
    assert all(SEEN in f for f in flags(dovecot, imap_folder).values())
    print(
        f"\n500-message backlog ({connection.vendor}): APPEND {appended:.1f}s, "
        f"poll {polled:.1f}s, processing {processing:.1f}s"
    )


def test_a_message_too_large_is_kept_in_part_with_a_note_never_read_whole(
    world, dovecot, imap_folder, settings, monkeypatch
):
    settings.GUICHET_INBOUND_MAX_BYTES = 100_000
    large = EmailMessage()
    large["From"] = "Client <client-large@exemple.fr>"
    large["To"] = EJ
    large["Subject"] = "Photos du colis abîmé"
    large["Message-ID"] = "<imap-large@exemple.fr>"
    large.set_content("Voici les photos du colis abîmé, en pièce jointe.")
    large.add_attachment(os.urandom(2_000_000), maintype="image", subtype="jpeg", filename="a.jpg")
    append(dovecot, imap_folder, large.as_bytes(), mail(2))
    read: list[int] = []
    real_parts = imap._parts

    def parts(data, uid):
        read.append(sum(len(item[1]) for item in data if isinstance(item, tuple)))
        return real_parts(data, uid)

    monkeypatch.setattr(imap, "_parts", parts)
    mailbox = mailbox_for(world, dovecot, imap_folder)
    stats = imap.poll(mailbox)
    assert (stats["new"], stats["failed"]) == (2, 0)
    assert max(read) <= imap.HEAD_BYTES + imap.KEPT_BYTES  # never the whole 2.7 MB message
    kept = next(r for r in rows() if r.header_message_id == "imap-large@exemple.fr")
    assert kept.original_size > 2_000_000 and kept.size <= imap.HEAD_BYTES + imap.KEPT_BYTES
    [inbound] = [r for r in process_queued() if r.pk == kept.pk]
    assert inbound.state == InboundState.TICKET_MESSAGE
    with brand_scope(world.ej):
        text = inbound.message.text
    assert "Voici les photos du colis abîmé" in text
    assert "trop volumineux" in text and str(kept.original_size) in text
    assert SEEN in flags(dovecot, imap_folder)[b"<imap-large@exemple.fr>"]  # not fetched again


def test_a_uidvalidity_change_loses_nothing_and_duplicates_nothing(world, dovecot, imap_folder):
    append(dovecot, imap_folder, mail(1), mail(2), mail(3))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    assert imap.poll(mailbox)["new"] == 3
    before = mailbox.uidvalidity
    # The folder is recreated (a server migration, a restore): UIDs start again at 1, so
    # the new message gets a UID the checkpoint (3) already covers.
    conn = dovecot.client()
    assert conn.delete(imap_folder)[0] == "OK" and conn.create(imap_folder)[0] == "OK"
    conn.logout()
    append(dovecot, imap_folder, mail(4), mail(2))
    stats = imap.poll(mailbox)
    assert mailbox.uidvalidity != before
    assert (stats["new"], stats["duplicates"], stats["failed"]) == (1, 1, 0)
    assert mailbox.last_uid == 2
    assert sorted(r.header_message_id for r in rows()) == [
        f"imap-{n}@exemple.fr" for n in (1, 2, 3, 4)
    ]
    assert all(SEEN in f for f in flags(dovecot, imap_folder).values())


def test_the_same_message_in_two_folders_of_one_brand_is_one_ticket_message(
    world, dovecot, imap_folder
):
    other_folder = f"{imap_folder}-archive"
    conn = dovecot.client()
    conn.create(other_folder)
    conn.logout()
    raw = mail(1)
    append(dovecot, imap_folder, raw)
    append(dovecot, other_folder, raw)
    inbox = mailbox_for(world, dovecot, imap_folder)
    archive = mailbox_for(world, dovecot, other_folder, address="archive@experiencejamaique.com")
    first, second = imap.poll(inbox), imap.poll(archive)
    assert (first["new"], second["new"], second["duplicates"]) == (1, 0, 1)
    [processed] = process_queued()
    assert processed.state == InboundState.TICKET_MESSAGE
    with brand_scope(world.ej):
        assert Message.objects.filter(external_id="imap-1@exemple.fr").count() == 1
    # Both copies are marked: neither is fetched again.
    assert SEEN in flags(dovecot, other_folder)[b"<imap-1@exemple.fr>"]
    assert imap.poll(archive)["fetched"] == 0


def test_two_concurrent_polls_of_one_mailbox_give_one_ticket_per_message(
    world, dovecot, imap_folder
):
    append(dovecot, imap_folder, *(mail(n) for n in range(20)))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    start = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def poller() -> None:
        try:
            with brand_scope(world.ej):
                mine = Mailbox.objects.get(pk=mailbox.pk)
            start.wait()
            results.append(imap.poll(mine))
        finally:
            connection.close()

    threads = [threading.Thread(target=poller) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert len(results) == 2
    assert sum(r["busy"] for r in results) == 1  # the lease let one of them in
    assert sum(r["new"] for r in results) == 20
    assert len(process_queued()) == 20
    with brand_scope(world.ej):
        per_message = [
            Message.objects.filter(external_id=f"imap-{n}@exemple.fr").count() for n in range(20)
        ]
    assert per_message == [1] * 20


def test_a_poll_whose_lease_was_taken_over_stops_and_duplicates_nothing(
    world, dovecot, imap_folder, monkeypatch
):
    """A poll slower than its lease: another poll takes the mailbox over; the first stops at
    its next write, and what both fetched is stored once."""
    append(dovecot, imap_folder, *(mail(n) for n in range(6)))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    real_store = ingest.store
    taken_over: list[dict[str, int]] = []
    once: list[bool] = []

    def slow_store(raw, **kwargs):
        stored = real_store(raw, **kwargs)
        if not once and b"imap-2@" in raw:
            once.append(True)
            with brand_scope(world.ej):
                Mailbox.objects.filter(pk=mailbox.pk).update(
                    poll_lease_until=Now() - timedelta(seconds=1)
                )
            monkeypatch.setattr(imap, "RENEW_SECONDS", 0.0)
            with brand_scope(world.ej):
                other = Mailbox.objects.get(pk=mailbox.pk)
            taken_over.append(imap.poll(other))
        return stored

    monkeypatch.setattr(ingest, "store", slow_store)
    first = imap.poll(mailbox)
    assert first["errors"] == 1  # LeaseLost: it stopped
    assert taken_over[0]["new"] + first["new"] == 6
    assert len(rows()) == 6
    with brand_scope(world.ej):
        assert Mailbox.objects.get(pk=mailbox.pk).last_uid == 6


@pytest.mark.parametrize("where", ["fetch", "store"])
def test_a_poison_message_does_not_stop_the_others_and_is_retried_on_the_next_poll(
    world, dovecot, imap_folder, monkeypatch, where
):
    import imaplib

    append(dovecot, imap_folder, mail(1), mail(2, body="POISON"), mail(3))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    real_fetch, real_store = imap._fetch, ingest.store

    def fetch(conn, uid, size=None):
        if uid == 2:
            raise imaplib.IMAP4.error("UID FETCH 2: NO [SERVERBUG] cannot read the message")
        return real_fetch(conn, uid, size)

    def store(raw, **kwargs):
        if b"POISON" in raw:
            raise RecursionError("MIME of death")
        return real_store(raw, **kwargs)

    if where == "fetch":
        monkeypatch.setattr(imap, "_fetch", fetch)
    else:
        monkeypatch.setattr(ingest, "store", store)
    stats = imap.poll(mailbox)
    assert (stats["new"], stats["failed"], stats["errors"]) == (2, 1, 0)
    assert "UID 2" in mailbox.last_error and "retried on the next poll" in mailbox.last_error
    assert mailbox.last_uid == 3  # the checkpoint moved on; the server keeps it unseen
    on_server = flags(dovecot, imap_folder)
    assert SEEN not in on_server[b"<imap-2@exemple.fr>"]
    assert SEEN in on_server[b"<imap-1@exemple.fr>"] and SEEN in on_server[b"<imap-3@exemple.fr>"]

    monkeypatch.undo()  # the fix
    retry = imap.poll(mailbox)
    assert (retry["fetched"], retry["new"], retry["failed"]) == (1, 1, 0)
    assert mailbox.last_error == ""
    assert SEEN in flags(dovecot, imap_folder)[b"<imap-2@exemple.fr>"]
    assert [p.state for p in process_queued()] == [InboundState.TICKET_MESSAGE] * 3


def test_a_message_that_fails_processing_is_quarantined_and_the_others_arrive(
    world, dovecot, imap_folder, monkeypatch
):
    real = ingest.parse_email

    def poisoned(raw, **kwargs):
        if b"POISON" in raw:
            raise RecursionError("MIME of death")
        return real(raw, **kwargs)

    monkeypatch.setattr(ingest, "parse_email", poisoned)
    append(dovecot, imap_folder, mail(1), mail(2, body="POISON"), mail(3))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    assert imap.poll(mailbox)["new"] == 3
    assert [p.state for p in process_queued()] == [
        InboundState.TICKET_MESSAGE,
        InboundState.QUARANTINED,
        InboundState.TICKET_MESSAGE,
    ]
    assert all(SEEN in f for f in flags(dovecot, imap_folder).values())  # stored: kept by us


KILL_AFTER_INSERT = """
import os, signal
from guichet.intake.email import imap
from guichet.intake.models import InboundEmail

real_save = InboundEmail.save

def save_then_die(self, *args, **kwargs):
    real_save(self, *args, **kwargs)  # the INSERT is made, inside store()'s transaction
    os.kill(os.getpid(), signal.SIGKILL)  # killed before the COMMIT

InboundEmail.save = save_then_die
imap.poll_all()
"""


def run_guichet(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "guichet", "shell", "--no-imports", "-c", code],
        env={**os.environ, "DATABASE_URL": database_url(), "LOG_LEVEL": "DEBUG"},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_a_worker_killed_between_fetch_and_commit_leaves_the_message_on_the_server(
    world, dovecot, imap_folder
):
    append(dovecot, imap_folder, mail(1))
    mailbox = mailbox_for(world, dovecot, imap_folder)

    killed = run_guichet(KILL_AFTER_INSERT)
    assert killed.returncode == -9, killed.stderr
    assert rows() == []  # nothing was committed
    assert flags(dovecot, imap_folder)[b"<imap-1@exemple.fr>"] == set()  # still there, unseen
    with brand_scope(world.ej):
        dead = Mailbox.objects.get(pk=mailbox.pk)
    assert dead.last_uid == 0 and dead.poll_lease_owner  # the dead worker's lease
    assert imap.poll(dead)["busy"] == 1  # nobody polls it meanwhile…
    # …until the lease runs out (LEASE, five minutes; moved forward instead of waited for).
    with brand_scope(world.ej):
        Mailbox.objects.filter(pk=mailbox.pk).update(poll_lease_until=Now() - timedelta(seconds=1))

    again = run_guichet("from guichet.intake.email import imap; print(imap.poll_all())")
    assert again.returncode == 0, again.stderr
    assert "'new': 1" in again.stdout
    assert dovecot.password not in again.stdout + again.stderr + killed.stderr
    assert imap.poll(mailbox)["fetched"] == 0
    [row] = rows()
    assert SEEN in flags(dovecot, imap_folder)[b"<imap-1@exemple.fr>"]
    [processed] = process_queued()
    assert processed.pk == row.pk and processed.state == InboundState.TICKET_MESSAGE


def test_the_password_is_encrypted_and_never_in_errors_or_logs(world, dovecot, imap_folder, caplog):
    caplog.set_level(logging.DEBUG)
    append(dovecot, imap_folder, mail(1))
    mailbox = mailbox_for(world, dovecot, imap_folder)
    with connection.cursor() as cursor:
        cursor.execute("SELECT password_encrypted FROM intake_mailbox WHERE id = %s", [mailbox.pk])
        [(stored,)] = cursor.fetchall()
    assert stored and dovecot.password not in stored
    assert mailbox.get_password() == dovecot.password
    assert dovecot.password not in repr(mailbox) + str(mailbox)

    wrong = f"{dovecot.password}-wrong"
    with brand_scope(world.ej):
        mailbox.set_password(wrong)
        mailbox.save()
    stats = imap.poll(mailbox)
    assert stats["errors"] == 1 and "refused the sign-in" in mailbox.last_error
    with brand_scope(world.ej):
        mailbox.set_password(dovecot.password)
        mailbox.save()
    assert imap.poll(mailbox)["new"] == 1, mailbox.last_error
    assert mailbox.last_error == ""
    for secret in (dovecot.password, wrong):
        assert secret not in caplog.text
        assert secret not in mailbox.last_error


def test_a_password_in_an_error_text_is_masked():
    error = OSError("could not send 'LOGIN bob s3cret-Pässwörd'")
    text = imap._describe(error, "s3cret-Pässwörd")
    assert "s3cret" not in text and "********" in text
    escaped = imap._describe(OSError(repr("s3cret-Pässwörd")), "s3cret-Pässwörd")
    assert "s3cret" not in escaped


def test_imaps_verifies_the_server_certificate(world, dovecot, imap_folder, monkeypatch):
    append(dovecot, imap_folder, mail(1))
    mailbox = mailbox_for(world, dovecot, imap_folder, use_ssl=True, port=dovecot.ssl_port)
    untrusted = imap.poll(mailbox)  # self-signed: the system's authorities refuse it
    assert untrusted["errors"] == 1 and "CERTIFICATE_VERIFY_FAILED" in mailbox.last_error
    assert rows() == []
    monkeypatch.setattr(
        imap, "tls_context", lambda: ssl.create_default_context(cafile=str(dovecot.ca_file))
    )
    assert imap.poll(mailbox)["new"] == 1 and mailbox.last_error == ""


def test_starttls_on_the_imap_port(world, dovecot, imap_folder, monkeypatch):
    append(dovecot, imap_folder, mail(1))
    monkeypatch.setattr(imap, "STARTTLS_PORTS", frozenset({dovecot.port}))
    monkeypatch.setattr(
        imap, "tls_context", lambda: ssl.create_default_context(cafile=str(dovecot.ca_file))
    )
    mailbox = mailbox_for(world, dovecot, imap_folder, use_ssl=True)
    assert imap.poll(mailbox)["new"] == 1 and mailbox.last_error == ""


def test_poll_all_goes_on_past_a_broken_mailbox(world, dovecot, imap_folder):
    append(dovecot, imap_folder, mail(1))
    broken = mailbox_for(world, dovecot, "no-such-folder", address="vide@experiencejamaique.com")
    mailbox_for(world, dovecot, imap_folder)
    mailbox_for(
        world, dovecot, imap_folder, address="inactif@experiencejamaique.com", is_active=False
    )
    total = imap.poll_all()
    assert (total["mailboxes"], total["errors"], total["new"]) == (2, 1, 1)
    broken.refresh_from_db()
    assert "cannot open the folder 'no-such-folder'" in broken.last_error and broken.polled_at


def test_poll_refuses_to_run_inside_a_transaction(world, dovecot, imap_folder):
    from django.db import transaction

    mailbox = mailbox_for(world, dovecot, imap_folder)
    with pytest.raises(RuntimeError), transaction.atomic():
        imap.poll(mailbox)


def test_folder_names_are_quoted_in_modified_utf7():
    assert imap._mutf7("Réclamations traitées") == "R&AOk-clamations trait&AOk-es"
    assert imap._mutf7("A&B") == "A&-B"
    assert imap._folder('Dossier "x"') == '"Dossier \\"x\\""'
    assert imap._uid_set([5, 1, 2, 3, 9, 10]) == "1:3,5,9:10"
