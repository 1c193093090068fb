"""The SMTP/LMTP receiver, driven by smtplib over TCP: 250 only once the raw bytes are
committed, 550 for addresses no brand has, 451 when storing fails, one row per retry, one
reply per recipient in LMTP, 552 over the size limit, and the stored message processed."""

import os
import signal
import smtplib
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from pathlib import Path

import pytest
from django.db import OperationalError, connection
from django_tasks_db.models import DBTaskResult

from guichet.conftest import database_url
from guichet.intake.email import ingest
from guichet.intake.email.smtpd import Receiver
from guichet.intake.email.tasks import process_inbound
from guichet.intake.models import InboundEmail, InboundSource, InboundState, Mailbox
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.models import OutboundEmail

pytestmark = pytest.mark.django_db(transaction=True)

EJ = "support@experiencejamaique.com"
JAMLA = "support@jamla24.ma"
CUSTOMER = "helene@exemple.fr"
TIMEOUT = 10


def mail(*, to: str = EJ, message_id: str | None = "<smtp1@exemple.fr>", body: str = "") -> bytes:
    message = EmailMessage(policy=SMTP_POLICY)  # CRLF, as it travels: stored byte for byte
    message["From"] = f"Hélène Lefèvre <{CUSTOMER}>"
    message["To"] = to
    message["Subject"] = "Facture en double"
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body or "Bonjour, j'ai été débitée deux fois. Je suis mécontente.")
    return message.as_bytes()


@pytest.fixture
def receiver(world) -> Iterator[Receiver]:
    # Started after `world` is committed; stopped (its database threads closing their
    # connections) before the database is flushed.
    with Receiver(port=0, threads=2) as running:
        yield running


@pytest.fixture
def lmtp_receiver(world) -> Iterator[Receiver]:
    with Receiver(port=0, threads=2, lmtp=True) as running:
        yield running


def client(receiver: Receiver) -> smtplib.SMTP:
    return smtplib.SMTP("127.0.0.1", receiver.port, timeout=TIMEOUT)


def rows() -> list[InboundEmail]:
    with all_brands():
        return list(InboundEmail.objects.order_by("pk"))


def test_250_comes_after_the_commit_and_the_row_is_there_when_it_arrives(world, receiver):
    raw = mail()
    with client(receiver) as smtp:
        refused = smtp.sendmail(CUSTOMER, [EJ], raw)
    assert refused == {}
    [row] = rows()  # read by the test's own connection: committed
    assert (row.brand_id, row.source, row.state) == (world.ej.pk, "smtp", InboundState.RECEIVED)
    assert bytes(row.raw) == raw
    assert (row.envelope_from, row.envelope_to) == (CUSTOMER, [EJ])


def test_the_client_waits_for_its_reply_while_the_message_is_being_committed(receiver, monkeypatch):
    real_store = ingest.store
    storing, release = threading.Event(), threading.Event()

    def slow_store(raw, **kwargs):
        storing.set()
        assert release.wait(TIMEOUT)
        return real_store(raw, **kwargs)

    monkeypatch.setattr(ingest, "store", slow_store)
    answered = threading.Event()
    replies: list[object] = []

    def send() -> None:
        with client(receiver) as smtp:
            replies.append(smtp.sendmail(CUSTOMER, [EJ], mail()))
        answered.set()

    sender = threading.Thread(target=send)
    sender.start()
    assert storing.wait(TIMEOUT)
    assert not answered.is_set() and rows() == []  # nothing committed, nothing acknowledged
    release.set()
    sender.join(TIMEOUT)
    assert replies == [{}] and len(rows()) == 1


def test_an_address_no_brand_has_is_refused_with_550_at_rcpt(receiver):
    with client(receiver) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail(CUSTOMER, ["inconnu@experiencejamaique.com"], mail())
    [(code, text)] = refused.value.recipients.values()
    assert code == 550 and text.startswith(b"5.1.1")
    assert rows() == []


def test_of_two_recipients_only_the_brands_address_is_kept(world, receiver):
    with client(receiver) as smtp:
        refused = smtp.sendmail(CUSTOMER, [EJ, "autre@ailleurs.example"], mail())
    assert (
        list(refused) == ["autre@ailleurs.example"] and refused["autre@ailleurs.example"][0] == 550
    )
    [row] = rows()
    assert row.envelope_to == [EJ]


