"""A Jamla24 dispute from end to end, with real parts (docs/marketplace.md): our email to the
seller goes out through a real SMTP server, the seller's reply comes in through Guichet's
own SMTP receiver, the task worker runs in a process of its own (delivering mail and
webhooks, processing what came in), the webhook reaches a real local HTTP server. Only
the clock is ours: it is moved, never waited for.

The story: five disputes with one seller. It answers one by email and one on its portal;
it lets the deadline of the three others pass — three strikes, and Jamla24's policy
restricts it at the third; `seller.restricted` arrives signed. The customer of a missed
dispute then asks for the seller's contact details: released by the policy, sent by
letter, logged."""

from __future__ import annotations

import json
import os
import re
import smtplib
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import parseaddr

import django.test
import pytest

from guichet.api.tests.conftest import Receiver as HookReceiver
from guichet.api.tests.webhook_helpers import hook, verify_signature
from guichet.conftest import database_url
from guichet.contacts.models import ContactEmail
from guichet.intake.email.smtpd import Receiver
from guichet.lib.periodic import jobs
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import ContactRelease, SellerStatus, SellerStatusChange, Strike
from guichet.notify.tests.test_delivery import Recorder, free_port, start_server
from guichet.ops.models import PeriodicRun
from guichet.portal.services import signin_link_request
from guichet.sla import watcher
from guichet.tickets import services
from guichet.tickets.actors import Customer
from guichet.tickets.choices import Channel, Verb
from guichet.tickets.models import Message, Ticket

SITE_URL = "http://guichet.test"
pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def smtp(settings) -> Iterator[tuple[int, Recorder]]:
    port = free_port()
    settings.SITE_URL = SITE_URL
    controller, recorder = start_server(port)
    yield port, recorder
    controller.stop()


@pytest.fixture
def inbound(market) -> Iterator[Receiver]:
    with Receiver(port=0, threads=2) as running:
        yield running


@pytest.fixture
def hooks(settings) -> Iterator[HookReceiver]:
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = ["127.0.0.1"]
    server = HookReceiver()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield server
    server.shutdown()
    server.server_close()


@pytest.fixture(autouse=True)
def _periodic_jobs_held(db):
    """The worker's periodic jobs (the deadline watcher among them) read the real clock:
    held for the test, whose moved clock alone decides when deadlines fall due."""
    later = datetime(2100, 1, 1, tzinfo=UTC)
    for job in jobs():
        PeriodicRun.objects.update_or_create(name=job.name, defaults={"next_at": later})


