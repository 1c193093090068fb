"""Webhook deliveries to a real local HTTP server: signed, after commit, retried with
back-off on the injected clock, redirects not followed, logged."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from guichet.api.models import DeliveryStatus
from guichet.api.tests.webhook_helpers import deliveries, hook, verify_signature
from guichet.api.webhooks import delivery as sending
from guichet.lib.crypto import decrypt
from guichet.lib.scoping import brand_scope
from guichet.tickets import services
from guichet.tickets.actors import Customer, System
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def reply(world, capture, text="Nous regardons votre facture."):
    with capture(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text=text)


def test_a_reply_reaches_the_brands_endpoint_signed_after_commit(
    world, receiver, django_capture_on_commit_callbacks, frozen_clock
):
    endpoint, secret = hook(world.ej, receiver.url(), events=["ticket.replied"])
    reply(world, django_capture_on_commit_callbacks)

    [(path, headers, body)] = receiver.seen
    assert path == "/hooks"
    assert headers["Content-Type"] == "application/json"
    assert headers["Guichet-Event"] == "ticket.replied"
    now = frozen_clock.now().timestamp()
    assert verify_signature()(secret, headers["Guichet-Signature"], body, now=now)
    payload = json.loads(body)
    assert payload["type"] == "ticket.replied"
    assert payload["brand"] == "ej"
    assert payload["event"]["verb"] == Verb.REPLIED
    assert payload["event"]["actor"] == {"kind": "staff", "id": world.agent.pk, "name": "Agent"}
    assert payload["id"] == f"evt_{payload['event']['id']}"
    ticket = payload["ticket"]
    assert ticket["reference"] == world.ticket.reference
    assert ticket["contact"]["email"] == "helene@exemple.fr"
    assert {"deadlines", "status", "level", "revision"} <= set(ticket)

    [done] = deliveries(world.ej)
    assert headers["Guichet-Delivery"] == str(done.uid)
    assert done.status == DeliveryStatus.DELIVERED and done.attempts == 1
    assert done.delivered_at == frozen_clock.now()
    [log] = done.attempt_log.all()
    assert (log.number, log.status_code, log.response_excerpt, log.error) == (1, 200, "ok", "")
    assert log.duration_ms >= 0
    # The secret was shown once; the database keeps it encrypted.
    assert secret.startswith("whsec_") and secret not in endpoint.sealed_secret
    assert decrypt(endpoint.sealed_secret) == secret


def test_nothing_is_sent_before_commit_nor_for_a_rolled_back_change(
    world, receiver, django_capture_on_commit_callbacks
):
    hook(world.ej, receiver.url())
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    assert callbacks and receiver.seen == [] and deliveries(world.ej) == []


def test_each_event_type_comes_from_its_event(world, receiver, django_capture_on_commit_callbacks):
    hook(world.ej, receiver.url())
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_close(
            ticket=world.ticket, actor=world.agent, outcome="upheld", summary="Remboursé."
        )
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_escalate(ticket=world.ticket, actor=Customer(world.customer))
    with django_capture_on_commit_callbacks(execute=True), brand_scope(world.ej):
        from django.db import transaction

        with transaction.atomic():
            services.ticket_record(
                ticket=world.ticket, actor=System("sla"), verb=Verb.DEADLINE_BREACHED
            )
            services.ticket_record(
                ticket=world.ticket, actor=Customer(world.customer), verb=Verb.SURVEY_ANSWERED
            )
    kinds = [headers["Guichet-Event"] for _, headers, _ in receiver.seen]
    assert "ticket.escalated" in kinds and "ticket.closed" in kinds
    assert kinds[-2:] == ["ticket.deadline_breached", "survey.answered"]
    # Events no webhook type stands for (notes, deadline bookkeeping) are never sent.
    assert all(k.startswith(("ticket.", "survey.")) for k in kinds)


def test_a_new_ticket_is_announced(world, receiver, django_capture_on_commit_callbacks):
    hook(world.ej, receiver.url(), events=["ticket.created"])
    with django_capture_on_commit_callbacks(execute=True):
        ticket = services.ticket_open(
            brand=world.ej,
            contact=world.customer,
            contact_type="complaint",
            subject="Colis abîmé",
            text="Le carton était ouvert.",
            channel="email",
            category="billing",
        )
    [(_, headers, body)] = receiver.seen
    assert headers["Guichet-Event"] == "ticket.created"
    assert json.loads(body)["ticket"]["reference"] == ticket.reference


def test_only_subscribed_events_of_active_endpoints_are_sent(
    world, receiver, django_capture_on_commit_callbacks
):
    hook(world.ej, receiver.url("/closed"), events=["ticket.closed"])
    disabled, _ = hook(world.ej, receiver.url("/disabled"), events=["ticket.replied"])
    from guichet.api.webhooks.services import webhook_update

    webhook_update(endpoint=disabled, is_active=False)
    reply(world, django_capture_on_commit_callbacks)
    assert receiver.seen == [] and deliveries(world.ej) == []


def test_a_500_is_retried_with_exponential_back_off_until_it_succeeds(
    world, receiver, django_capture_on_commit_callbacks, frozen_clock
):
    _, secret = hook(world.ej, receiver.url())
    receiver.answers = [500, 503]
    t0 = frozen_clock.now()
    reply(world, django_capture_on_commit_callbacks)
    [pending] = deliveries(world.ej, event_type="ticket.replied")
    assert pending.status == DeliveryStatus.PENDING and pending.attempts == 1
    assert pending.next_attempt_at == t0 + timedelta(minutes=1)
    assert pending.last_status_code == 500 and pending.last_error == "HTTP 500"

    assert sending.deliver_due() == {}  # not due yet: nothing sent
    frozen_clock.advance(minutes=1)
    assert sending.deliver_due() == {"retry": 1}
    [pending] = deliveries(world.ej, event_type="ticket.replied")
    assert pending.next_attempt_at == t0 + timedelta(minutes=1 + 4)
    frozen_clock.advance(minutes=4)
    assert sending.deliver_due() == {"delivered": 1}

    [done] = deliveries(world.ej, event_type="ticket.replied")
    assert done.status == DeliveryStatus.DELIVERED and done.attempts == 3
    log = [(a.number, a.status_code, a.response_excerpt) for a in done.attempt_log.all()]
    assert log == [(1, 500, "server says no"), (2, 503, "server says no"), (3, 200, "ok")]
    # Every attempt sends the same body and the same delivery id, signed at its own time.
    bodies = {body for _, _, body in receiver.seen}
    assert len(bodies) == 1 and len(receiver.seen) == 3
    assert {h["Guichet-Delivery"] for _, h, _ in receiver.seen} == {str(done.uid)}
    stamps = [h["Guichet-Signature"].split(",")[0] for _, h, _ in receiver.seen]
    assert stamps == [f"t={int((t0 + timedelta(minutes=m)).timestamp())}" for m in (0, 1, 5)]
    verify = verify_signature()
    _, headers, body = receiver.seen[-1]
    assert verify(secret, headers["Guichet-Signature"], body, now=frozen_clock.now().timestamp())


def test_a_delivery_fails_for_good_after_the_last_attempt(
    world, receiver, django_capture_on_commit_callbacks, frozen_clock
):
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    receiver.answers = [500] * 20
    reply(world, django_capture_on_commit_callbacks)
    for wait in sending.BACKOFF:
        frozen_clock.advance(wait)
        sending.deliver_due()
    [failed] = deliveries(world.ej)
    assert failed.status == DeliveryStatus.FAILED and failed.next_attempt_at is None
    assert failed.attempts == sending.MAX_ATTEMPTS == len(receiver.seen) == 8
    frozen_clock.advance(days=7)
    assert sending.deliver_due() == {}


def test_a_timeout_is_retried(
    world, receiver, django_capture_on_commit_callbacks, frozen_clock, monkeypatch
):
    monkeypatch.setattr(sending, "TIMEOUT", 0.2)
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    receiver.answers = [("slow", 1.0)]
    reply(world, django_capture_on_commit_callbacks)
    [pending] = deliveries(world.ej)
    assert pending.status == DeliveryStatus.PENDING and pending.last_error == "timeout"
    [log] = pending.attempt_log.all()
    assert log.status_code is None and log.error == "timeout"
    frozen_clock.advance(minutes=1)
    assert sending.deliver_due() == {"delivered": 1}


def test_a_receiver_that_answers_too_slowly_in_all_is_cut_off(
    world, receiver, django_capture_on_commit_callbacks, monkeypatch
):
    # Each read is quick enough, but the whole attempt has its own limit.
    monkeypatch.setattr(sending, "TOTAL_SECONDS", 0.3)
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    receiver.answers = [("slow", 1.0)]
    reply(world, django_capture_on_commit_callbacks)
    [pending] = deliveries(world.ej)
    assert pending.last_error == "timeout" and pending.attempts == 1


def test_redirects_are_not_followed(world, receiver, django_capture_on_commit_callbacks):
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    receiver.answers = [("redirect", receiver.url("/elsewhere"))]
    reply(world, django_capture_on_commit_callbacks)
    assert [path for path, _, _ in receiver.seen] == ["/hooks"]
    [pending] = deliveries(world.ej)
    assert pending.status == DeliveryStatus.PENDING
    assert (pending.last_status_code, pending.last_error) == (302, "HTTP 302")


def test_an_unreachable_receiver_is_retried(world, receiver, django_capture_on_commit_callbacks):
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    receiver.shutdown()
    receiver.server_close()  # nothing listens on the port any more
    reply(world, django_capture_on_commit_callbacks)
    [pending] = deliveries(world.ej)
    assert pending.status == DeliveryStatus.PENDING and pending.attempts == 1
    assert "ConnectionRefused" in pending.last_error


def test_two_workers_never_send_one_attempt_twice(
    world, receiver, django_capture_on_commit_callbacks, frozen_clock, settings
):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    reply(world, django_capture_on_commit_callbacks)  # queued, not run
    first = sending.claim(frozen_clock.now())
    assert len(first) == 1
    assert sending.claim(frozen_clock.now()) == []  # leased to the first worker
    frozen_clock.advance(sending.LEASE)
    assert sending.claim(frozen_clock.now()) == first  # the lease ran out: taken again


def test_without_any_subscribed_endpoint_an_event_costs_no_query(
    world, receiver, django_assert_num_queries
):
    from guichet.api.webhooks.services import on_event_committed, subscribed_types

    hook(world.jamla, receiver.url(), events=["ticket.closed"])  # another type, another brand
    assert subscribed_types() == {"ticket.closed"}
    with django_assert_num_queries(0):
        on_event_committed(None, event_id=1, verb=Verb.REPLIED)
        on_event_committed(None, event_id=1, verb=Verb.DEADLINE_BREACHED)
        on_event_committed(None, event_id=1, verb=Verb.NOTE_ADDED)