def test_a_retry_of_the_same_message_gets_250_and_stays_one_row(receiver):
    raw = mail()
    for _attempt in range(2):
        with client(receiver) as smtp:
            assert smtp.sendmail(CUSTOMER, [EJ], raw) == {}
    [row] = rows()
    assert bytes(row.raw) == raw


def test_a_database_failure_answers_451_and_nothing_is_half_stored(receiver, monkeypatch):
    def database_down(raw, **kwargs):
        raise OperationalError("connection to server at 127.0.0.1 failed")

    monkeypatch.setattr(ingest, "store", database_down)
    with client(receiver) as smtp, pytest.raises(smtplib.SMTPDataError) as failed:
        smtp.sendmail(CUSTOMER, [EJ], mail())
    assert failed.value.smtp_code == 451 and failed.value.smtp_error.startswith(b"4.3.0")
    assert b"connection to server" not in failed.value.smtp_error  # no internals told
    assert rows() == []
    monkeypatch.undo()  # the database is back: the sender's retry is stored
    with client(receiver) as smtp:
        assert smtp.sendmail(CUSTOMER, [EJ], mail()) == {}
    assert len(rows()) == 1


def test_a_failed_recipient_look_up_answers_451_at_rcpt(receiver, monkeypatch):
    def database_down():
        raise OperationalError("database is locked")

    monkeypatch.setattr(ingest, "brand_addresses", database_down)
    with client(receiver) as smtp, pytest.raises(smtplib.SMTPRecipientsRefused) as refused:
        smtp.sendmail(CUSTOMER, [EJ], mail())
    assert [code for code, _text in refused.value.recipients.values()] == [451]


