"""A brand's chat widget in the admin: its administrators turn it on or off and list the
sites that may embed it (each line checked and written as a browser names the site); the
tag to paste is shown once saved. Another brand's administrator sees nothing of it."""

from __future__ import annotations

from typing import Any

import pytest
from django.urls import reverse

from guichet.chat.models import ChatWidget
from guichet.conftest import World, assert_hidden_from_outsider
from guichet.lib.scoping import all_brands

pytestmark = pytest.mark.django_db
ADD = "admin:chat_chatwidget_add"


def form_data(brand_id: int, **changes: Any) -> dict[str, Any]:
    return {"brand": brand_id, "is_enabled": "on", "allowed_origins": ""} | changes


def test_an_administrator_lists_the_sites_of_the_widget(client: Any, world: World) -> None:
    client.force_login(world.outsider_admin)  # Jamla24's administrator
    origins = "https://WWW.Jamla24.ma/\n\nhttps://shop.jamla24.ma:443\nhttps://www.jamla24.ma"
    added = client.post(reverse(ADD), form_data(world.jamla.pk, allowed_origins=origins))
    assert added.status_code == 302, added.context["adminform"].form.errors
    with all_brands():
        widget = ChatWidget.objects.get()
    assert widget.origins() == ["https://www.jamla24.ma", "https://shop.jamla24.ma"]
    assert widget.updated_at is not None
    page = client.get(reverse("admin:chat_chatwidget_change", args=[widget.pk])).content.decode()
    assert "/chat/jamla24/widget.js" in page and 'href="/chat/jamla24/try/"' in page
    # A line that is not a site's address is refused, and named.
    wrong = client.post(
        reverse("admin:chat_chatwidget_change", args=[widget.pk]),
        form_data(world.jamla.pk, allowed_origins="https://ok.example\nwww.jamla24.ma/page"),
    )
    assert wrong.status_code == 200
    assert "www.jamla24.ma/page" in str(wrong.context["adminform"].form.errors["allowed_origins"])


def test_turned_off_in_the_admin_the_script_is_gone(client: Any, world: World) -> None:
    client.force_login(world.outsider_admin)
    client.post(reverse(ADD), form_data(world.jamla.pk))
    assert client.get("/chat/jamla24/widget.js").status_code == 200
    with all_brands():
        widget = ChatWidget.objects.get()
    client.post(
        reverse("admin:chat_chatwidget_change", args=[widget.pk]),
        {"brand": world.jamla.pk, "allowed_origins": ""},  # is_enabled unticked
    )
    assert client.get("/chat/jamla24/widget.js").status_code == 404


def test_a_widget_is_for_the_administrators_of_its_brand(client: Any, world: World) -> None:
    client.force_login(world.admin)  # EJ's administrator
    assert client.post(reverse(ADD), form_data(world.ej.pk)).status_code == 302
    # Jamla24's is not among the brands they may choose.
    refused = client.post(reverse(ADD), form_data(world.jamla.pk))
    assert refused.status_code == 200 and "brand" in refused.context["adminform"].form.errors
    with all_brands():
        widget = ChatWidget.objects.get()
    assert_hidden_from_outsider(
        client, world.outsider_admin, reverse("admin:chat_chatwidget_change", args=[widget.pk])
    )
    client.force_login(world.agent)
    listing = client.get(reverse("admin:chat_chatwidget_changelist"))
    assert listing.status_code in (302, 403)
