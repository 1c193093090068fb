"""The seller of a marketplace dispute, by email, delivered to a real SMTP server
(docs/marketplace.md): the agent's message, what the agent shared of the customer's (and
nothing else of the customer), the seller's deadline, how to answer and a single-use link
to the dispute on the seller portal, in the brand's language; its own thread, apart from
the customer's; a reminder when the deadline is near."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from email.message import EmailMessage

import pytest
from django.utils import translation

from guichet.brands.services import policy_publish
from guichet.conftest import PRESETS, make_seller
from guichet.contacts.models import ContactPhone
from guichet.lib.scoping import brand_scope
from guichet.marketplace import signin
from guichet.marketplace.models import SellerPerson, SellerSignInLink
from guichet.notify.delivery import deliver_due
from guichet.notify.letters import moment
from guichet.notify.models import OutboundEmail, OutboxStatus, StaffNotification
from guichet.notify.outbox import SECRET_MARK
from guichet.notify.sellers import seller_portal_paths
from guichet.notify.tests.test_delivery import Recorder, free_port, start_server
from guichet.sla import watcher
from guichet.sla.models import Deadline, DeadlineKind
from guichet.tickets import services
from guichet.tickets.actors import SellerParty
from guichet.tickets.attachments import attachment_store
from guichet.tickets.choices import Channel
from guichet.tickets.masking import CustomerMask

pytestmark = pytest.mark.django_db

SITE_URL = "http://guichet.test:8731"
JAMLA = "support@jamla24.ma"
SELLER = "contact@atlas.example"
AGENT_TEXT = "La cliente n'a pas reçu le lave-linge de la commande JM-889. Où en est la livraison ?"
LINK = re.compile(re.escape(SITE_URL) + r"/s/jamla24/signin/([A-Za-z0-9_-]+)")


@pytest.fixture
def smtp(settings) -> Iterator[Recorder]:
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


def to_seller(ticket) -> list[OutboundEmail]:
    with brand_scope(ticket.brand_id):
        return list(
            OutboundEmail.objects.filter(ticket=ticket, seller__isnull=False).order_by("pk")
        )


def sent_to(server: Recorder, address: str) -> list[EmailMessage]:
    return [
        message
        for message, envelope in zip(server.messages(), server.received, strict=True)
        if envelope.rcpt_tos == [address]
    ]


def plain(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content().replace("\r\n", "\n")


def customer_writes(market, text: str, **extra):
    return services.ticket_receive(
        ticket=market.ticket, contact=market.customer, channel=Channel.EMAIL, text=text, **extra
    )


def contact_seller(market, **extra):
    return services.seller_contact(
        ticket=market.ticket, actor=market.agent, text=AGENT_TEXT, **extra
    )


def test_the_seller_gets_the_agents_message_what_was_shared_its_deadline_and_a_link(
    market, smtp, frozen_clock
):
    brand, ticket = market.brand, market.ticket
    with brand_scope(brand):
        ContactPhone.objects.create(
            brand=brand, contact=market.customer, number="+212612345678", is_primary=True
        )
    photo = attachment_store(
        brand=brand, filename="carton-vide.jpg", content=b"\xff\xd8jpeg", content_type="image/jpeg"
    )
    shared = customer_writes(
        market,
        "Voici la photo du carton vide.\nJoignable au 06 12 34 56 78 ou salma@exemple.ma.",
        attachments=[photo],
    )
    order = attachment_store(
        brand=brand, filename="bon-JM-889.pdf", content=b"%PDF bon", content_type="application/pdf"
    )
    message = contact_seller(market, share=[shared], attachments=[order])

    [row] = to_seller(ticket)
    assert (row.to_address, row.seller_id, row.message_id) == (SELLER, market.seller.pk, message.pk)
    assert not row.automatic and row.rfc_message_id == message.external_id
    assert SECRET_MARK in row.text and row.sealed_secret  # no working link in the database
    deliver_due()

    [sent] = sent_to(smtp, SELLER)
    envelope = next(e for e in smtp.received if e.rcpt_tos == [SELLER])
    assert envelope.mail_from == JAMLA  # the brand's address, as replies use
    assert sent["Reply-To"].endswith(f"<{JAMLA}>")
    assert sent["Message-ID"] == f"<{message.external_id}>"
    assert f"[{ticket.reference}]" in sent["Subject"]
    # Its own thread: nothing of the customer's emails.
    assert sent["In-Reply-To"] is None and sent["References"] is None
    text = plain(sent)
    assert "Bonjour Atlas Électroménager," in text  # the brand's language: French
    assert AGENT_TEXT in text
    assert "> Voici la photo du carton vide." in text and "carton-vide.jpg" in text
    with brand_scope(brand):
        due = Deadline.objects.get(ticket=ticket, kind="seller_response").due_at
    assert moment(due, ticket, "fr") in text and "24 novembre 2026" in text
    assert "répondez simplement à cet e-mail" in text
    # Nothing of the customer but what the agent shared, and not how to reach them.
    for secret in ("salma@exemple.ma", "06 12 34 56 78", "0612345678", "Ibn Sina", "Salma"):
        assert secret not in sent.as_string() and secret not in text, secret
    # The agent's attachments go with it; the customer's are named, opened on the portal.
    assert [(p.get_filename(), p.get_content()) for p in sent.iter_attachments()] == [
        ("bon-JM-889.pdf", b"%PDF bon")
    ]
    # The single-use link signs the seller in once, on the dispute's page.
    [token] = LINK.findall(text)
    assert token in sent.get_body(("html",)).get_content()
    signin_path, dispute_path = seller_portal_paths("jamla24", ticket.reference, token)
    assert SITE_URL + signin_path in text
    signed_in = signin.signin(brand_id=brand.pk, token=token)
    assert signed_in is not None and signed_in.next_path == dispute_path
    assert dispute_path == f"/s/jamla24/disputes/{ticket.reference}/"
    assert signed_in.session.seller_id == market.seller.pk and signed_in.session.person is None
    assert signin.signin(brand_id=brand.pk, token=token) is None  # single use
    row.refresh_from_db()
    assert row.status == OutboxStatus.SENT and row.sealed_secret == "" and token not in row.text


def test_a_seller_without_an_address_is_written_to_at_each_of_its_people(market, smtp):
    brand = market.brand
    seller = make_seller(brand, "Bazar Fès", "boutique@bazar.example", person="Karim")
    with brand_scope(brand):
        type(seller).objects.filter(pk=seller.pk).update(email="")
        seller.refresh_from_db()
        for name, active in (("Leila", True), ("Ancien", False)):
            SellerPerson.objects.create(
                brand=brand,
                seller=seller,
                name=name,
                email=f"{name.lower()}@bazar.example",
                is_active=active,
                created_at=market.ticket.created_at,
            )
    services.ticket_change(ticket=market.ticket, actor=market.agent, seller=seller)
    contact_seller(market)
    rows = to_seller(market.ticket)
    assert [r.to_address for r in rows] == ["karim@bazar.example", "leila@bazar.example"]
    deliver_due()
    for row in rows:
        [sent] = sent_to(smtp, row.to_address)
        [token] = LINK.findall(plain(sent))
        with brand_scope(brand):
            link = SellerSignInLink.objects.get(token_hash=signin.digest(token))
        # Each person's own link, alive as long as a dispute's email's.
        assert link.person is not None and link.person.email == row.to_address
        assert link.expires_at - link.created_at == timedelta(hours=72)
        signed_in = signin.signin(brand_id=brand.pk, token=token)
        assert signed_in is not None and signed_in.session.person == link.person
    assert not sent_to(smtp, "ancien@bazar.example")


def test_the_seller_is_written_to_in_the_brands_language_whatever_the_customers(market, smtp):
    english = (
        (PRESETS / "jamla24.toml")
        .read_text(encoding="utf-8")
        .replace('languages = ["fr", "en"]', 'languages = ["en", "fr"]')
    )
    policy_publish(text=english, source="test: jamla24 in English first")
    market.ticket.brand.refresh_from_db()  # the policy now in force
    assert market.ticket.language == "fr"
    contact_seller(market)
    deliver_due()
    [sent] = sent_to(smtp, SELLER)
    text = plain(sent)
    assert sent["Subject"].endswith("Jamla24: a customer is waiting for your answer")
    assert "Hello Atlas Électroménager," in text and "simply reply to this email" in text
    assert "Nov. 24, 2026" in text


def test_the_two_sides_of_a_dispute_are_two_threads(market, smtp, frozen_clock):
    """An email to the seller names only the seller's side (In-Reply-To its latest email);
    an email to the customer names none of the seller's messages."""
    ticket = market.ticket
    first = contact_seller(market)
    frozen_clock.advance(timedelta(hours=2))
    answer = services.seller_receive(
        ticket=ticket,
        party=SellerParty(market.seller),
        text="Le colis est parti hier.",
        external_id="a1@atlas.example",
    )
    frozen_clock.advance(timedelta(hours=1))
    second = contact_seller(market)
    reply = services.ticket_reply(ticket=ticket, actor=market.agent, text="Le vendeur a expédié.")
    deliver_due()
    [_first, to_seller_second] = sent_to(smtp, SELLER)
    assert to_seller_second["Message-ID"] == f"<{second.external_id}>"
    assert to_seller_second["In-Reply-To"] == f"<{answer.external_id}>"
    assert to_seller_second["References"].split() == [
        f"<{first.external_id}>",
        f"<{answer.external_id}>",
    ]
    [to_customer] = [
        m for m in sent_to(smtp, "salma@exemple.ma") if m["Message-ID"] == f"<{reply.external_id}>"
    ]
    seller_ids = {first.external_id, answer.external_id, second.external_id}
    assert not any(i in to_customer.as_string() for i in seller_ids)
    assert "atlas" not in (to_customer["References"] or "")


