"""The hourly purge (`guichet.api.retention`, the periodic job "api.purge"): idempotency
keys after 24 hours, finished webhook deliveries after GUICHET_WEBHOOK_DELIVERY_DAYS,
uploads never attached once their tokens are long expired — in batches, by the clock."""

import uuid
from datetime import timedelta

import pytest
from django.core.files.storage import default_storage

from guichet.api.models import (
    DeliveryStatus,
    IdempotentRequest,
    WebhookAttempt,
    WebhookDelivery,
)
from guichet.api.retention import purge_old_records
from guichet.api.tasks import purge_old_records as purge_task
from guichet.api.webhooks.services import webhook_create
from guichet.lib import clock
from guichet.lib.scoping import all_brands, brand_scope
from guichet.ops import periodic
from guichet.tickets import services
from guichet.tickets.attachments import attachment_store
from guichet.tickets.models import Attachment

pytestmark = pytest.mark.django_db

NOTHING = {"idempotency_keys": 0, "webhook_deliveries": 0, "unattached_files": 0}


def create_ticket(caller, key):
    return caller.post(
        "/api/v1/tickets",
        {
            "contact": {"email": "noe@exemple.fr"},
            "contact_type": "question",
            "subject": "Réservation",
            "text": "Puis-je changer la date ?",
        },
        **{"Idempotency-Key": key},
    )


def test_idempotency_keys_are_kept_a_day(world, api, frozen_clock):
    caller = api()
    first = create_ticket(caller, "commande-42")
    frozen_clock.advance(hours=23, minutes=59)
    assert purge_old_records() == NOTHING
    replayed = create_ticket(caller, "commande-42")
    assert replayed["Idempotent-Replayed"] == "true"
    assert replayed.json()["reference"] == first.json()["reference"]
    frozen_clock.advance(minutes=1, seconds=1)
    assert purge_old_records() == {**NOTHING, "idempotency_keys": 1}
    with all_brands():
        assert not IdempotentRequest.objects.exists()
    again = create_ticket(caller, "commande-42")
    assert again.status_code == 201 and again.json()["reference"] != first.json()["reference"]


def delivery(endpoint, status, attempts=1):
    with brand_scope(endpoint.brand_id):
        made = WebhookDelivery.objects.create(
            brand_id=endpoint.brand_id,
            endpoint=endpoint,
            uid=uuid.uuid4(),
            event_type="ticket.closed",
            body="{}",
            status=status,
            attempts=attempts,
            next_attempt_at=None if status != DeliveryStatus.PENDING else clock.now(),
            created_at=clock.now(),
        )
        for number in range(1, attempts + 1):
            WebhookAttempt.objects.create(
                brand_id=endpoint.brand_id,
                delivery=made,
                number=number,
                at=clock.now(),
                status_code=200 if status == DeliveryStatus.DELIVERED else 500,
            )
    return made


def remaining(endpoint):
    with brand_scope(endpoint.brand_id):
        return (
            sorted(WebhookDelivery.objects.values_list("status", flat=True)),
            WebhookAttempt.objects.count(),
        )


@pytest.fixture
def endpoint(world, dns):
    dns["hooks.shop.example"] = ["93.184.215.14"]
    url = "https://hooks.shop.example/in"
    return webhook_create(brand=world.ej, url=url, events=["ticket.closed"])[0]


def test_finished_deliveries_go_after_the_days_set_with_their_attempts(
    world, endpoint, frozen_clock, settings
):
    settings.GUICHET_WEBHOOK_DELIVERY_DAYS = 7
    delivered = delivery(endpoint, DeliveryStatus.DELIVERED, attempts=2)
    delivery(endpoint, DeliveryStatus.FAILED, attempts=8)
    delivery(endpoint, DeliveryStatus.PENDING)  # a worker that was down: still to be tried
    frozen_clock.advance(days=3)
    with brand_scope(world.ej):
        replay = WebhookDelivery.objects.create(
            brand=world.ej,
            endpoint=endpoint,
            uid=uuid.uuid4(),
            event_type="ticket.closed",
            body="{}",
            status=DeliveryStatus.DELIVERED,
            created_at=clock.now(),
            replay_of=delivered,
        )
    frozen_clock.advance(days=4)
    assert purge_old_records() == NOTHING, "seven days to the second: not older yet"
    frozen_clock.advance(seconds=1)
    assert purge_old_records() == {**NOTHING, "webhook_deliveries": 2}
    assert remaining(endpoint) == (["delivered", "pending"], 1)
    with brand_scope(world.ej):
        replay.refresh_from_db()
    assert replay.replay_of_id is None, "the replay stays, without its link"
    frozen_clock.advance(days=3)
    assert purge_old_records() == {**NOTHING, "webhook_deliveries": 1}
    assert remaining(endpoint) == (["pending"], 1)


def test_deliveries_are_deleted_in_batches(world, endpoint, frozen_clock):
    for _ in range(5):
        delivery(endpoint, DeliveryStatus.DELIVERED)
    frozen_clock.advance(days=31)
    assert purge_old_records(batch=2) == {**NOTHING, "webhook_deliveries": 5}
    assert remaining(endpoint) == ([], 0)


def test_uploads_never_attached_go_with_their_files_two_days_later(
    world, frozen_clock, settings, tmp_path, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path
    lost = attachment_store(brand=world.ej, filename="perdu.pdf", content=b"%PDF-1")
    kept = attachment_store(brand=world.ej, filename="gardé.pdf", content=b"%PDF-1")
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="pj", attachments=[kept])
    frozen_clock.advance(hours=47)
    assert purge_old_records() == NOTHING
    frozen_clock.advance(hours=1, seconds=1)
    with django_capture_on_commit_callbacks(execute=True):
        assert purge_old_records() == {**NOTHING, "unattached_files": 1}
        assert default_storage.exists(lost.storage_key), "its file goes once the row has"
    with brand_scope(world.ej):
        assert list(Attachment.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not default_storage.exists(lost.storage_key)
    assert default_storage.exists(kept.storage_key)


def test_the_worker_purges_every_hour(world, api, frozen_clock):
    job = next(job for job in periodic.jobs() if job.name == "api.purge")
    assert job.task_path == "guichet.api.tasks.purge_old_records"
    assert job.every == timedelta(hours=1)
    create_ticket(api(), "commande-43")
    frozen_clock.advance(days=2)
    assert purge_task.call() == {**NOTHING, "idempotency_keys": 1}
