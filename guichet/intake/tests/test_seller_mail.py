"""Mail on the seller's side of a marketplace dispute (docs/marketplace.md): the seller's
reply to our email — from its address or one of its people's — is its answer on the
seller's side of the ticket, never in the customer's conversation; from any other address,
or from a terminated seller, it is quarantined with its reason (and can be replayed); an
automatic reply is ignored. The raw bytes are kept first, as for every email."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY

import pytest
from django.utils import translation

from guichet.intake.email import ingest
from guichet.intake.email.smtpd import Receiver
from guichet.intake.email.tasks import process_inbound
from guichet.intake.models import InboundEmail, InboundSource, InboundState
from guichet.lib.scoping import all_brands, brand_scope
from guichet.marketplace.models import SellerPerson, SellerStatus
from guichet.notify.delivery import deliver_due
from guichet.notify.models import OutboundEmail
from guichet.notify.tests.test_delivery import Recorder, free_port, start_server
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.choices import Verb
from guichet.tickets.models import Message, Ticket

pytestmark = pytest.mark.django_db

JAMLA = "support@jamla24.ma"
SELLER = "contact@atlas.example"
SITE_URL = "http://guichet.test:8731"


def contact_seller(market) -> Message:
    return services.seller_contact(
        ticket=market.ticket, actor=market.agent, text="Où en est la livraison de JM-889 ?"
    )


def reply(
    *,
    sender: str = SELLER,
    in_reply_to: str = "",
    references: str = "",
    subject: str = "RE: [JM-26-00001] Jamla24 : un client attend votre réponse",
    body: str = "Le colis est parti hier, voici le suivi.",
    message_id: str = "<r1@atlas.example>",
    headers: dict[str, str] | None = None,
    attachment: tuple[str, bytes] | None = None,
) -> bytes:
    message = EmailMessage(policy=SMTP_POLICY)
    message["From"] = sender
    message["To"] = JAMLA
    message["Subject"] = subject
    message["Message-ID"] = message_id
    if in_reply_to:
        message["In-Reply-To"] = in_reply_to
    if references:
        message["References"] = references
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    if attachment:
        message.add_attachment(
            attachment[1], maintype="application", subtype="pdf", filename=attachment[0]
        )
    return message.as_bytes()


def receive(raw: bytes) -> InboundEmail:
    return ingest.ingest(raw, source=InboundSource.SMTP, envelope_to=[JAMLA])


def answering(message: Message, **kwargs) -> bytes:
    return reply(
        in_reply_to=f"<{message.external_id}>", references=f"<{message.external_id}>", **kwargs
    )


def customer_side(ticket: Ticket) -> list[str]:
    with brand_scope(ticket.brand_id):
        return list(
            Message.objects.filter(ticket=ticket, is_internal=False).values_list("text", flat=True)
        )


def tickets_of(brand) -> int:
    with brand_scope(brand):
        return Ticket.objects.filter(brand=brand).count()


# --- end to end: our email out through SMTP, the seller's reply in through SMTP ----------------


@pytest.fixture
def outgoing(settings) -> Iterator[Recorder]:
    port = free_port()
    settings.MAILERS = {
        "default": {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {"host": "127.0.0.1", "port": port, "timeout": 5},
        }
    }
    settings.SITE_URL = SITE_URL
    controller, recorder = start_server(port)
    yield recorder
    controller.stop()


@pytest.fixture
def receiver(market) -> Iterator[Receiver]:
    with Receiver(port=0, threads=2) as running:
        yield running


@pytest.mark.django_db(transaction=True)
def test_a_seller_replying_by_email_lands_on_the_sellers_side(
    market, outgoing, receiver, frozen_clock
):
    ticket = market.ticket
    asked = contact_seller(market)
    deliver_due()
    [ours] = [m for m in outgoing.messages() if m["To"].endswith(f"<{SELLER}>")]
    quoted = "\n".join(f"> {line}" for line in ours.get_body(("plain",)).get_content().splitlines())
    assert f"{SITE_URL}/s/jamla24/signin/" in quoted
    frozen_clock.advance(timedelta(hours=3))
    raw = reply(
        subject=f"RE: {ours['Subject']}",
        in_reply_to=ours["Message-ID"],
        references=ours["Message-ID"],
        body=f"Le colis est parti hier, voici le suivi.\n\n{quoted}",
        attachment=("suivi-colis.pdf", b"%PDF suivi"),
    )
    with smtplib.SMTP("127.0.0.1", receiver.port, timeout=10) as smtp:
        assert smtp.sendmail(SELLER, [ours["Reply-To"].split("<")[1].rstrip(">")], raw) == {}
    with all_brands():
        [row] = InboundEmail.objects.all()
    assert bytes(row.raw) == raw and row.state == InboundState.RECEIVED  # kept first
    assert process_inbound.call(row.pk) == 1  # what the worker runs
    row.refresh_from_db()
    assert (row.state, row.reason, row.ticket_id) == (
        InboundState.TICKET_MESSAGE,
        "seller_by_header",
        ticket.pk,
    )
    with brand_scope(market.brand):
        answer = Message.objects.get(pk=row.message_id)
        assert [a.filename for a in answer.attachments.all()] == ["suivi-colis.pdf"]
        ticket.refresh_from_db()
        assert ticket.events.filter(verb=Verb.SELLER_ANSWERED, message=answer).exists()
        assert not OutboundEmail.objects.filter(ticket=ticket, created_at__gt=asked.created_at)
    assert (answer.seller_id, answer.seller_person_id) == (market.seller.pk, None)
    assert answer.is_internal and answer.direction == "in" and answer.channel == "email"
    assert answer.external_id == "r1@atlas.example"
    assert answer.text.startswith("Le colis est parti hier, voici le suivi.")
    # The link quoted back is cut from what is kept (agents see the seller's text).
    assert f"{SITE_URL}/s/jamla24/signin/…" in answer.text
    assert not any(token in answer.text for token in _tokens(ours))
    assert ticket.seller_answered_at == frozen_clock.now()
    assert "Le colis est parti hier" not in " ".join(customer_side(ticket))


def _tokens(sent: EmailMessage) -> list[str]:
    text = sent.get_body(("plain",)).get_content()
    return re.findall(r"/s/jamla24/signin/([A-Za-z0-9_-]+)", text)


# --- who may answer for the seller ---------------------------------------------------------------


def test_a_person_of_the_seller_answers_for_it(market):
    asked = contact_seller(market)
    inbound = receive(answering(asked, sender=f"Youssef <{market.person.email}>"))
    assert (inbound.state, inbound.reason) == (InboundState.TICKET_MESSAGE, "seller_by_header")
    assert (inbound.message.seller_id, inbound.message.seller_person_id) == (
        market.seller.pk,
        market.person.pk,
    )
    assert inbound.message.is_internal


def test_an_unknown_sender_on_a_sellers_thread_is_quarantined_then_replayed(market, frozen_clock):
    asked = contact_seller(market)
    before = tickets_of(market.brand)
    raw = answering(asked, sender="Inconnu <compta@atlas.example>")
    inbound = receive(raw)
    assert (inbound.state, inbound.reason, inbound.message) == (
        InboundState.QUARANTINED,
        "seller_unknown_sender",
        None,
    )
    assert "compta@atlas.example" in inbound.detail and market.ticket.reference in inbound.detail
    with translation.override("fr"):
        assert inbound.reason_label == (
            "Une réponse côté vendeur d’une demande, venue d’une adresse qui n’est pas celle"
            " du vendeur"
        )
    with translation.override("en"):
        assert inbound.reason_label.startswith("A reply on a seller's side of a ticket")
    assert bytes(inbound.raw) == raw
    assert tickets_of(market.brand) == before  # no ticket opened for it
    with brand_scope(market.brand):
        assert not market.ticket.messages.filter(seller__isnull=False, direction="in").exists()
    # A rival seller's address is no better.
    other = receive(answering(asked, sender=market.rival_person.email, message_id="<r2@x>"))
    assert other.reason == "seller_unknown_sender"

    with brand_scope(market.brand):
        SellerPerson.objects.create(
            brand=market.brand,
            seller=market.seller,
            name="Comptabilité",
            email="compta@atlas.example",
            created_at=frozen_clock.now(),
        )
    replayed = ingest.replay(inbound.pk)
    assert (replayed.state, replayed.reason) == (InboundState.TICKET_MESSAGE, "seller_by_header")
    assert replayed.message.seller_person.email == "compta@atlas.example"


def test_a_terminated_seller_is_not_heard(market):
    asked = contact_seller(market)
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="terminated", reason="Fraude."
    )
    inbound = receive(answering(asked))
    assert (inbound.state, inbound.reason) == (InboundState.QUARANTINED, "seller_terminated")
    with translation.override("fr"):
        assert inbound.reason_label == "Une réponse d’un vendeur dont le compte est résilié"
    market.seller.refresh_from_db()
    assert market.seller.status == SellerStatus.TERMINATED


def test_an_automatic_reply_of_the_seller_does_not_meet_its_deadline(market):
    asked = contact_seller(market)
    inbound = receive(
        answering(
            asked,
            subject="Absence du bureau",
            body="Je suis absent jusqu'au 1er décembre.",
            headers={"Auto-Submitted": "auto-replied"},
        )
    )
    assert (inbound.state, inbound.reason) == (InboundState.IGNORED, "seller_auto_reply")
    market.ticket.refresh_from_db()
    assert market.ticket.seller_answered_at is None


# --- how a reply finds the seller's side -------------------------------------------------------


def test_a_reply_to_the_reminder_finds_the_sellers_side(market, frozen_clock):
    contact_seller(market)
    frozen_clock.advance(timedelta(hours=20))
    watcher.sweep()
    with brand_scope(market.brand):
        reminder = OutboundEmail.objects.filter(seller__isnull=False, message__isnull=True).get()
    # A mail reader that keeps In-Reply-To only.
    inbound = receive(reply(in_reply_to=f"<{reminder.rfc_message_id}>"))
    assert (inbound.state, inbound.reason, inbound.ticket) == (
        InboundState.TICKET_MESSAGE,
        "seller_by_header",
        market.ticket,
    )
    assert inbound.message.seller_id == market.seller.pk


def test_without_headers_the_reference_in_the_subject_finds_it_for_the_sellers_address(market):
    contact_seller(market)
    subject = f"Litige {market.ticket.reference}"
    inbound = receive(reply(subject=subject))
    assert (inbound.state, inbound.reason) == (InboundState.TICKET_MESSAGE, "seller_by_subject")
    assert inbound.message.seller_id == market.seller.pk and inbound.message.is_internal
    # The customer writing with the reference stays in their conversation.
    customer = receive(
        reply(sender="Salma Alaoui <salma@exemple.ma>", subject=subject, message_id="<c9@x>")
    )
    assert (customer.state, customer.reason) == (
        InboundState.TICKET_MESSAGE,
        "threaded_by_subject",
    )
    assert not customer.message.is_internal and customer.message.seller_id is None


def test_in_a_batch_the_seller_and_the_customer_each_reach_their_own_side(market):
    asked = contact_seller(market)
    with brand_scope(market.brand):
        opening = market.ticket.messages.get(direction="in", is_internal=False)
    raws = [
        answering(asked, body="Expédié hier."),
        reply(
            sender="Salma Alaoui <salma@exemple.ma>",
            subject=f"RE: [{market.ticket.reference}] Lave-linge jamais livré",
            in_reply_to=f"<{opening.external_id or 'x@y'}>",
            message_id="<c2@exemple.ma>",
            body="Toujours rien reçu.",
        ),
    ]
    stored = ingest.store_many(raws, source=InboundSource.FILE, brand=market.brand)
    ingest.process_many([s.inbound.pk for s in stored])
    with all_brands():
        seller_row, customer_row = InboundEmail.objects.order_by("pk")
    assert (seller_row.reason, customer_row.state) == ("seller_by_header", "ticket_message")
    assert seller_row.ticket_id == customer_row.ticket_id == market.ticket.pk
    assert customer_row.message.seller_id is None and not customer_row.message.is_internal
    assert seller_row.message.is_internal and seller_row.message.seller_id == market.seller.pk
    assert "Expédié hier." not in " ".join(customer_side(market.ticket))
    assert "Toujours rien reçu." in " ".join(customer_side(market.ticket))
