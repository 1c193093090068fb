"""An email holding NUL characters (PostgreSQL refuses them in text) becomes a ticket
message like any other: the NULs are left out of the text read from it, the raw bytes are
kept as they came. The same on SQLite and PostgreSQL."""

import pytest

from guichet.intake.email import ingest
from guichet.intake.models import InboundEmail, InboundSource, InboundState
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets.models import Attachment, Message

pytestmark = pytest.mark.django_db

RAW = (
    b"From: =?utf-8?q?H=C3=A9l=00=C3=A8ne?= <helene@exemple.fr>\r\n"
    b"To: support@experiencejamaique.com\r\n"
    b"Subject: =?utf-8?q?Facture_en=00_double?=\r\n"
    b"Message-ID: <nul\x00@exemple.fr>\r\n"
    b"Date: Mon, 23 Nov 2026 09:00:00 -0500\r\n"
    b"MIME-Version: 1.0\r\n"
    b'Content-Type: multipart/mixed; boundary="b"\r\n'
    b"\r\n"
    b"--b\r\n"
    b"Content-Type: text/plain; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: 8bit\r\n"
    b"\r\n"
    b"Bonjour,\x00 j'ai =C3=A9t=C3=A9 d\xc3\xa9bit\xc3\xa9e deux fois.\r\n"
    b"--b\r\n"
    b"Content-Type: text/html; charset=utf-8\r\n"
    b"Content-Transfer-Encoding: quoted-printable\r\n"
    b"\r\n"
    b"<p>Bonjour,=00 deux fois.</p>\r\n"
    b"--b\r\n"
    b'Content-Type: text/plain; name="fac=00ture.txt"\r\n'
    b'Content-Disposition: attachment; filename="fac\x00ture.txt"\r\n'
    b"\r\n"
    b"Montant\x00 : 120 EUR\r\n"
    b"--b--\r\n"
)


def test_an_email_with_nul_characters_becomes_a_ticket_message_without_them(world):
    inbound = ingest.ingest(
        RAW,
        source=InboundSource.UPLOAD,
        brand=world.ej,
        envelope_from="helene\x00@exemple.fr",
        envelope_to=["support@experiencejamaique.com\x00"],
    )
    assert inbound.state == InboundState.TICKET_MESSAGE, inbound.reason
    with all_brands():
        stored = InboundEmail.objects.get(pk=inbound.pk)
    assert bytes(stored.raw) == RAW  # kept as it came
    assert "\x00" not in stored.envelope_from + "".join(stored.envelope_to)
    with brand_scope(world.ej):
        message = Message.objects.get(ticket=inbound.ticket, direction="in")
        names = list(Attachment.objects.filter(message=message).values_list("filename", flat=True))
    ticket = inbound.ticket
    texts = [message.text, message.html, message.subject, message.external_id, *names]
    texts += [ticket.subject, ticket.contact.name]
    assert not any("\x00" in text for text in texts)
    assert "deux fois" in message.text and "double" in ticket.subject
    assert "Montant" not in message.text and names  # the file stays a file
