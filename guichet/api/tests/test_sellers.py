"""/api/v1/sellers: a marketplace's administrators keep its sellers — the record, the
people who may sign in, the status with its history, the strikes — and the staff who see
the brand's tickets read them (docs/api.md, "Sellers")."""

from __future__ import annotations

from datetime import timedelta

import pytest

from guichet.accounts.models import Role
from guichet.lib.scoping import brand_scope
from guichet.marketplace import signin
from guichet.marketplace.models import SellerPerson, SellerStatus, Strike
from guichet.sla import watcher
from guichet.tickets import services


def test_an_administrator_adds_a_seller_and_the_staff_read_it(market, market_api):
    admin = market_api(role=Role.ADMIN)
    response = admin.post(
        "/api/v1/sellers",
        {
            "name": "Rif Électronique",
            "legal_name": "Rif Électronique SARL",
            "email": "ventes@rif.example",
            "phone": "+212 5 39 00 00 00",
            "address": "3 avenue Hassan II, Tanger",
        },
    )
    assert response.status_code == 201, response.content
    seller = response.json()
    assert seller["brand"] == "jamla24" and seller["status"] == "active"
    assert seller["legal_name"] == "Rif Électronique SARL"
    # An agent sees the brand's tickets, so reads its sellers.
    agent = market_api()
    assert agent.get(f"/api/v1/sellers/{seller['id']}").json() == seller
    listed = agent.get("/api/v1/sellers").json()
    names = [s["name"] for s in listed["items"]]
    assert names == ["Atlas Électroménager", "Souk Mode", "Rif Électronique"]
    assert listed["next_cursor"] is None


def test_the_list_filters_by_status_and_comes_in_pages(market, market_api):
    services.seller_set_status(
        seller=market.rival, actor=market.manager, status="restricted", reason="Contrefaçons"
    )
    agent = market_api()
    restricted = agent.get("/api/v1/sellers", {"status": "restricted"}).json()["items"]
    assert [s["name"] for s in restricted] == ["Souk Mode"]
    first = agent.get("/api/v1/sellers", {"limit": 1}).json()
    assert [s["name"] for s in first["items"]] == ["Atlas Électroménager"]
    second = agent.get("/api/v1/sellers", {"limit": 1, "cursor": first["next_cursor"]}).json()
    assert [s["name"] for s in second["items"]] == ["Souk Mode"]
    refused = agent.get("/api/v1/sellers", {"cursor": "pas-un-curseur"})
    assert refused.status_code == 422 and refused.json()["code"] == "cursor"


def test_a_seller_is_changed_but_not_its_status_by_patch(market, market_api):
    manager = market_api(role=Role.MANAGER)
    url = f"/api/v1/sellers/{market.seller.pk}"
    response = manager.patch(url, {"phone": "+212 6 00 00 00 00", "status": "terminated"})
    assert response.status_code == 200
    assert response.json()["phone"] == "+212 6 00 00 00 00"
    assert response.json()["status"] == "active"
    market.seller.refresh_from_db()
    assert market.seller.status == SellerStatus.ACTIVE


def test_names_and_addresses_are_checked(market, market_api):
    admin = market_api(role=Role.ADMIN)
    taken = admin.post("/api/v1/sellers", {"name": "souk mode"})
    assert taken.status_code == 400 and taken.json()["code"] == "name"
    bad = admin.post("/api/v1/sellers", {"name": "Neuf", "email": "pas une adresse"})
    assert bad.status_code == 400 and bad.json()["code"] == "email"
    empty = admin.post("/api/v1/sellers", {"name": ""})
    assert empty.status_code == 422 and empty.json()["code"] == "validation"
    assert empty.json()["errors"][0]["field"] == "body.payload.name"
    renamed = admin.patch(f"/api/v1/sellers/{market.seller.pk}", {"name": "Souk Mode"})
    assert renamed.status_code == 400 and renamed.json()["code"] == "name"


def test_only_those_who_manage_sellers_change_them(market, market_api):
    agent = market_api()
    url = f"/api/v1/sellers/{market.seller.pk}"
    for method, path, body in [
        ("post", "/api/v1/sellers", {"name": "Neuf"}),
        ("patch", url, {"phone": "0"}),
        ("post", f"{url}/people", {"name": "Ali", "email": "ali@atlas.example"}),
        ("patch", f"{url}/people/{market.person.pk}", {"name": "Y."}),
        ("delete", f"{url}/people/{market.person.pk}", None),
        ("post", f"{url}/status", {"status": "terminated", "reason": "Fraude"}),
    ]:
        response = agent.send(method, path, body)
        assert response.status_code == 403, (method, path, response.content)
        assert response.json()["code"] == "forbidden"
    market.seller.refresh_from_db()
    market.person.refresh_from_db()
    assert market.seller.phone != "0" and market.seller.status == SellerStatus.ACTIVE
    assert market.person.name == "Youssef" and market.person.is_active


