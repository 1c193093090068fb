"""The answer at an address where there is nothing: a page in the reader's language that
leads back (to the brand's portal from a portal address, to the start otherwise), the
API's own JSON under /api/, and /favicon.ico for the pages that name no icon."""

from __future__ import annotations

import django.test
import pytest

pytestmark = pytest.mark.django_db


def test_a_missing_page_of_a_brands_portal_leads_back_to_its_start(client: django.test.Client):
    response = client.get("/b/ej/nulle-part")
    assert response.status_code == 404
    assert response["Content-Language"] == "fr"
    page = response.content.decode()
    assert '<html lang="fr">' in page and "<main>" in page
    assert "Page introuvable" in page
    assert 'href="/b/ej/"' in page

    english = client.get("/en/b/ej/nowhere").content.decode()
    assert "Page not found" in english and 'href="/en/b/ej/"' in english


def test_a_missing_page_elsewhere_leads_to_the_start(client: django.test.Client):
    response = client.get("/desk/nulle-part/")
    assert response.status_code == 404
    assert 'href="/"' in response.content.decode()


def test_a_missing_api_address_answers_the_apis_json(client: django.test.Client):
    response = client.get("/api/v1/nowhere")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_the_favicon_is_the_desks_icon(client: django.test.Client):
    response = client.get("/favicon.ico")
    assert response.status_code == 301
    assert response["Location"].endswith(".svg")
