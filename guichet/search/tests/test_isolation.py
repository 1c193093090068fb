"""Search never crosses brands: a ticket of another brand is never returned, in the
function or in the desk."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.search.queries import search_tickets

from .helpers import found, open_ticket

pytestmark = pytest.mark.django_db


@pytest.fixture
def twin(world):
    """A Jamla24 ticket with the same words as the EJ one."""
    return open_ticket(
        world, subject="Facture en double", text="J'ai été débitée deux fois.", jamla=True
    )


@pytest.mark.parametrize("query", ["facture", "débitée deux fois", "double", "fois"])
def test_each_brand_finds_only_its_own_tickets(world, twin, query):
    assert found(query, world.ej) == [world.ticket.pk]
    assert found(query, world.jamla) == [twin.pk]
    assert set(found(query, world.ej, world.jamla)) == {world.ticket.pk, twin.pk}
    assert set(found(query)) == {world.ticket.pk, twin.pk}  # None: every brand (superusers)


def test_a_reference_of_another_brand_is_not_found(world, twin):
    assert found(twin.reference, world.ej) == []
    assert found(world.ticket.reference, world.jamla) == []


def test_a_customer_of_another_brand_is_not_found(world, twin):
    assert found("salma@exemple.ma", world.ej) == []
    assert found("alaoui", world.ej) == []
    assert found("alaoui", world.jamla) == [twin.pk]


def test_no_brand_means_nothing(world, twin):
    assert search_tickets(query="facture", brand_ids=[]) == []


def test_the_desk_search_shows_only_the_person_s_brand(client, world, twin):
    client.force_login(world.outsider)
    page = client.get(reverse("desk:search"), {"q": "débitée"}).content.decode()
    assert twin.reference in page and world.ticket.reference not in page
    client.force_login(world.agent)
    page = client.get(reverse("desk:search"), {"q": "débitée"}).content.decode()
    assert world.ticket.reference in page and twin.reference not in page
    assert "deux fois" in page  # the snippet


def test_the_desk_does_not_open_another_brand_s_ticket_by_reference(client, world, twin):
    client.force_login(world.agent)
    response = client.get(reverse("desk:search"), {"q": twin.reference})
    assert response.status_code == 200
    assert reverse("desk:ticket", args=[twin.reference]) not in response.content.decode()
    response = client.get(reverse("desk:search"), {"q": world.ticket.reference})
    assert response.status_code == 302 and world.ticket.reference in response["Location"]
