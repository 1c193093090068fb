"""Delivering the outbox to a real SMTP server (aiosmtpd on a free port): once each, with
our Message-ID, threading headers, the reference in the subject, text and sanitised HTML,
attachments, robots' headers on automatic emails only; 4xx and a server that is down are
retried with back-off, 5xx fails at once; a reply to what we sent threads back."""

import socket
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default as default_policy
from email.utils import parseaddr
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from django.conf import settings as django_settings
from django.db import transaction

from guichet.intake.email import ingest
from guichet.intake.models import InboundSource, InboundState
from guichet.lib.scoping import brand_scope
from guichet.notify.delivery import BACKOFF, deliver_due
from guichet.notify.models import OutboundEmail, OutboxStatus
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db

EJ = "support@experiencejamaique.com"
CUSTOMER = "helene@exemple.fr"


class Recorder:
    """The outgoing server's handler: keeps what it accepts, refuses when told to."""

    def __init__(self) -> None:
        self.received: list[Envelope] = []
        self.attempts = 0
        self.refuse_data = ""  # e.g. "451 4.3.0 ...": the reply to DATA
        self.refuse_rcpt = ""
        self.drop_next = False  # close the connection instead of answering DATA

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: Any
    ) -> str:
        if self.refuse_rcpt:
            return self.refuse_rcpt
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        self.attempts += 1
        if self.drop_next:
            self.drop_next = False
            assert server.transport is not None
            server.transport.close()
            return "421 4.4.2 closing"
        if self.refuse_data:
            return self.refuse_data
        self.received.append(envelope)
        return "250 2.0.0 Ok: queued"

    def messages(self) -> list[EmailMessage]:
        return [
            message_from_bytes(e.original_content or b"", policy=default_policy)
            for e in self.received
        ]


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def port(settings) -> int:
    chosen = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": chosen, "timeout": 5},
        }
    }
    return chosen


