"""Integers the API takes fit in signed 64 bits, what a database column holds: a larger
one is refused with 422 `validation` on its field, wherever it is (SQLite could not bind
it: the query failed, a 500), and the document says so."""

import pytest

from guichet.accounts.models import Role

pytestmark = pytest.mark.django_db

HUGE = 2**70


def refused(response) -> list[tuple[str, str]]:
    assert response.status_code == 422, response.content
    assert response.json()["code"] == "validation"
    return [(error["field"], error["code"]) for error in response.json()["errors"]]


def test_an_integer_past_64_bits_is_refused_in_the_query_path_and_body(world, api):
    caller = api(role=Role.ADMIN)
    assert refused(caller.get("/api/v1/tickets", {"seller": -HUGE})) == [
        ("query.seller", "greater_than_equal")
    ]
    merge = caller.post(f"/api/v1/contacts/{HUGE}/merge", {"into": world.customer.pk})
    assert refused(merge) == [("path.contact_id", "less_than_equal")]
    merge = caller.post(f"/api/v1/contacts/{world.customer.pk}/merge", {"into": HUGE})
    assert refused(merge) == [("body.payload.into", "less_than_equal")]
    creation = {
        "contact": {"id": HUGE},
        "contact_type": "question",
        "subject": "s",
        "text": "t",
    }
    assert refused(caller.post("/api/v1/tickets", creation)) == [
        ("body.payload.contact.id", "less_than_equal")
    ]


def test_the_largest_integer_is_taken(world, api):
    caller = api(role=Role.ADMIN)
    assert caller.get("/api/v1/tickets", {"seller": 2**63 - 1}).status_code == 200
    assert caller.get(f"/api/v1/contacts/{2**63 - 1}").status_code == 404


def test_the_document_bounds_the_integers_it_takes(client):
    document = client.get("/api/v1/openapi.json").json()
    [seller] = [
        p
        for p in document["paths"]["/api/v1/tickets"]["get"]["parameters"]
        if p["name"] == "seller"
    ]
    integer = next(s for s in seller["schema"]["anyOf"] if s.get("type") == "integer")
    assert (integer["minimum"], integer["maximum"]) == (-(2**63), 2**63 - 1)