def test_people_who_answer_for_a_seller(market, market_api):
    admin = market_api(role=Role.ADMIN)
    url = f"/api/v1/sellers/{market.seller.pk}/people"
    added = admin.post(url, {"name": "Karim", "email": "karim@atlas.example"})
    assert added.status_code == 201 and added.json()["active"] is True
    karim = added.json()["id"]
    # An address answers for one seller of the brand only.
    taken = admin.post(url, {"name": "Nadia", "email": "NADIA@souk.example"})
    assert taken.status_code == 400 and taken.json()["code"] == "email"
    changed = admin.patch(f"{url}/{karim}", {"name": "Karim B."})
    assert changed.status_code == 200 and changed.json()["name"] == "Karim B."
    assert [p["name"] for p in admin.get(url).json()] == ["Youssef", "Karim B."]


def test_removing_a_person_ends_their_sessions_and_adding_them_again_restores_them(
    market, market_api
):
    _link, secret = signin.link_create(seller=market.seller, person=market.person)
    signed = signin.signin(brand_id=market.brand.pk, token=secret)
    assert signed is not None
    admin = market_api(role=Role.ADMIN)
    url = f"/api/v1/sellers/{market.seller.pk}/people"
    assert admin.send("delete", f"{url}/{market.person.pk}").status_code == 204
    assert signin.session_for(brand_id=market.brand.pk, key=signed.key) is None
    [listed] = admin.get(url).json()
    assert listed["active"] is False
    # Removed: no longer changed, as something that is not there.
    again = admin.patch(f"{url}/{market.person.pk}", {"name": "Y."})
    assert again.status_code == 404
    back = admin.post(url, {"name": "Youssef", "email": market.person.email})
    assert back.status_code == 201 and back.json()["id"] == market.person.pk
    assert back.json()["active"] is True
    with brand_scope(market.brand):
        assert SellerPerson.objects.filter(seller=market.seller).count() == 1


def test_a_manager_restricts_and_reinstates_with_the_history(market, market_api):
    manager = market_api(role=Role.MANAGER)
    url = f"/api/v1/sellers/{market.seller.pk}"
    response = manager.post(f"{url}/status", {"status": "restricted", "reason": "Retards"})
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["seller"]["status"] == "restricted"
    assert body["change"]["from_status"] == "active" and body["change"]["reason"] == "Retards"
    assert body["change"]["by"]["name"].startswith("Marché")
    # The ticket says it too.
    ticket = manager.get(f"/api/v1/tickets/{market.ticket.reference}").json()
    assert ticket["seller"] == {
        "id": market.seller.pk,
        "name": "Atlas Électroménager",
        "status": "restricted",
    }
    twice = manager.post(f"{url}/status", {"status": "restricted", "reason": "Encore"})
    assert twice.status_code == 400 and twice.json()["code"] == "status"
    no_reason = manager.post(f"{url}/status", {"status": "active", "reason": " "})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason"
    unknown = manager.post(f"{url}/status", {"status": "banni", "reason": "x"})
    assert unknown.status_code == 422 and unknown.json()["code"] == "validation"
    manager.post(f"{url}/status", {"status": "active", "reason": "Accord trouvé"})
    history = market_api().get(f"{url}/status-changes").json()
    assert [(c["from_status"], c["to_status"]) for c in history] == [
        ("restricted", "active"),
        ("active", "restricted"),
    ]


def test_a_missed_deadline_is_a_strike_that_a_manager_withdraws(market, market_api, frozen_clock):
    services.seller_contact(ticket=market.ticket, actor=market.agent, text="Merci de répondre.")
    frozen_clock.advance(timedelta(hours=25))
    watcher.sweep()
    agent = market_api()
    [strike] = agent.get(f"/api/v1/sellers/{market.seller.pk}/strikes").json()
    assert strike["reason"] == "no_answer" and strike["counts"] is True
    assert strike["ticket"] == market.ticket.reference and strike["recorded_by"] is None
    assert strike["due_at"] is not None
    url = f"/api/v1/strikes/{strike['id']}/withdraw"
    refused = agent.post(url, {"reason": "Il avait appelé."})
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"
    manager = market_api(role=Role.MANAGER)
    no_reason = manager.post(url, {"reason": ""})
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "reason"
    withdrawn = manager.post(url, {"reason": "Il avait appelé."})
    assert withdrawn.status_code == 200
    assert withdrawn.json()["counts"] is False
    assert withdrawn.json()["withdrawal_reason"] == "Il avait appelé."
    assert withdrawn.json()["withdrawn_by"]["name"].startswith("Marché")
    again = manager.post(url, {"reason": "Encore"})
    assert again.status_code == 400 and again.json()["code"] == "withdrawn"
    with brand_scope(market.brand):
        assert Strike.objects.get().withdrawn_at is not None


def test_a_read_only_key_reads_sellers_but_changes_nothing(market, market_api):
    reader = market_api(scopes=["read"], role=Role.ADMIN)
    assert reader.get(f"/api/v1/sellers/{market.seller.pk}").status_code == 200
    response = reader.post("/api/v1/sellers", {"name": "Neuf"})
    assert response.status_code == 403 and response.json()["code"] == "read_only_key"


@pytest.mark.parametrize("language", ["fr", "en"])
def test_refusals_speak_the_callers_language(market, market_api, language):
    admin = market_api(role=Role.ADMIN)
    admin.language = language
    response = admin.post("/api/v1/sellers", {"name": "Souk Mode"})
    assert response.headers["Content-Language"] == language
    expected = {
        "fr": "La marque a déjà un vendeur de ce nom.",
        "en": "The brand already has a seller of this name.",
    }
    assert response.json()["message"] == expected[language]