def start_server(port: int) -> tuple[Controller, Recorder]:
    recorder = Recorder()
    controller = Controller(recorder, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, recorder


@pytest.fixture
def server(port) -> Iterator[Recorder]:
    controller, recorder = start_server(port)
    yield recorder
    controller.stop()


def outbox(ticket: Ticket) -> list[OutboundEmail]:
    with brand_scope(ticket.brand_id):
        return list(OutboundEmail.objects.filter(ticket=ticket).order_by("pk"))


def verbs(ticket: Ticket) -> list[str]:
    with brand_scope(ticket.brand_id):
        return list(
            ticket.events.filter(verb__startswith="email_")
            .order_by("pk")
            .values_list("verb", flat=True)
        )


def customer_email(**headers: str) -> bytes:
    message = EmailMessage()
    message["From"] = f"Hélène Lefèvre <{CUSTOMER}>"
    message["To"] = EJ
    message["Subject"] = headers.pop("Subject", "Facture en double")
    message["Message-ID"] = headers.pop("Message_ID", "<c1@exemple.fr>")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content("Bonjour, j'ai été débitée deux fois pour ma réservation.")
    return message.as_bytes()


@pytest.fixture
def ticket(world) -> Ticket:
    """A ticket opened by the customer's email <c1@exemple.fr>, its acknowledgement queued,
    then an agent's reply with HTML and an attachment."""
    inbound = ingest.ingest(customer_email(), source=InboundSource.SMTP, envelope_to=[EJ])
    ticket = inbound.ticket
    assert ticket is not None
    quote = attachment_store(
        brand=world.ej,
        filename="remboursement.pdf",
        content=b"%PDF-1.4 remboursement",
        content_type="application/pdf",
    )
    services.ticket_reply(
        ticket=ticket,
        actor=world.agent,
        text="Bonjour, nous vous remboursons le second débit.",
        html='<p>Bonjour, <b>nous vous remboursons</b><script>alert("x")</script></p>',
        attachments=[quote],
    )
    return ticket


def test_a_letter_and_an_agent_reply_are_delivered_once_each_with_their_headers(
    world, ticket, server, frozen_clock
):
    ack, reply = outbox(ticket)
    assert (ack.automatic, reply.automatic) == (True, False)
    assert {ack.status, reply.status} == {OutboxStatus.QUEUED}  # visible before delivery
    assert deliver_due() == {"sent": 3}  # these two, and the acknowledgement of world.ticket
    assert deliver_due() == {}  # nothing twice
    assert len(server.received) == 3

    by_id = {
        m["Message-ID"]: (m, e) for m, e in zip(server.messages(), server.received, strict=True)
    }
    for row in (ack, reply):
        row.refresh_from_db()
        assert (row.status, row.sent_at, row.attempts) == (OutboxStatus.SENT, frozen_clock.now(), 1)
        assert row.rfc_message_id.endswith("@" + django_settings.GUICHET_EMAIL_DOMAIN)
        sent, envelope = by_id[f"<{row.rfc_message_id}>"]
        assert envelope.rcpt_tos == [CUSTOMER] and envelope.mail_from == EJ
        assert f"[{ticket.reference}]" in sent["Subject"]
        assert sent["In-Reply-To"] == "<c1@exemple.fr>"  # the customer's email
        assert "<c1@exemple.fr>" in sent["References"].split()
        plain = sent.get_body(("plain",)).get_content().replace("\r\n", "\n")
        assert plain.strip() == row.text.strip()
        assert sent.get_body(("html",)) is not None
    sent_ack, _ = by_id[f"<{ack.rfc_message_id}>"]
    sent_reply, _ = by_id[f"<{reply.rfc_message_id}>"]
    assert sent_ack["Auto-Submitted"] == "auto-generated"
    assert sent_ack["X-Auto-Response-Suppress"] == "All"
    assert sent_reply["Auto-Submitted"] is None and sent_reply["X-Auto-Response-Suppress"] is None
    assert f"<{ack.rfc_message_id}>" in sent_reply["References"].split()  # the whole thread
    html = sent_reply.get_body(("html",)).get_content()
    assert "<b>nous vous remboursons</b>" in html and "script" not in html
    assert [(p.get_filename(), p.get_content()) for p in sent_reply.iter_attachments()] == [
        ("remboursement.pdf", b"%PDF-1.4 remboursement")
    ]
    assert verbs(ticket) == ["email_sent", "email_sent"]


def test_a_4xx_refusal_is_retried_with_back_off_then_failed(world, server, frozen_clock):
    server.refuse_data = "451 4.3.0 Try again later"
    [ack] = outbox(world.ticket)
    for attempt, delay in enumerate(BACKOFF, start=1):
        assert deliver_due() == {"retry": 1}
        ack.refresh_from_db()
        assert (ack.status, ack.attempts) == (OutboxStatus.QUEUED, attempt)
        assert ack.next_attempt_at == frozen_clock.now() + delay and "451" in ack.last_error
        assert deliver_due() == {}  # not due yet
        frozen_clock.advance(delay)
    assert deliver_due() == {"failed": 1}
    ack.refresh_from_db()
    assert (ack.status, ack.attempts, ack.next_attempt_at) == (
        OutboxStatus.FAILED,
        len(BACKOFF) + 1,
        None,
    )
    assert server.attempts == len(BACKOFF) + 1 and server.received == []
    assert verbs(world.ticket) == ["email_failed"]
    with brand_scope(world.ej):
        failed = world.ticket.events.get(verb="email_failed")
    assert failed.data["attempts"] == len(BACKOFF) + 1 and "451" in failed.data["error"]


def test_a_5xx_refusal_fails_at_once(world, server):
    server.refuse_rcpt = "550 5.1.1 User unknown"
    assert deliver_due() == {"failed": 1}
    [ack] = outbox(world.ticket)
    assert (ack.status, ack.attempts) == (OutboxStatus.FAILED, 1) and "5.1.1" in ack.last_error
    assert verbs(world.ticket) == ["email_failed"]


def test_a_server_that_is_down_is_retried_and_the_email_goes_once_it_is_up(
    world, port, frozen_clock
):
    [ack] = outbox(world.ticket)
    assert deliver_due() == {"retry": 1}  # nothing listens on the port
    ack.refresh_from_db()
    assert (ack.status, ack.attempts) == (OutboxStatus.QUEUED, 1)
    assert "ConnectionRefusedError" in ack.last_error
    assert ack.next_attempt_at == frozen_clock.now() + BACKOFF[0]
    controller, recorder = start_server(port)
    try:
        frozen_clock.advance(BACKOFF[0])
        assert deliver_due() == {"sent": 1}
    finally:
        controller.stop()
    ack.refresh_from_db()
    assert (ack.status, ack.attempts, ack.last_error) == (OutboxStatus.SENT, 2, "")
    assert len(recorder.received) == 1 and verbs(world.ticket) == ["email_sent"]


def test_a_connection_lost_mid_batch_is_opened_again_for_the_next_email(world, server):
    services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Nous regardons.")
    server.drop_next = True
    assert deliver_due() == {"retry": 1, "sent": 1}
    first, second = outbox(world.ticket)
    assert (first.status, second.status) == (OutboxStatus.QUEUED, OutboxStatus.SENT)
    assert "SMTPServerDisconnected" in first.last_error


def test_the_customers_reply_to_the_delivered_email_threads_onto_the_ticket(
    world, ticket, server, frozen_clock
):
    deliver_due()
    reply_row = outbox(ticket)[1]
    [ours] = [m for m in server.messages() if m["Message-ID"] == f"<{reply_row.rfc_message_id}>"]
    frozen_clock.advance(hours=2)
    answer = customer_email(
        Subject=f"RE: {ours['Subject']}",
        Message_ID="<c2@exemple.fr>",
        In_Reply_To=ours["Message-ID"],
        References=f"{ours['References']} {ours['Message-ID']}",
    )
    inbound = ingest.ingest(
        answer, source=InboundSource.SMTP, envelope_to=[parseaddr(ours["Reply-To"])[1]]
    )
    assert (inbound.state, inbound.reason, inbound.ticket) == (
        InboundState.TICKET_MESSAGE,
        "threaded_by_header",
        ticket,
    )
    with brand_scope(world.ej):
        assert ticket.messages.filter(direction="in").count() == 2


def test_a_secret_goes_only_into_the_email_sent_then_is_forgotten(world, server):
    from guichet.notify.outbox import SECRET_MARK, queue_secret_email
    from guichet.tickets.services import new_message_id

    ticket = world.ticket
    with brand_scope(ticket.brand_id), transaction.atomic():
        row = queue_secret_email(
            ticket=ticket,
            subject="Votre avis",
            text=f"Répondez ici : https://guichet.example/b/ej/survey/{SECRET_MARK}\n",
            secret="s3cr3t-Value_1",
            rfc_message_id=new_message_id(ticket),
        )
    assert "s3cr3t" not in row.text and "s3cr3t" not in row.sealed_secret
    deliver_due()
    [sent] = [m for m in server.messages() if m["Message-ID"] == f"<{row.rfc_message_id}>"]
    assert (
        "https://guichet.example/b/ej/survey/s3cr3t-Value_1"
        in sent.get_body(("plain",)).get_content()
    )
    assert "s3cr3t-Value_1" in sent.get_body(("html",)).get_content()
    assert sent["Auto-Submitted"] == "auto-generated"
    [stored] = [e for e in outbox(ticket) if e.pk == row.pk]
    assert stored.status == OutboxStatus.SENT and stored.sealed_secret == ""
    with pytest.raises(ValueError), brand_scope(ticket.brand_id), transaction.atomic():
        queue_secret_email(
            ticket=ticket, subject="x", text="no place", secret="x", rfc_message_id="x@y"
        )
