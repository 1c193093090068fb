"""Inbound email end to end: stored first, one ticket message per message, threaded only
onto tickets the sender belongs to, robots and bounces handled, poison quarantined."""

from datetime import timedelta
from email.message import EmailMessage
from email.utils import format_datetime

import pytest

from guichet.intake.email import ingest
from guichet.intake.email.stats import inbound_stats
from guichet.intake.models import InboundEmail, InboundSource, InboundState
from guichet.lib.scoping import all_brands, brand_scope
from guichet.notify.models import OutboundEmail, OutboxStatus
from guichet.tickets import services
from guichet.tickets.choices import Status
from guichet.tickets.models import Message, Ticket, TicketLink

pytestmark = pytest.mark.django_db

EJ = "support@experiencejamaique.com"


def mail(
    *,
    sender="Hélène Lefèvre <helene@exemple.fr>",
    to=EJ,
    subject="Facture en double",
    body="Bonjour, j'ai été débitée deux fois pour ma réservation. Je suis mécontente.",
    message_id="<m1@exemple.fr>",
    headers=None,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(__import__("datetime").datetime(2026, 11, 23, 9, 0))
    if message_id:
        message["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        message[name] = value
    message.set_content(body)
    return message.as_bytes()


def receive(raw: bytes, **kwargs) -> InboundEmail:
    return ingest.ingest(raw, source=kwargs.pop("source", InboundSource.FILE), **kwargs)


def ack_of(ticket) -> OutboundEmail:
    with brand_scope(ticket.brand_id):
        return OutboundEmail.objects.filter(ticket=ticket, automatic=True).order_by("pk").first()


def test_a_new_email_opens_a_ticket_and_queues_the_acknowledgement(world):
    inbound = receive(mail())
    assert (inbound.state, inbound.reason, inbound.new_ticket) == (
        InboundState.TICKET_MESSAGE,
        "new_ticket",
        True,
    )
    ticket = inbound.ticket
    assert ticket.brand == world.ej and ticket.channel == "email"
    assert ticket.contact == world.customer  # the same address is the same customer
    assert (
        ticket.contact_type == "complaint" and ticket.category == "billing"
    )  # guessed from the words
    with brand_scope(world.ej):
        assert ticket.messages.get(direction="in").external_id == "m1@exemple.fr"
    ack = ack_of(ticket)
    assert ack.status == OutboxStatus.QUEUED and ack.rfc_message_id.endswith("@127.0.0.1")


def test_the_raw_bytes_are_kept_and_the_same_message_twice_is_one_message(world):
    raw = mail()
    first = receive(raw)
    again = ingest.store(raw, source=InboundSource.SMTP)
    assert not again.created and again.inbound.pk == first.pk
    with all_brands():
        assert bytes(InboundEmail.objects.get().raw) == raw
        assert Ticket.objects.filter(brand=world.ej).count() == 2  # the world's ticket and this one


def test_two_different_messages_without_message_id_are_two(world):
    one = receive(mail(message_id=None, body="Première demande sans identifiant."))
    two = receive(mail(message_id=None, body="Seconde demande sans identifiant."))
    assert one.pk != two.pk and one.ticket != two.ticket


def test_the_same_message_id_sent_to_two_brands_is_kept_for_each(world):
    first = receive(mail())
    second = receive(mail(to="support@jamla24.ma"))
    assert (
        first.brand == world.ej
        and second.brand == world.jamla
        and second.state == InboundState.TICKET_MESSAGE
    )


def test_a_reply_to_our_acknowledgement_threads_by_its_headers(world, frozen_clock):
    ticket = receive(mail()).ticket
    ack = ack_of(ticket)
    frozen_clock.advance(hours=1)
    reply = receive(
        mail(
            subject="Re: Nous avons bien reçu votre demande",
            body="Voici ma facture.",
            message_id="<m2@exemple.fr>",
            headers={
                "In-Reply-To": f"<{ack.rfc_message_id}>",
                "References": f"<m1@exemple.fr> <{ack.rfc_message_id}>",
            },
        )
    )
    assert (reply.state, reply.reason, reply.ticket) == (
        InboundState.TICKET_MESSAGE,
        "threaded_by_header",
        ticket,
    )


def test_a_reply_with_only_the_reference_in_the_subject_threads(world):
    ticket = receive(mail()).ticket
    reply = receive(
        mail(
            subject=f"Re: [{ticket.reference}] suite", message_id="<m3@exemple.fr>", body="Alors ?"
        )
    )
    assert (reply.reason, reply.ticket) == ("threaded_by_subject", ticket)


def test_a_reply_reopens_a_closed_ticket(world):
    inbound = receive(mail())
    services.ticket_close(ticket=inbound.ticket, actor=world.agent, outcome="upheld")
    reply = receive(
        mail(
            subject=f"Re: [{inbound.ticket.reference}]", message_id="<m4@exemple.fr>", body="Non !"
        )
    )
    reply.ticket.refresh_from_db()
    assert reply.ticket.status == Status.OPEN


def test_a_third_party_opens_a_new_related_ticket_and_never_replaces_the_requester(world):
    ticket = receive(mail()).ticket
    ack = ack_of(ticket)
    other = receive(
        mail(
            sender="Voisin <voisin@exemple.fr>",
            subject="Re: votre demande",
            body="Je réponds à la place de ma voisine.",
            message_id="<m5@exemple.fr>",
            headers={"In-Reply-To": f"<{ack.rfc_message_id}>"},
        )
    )
    assert other.reason == "new_ticket_related" and other.ticket != ticket
    ticket.refresh_from_db()
    assert ticket.contact == world.customer
    with brand_scope(world.ej):
        assert TicketLink.objects.filter(source=other.ticket, target=ticket).exists()


def test_an_out_of_office_reply_is_kept_but_reopens_nothing_and_gets_no_answer(world):
    inbound = receive(mail())
    services.ticket_close(ticket=inbound.ticket, actor=world.agent, outcome="upheld")
    ack = ack_of(inbound.ticket)
    robot = receive(
        mail(
            subject="Réponse automatique : absente jusqu'au 1er décembre",
            body="Je suis absente.",
            message_id="<ooo@exemple.fr>",
            headers={"Auto-Submitted": "auto-replied", "In-Reply-To": f"<{ack.rfc_message_id}>"},
        )
    )
    assert robot.state == InboundState.TICKET_MESSAGE and robot.message.is_automatic
    inbound.ticket.refresh_from_db()
    assert inbound.ticket.status == Status.CLOSED
    with brand_scope(world.ej):
        # The acknowledgement, the outcome and the survey of the closing; nothing for the robot.
        assert OutboundEmail.objects.filter(ticket=inbound.ticket, automatic=True).count() == 3


def test_a_robot_writing_fresh_gets_a_ticket_but_no_acknowledgement(world):
    inbound = receive(
        mail(sender="Newsletter <news@boutique.example>", headers={"Precedence": "bulk"})
    )
    assert inbound.new_ticket and ack_of(inbound.ticket) is None


def test_mail_from_our_own_address_is_ignored(world):
    inbound = receive(mail(sender=f"EJ <{EJ}>"))
    assert (inbound.state, inbound.reason) == (InboundState.IGNORED, "own_address")


def test_mail_for_nobody_we_know_is_quarantined_and_accounted(world):
    inbound = receive(mail(to="inconnu@ailleurs.example"))
    assert (inbound.state, inbound.reason, inbound.brand) == (
        InboundState.QUARANTINED,
        "unknown_recipient",
        None,
    )
    stats = inbound_stats()
    assert stats["received"] == stats["quarantined"] == 1 and stats["accounted"]


def test_a_poison_message_is_quarantined_does_not_stop_the_next_and_can_be_replayed(
    world, monkeypatch
):
    real = ingest.parse_email

    def poisoned(raw, **kwargs):
        if b"POISON" in raw:
            raise RecursionError("MIME of death")
        return real(raw, **kwargs)

    monkeypatch.setattr(ingest, "parse_email", poisoned)
    results = [
        receive(mail(message_id="<a@x>", body="bonne 1")),
        receive(mail(message_id="<b@x>", body="POISON")),
        receive(mail(message_id="<c@x>", body="bonne 2")),
    ]
    assert [r.state for r in results] == ["ticket_message", "quarantined", "ticket_message"]
    assert results[1].reason == "error" and "MIME of death" in results[1].detail
    monkeypatch.setattr(ingest, "parse_email", real)
    assert ingest.replay(results[1].pk).state == InboundState.TICKET_MESSAGE
    stats = inbound_stats(world.ej)
    assert (stats["received"], stats["ticket_messages"], stats["accounted"]) == (3, 3, True)


def test_a_bounce_of_our_email_marks_it_bounced(world):
    ticket = receive(mail()).ticket
    ack = ack_of(ticket)
    bounce = (
        "From: Mail Delivery System <MAILER-DAEMON@mx.exemple.fr>\r\n"
        f"To: {EJ}\r\n"
        "Subject: Undelivered Mail Returned to Sender\r\n"
        "Message-ID: <bounce1@mx.exemple.fr>\r\n"
        "MIME-Version: 1.0\r\n"
        'Content-Type: multipart/report; report-type=delivery-status; boundary="B"\r\n\r\n'
        "--B\r\nContent-Type: text/plain\r\n\r\nThe mail could not be delivered.\r\n"
        "--B\r\nContent-Type: message/delivery-status\r\n\r\n"
        "Reporting-MTA: dns; mx.exemple.fr\r\n\r\n"
        "Final-Recipient: rfc822; helene@exemple.fr\r\nAction: failed\r\nStatus: 5.1.1\r\n"
        "Diagnostic-Code: smtp; 550 5.1.1 user unknown\r\n"
        "--B\r\nContent-Type: text/rfc822-headers\r\n\r\n"
        f"From: {EJ}\r\nTo: helene@exemple.fr\r\nMessage-ID: <{ack.rfc_message_id}>\r\nSubject: x\r\n"
        "--B--\r\n"
    ).encode()
    inbound = receive(bounce)
    assert (inbound.state, inbound.reason) == (InboundState.IGNORED, "bounce")
    ack.refresh_from_db()
    assert ack.status == OutboxStatus.BOUNCED and "5.1.1" in ack.last_error


def test_at_most_three_automatic_messages_per_sender_per_hour(world, frozen_clock):
    for i in range(5):
        receive(mail(message_id=f"<flood{i}@x>", body=f"Demande {i}"))
        frozen_clock.advance(minutes=5)
    with brand_scope(world.ej):
        acks = OutboundEmail.objects.filter(to_address="helene@exemple.fr", automatic=True).count()
    assert acks == 3
    frozen_clock.advance(timedelta(hours=1))
    receive(mail(message_id="<later@x>", body="Plus tard"))
    with brand_scope(world.ej):
        assert (
            OutboundEmail.objects.filter(to_address="helene@exemple.fr", automatic=True).count()
            == 4
        )


def test_oversized_attachments_are_withheld_with_a_note(world, settings):
    message = EmailMessage()
    message["From"] = "helene@exemple.fr"
    message["To"] = EJ
    message["Subject"] = "Photos"
    message["Message-ID"] = "<big@x>"
    message.set_content("Voici les photos.")
    message.add_attachment(
        b"x" * (26 * 1024 * 1024),
        maintype="application",
        subtype="octet-stream",
        filename="énorme.bin",
    )
    message.add_attachment(
        b"%PDF-1.4 small", maintype="application", subtype="pdf", filename="facture.pdf"
    )
    inbound = receive(message.as_bytes())
    with brand_scope(world.ej):
        stored = inbound.message.attachments.all()
        assert [a.filename for a in stored] == ["facture.pdf"]
    assert "énorme.bin" in inbound.message.text and "retenues" in inbound.message.text


def test_ingest_eml_processes_a_directory_in_name_order(world, tmp_path, capsys):
    import json

    from django.core.management import call_command

    (tmp_path / "001.eml").write_bytes(mail(message_id="<d1@x>", body="un"))
    (tmp_path / "002.eml").write_bytes(
        mail(message_id="<d2@x>", subject="Re: [EJ-26-00002]", body="deux")
    )
    (tmp_path / "003.eml").write_bytes(b"\xff\xfe not an email at all \x00")
    call_command("ingest_eml", str(tmp_path), "--brand", "ej")
    report = json.loads(capsys.readouterr().out)
    assert report["files"] == 3
    stats = report["stats"]
    assert stats["received"] == 3 and stats["accounted"] and stats["all_processed"]
    assert (
        stats["new_tickets"] == 1 and stats["threaded_replies"] == 1 and stats["quarantined"] == 1
    )
    with all_brands():
        assert Message.objects.filter(external_id="d2@x").get().ticket.reference == "EJ-26-00002"


def test_a_reply_that_arrives_before_the_message_it_answers_still_joins_it(world):
    reply = receive(
        mail(
            subject="Re: Facture en double",
            body="Je complète ma demande d'hier.",
            message_id="<late-reply@exemple.fr>",
            headers={"In-Reply-To": "<original@exemple.fr>", "References": "<original@exemple.fr>"},
        )
    )
    original = receive(mail(message_id="<original@exemple.fr>", body="La demande d'origine."))
    assert reply.new_ticket and (original.reason, original.ticket) == (
        "threaded_by_answered",
        reply.ticket,
    )


def test_an_original_arriving_after_a_third_partys_reply_opens_the_customers_own_ticket(world):
    third = receive(
        mail(
            sender="Voisin <voisin@exemple.fr>",
            subject="Re: Facture en double",
            body="Je réponds pour ma voisine.",
            message_id="<third@exemple.fr>",
            headers={"In-Reply-To": "<first@exemple.fr>", "References": "<first@exemple.fr>"},
        )
    )
    original = receive(mail(message_id="<first@exemple.fr>", body="La demande d'origine."))
    # Arrival order does not decide who the requester is: the customer's original opens
    # their ticket, linked to the one the neighbour's reply opened — as in order.
    assert original.new_ticket and original.reason == "new_ticket_related"
    with brand_scope(world.ej):
        assert original.ticket.contact.primary_email == "helene@exemple.fr"
        assert third.ticket.contact.primary_email == "voisin@exemple.fr"
        assert TicketLink.objects.filter(source=original.ticket, target=third.ticket).exists()


def test_two_replies_to_a_message_we_never_received_join_one_ticket(world):
    """Mail readers thread replies to a missing parent together; so does Guichet, when the
    same person wrote both (reversed arrival, or a message lost upstream)."""
    parent = {"In-Reply-To": "<lost@exemple.fr>", "References": "<lost@exemple.fr>"}
    first = receive(mail(message_id="<r1@exemple.fr>", subject="Re: Colis", headers=parent))
    second = receive(mail(message_id="<r2@exemple.fr>", subject="Re: Colis", headers=parent))
    assert first.new_ticket and (second.ticket, second.reason) == (
        first.ticket,
        "threaded_by_sibling",
    )
    stranger = receive(
        mail(
            sender="autre@exemple.fr",
            message_id="<r3@exemple.fr>",
            subject="Re: Colis",
            headers=parent,
        )
    )
    assert stranger.new_ticket and stranger.reason == "new_ticket_related"


def test_a_nul_byte_in_the_message_id_does_not_stop_the_message(world):
    raw = mail(message_id=None).replace(b"Subject:", b"Message-ID: <a\x00b@x>\nSubject:", 1)
    inbound = receive(raw)
    assert inbound.header_message_id == "ab@x" and inbound.state == InboundState.TICKET_MESSAGE
