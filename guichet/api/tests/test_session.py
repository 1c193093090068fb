"""The UI's own calls: the staff session, with CSRF on writes and the person's own roles."""

import pytest
from django.test import Client
from django.utils.crypto import get_random_string

from guichet.conftest import VerifiedClient

pytestmark = pytest.mark.django_db


def signed_in(user, *, csrf_checks=True):
    client = VerifiedClient(enforce_csrf_checks=csrf_checks)
    client.force_login(user)
    return client


def test_a_signed_in_agent_reads_their_brands_tickets(world):
    client = signed_in(world.agent)
    response = client.get(f"/api/v1/tickets/{world.ticket.reference}")
    assert response.status_code == 200
    outsider = signed_in(world.outsider)
    assert outsider.get(f"/api/v1/tickets/{world.ticket.reference}").status_code == 404


def test_a_write_without_the_csrf_token_is_refused(world):
    client = signed_in(world.agent)
    url = f"/api/v1/tickets/{world.ticket.reference}/notes"
    refused = client.post(url, {"text": "x"}, content_type="application/json")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf"
    token = get_random_string(32)  # as the desk's pages set it in the CSRF cookie
    client.cookies["csrftoken"] = token
    accepted = client.post(
        url, {"text": "x"}, content_type="application/json", headers={"X-CSRFToken": token}
    )
    assert accepted.status_code == 201, accepted.json()
    assert accepted.json()["message"]["author"]["id"] == world.agent.pk


def test_a_call_from_another_sites_page_is_refused_even_to_read(world):
    client = signed_in(world.agent)
    response = client.get(
        f"/api/v1/tickets/{world.ticket.reference}", headers={"Origin": "https://evil.example"}
    )
    assert response.status_code == 403 and response.json()["code"] == "csrf"


def test_the_persons_role_limits_the_session_as_in_the_desk(world):
    client = signed_in(world.agent, csrf_checks=False)
    response = client.post(
        f"/api/v1/tickets/{world.ticket.reference}/assign",
        {"assignee": world.agent2.pk},
        content_type="application/json",
    )
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_an_administrator_owing_a_second_factor_is_not_let_in(world):
    client = Client()  # Django's own: force_login gives no code
    client.force_login(world.admin)
    assert client.get("/api/v1/tickets").status_code == 401


def test_a_person_with_several_brands_names_the_brand_to_create_in(world):
    from guichet.accounts.models import Membership, Role

    Membership.objects.create(user=world.agent, brand=world.jamla, role=Role.AGENT)
    client = signed_in(world.agent, csrf_checks=False)
    body = {"contact": {"email": "a@b.fr"}, "contact_type": "question", "subject": "s", "text": "t"}
    unnamed = client.post("/api/v1/tickets", body, content_type="application/json")
    assert unnamed.status_code == 422 and unnamed.json()["code"] == "brand"
    named = client.post(
        "/api/v1/tickets", {**body, "brand": world.jamla.slug}, content_type="application/json"
    )
    assert named.status_code == 201 and named.json()["brand"] == world.jamla.slug


def test_an_oversized_upload_is_refused_before_the_csrf_check_reads_it(world):
    """The CSRF check reads a POST's body (files to disk) for a form's token: a body larger
    than any of the person's brands takes is refused before, unread."""
    client = signed_in(world.agent)
    token = get_random_string(32)
    client.cookies["csrftoken"] = token
    refused = client.generic(
        "POST",
        "/api/v1/uploads",
        b"--x\r\n",  # reading past these bytes would fail the test client
        content_type="multipart/form-data; boundary=x",
        headers={"X-CSRFToken": token},
        CONTENT_LENGTH=str(500 * 1024 * 1024),
    )
    assert refused.status_code == 413
    assert refused.json()["code"] == "files_size"