def test_the_seller_is_reminded_when_its_deadline_is_near_and_staff_are_warned_too(
    market, smtp, frozen_clock
):
    """Jamla24: the seller answers within 24 hours, warned 4 hours before."""
    ticket = market.ticket
    services.ticket_assign(ticket=ticket, actor=market.agent, assignee=market.agent)
    message = contact_seller(market)
    deliver_due()
    [first] = LINK.findall(plain(sent_to(smtp, SELLER)[0]))
    frozen_clock.advance(timedelta(hours=20))
    assert watcher.sweep()["warned"] >= 1
    reminder = to_seller(ticket)[-1]
    assert reminder.message_id is None and reminder.automatic
    assert reminder.rfc_message_id != message.external_id
    deliver_due()
    [_, sent] = sent_to(smtp, SELLER)
    text = plain(sent)
    assert sent["Subject"].startswith(f"[{ticket.reference}] Rappel")
    assert "24 novembre 2026" in text and "Nous attendons toujours votre réponse" in text
    assert sent["Auto-Submitted"] == "auto-generated"
    # It threads with the seller's side: a reply to it finds the dispute.
    assert f"<{message.external_id}>" in sent["References"].split()
    # A fresh link (the first one works too, until it is used or expires).
    [fresh] = LINK.findall(text)
    assert fresh != first
    assert signin.signin(brand_id=market.brand.pk, token=first) is not None
    assert signin.signin(brand_id=market.brand.pk, token=fresh) is not None
    # The staff's warning, as for every deadline, still goes.
    with brand_scope(market.brand):
        warned = StaffNotification.objects.filter(ticket=ticket, kind="deadline_warning")
        with translation.override(market.agent.language or "fr"):
            name = str(DeadlineKind.SELLER_RESPONSE.label)
        assert [n.user for n in warned if name in n.text] == [market.agent]