def cut_the_receivers_connections() -> None:
    """What a database restart does to the connections the receiver's threads hold."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.mark.postgres
def test_after_a_database_restart_an_idle_receiver_reconnects_before_storing(world):
    # idle_seconds=0: every job counts as after a pause, so the connection is checked first
    with Receiver(port=0, threads=1, idle_seconds=0) as receiver, client(receiver) as smtp:
        assert smtp.sendmail(CUSTOMER, [EJ], mail()) == {}
        receiver.settle()
        cut_the_receivers_connections()
        assert smtp.sendmail(CUSTOMER, [EJ], mail(message_id="<smtp2@exemple.fr>")) == {}
    assert len(rows()) == 2


@pytest.mark.postgres
def test_a_connection_lost_while_busy_gives_one_451_and_the_retry_is_stored(world):
    # idle_seconds=3600: busy all along, the connection is not checked before use
    with Receiver(port=0, threads=1, idle_seconds=3600) as receiver, client(receiver) as smtp:
        assert smtp.sendmail(CUSTOMER, [EJ], mail()) == {}
        receiver.settle()  # its enqueue done: the next use of the connection is the store
        cut_the_receivers_connections()
        second = mail(message_id="<smtp2@exemple.fr>")
        with pytest.raises(smtplib.SMTPDataError) as failed:
            smtp.sendmail(CUSTOMER, [EJ], second)
        assert failed.value.smtp_code == 451
        smtp.rset()
        assert smtp.sendmail(CUSTOMER, [EJ], second) == {}  # on a fresh connection
    assert len(rows()) == 2


def test_one_message_to_two_brands_is_stored_once_for_each(world, receiver):
    with client(receiver) as smtp:
        assert smtp.sendmail(CUSTOMER, [EJ, JAMLA], mail(to=f"{EJ}, {JAMLA}")) == {}
    by_brand = {row.brand_id: row.envelope_to for row in rows()}
    assert by_brand == {world.ej.pk: [EJ], world.jamla.pk: [JAMLA]}  # each sees only its own


def test_lmtp_answers_once_per_recipient_after_data(world, lmtp_receiver, monkeypatch):
    real_store = ingest.store

    def jamla_down(raw, *, brand, **kwargs):
        if brand.pk == world.jamla.pk:
            raise OperationalError("jamla's table is locked")
        return real_store(raw, brand=brand, **kwargs)

    monkeypatch.setattr(ingest, "store", jamla_down)
    ej_sales = "ventes@experiencejamaique.com"
    with all_brands():
        Mailbox.objects.create(
            brand=world.ej, name="Ventes", address=ej_sales, host="imap.example", username="v"
        )
    with smtplib.LMTP("127.0.0.1", lmtp_receiver.port, timeout=TIMEOUT) as lmtp:
        assert lmtp.ehlo()[0] == 250  # LHLO
        assert lmtp.mail(CUSTOMER)[0] == 250
        assert [lmtp.rcpt(a)[0] for a in (EJ, "x@ailleurs.example", JAMLA, ej_sales)] == [
            250,
            550,
            250,
            250,
        ]
        first = lmtp.data(mail(to=f"{EJ}, {JAMLA}, {ej_sales}"))
        replies = [first, lmtp.getreply(), lmtp.getreply()]  # one per accepted recipient
    [row] = rows()
    assert [code for code, _text in replies] == [250, 451, 250]
    assert replies[0][1] == f"2.0.0 <{EJ}> Ok: stored as {row.pk}".encode()
    assert replies[2][1] == f"2.0.0 <{ej_sales}> Ok: stored as {row.pk}".encode()
    assert (row.brand_id, row.source, row.envelope_to) == (
        world.ej.pk,
        InboundSource.LMTP,
        [EJ, ej_sales],
    )


def test_a_message_over_the_size_limit_is_refused_with_552(world):
    with Receiver(port=0, threads=1, max_bytes=20_000) as small:
        big = mail(body="x" * 30_000)
        with smtplib.SMTP("127.0.0.1", small.port, timeout=TIMEOUT) as smtp:
            # smtplib announces the size (the server advertised SIZE): refused at MAIL
            with pytest.raises(smtplib.SMTPSenderRefused) as at_mail:
                smtp.sendmail(CUSTOMER, [EJ], big)
            assert at_mail.value.smtp_code == 552
            smtp.rset()
            # a client that does not announce it is refused after DATA
            assert smtp.mail(CUSTOMER)[0] == 250 and smtp.rcpt(EJ)[0] == 250
            assert smtp.data(big)[0] == 552
    assert rows() == []


def test_a_bounce_with_the_null_sender_is_accepted(receiver):
    with client(receiver) as smtp:
        assert smtp.sendmail("<>", [EJ], mail(message_id="<dsn1@mx.example>")) == {}
    [row] = rows()
    assert row.envelope_from == "<>"


def test_after_the_250_the_message_is_queued_for_processing_and_becomes_a_ticket(world, receiver):
    with client(receiver) as smtp:
        smtp.sendmail(CUSTOMER, [EJ], mail())
    receiver.settle()
    [row] = rows()
    [task] = DBTaskResult.objects.filter(task_path="guichet.intake.email.tasks.process_inbound")
    assert task.args_kwargs["args"] == [row.pk]
    assert process_inbound.call(row.pk) == 1  # what the worker runs: processed one
    row.refresh_from_db()
    assert row.state == InboundState.TICKET_MESSAGE
    assert row.new_ticket and row.ticket.brand == world.ej
    with brand_scope(world.ej):
        assert row.ticket.messages.get(direction="in").external_id == "smtp1@exemple.fr"
        assert OutboundEmail.objects.filter(ticket=row.ticket, automatic=True).exists()


def test_a_retry_is_not_queued_again(receiver):
    for _attempt in range(2):
        with client(receiver) as smtp:
            smtp.sendmail(CUSTOMER, [EJ], mail())
    receiver.settle()
    assert (
        DBTaskResult.objects.filter(task_path="guichet.intake.email.tasks.process_inbound").count()
        == 1
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_the_command_receives_until_sigterm_and_stops_cleanly(world):
    port = free_port()
    env = {**os.environ, "DATABASE_URL": database_url(), "PYTHONUNBUFFERED": "1"}
    command = subprocess.Popen(
        [sys.executable, "-m", "guichet", "smtpd", "--port", str(port)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    )
    try:
        banner = command.stdout.readline().decode()  # written once it listens
        assert f"SMTP receiver on 127.0.0.1:{port}" in banner, command.stderr.read()
        with smtplib.SMTP("127.0.0.1", port, timeout=TIMEOUT) as smtp:
            assert smtp.sendmail(CUSTOMER, [EJ], mail()) == {}
        command.send_signal(signal.SIGTERM)
        out, err = command.communicate(timeout=30)
    finally:
        if command.poll() is None:
            command.kill()
            command.wait()
    assert command.returncode == 0, err.decode()
    assert "SMTP receiver stopped." in out.decode()
    assert len(rows()) == 1
