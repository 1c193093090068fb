"""What a hostile browser may send the desk: a NUL character (PostgreSQL refuses text
holding one) in a form field is a form error, in the query string it is left out, in the
path or a cookie the request is refused (422); a form over Django's limits is 413. Never
a 500, nothing stored. The same on SQLite and PostgreSQL."""

import pytest
from django.test import Client
from django.urls import reverse

from guichet.conftest import VerifiedClient
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Event, Message, Ticket

pytestmark = pytest.mark.django_db

NUL = "a\u0000b"
REPLY = ["text", "status_after", "full_answer", "revision", "confirm_stale"]
REASON = ["reason", "revision"]
OTHER_TICKET = ["reference", "reason", "revision"]
# Each action of the ticket page with the fields its form takes (or its view reads).
ACTIONS = {
    "reply": REPLY,
    "note": ["text", "revision"],
    "canned": ["canned", *REPLY],
    "take": ["revision"],
    "assign": ["assignee", "revision"],
    "fields": ["contact_type", "category", "priority", "complexity", "status", "revision"],
    "level": ["to_level", *REASON],
    "close": ["outcome", "summary", "revision"],
    "reopen": REASON,
    "identity": ["method", "note"],
    "order": ["reference"],
    "link": OTHER_TICKET,
    "merge": OTHER_TICKET,
    "split": ["message", "subject"],
    "thank": ["text"],
    "close_quietly": REASON,
    "flag": ["reason", "severity", "message"],
    "block": ["reason"],
    "lift": ["reason"],
    "refer": ["authority", "note"],
    "concerned": ["agent"],
}


def stored(ticket) -> list[str]:
    """Every text of the ticket the services may have written."""
    with brand_scope(ticket.brand_id):
        found = Ticket.objects.get(pk=ticket.pk)
        texts = [found.subject, found.category, found.order_reference]
        for message in Message.objects.filter(ticket=found):
            texts += [message.text, message.html, message.subject]
        texts += [str(event.data) for event in Event.objects.filter(ticket=found)]
    return texts


def signed_in(user) -> VerifiedClient:
    client = VerifiedClient(raise_request_exception=False)
    client.force_login(user)
    return client


@pytest.fixture
def lead(world) -> VerifiedClient:
    return signed_in(world.lead)


@pytest.mark.parametrize(("action", "fields"), ACTIONS.items())
def test_a_nul_in_any_field_of_any_form_is_refused_and_nothing_stored(world, lead, action, fields):
    url = reverse(f"desk:{action}", kwargs={"reference": world.ticket.reference})
    for field in fields:
        others = {name: "1" for name in fields if name != field}
        response = lead.post(url, {**others, field: NUL})
        assert response.status_code < 500, (action, field)
    assert not any("\u0000" in text for text in stored(world.ticket))


def test_an_id_that_is_not_a_number_finds_nothing(world, lead):
    canned = reverse("desk:canned", kwargs={"reference": world.ticket.reference})
    admin = signed_in(world.admin)
    for value in (NUL, "abc", "²", "9" * 40):
        assert lead.post(canned, {"canned": value, "text": "Bonjour"}).status_code == 200
        response = admin.post(reverse("desk:quarantine"), {"inbound": value})
        assert response.status_code == 404


def test_a_nul_in_the_query_string_is_left_out(world, lead):
    search = lead.get(reverse("desk:search"), {"q": "fact\u0000ure"})
    assert search.status_code == 200 and search.context["q"] == "facture"
    inbox = lead.get(reverse("desk:inbox", kwargs={"view": "team"}), {"category": NUL})
    assert inbox.status_code == 200


def test_a_nul_in_the_path_or_a_cookie_is_refused_with_a_page(world, lead):
    response = lead.get("/en/desk/t/EJ%00/")
    assert response.status_code == 422 and response["Content-Language"] == "en"
    page = response.content.decode()
    assert "path.reference" in page and "<h1>Character not allowed</h1>" in page
    browser = Client()
    browser.cookies["sessionid"] = "abcdefgh\u0000ijklmnop"
    response = browser.get(reverse("desk:home"))
    assert response.status_code == 422 and "cookie.sessionid" in response.content.decode()


def test_a_form_over_djangos_limits_is_413(world, lead, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2000
    url = reverse("desk:note", kwargs={"reference": world.ticket.reference})
    response = lead.post(url, {"text": "x" * 3000}, headers={"Accept-Language": "en"})
    assert response.status_code == 413
    assert "<h1>Too large</h1>" in response.content.decode()
    settings.DATA_UPLOAD_MAX_NUMBER_FIELDS = 5
    response = lead.post(url, {f"f{i}": "x" for i in range(10)})
    assert response.status_code == 413
    assert not any("xxx" in text for text in stored(world.ticket))
