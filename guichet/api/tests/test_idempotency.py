"""`Idempotency-Key`: a retried create creates nothing twice."""

import pytest

from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db
BODY = {
    "contact": {"email": "retry@exemple.fr"},
    "contact_type": "question",
    "subject": "Retard",
    "text": "Où est ma commande ?",
}


def count(world):
    with brand_scope(world.ej):
        return Ticket.objects.count()


def test_a_retry_answers_the_first_ticket_and_creates_nothing(world, api):
    caller = api()
    first = caller.post("/api/v1/tickets", BODY, **{"Idempotency-Key": "order-1"})
    second = caller.post("/api/v1/tickets", BODY, **{"Idempotency-Key": "order-1"})
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json()
    assert second["Idempotent-Replayed"] == "true" and not first.has_header("Idempotent-Replayed")
    assert count(world) == 2


def test_another_key_or_no_key_creates_another_ticket(world, api):
    caller = api()
    caller.post("/api/v1/tickets", BODY, **{"Idempotency-Key": "a"})
    caller.post("/api/v1/tickets", BODY, **{"Idempotency-Key": "b"})
    caller.post("/api/v1/tickets", BODY)
    assert count(world) == 4


def test_the_same_key_for_another_request_is_refused(world, api):
    caller = api()
    caller.post("/api/v1/tickets", BODY, **{"Idempotency-Key": "k"})
    response = caller.post(
        "/api/v1/tickets", {**BODY, "subject": "Autre"}, **{"Idempotency-Key": "k"}
    )
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key_reused"
    assert count(world) == 2


def test_keys_belong_to_their_caller(world, api):
    api().post("/api/v1/tickets", BODY, **{"Idempotency-Key": "k"})
    api().post("/api/v1/tickets", BODY, **{"Idempotency-Key": "k"})  # another API key
    assert count(world) == 3


def test_a_refused_create_is_not_remembered(world, api):
    caller = api()
    bad = caller.post("/api/v1/tickets", {**BODY, "category": "nope"}, **{"Idempotency-Key": "k"})
    assert bad.status_code == 400
    fixed = caller.post("/api/v1/tickets", {**BODY, "category": "nope"}, **{"Idempotency-Key": "k"})
    assert fixed.status_code == 400 and fixed.json()["code"] == "category"
    assert count(world) == 1


def test_an_overlong_key_is_refused(world, api):
    response = api().post("/api/v1/tickets", BODY, **{"Idempotency-Key": "x" * 300})
    assert response.status_code == 422 and response.json()["code"] == "idempotency_key"


@pytest.mark.django_db(transaction=True)
def test_two_racing_retries_create_one_ticket():
    """Both calls are in flight together (a client timing out and retrying at once): the
    second waits for the first's transaction (PostgreSQL's row lock on the unique key, or
    SQLite's single writer), then answers the first's ticket."""
    import threading

    from django.db import connections
    from django.test import Client

    from guichet.api.keys import api_key_create
    from guichet.conftest import publish_preset

    brand = publish_preset("ej")
    _key, token = api_key_create(brand=brand, name="Boutique", scopes=["write"])
    start = threading.Barrier(2)
    answers: list[object] = []

    def create() -> None:
        try:
            start.wait()
            response = Client().post(
                "/api/v1/tickets",
                BODY,
                content_type="application/json",
                headers={"Authorization": f"Bearer {token}", "Idempotency-Key": "race"},
            )
            answers.append((response.status_code, response.json().get("reference")))
        except BaseException as exc:
            answers.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=create) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(answers) == 2 and all(isinstance(a, tuple) for a in answers), answers
    assert answers[0] == answers[1] and answers[0][0] == 201, answers
    with brand_scope(brand):
        assert Ticket.objects.count() == 1
