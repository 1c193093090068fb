"""POST /chat/<brand>/upload: a visitor's file for their next message — the contact form's
checks, the visitor's token, rate limits per visitor and per address, and CORS headers
only for the sites the brand allows."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django.test
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.urls import reverse

from guichet.chat.models import ChatWidget
from guichet.chat.visitors import attachment_of, new_visitor
from guichet.conftest import World
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Attachment

pytestmark = pytest.mark.django_db
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"
SITE = "https://help.example.org"
SHOP = "https://www.jamla24.ma"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    cache.clear()
    with override_settings(SITE_URL=SITE):
        yield
    cache.clear()


@pytest.fixture
def visitor(world: World) -> tuple[str, str]:
    return new_visitor(world.jamla.pk)


def send(
    client: Any,
    token: str,
    name: str = "facture.pdf",
    content: bytes = PDF,
    *,
    origin: str | None = SITE,
    slug: str = "jamla24",
    query: str = "",
    **extra: Any,
) -> Any:
    headers = {"Origin": origin} if origin else {}
    return client.post(
        reverse("chat:upload", kwargs={"brand": slug}) + query,
        {"token": token, "file": SimpleUploadedFile(name, content, content_type="text/html")},
        headers=headers,
        **({"REMOTE_ADDR": "203.0.113.7"} | extra),
    )


def test_a_visitors_file_is_stored_and_named_for_their_message(
    client: Any, world: World, visitor: tuple[str, str]
) -> None:
    key, token = visitor
    # Cross-site by design: no CSRF token is asked for.
    strict = django.test.Client(enforce_csrf_checks=True)
    response = send(strict, token)
    assert response.status_code == 200, response.content
    answer = response.json()
    assert (answer["name"], answer["size"]) == ("facture.pdf", len(PDF))
    attachment_id = attachment_of(answer["id"], key)
    with brand_scope(world.jamla):
        stored = Attachment.objects.get(pk=attachment_id)
    # The content type is ours (read from the content), not the browser's.
    assert stored.brand == world.jamla and stored.content_type == "application/pdf"
    assert stored.message is None
    # Another visitor cannot put it in their message.
    assert attachment_of(answer["id"], new_visitor(world.jamla.pk)[0]) is None


def test_files_the_contact_form_refuses_are_refused(
    client: Any, world: World, visitor: tuple[str, str]
) -> None:
    token = visitor[1]
    refused = send(client, token, "outil.exe", b"MZ\x90\x00")
    assert refused.status_code == 400 and refused.json()["code"] == "file_type"
    disguised = send(client, token, "facture.pdf", b"MZ\x90\x00" + b"\x00" * 64)
    assert disguised.status_code == 400 and disguised.json()["code"] == "file_content"
    # The message in the visitor's language (French unless the widget says otherwise).
    assert "n’est pas le type de fichier" in disguised.json()["message"]
    english = send(client, token, "facture.pdf", b"MZ\x90\x00", query="?language=en")
    assert english.json()["message"] == "“facture.pdf” is not the kind of file its name says."
    missing = client.post(
        reverse("chat:upload", kwargs={"brand": "jamla24"}), {"token": token}, headers={}
    )
    assert missing.status_code == 400 and missing.json()["code"] == "invalid"
    too_big = send(client, token, CONTENT_LENGTH=str(30 * 1024 * 1024))
    assert too_big.status_code == 413 and too_big.json()["code"] == "file_size"
    with brand_scope(world.jamla):
        assert not Attachment.objects.exists()


def test_only_the_brands_own_visitors_send_files(client: Any, world: World) -> None:
    for token in ("", "not-a-token", new_visitor(world.ej.pk)[1]):
        refused = send(client, token)
        assert refused.status_code == 403 and refused.json()["code"] == "token", token
    with brand_scope(world.jamla):
        assert not Attachment.objects.exists()
    # A brand whose widget does not run has no upload either.
    assert send(client, new_visitor(world.ej.pk)[1], slug="ej").status_code == 404
    assert client.get(reverse("chat:upload", kwargs={"brand": "jamla24"})).status_code == 405


@override_settings(
    GUICHET_PORTAL_RATE_LIMITS={"chat_upload_visitor": (2, 3600), "chat_upload_address": (3, 3600)}
)
def test_files_are_limited_per_visitor_and_per_address(
    client: Any, world: World, frozen_clock: clock.FrozenClock
) -> None:
    first, second = new_visitor(world.jamla.pk)[1], new_visitor(world.jamla.pk)[1]
    assert [send(client, first).status_code for _ in range(3)] == [200, 200, 429]
    # Another visitor from the same address: the address's limit (3) is reached at once.
    limited = send(client, second)
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert send(client, second, REMOTE_ADDR="198.51.100.9").status_code == 200
    frozen_clock.advance(seconds=3600)
    assert send(client, first).status_code == 200


def test_cors_headers_only_for_the_allowed_sites(
    client: Any, world: World, visitor: tuple[str, str]
) -> None:
    token = visitor[1]
    own = send(client, token, origin=SITE)
    assert own.status_code == 200 and own["Access-Control-Allow-Origin"] == SITE
    assert "Origin" in own["Vary"]
    # A site the brand has not listed: refused, and the browser may not read the answer.
    stranger = send(client, token, origin=SHOP)
    assert stranger.status_code == 403 and "Access-Control-Allow-Origin" not in stranger
    assert stranger.json()["code"] == "origin"
    with brand_scope(world.jamla):
        ChatWidget.objects.create(brand=world.jamla, allowed_origins=SHOP, updated_at=clock.now())
    listed = send(client, token, origin=SHOP)
    assert listed.status_code == 200 and listed["Access-Control-Allow-Origin"] == SHOP
    # Without Origin (not a browser): no CORS header, nothing to allow.
    plain = send(client, token, origin=None)
    assert plain.status_code == 200 and "Access-Control-Allow-Origin" not in plain


def test_the_preflight_is_answered_for_the_allowed_sites(client: Any, world: World) -> None:
    url = reverse("chat:upload", kwargs={"brand": "jamla24"})
    allowed = client.options(url, headers={"Origin": SITE})
    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == SITE
    assert allowed["Access-Control-Allow-Methods"] == "POST"
    refused = client.options(url, headers={"Origin": "https://evil.example"})
    assert refused.status_code == 204 and "Access-Control-Allow-Origin" not in refused