def worker(smtp_port: int, *tasks) -> None:
    """Queue `tasks` and run `guichet worker --batch` in a process of its own, on the test
    database, sending mail to the test's SMTP server."""
    for task in tasks:
        task.enqueue()
    run = subprocess.run(
        [sys.executable, "-m", "guichet", "worker", "--batch"],
        env={
            **os.environ,
            "DATABASE_URL": database_url(),
            "EMAIL_HOST": "127.0.0.1",
            "EMAIL_PORT": str(smtp_port),
            "SITE_URL": SITE_URL,
            "GUICHET_WEBHOOK_ALLOW_HOSTS": "127.0.0.1",
        },
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr


def deliver_mail():
    from guichet.notify.tasks import deliver_outbox

    return deliver_outbox


def deliver_hooks():
    from guichet.api.webhooks.tasks import deliver_due_webhooks

    return deliver_due_webhooks


def to(recorder: Recorder, address: str) -> list[EmailMessage]:
    return [m for m in recorder.messages() if address in m["To"]]


def text_of(message: EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def disputes(market, count: int) -> list[Ticket]:
    tickets = [market.ticket]
    for n in range(count - 1):
        ticket = services.ticket_open(
            brand=market.brand,
            contact=market.customer,
            contact_type="dispute",
            subject=f"Commande JM-90{n} jamais livrée",
            text="Payé, rien reçu.",
            channel=Channel.WEB,
        )
        services.ticket_change(ticket=ticket, actor=market.agent, seller=market.seller)
        tickets.append(ticket)
    return tickets


def test_a_dispute_from_the_sellers_email_to_its_restriction(
    market, smtp, inbound, hooks, frozen_clock
):
    port, recorder = smtp
    _endpoint, secret = hook(market.brand, hooks.url(), events=["seller.restricted"])
    tickets = disputes(market, 5)
    by_email, on_portal, *missed = tickets
    with brand_scope(market.brand):
        first_words = market.ticket.messages.get(direction="in")
    for ticket in tickets:
        services.seller_contact(
            ticket=ticket,
            actor=market.agent,
            text=f"Bonjour, le client attend la commande du dossier {ticket.reference}.",
            share=[first_words] if ticket == market.ticket else [],
        )

    # The worker sends our five emails to the seller through SMTP.
    worker(port, deliver_mail())
    asked = to(recorder, "contact@atlas.example")
    assert len(asked) == 5, [(m["To"], m["Subject"]) for m in asked]
    for sent in asked:
        body = text_of(sent)
        assert f"{SITE_URL}/s/jamla24/signin/" in body
        assert "salma@exemple.ma" not in body and "0612345678" not in body
    [first] = [m for m in asked if by_email.reference in m["Subject"]]
    assert "Commande JM-889 payée il y a dix jours" in text_of(first)  # what the agent shared

    # The seller answers the first by email: into Guichet's SMTP receiver, processed by the
    # worker, on the seller's side of the ticket.
    frozen_clock.advance(timedelta(hours=2))
    answer = EmailMessage()
    answer["From"] = "Atlas Électroménager <contact@atlas.example>"
    answer["To"] = first["Reply-To"]
    answer["Subject"] = f"RE: {first['Subject']}"
    answer["Message-ID"] = "<reponse-1@atlas.example>"
    answer["In-Reply-To"] = first["Message-ID"]
    answer["References"] = first["Message-ID"]
    answer.set_content("Le colis part demain, numéro de suivi MA123456789.")
    with smtplib.SMTP("127.0.0.1", inbound.port, timeout=10) as server:
        server.sendmail(
            "contact@atlas.example", [parseaddr(first["Reply-To"])[1]], answer.as_bytes()
        )
    worker(port)  # process_inbound, queued by the receiver
    with brand_scope(market.brand):
        reply = Message.objects.get(external_id="reponse-1@atlas.example")
        assert reply.ticket_id == by_email.pk and reply.seller_id == market.seller.pk
        assert reply.is_internal and reply.direction == "in"

    # The second on the seller portal: the link of our email, then the answer form.
    [second] = [m for m in asked if on_portal.reference in m["Subject"]]
    link = re.search(rf"{SITE_URL}(/s/jamla24/signin/\S+)", text_of(second)).group(1)
    seller = django.test.Client()
    assert seller.get(link).status_code == 200  # asks to confirm: a GET uses nothing
    assert seller.post(link).status_code == 302
    page = f"/s/jamla24/disputes/{on_portal.reference}/"
    assert on_portal.subject in seller.get(page).content.decode()
    posted = seller.post(
        page + "answer",
        {"message": "Nous remboursons le client.", "proposal": "refund", "amount": "1299.00"},
    )
    assert posted.status_code == 302
    with brand_scope(market.brand):
        proposal = on_portal.seller_proposals.get()
        assert (proposal.kind, str(proposal.amount), proposal.currency) == (
            "refund",
            "1299.00",
            "MAD",
        )

    # The three others are not answered: past the seller's 24 hours, three strikes, the
    # third restricts the seller, and the webhook arrives signed.
    frozen_clock.advance(timedelta(hours=23))
    watcher.sweep()
    with brand_scope(market.brand):
        assert Strike.objects.count() == 3
    market.seller.refresh_from_db()
    assert market.seller.status == SellerStatus.RESTRICTED
    worker(port, deliver_hooks(), deliver_mail())
    [(_path, headers, body)] = hooks.seen
    assert headers["Guichet-Event"] == "seller.restricted"
    assert verify_signature()(secret, headers["Guichet-Signature"], body, now=None)
    payload = json.loads(body)
    with brand_scope(market.brand):
        change = SellerStatusChange.objects.get(seller=market.seller)
        for ticket in missed:
            assert ticket.events.filter(verb=Verb.STRIKE_RECORDED).exists()
        for ticket in (by_email, on_portal):
            assert not ticket.events.filter(verb=Verb.STRIKE_RECORDED).exists()
    assert payload["seller"]["id"] == market.seller.pk and payload["change"]["to"] == "restricted"
    assert payload["id"] == f"sst_{change.pk}"

    # The customer of a missed dispute asks for the seller's details on the portal: the
    # policy releases them (the seller let its deadline pass), by letter, logged.
    lapsed = missed[0]
    customer = django.test.Client()
    with brand_scope(market.brand):
        address = ContactEmail.objects.get(contact=market.customer).address
    link_row = signin_link_request(
        brand=market.brand, reference=lapsed.reference, email=address, language="fr"
    )
    assert link_row is not None
    worker(port, deliver_mail())
    [signin_mail] = [
        m for m in to(recorder, "salma@exemple.ma") if "/b/jamla24/signin/" in text_of(m)
    ]
    token = re.search(r"/b/jamla24/signin/(\S+)", text_of(signin_mail)).group(1)
    assert customer.post("/b/jamla24/signin", {"token": token}).status_code == 302
    asked_for = customer.post(f"/b/jamla24/requests/{lapsed.reference}/seller-contact")
    assert asked_for.status_code in (200, 302)
    with brand_scope(market.brand):
        release = ContactRelease.objects.get(ticket=lapsed)
    assert release.status == "released" and release.decided_by_label == "policy"
    assert release.requested_by_contact_id == market.customer.pk
    assert release.details["email"] == "contact@atlas.example"
    worker(port, deliver_mail())
    letters = [m for m in to(recorder, "salma@exemple.ma") if lapsed.reference in m["Subject"]]
    assert any("contact@atlas.example" in text_of(m) for m in letters)
    # Asking again changes nothing: one request, one release.
    with pytest.raises(Exception):  # noqa: B017 - the service's refusal, whatever its class
        services.contact_release_request(ticket=lapsed, actor=Customer(market.customer))
    with brand_scope(market.brand):
        assert ContactRelease.objects.filter(ticket=lapsed).count() == 1
