"""What a hostile browser may send the customer's pages: a NUL character (PostgreSQL
refuses text holding one) in a form field is a form error, in the query string it is
left out, in the path or a cookie the request is refused (422); a form over Django's
limits is 413. Never a 500, nothing stored. The same on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import django.test
import pytest

from guichet.conftest import World
from guichet.lib.scoping import brand_scope
from guichet.portal.tests.conftest import url
from guichet.portal.tests.test_contact import form, tickets_of
from guichet.tickets.models import Event, Message, Ticket

pytestmark = pytest.mark.django_db

NUL = "a\u0000b"


def stored(world: World) -> list[str]:
    """Every text of EJ's tickets the services may have written."""
    with brand_scope(world.ej):
        texts = []
        for ticket in Ticket.objects.filter(brand=world.ej).select_related("contact"):
            texts += [ticket.subject, ticket.contact.name]
        for message in Message.objects.filter(ticket__brand=world.ej):
            texts += [message.text, message.subject]
        texts += [str(event.data) for event in Event.objects.filter(ticket__brand=world.ej)]
    return texts


def refuses_each(client: Any, path: str, fields: dict[str, str]) -> None:
    for field in fields:
        response = client.post(path, {**fields, field: NUL})
        assert response.status_code < 500, (path, field)


def test_a_nul_in_any_field_of_the_contact_form_is_refused(browser, world: World) -> None:
    refuses_each(browser, url(world.ej, "contact"), form())
    before = len(tickets_of(world.ej))
    response = browser.post("/en" + url(world.ej, "contact"), form(message=NUL))
    assert response.status_code == 400 and "Null characters are not allowed" in (
        response.content.decode()
    )
    assert len(tickets_of(world.ej)) == before
    assert not any("\u0000" in text for text in stored(world))


def test_a_nul_in_the_tracking_form_or_a_sign_in_is_refused(browser, world: World) -> None:
    track = {"reference": world.ticket.reference, "email": "helene@exemple.fr", "website": ""}
    refuses_each(browser, url(world.ej, "track"), track)
    refuses_each(browser, url(world.ej, "signin_confirm"), {"token": "t", "next": "/"})


@pytest.mark.parametrize(
    ("name", "fields"),
    [
        ("reply", {"message": "Merci"}),
        ("escalate", {"reason": "Pas satisfaite"}),
        ("another_person", {"reason": "Quelqu’un d’autre"}),
        ("withdraw", {"reason": "Réglé"}),
        ("close", {"reason": "Merci"}),
    ],
)
def test_a_nul_in_a_customers_action_is_refused(
    signed_in: django.test.Client, world: World, name: str, fields: dict[str, str]
) -> None:
    refuses_each(signed_in, url(world.ej, name, reference=world.ticket.reference), fields)
    refuses_each(signed_in, url(world.ej, "data"), {"right": "access", "details": "Tout"})
    assert not any("\u0000" in text for text in stored(world))


def test_a_nul_in_the_query_string_is_left_out(browser, world: World) -> None:
    response = browser.get(url(world.ej, "signin_confirm"), {"next": "/b/ej/\u0000"})
    assert response.status_code < 500
    response = browser.get(url(world.ej, "home"), {"x\u0000": NUL})
    assert response.status_code == 200


def test_a_nul_in_the_path_is_refused_with_a_page(browser, world: World) -> None:
    response = browser.get("/en/b/ej/requests/EJ%00/")
    assert response.status_code == 422 and response["Content-Language"] == "en"
    assert "path.reference" in response.content.decode()
    response = browser.get("/b/ej/survey/a%00b")
    assert response.status_code == 422 and response["Content-Language"] == "fr"
    assert "Caractère refusé" in response.content.decode()


def test_a_form_over_djangos_limits_is_413(browser, world: World, settings) -> None:
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    before = len(tickets_of(world.ej))
    response = browser.post("/en" + url(world.ej, "contact"), form(message="x" * 3000))
    assert response.status_code == 413 and "<h1>Too large</h1>" in response.content.decode()
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = browser.post(url(world.ej, "track"), {f"f{i}": "x" for i in range(10)})
    assert response.status_code == 413
    assert len(tickets_of(world.ej)) == before
