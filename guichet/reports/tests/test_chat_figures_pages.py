"""The live chat's figures where people read them: a section of the desk's reports
dashboard, in French and English, shown when the brand had chats in the period, whose
numbers open the list of their tickets; and `chat` in the API's figures."""

from __future__ import annotations

import html
import json
import re

import pytest
from django.test import Client
from django.utils import translation

from guichet.accounts.models import Role
from guichet.api.keys import api_key_create
from guichet.conftest import make_staff
from guichet.reports import chat_figures
from guichet.reports.scope import Scope
from guichet.reports.tests.chat_history import jamla_chats

pytestmark = pytest.mark.django_db

DASHBOARD = "/desk/reports/"
NOVEMBER = {"period": "chosen", "month": "2026-11"}
LINK = re.compile(r'<a href="(/(?:en/)?desk/reports/tickets/\?[^"]+)">([^<]*)</a>')


def words(page: str) -> str:
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", " ", page)))


def test_the_dashboard_shows_the_live_chat_in_french_and_english(client, world, frozen_clock):
    chats = jamla_chats(world, frozen_clock)
    client.force_login(make_staff(world.jamla, "directrice", Role.MANAGER))
    french = client.get(DASHBOARD, NOVEMBER)
    assert french.status_code == 200
    page = french.content.decode()
    section = page[page.index('<section class="chat-report"') :]
    said = words(section)
    assert "Chat en direct" in said and "Chats proposés 7" in said
    assert "Attente médiane 1 min" in said and "Note moyenne 4,0 / 5" in said
    assert "Amina Alaoui" in said and "Bilal Bennani" in said
    for key in ("chats", "chat_wait", "chats_per_agent", "chat_satisfaction"):
        assert f'id="kpi-{key}"' in section
    english = words(client.get("/en" + DASHBOARD, NOVEMBER).content.decode())
    assert "Live chat" in english and "Chats offered 7" in english
    assert "Median wait 1 min" in english and "Wait, 90th percentile 1 min 48 s" in english

    # Every number of the section opens the list of as many tickets, of the brand.
    seen = {(html.unescape(url), text) for url, text in LINK.findall(section)}
    assert seen
    ours = {ticket.reference for ticket in chats.tickets.values()} | {chats.left.reference}
    for url, text in seen:
        listed = client.get(url)
        assert listed.status_code == 200, url
        references = set(re.findall(r"JM-\d\d-\d{5}", listed.content.decode()))
        assert references and references <= ours, url
        assert len(references) == int(text), url
    abandoned = next(url for url, _text in seen if "chat=abandoned" in url and "agent" not in url)
    listed = words(client.get(abandoned).content.decode())
    assert "Chats en direct abandonnés avant la réponse d’un agent" in listed.replace("\u00a0", " ")


def test_no_section_without_chats(client, world, frozen_clock):
    jamla_chats(world, frozen_clock)
    client.force_login(make_staff(world.jamla, "directrice", Role.MANAGER))
    page = client.get(DASHBOARD, {"period": "chosen", "month": "2026-09"}).content.decode()
    assert 'class="chat-report"' not in page
    # EJ had one chat in November; its dashboard shows it, not Jamla24's seven.
    client.force_login(world.manager)
    ej = client.get(DASHBOARD, {"brand": world.ej.pk, **NOVEMBER}).content.decode()
    assert "Chats proposés 1" in words(ej[ej.index('<section class="chat-report"') :])


def test_the_api_gives_the_chat_figures_of_the_keys_brand(world, frozen_clock):
    jamla_chats(world, frozen_clock)
    _key, token = api_key_create(
        brand=world.jamla, name="Rapports", scopes=["read"], role=Role.TEAM_LEAD
    )
    headers = {"Authorization": f"Bearer {token}", "Accept-Language": "en"}
    response = Client().get("/api/v1/reports/figures", {"month": "2026-11"}, headers=headers)
    assert response.status_code == 200
    body = response.json()
    with translation.override("en"):
        section = chat_figures.section(Scope.from_params(world.jamla, {"month": "2026-11"}))
    assert section is not None
    assert body["chat"] == json.loads(json.dumps([f.as_json() for f in section.figures]))
    assert [f["key"] for f in body["chat"]] == [
        "chats",
        "chat_wait",
        "chats_per_agent",
        "chat_satisfaction",
    ]
    quiet = Client().get("/api/v1/reports/figures", {"month": "2026-09"}, headers=headers)
    assert quiet.json()["chat"] == []
