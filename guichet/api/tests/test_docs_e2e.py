"""The interactive API documentation (/api/v1/docs) in a real browser (Debian's Chromium
driven by Playwright, see guichet/desk/tests/browser.py): it is served by Guichet itself
under its content security policy (no CDN, no inline script), reads the OpenAPI document
without error, and a call tried from it with an API key answers."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Page, expect

from guichet.desk.tests import browser as e2e
from guichet.tickets.models import Message

browser = e2e.browser
desk_page = e2e.desk_page
template_errors = e2e.template_errors


def test_the_openapi_document_has_no_key_twice(client):
    """JSON parsers keep the last of two equal keys; YAML parsers (Swagger UI's) refuse
    the whole document."""
    repeated: list[list[str]] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        keys = [key for key, _ in items]
        if len(keys) != len(set(keys)):
            repeated.append(keys)
        return dict(items)

    response = client.get("/api/v1/openapi.json")
    json.loads(response.content, object_pairs_hook=pairs)
    assert repeated == []


@pytest.mark.django_db(transaction=True)
def test_a_call_tried_from_the_interactive_documentation(desk_page: Page, world, make_key):
    _key, token = make_key(world.ej, scopes=("read",))
    page = desk_page
    page.goto("/api/v1/docs")
    expect(page.get_by_role("heading", name="Guichet API")).to_be_visible()
    expect(page.locator(".errors-wrapper")).to_have_count(0)  # the document parsed

    page.get_by_role("button", name="Authorize").first.click()
    dialog = page.locator(".modal-ux")
    bearer = dialog.locator(".auth-container", has_text="ApiKeyAuth")
    bearer.get_by_label("auth-bearer-value").fill(token)
    bearer.get_by_role("button", name="Apply credentials").click()
    dialog.locator(".close-modal").click()

    operation = page.locator("#operations-tickets-guichet_api_tickets_list_tickets")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.get_by_role("button", name="Execute").click()
    live = operation.locator(".live-responses-table")
    expect(live.locator("td.response-col_status").last).to_have_text("200")
    expect(live).to_contain_text(world.ticket.reference)


@pytest.mark.django_db(transaction=True)
def test_a_signed_in_agent_tries_a_write_with_their_session(
    desk_page: Page, world, live_server: Any
):
    """No key: the session cookie authenticates, and the page sends the CSRF token the
    session's writes need."""
    signed_in = Client()
    signed_in.force_login(world.agent)
    desk_page.context.add_cookies(
        [
            {
                "name": settings.SESSION_COOKIE_NAME,
                "value": signed_in.cookies[settings.SESSION_COOKIE_NAME].value,
                "url": live_server.url,
            }
        ]
    )
    page = desk_page
    page.goto("/api/v1/docs")
    operation = page.locator("#operations-tickets-guichet_api_tickets_note")
    operation.locator(".opblock-summary").click()
    operation.get_by_role("button", name="Try it out").click()
    operation.locator("tr[data-param-name='reference'] input").fill(world.ticket.reference)
    operation.locator("textarea.body-param__text").fill(
        json.dumps({"text": "Tried from the documentation."})
    )
    operation.get_by_role("button", name="Execute").click()
    expect(operation.locator(".live-responses-table td.response-col_status").last).to_have_text(
        "201"
    )
    with world.scoped():
        note = Message.objects.filter(ticket=world.ticket, is_internal=True).get()
    assert note.text == "Tried from the documentation."
    assert note.author_user == world.agent
