"""/chat/<brand>/widget.js: the script a company pastes into its site — the widget's code
and the brand's configuration (its colour, the websocket's address, the upload's, what
the widget says in each of the brand's languages), or 404 where no widget runs."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from django.urls import reverse

from guichet.brands.models import Brand
from guichet.chat.live import visitor_socket_url
from guichet.chat.models import ChatWidget
from guichet.chat.views import SOURCE, colours, compact
from guichet.conftest import World
from guichet.lib import clock
from guichet.lib.contrast import contrast_ratio

pytestmark = pytest.mark.django_db


def script(client: Any, slug: str = "jamla24") -> Any:
    return client.get(reverse("chat:widget", kwargs={"brand": slug}))


def config_of(body: str) -> dict[str, Any]:
    """The configuration the code is called with: the JSON after its last line's `})(`."""
    code, _, call = body.rpartition("\n})(")
    assert code and call.endswith(");\n")
    return json.loads(call.removesuffix(");\n"))


def test_the_script_is_javascript_cached_briefly(client: Any, world: World) -> None:
    response = script(client)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/javascript; charset=utf-8"
    assert response["Cache-Control"] == "public, max-age=300"
    assert response["X-Content-Type-Options"] == "nosniff"
    body = response.content.decode()
    assert body.startswith("(function (C) {")
    assert config_of(body)["slug"] == "jamla24"


def test_the_script_parses_as_javascript(client: Any, world: World, tmp_path: Path) -> None:
    node = shutil.which("node")
    assert node, "Node.js checks the served script's syntax (the machine has it)"
    path = tmp_path / "widget.js"
    path.write_bytes(script(client).content)
    checked = subprocess.run([node, "--check", str(path)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr


def test_no_widget_runs_where_the_brand_offers_no_chat(client: Any, world: World) -> None:
    assert script(client, "nobody").status_code == 404
    # EJ's policy names no chat channel.
    assert script(client, "ej").status_code == 404
    with world.scoped(world.jamla):
        widget = ChatWidget.objects.create(brand=world.jamla, updated_at=clock.now())
    assert script(client).status_code == 200
    widget.is_enabled = False
    with world.scoped(world.jamla):
        widget.save()
    assert script(client).status_code == 404
    with world.scoped(world.jamla):
        widget.delete()
    Brand.objects.filter(pk=world.jamla.pk).update(is_active=False)
    assert script(client).status_code == 404


def test_the_widget_speaks_each_of_the_brands_languages(client: Any, world: World) -> None:
    config = config_of(script(client).content.decode())
    assert config["languages"] == ["fr", "en"]
    assert config["strings"]["fr"]["launcher"] == "Discuter avec nous"
    assert config["strings"]["en"]["launcher"] == "Chat with us"
    assert config["strings"]["en"]["title"] == "Chat with Jamla24"
    assert config["strings"]["fr"]["title"] == "Discuter avec Jamla24"
    # Every text in both languages, the same keys, French typography's spaces kept.
    assert set(config["strings"]["fr"]) == set(config["strings"]["en"])
    assert config["strings"]["fr"]["wait"] == "Attente estimée\u00a0: environ %(minutes)s\u00a0min."
    assert config["name"] == "Jamla24" and config["maxText"] == 4000


@override_settings(SITE_URL="https://help.example.org", GUICHET_CHAT_URL="")
def test_the_socket_is_on_the_site_unless_told(client: Any, world: World) -> None:
    config = config_of(script(client).content.decode())
    assert config["socket"] == "wss://help.example.org/chat/ws/visit/jamla24/"
    assert config["upload"] == "https://help.example.org/chat/jamla24/upload"
    with override_settings(SITE_URL="http://127.0.0.1:8000"):
        assert visitor_socket_url(world.jamla.slug) == "ws://127.0.0.1:8000/chat/ws/visit/jamla24/"
    with override_settings(GUICHET_CHAT_URL="wss://chat.example.org"):
        assert (
            visitor_socket_url(world.jamla.slug) == "wss://chat.example.org/chat/ws/visit/jamla24/"
        )
    with override_settings(GUICHET_CHAT_URL="ws://127.0.0.1:8001"):
        assert visitor_socket_url(world.jamla.slug) == "ws://127.0.0.1:8001/chat/ws/visit/jamla24/"


def test_the_brands_colour_with_a_readable_text(client: Any, world: World) -> None:
    config = config_of(script(client).content.decode())
    assert config["colours"] == {"brand": "#0069b4", "text": "#ffffff", "accent": "#0069b4"}
    # A light colour gets black text, and a darker shade for links on white.
    light = Brand(slug="x", name="X", colour="#ffd400")
    found = colours(light)
    assert found["text"] == "#000000"
    assert contrast_ratio(found["accent"], "#ffffff") >= 4.5
    assert colours(Brand(slug="x", name="X", colour="not-a-colour"))["brand"] == "#1f4e79"


def test_the_code_never_parses_html() -> None:
    # Server text is set with textContent only: no HTML parsing, no eval in the widget.
    source = SOURCE.read_text(encoding="utf-8")
    for forbidden in ("innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("):
        assert forbidden not in source, forbidden
    assert "new Function" not in source


def test_compact_keeps_the_statements() -> None:
    text = (
        '/* head\n   comment */\n(function (C) {\n  // a note\n  const a = "//x";\n\n  f(a);\n})\n'
    )
    assert compact(text) == '(function (C) {\nconst a = "//x";\nf(a);\n})'
