"""My data (PD-1): the signed-in customer asks for their data to be corrected or erased;
the request is a data-rights ticket with the policy's legal deadline. CSRF, bad choices,
other brands and brands that take no such requests are refused."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import django.test
import pytest

from guichet.conftest import World
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.notify.models import OutboundEmail
from guichet.portal.tests.conftest import sign_in, url
from guichet.portal.tests.test_survey import with_policy
from guichet.sla.models import Deadline
from guichet.tickets.models import Ticket


def data_tickets(world: World) -> list[Ticket]:
    with brand_scope(world.ej):
        return list(Ticket.objects.filter(contact_type="data_rights").order_by("pk"))


def test_the_page_offers_the_download_and_the_request_with_its_deadline(
    signed_in: django.test.Client, world: World
) -> None:
    page = signed_in.get("/en" + url(world.ej, "data"))
    assert page.status_code == 200
    html = page.content.decode()
    assert 'value="rectification"' in html and 'value="erasure"' in html
    assert "within 30 days" in html and url(world.ej, "my_data") in html
    assert url(world.ej, "data") in signed_in.get(url(world.ej, "requests")).content.decode()


def test_a_visitor_must_sign_in(browser: django.test.Client, world: World) -> None:
    response = browser.post(url(world.ej, "data"), {"right": "erasure"})
    assert response.status_code == 302 and response["Location"].endswith(url(world.ej, "track"))
    assert data_tickets(world) == []


def test_erasure_opens_a_data_rights_ticket_with_the_legal_deadline(
    signed_in: django.test.Client, world: World
) -> None:
    response = signed_in.post("/en" + url(world.ej, "data"), {"right": "erasure", "details": ""})
    [ticket] = data_tickets(world)
    assert response.status_code == 302
    assert response["Location"].endswith(f"/requests/{ticket.reference}/")
    assert (ticket.contact_id, ticket.channel, ticket.language) == (world.customer.pk, "web", "en")
    assert ticket.subject == "Erasure of my personal data"
    with brand_scope(world.ej):
        assert ticket.messages.get(direction="in").text == "I ask you to erase my personal data."
        due = Deadline.objects.get(ticket=ticket, kind="resolution").due_at
        [ack] = OutboundEmail.objects.filter(ticket=ticket)
    assert due == clock.now() + timedelta(days=30)  # EJ: 30 calendar days
    assert ticket.reference in ack.text


def test_rectification_says_what_to_correct(signed_in: django.test.Client, world: World) -> None:
    empty = signed_in.post(url(world.ej, "data"), {"right": "rectification", "details": " "})
    assert empty.status_code == 400 and data_tickets(world) == []
    signed_in.post(
        url(world.ej, "data"), {"right": "rectification", "details": "Mon nom est Lefèvre."}
    )
    [ticket] = data_tickets(world)
    assert "ectification" in ticket.subject  # in the page's language
    with brand_scope(world.ej):
        assert "Mon nom est Lefèvre." in ticket.messages.get(direction="in").text


@pytest.mark.parametrize("right", ["", "portability", "erasure\r\nBcc: x@y", "1"])
def test_other_choices_are_refused(signed_in: django.test.Client, world: World, right: str) -> None:
    response = signed_in.post(url(world.ej, "data"), {"right": right, "details": "x"})
    assert response.status_code == 400 and data_tickets(world) == []


def test_csrf_is_checked(signed_in: django.test.Client, world: World) -> None:
    strict = django.test.Client(enforce_csrf_checks=True)
    strict.cookies = signed_in.cookies  # the customer's session, a forged form
    assert strict.post(url(world.ej, "data"), {"right": "erasure"}).status_code == 403
    assert data_tickets(world) == []


def test_signed_in_at_one_brand_is_nobody_at_another(
    signed_in: django.test.Client, world: World
) -> None:
    response = signed_in.post(url(world.jamla, "data"), {"right": "erasure"})
    assert response.status_code == 302 and response["Location"].endswith(url(world.jamla, "track"))
    with brand_scope(world.jamla):
        assert not Ticket.objects.filter(contact_type="data_rights").exists()


def test_a_brand_without_data_rights_requests_offers_none(
    browser: django.test.Client, world: World, db: Any
) -> None:
    brand = with_policy(
        "jive",
        ('[[contact_types]]\ntype = "data_rights"\n', ""),
        ('contact_types = ["data_rights"]\n', 'contact_types = ["question"]\n'),
    )
    from guichet.contacts.services import contact_for_email

    customer = contact_for_email(brand=brand, email="c@example.ca", name="C")
    sign_in(browser, brand, customer)
    page = browser.get(url(brand, "data")).content.decode()
    assert 'value="erasure"' not in page
    assert browser.post(url(brand, "data"), {"right": "erasure"}).status_code == 404
