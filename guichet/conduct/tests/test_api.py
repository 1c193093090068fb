"""The conduct procedure through the API (docs/api.md, "Conduct"): the flags with the words
found, decisions, the block and its lifting, referrals — with the caller's role checked as
in the desk, and another brand's ticket answered 404."""

from __future__ import annotations

import pytest
from django.test import Client

from guichet.accounts.models import Role
from guichet.api.keys import api_key_create
from guichet.api.tests.conftest import Caller

pytestmark = pytest.mark.django_db

INSULT = "Vous êtes des connards, je veux mon colis."


def caller(brand, role=Role.AGENT) -> Caller:
    _key, token = api_key_create(
        brand=brand, name="CRM", scopes=["read", "write"], role=role, rate_per_minute=100_000
    )
    return Caller(Client(), token)


def test_flags_are_listed_with_their_words_and_confirmed(respect):
    ticket = respect.email(INSULT).ticket
    agent = caller(respect.brand)
    [flag] = agent.get(f"/api/v1/tickets/{ticket.reference}/abuse-flags").json()
    assert flag["source"] == "detection" and flag["severity"] == "insult"
    assert flag["decision"] == "" and any("connard" in h["found"] for h in flag["hits"])
    read = agent.get(f"/api/v1/tickets/{ticket.reference}").json()
    assert read["abuse_flagged"] and read["abuse_severity"] == "insult"

    answer = agent.post(
        f"/api/v1/tickets/{ticket.reference}/abuse-flags/{flag['id']}/confirm", {"note": "Oui."}
    )
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["warning"] == 1 and body["block"] is None
    assert body["flag"]["decision"] == "confirmed" and body["flag"]["decision_note"] == "Oui."
    again = agent.post(f"/api/v1/tickets/{ticket.reference}/abuse-flags/{flag['id']}/dismiss", {})
    assert again.status_code == 400 and again.json()["code"] == "decided"


def test_a_flag_by_hand_then_a_block_then_a_lift_by_the_right_roles(respect):
    ticket = respect.email("Bonjour, mon colis n'est pas arrivé.").ticket
    agent, lead, manager = (
        caller(respect.brand),
        caller(respect.brand, Role.TEAM_LEAD),
        caller(respect.brand, Role.MANAGER),
    )
    url = f"/api/v1/tickets/{ticket.reference}"
    flagged = agent.post(
        f"{url}/abuse-flags", {"reason": "Menaces au téléphone.", "severity": "threat"}
    )
    assert flagged.status_code == 201, flagged.content
    assert flagged.json()["flag"]["source"] == "staff" and flagged.json()["warning"] == 1
    assert agent.post(f"{url}/block", {"reason": "x"}).status_code == 403
    blocked = lead.post(f"{url}/block", {"reason": "Menaces répétées."})
    assert blocked.status_code == 201 and blocked.json()["ticket"] == ticket.reference
    assert lead.post(f"{url}/lift-block", {"reason": "x"}).status_code == 403
    lifted = manager.post(f"{url}/lift-block", {"reason": "Excuses écrites."})
    assert lifted.status_code == 200 and lifted.json()["lift_reason"] == "Excuses écrites."
    referral = manager.post(f"{url}/referrals", {"authority": "police", "note": "Main courante."})
    assert referral.status_code == 201 and referral.json()["authority"] == "police"
    events = [e["verb"] for e in agent.get(f"{url}/events").json()]
    for verb in ("abuse_flagged", "abuse_confirmed", "conduct_warned", "contact_blocked"):
        assert verb in events


def test_another_brands_key_gets_404_on_every_conduct_path(respect):
    ticket = respect.email(INSULT).ticket
    outsider = caller(respect.outsider.memberships.get().brand, Role.MANAGER)
    url = f"/api/v1/tickets/{ticket.reference}"
    assert outsider.get(f"{url}/abuse-flags").status_code == 404
    for path, body in (
        ("abuse-flags", {"reason": "x"}),
        ("abuse-flags/1/confirm", {}),
        ("abuse-flags/1/dismiss", {}),
        ("block", {"reason": "x"}),
        ("lift-block", {"reason": "x"}),
        ("referrals", {"authority": "police", "note": "x"}),
        ("concerned-agent", {"agent": None}),
    ):
        assert outsider.post(f"{url}/{path}", body).status_code == 404, path