def test_no_reminder_once_the_seller_has_answered(market, frozen_clock):
    contact_seller(market)
    frozen_clock.advance(timedelta(hours=1))
    services.seller_receive(
        ticket=market.ticket, party=SellerParty(market.seller), text="Expédié ce matin."
    )
    frozen_clock.advance(timedelta(hours=20))
    watcher.sweep()
    assert len(to_seller(market.ticket)) == 1  # the agent's message only


@pytest.mark.parametrize(
    ("written", "seen"),
    [
        ("Appelez-moi au 06 12 34 56 78.", "Appelez-moi au [masqué]."),
        ("ou +212 6 12 34 56 78, ou 06.12.34.56.78", "ou [masqué], ou [masqué]"),
        ("écrivez à salma.alaoui+jm@exemple.ma svp", "écrivez à [masqué] svp"),
        ("mon fixe : 522 00 00 00", "mon fixe : [masqué]"),  # the customer's own number
        ("Salma Alaoui a payé", "le client a payé"),  # the customer's name
        # What the seller needs of the dispute stays: order, date, amount.
        (
            "Commande JM-889 du 01/12/2026, 1234.50 MAD",
            "Commande JM-889 du 01/12/2026, 1234.50 MAD",
        ),
    ],
)
def test_the_customers_words_reach_the_seller_without_how_to_reach_them(market, written, seen):
    with brand_scope(market.brand):
        ContactPhone.objects.create(
            brand=market.brand, contact=market.customer, number="+212522000000"
        )
        with translation.override("fr"):
            assert CustomerMask(market.customer)(written) == seen
