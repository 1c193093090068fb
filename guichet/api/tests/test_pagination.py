"""The list reads pages by keyset: stable while tickets are created, filtered like the desk."""

from datetime import timedelta

import pytest

from guichet.tickets import services

pytestmark = pytest.mark.django_db


def open_tickets(world, frozen_clock, count, **fields):
    made = []
    for number in range(count):
        frozen_clock.advance(timedelta(minutes=1))
        made.append(
            services.ticket_open(
                brand=world.ej,
                contact=world.customer,
                contact_type=fields.get("contact_type", "question"),
                category=fields.get("category", ""),
                subject=f"Question {number}",
                text="t",
                channel="email",
            ).reference
        )
    return made


def pages(caller, params):
    seen, cursor = [], None
    while True:
        body = caller.get("/api/v1/tickets", {**params, **({"cursor": cursor} if cursor else {})})
        assert body.status_code == 200, body.json()
        body = body.json()
        seen += [t["reference"] for t in body["items"]]
        cursor = body["next_cursor"]
        if cursor is None:
            return seen


def test_pages_cover_every_ticket_once_newest_first(world, frozen_clock, api):
    made = open_tickets(world, frozen_clock, 7)
    assert pages(api(), {"limit": 3}) == [*reversed(made), world.ticket.reference]


def test_a_ticket_created_while_paging_neither_shifts_nor_repeats_the_pages(
    world, frozen_clock, api
):
    made = open_tickets(world, frozen_clock, 6)
    caller = api()
    first = caller.get("/api/v1/tickets", {"limit": 3}).json()
    open_tickets(world, frozen_clock, 2)  # newer: before the first page, not in the next ones
    rest = pages(caller, {"limit": 3, "cursor": first["next_cursor"]})
    seen = [t["reference"] for t in first["items"]] + rest
    assert seen == [*reversed(made), world.ticket.reference]


def test_oldest_first_and_by_last_change(world, frozen_clock, api):
    made = open_tickets(world, frozen_clock, 4)
    assert pages(api(), {"limit": 2, "sort": "created"}) == [world.ticket.reference, *made]
    frozen_clock.advance(timedelta(minutes=1))
    api().patch(f"/api/v1/tickets/{made[0]}", {"priority": "urgent"})
    assert pages(api(), {"limit": 2, "sort": "updated"})[-1] == made[0]


def test_the_desks_views_and_filters_apply(world, frozen_clock, api):
    open_tickets(world, frozen_clock, 2, contact_type="question")
    complaints = pages(api(), {"contact_type": "complaint"})
    assert complaints == [world.ticket.reference]
    unassigned = pages(api(), {"view": "unassigned", "limit": 2})
    assert len(unassigned) == 3
    assert pages(api(), {"view": "closed"}) == []


def test_a_forged_cursor_or_an_unknown_view_is_a_clear_error(world, api):
    forged = api().get("/api/v1/tickets", {"cursor": "bm90LWEtY3Vyc29y"})
    assert forged.status_code == 422 and forged.json()["code"] == "cursor"
    first = api().get("/api/v1/tickets", {"limit": 1, "sort": "created"}).json()
    assert first["next_cursor"] is None
    view = api().get("/api/v1/tickets", {"view": "everything"})
    assert view.status_code == 422 and view.json()["code"] == "validation"


def test_the_list_runs_a_fixed_number_of_queries(
    world, frozen_clock, api, django_assert_max_num_queries
):
    open_tickets(world, frozen_clock, 20, category="billing")
    caller = api()
    caller.get("/api/v1/tickets")  # the key's last-used time is written once a minute
    with django_assert_max_num_queries(6):
        response = caller.get("/api/v1/tickets", {"limit": 50})
    assert len(response.json()["items"]) == 21
