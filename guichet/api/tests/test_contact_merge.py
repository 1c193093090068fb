"""POST /api/v1/contacts/{id}/merge: two records of one customer become one, through
`contact_merge`, for a write key whose role may merge customers (team lead and up)."""

import pytest

from guichet.accounts.models import Role
from guichet.contacts.services import contact_for_email
from guichet.tickets import services

pytestmark = pytest.mark.django_db


@pytest.fixture
def duplicate(world):
    return contact_for_email(brand=world.ej, email="h.lefevre@travail.fr", name="H. L.")


def merge_url(contact) -> str:
    return f"/api/v1/contacts/{contact.pk}/merge"


def test_a_team_lead_key_merges_and_gets_the_kept_record(world, api, duplicate):
    ticket = services.ticket_open(
        brand=world.ej,
        contact=duplicate,
        contact_type="question",
        subject="Horaires",
        text="Ouvert dimanche ?",
        channel="email",
    )
    caller = api(role=Role.TEAM_LEAD)
    response = caller.post(merge_url(duplicate), {"into": world.customer.pk, "reason": "Doublon"})
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["id"] == world.customer.pk and body["merged_into"] is None
    assert body["emails"] == ["helene@exemple.fr", "h.lefevre@travail.fr"]
    merged = caller.get(f"/api/v1/contacts/{duplicate.pk}").json()
    assert merged["merged_into"] == world.customer.pk and merged["emails"] == []
    moved = caller.get(f"/api/v1/tickets/{ticket.reference}").json()
    assert moved["contact"]["id"] == world.customer.pk
    events = caller.get(f"/api/v1/tickets/{ticket.reference}/events").json()
    merged_event = next(e for e in events if e["verb"] == "contact_merged")
    assert merged_event["actor"]["name"] == "Boutique (API)"
    assert merged_event["data"]["reason"] == "Doublon"
    found = caller.get("/api/v1/contacts", {"email": "h.lefevre@travail.fr"}).json()
    assert [c["id"] for c in found] == [world.customer.pk]


def test_the_same_merge_sent_again_answers_the_same(world, api, duplicate):
    caller = api(role=Role.TEAM_LEAD)
    first = caller.post(merge_url(duplicate), {"into": world.customer.pk})
    again = caller.post(merge_url(duplicate), {"into": world.customer.pk})
    assert first.status_code == again.status_code == 200
    assert first.json() == again.json()


def test_a_merged_records_id_stands_for_the_kept_one(world, api, duplicate):
    api(role=Role.TEAM_LEAD).post(merge_url(duplicate), {"into": world.customer.pk})
    response = api().post(
        "/api/v1/tickets",
        {
            "contact": {"id": duplicate.pk},
            "contact_type": "question",
            "subject": "Horaires",
            "text": "Ouvert dimanche ?",
        },
    )
    assert response.status_code == 201, response.json()
    assert response.json()["contact"]["id"] == world.customer.pk


def test_an_agent_key_may_not_merge(world, api, duplicate):
    response = api().post(merge_url(duplicate), {"into": world.customer.pk})
    assert response.status_code == 403 and response.json()["code"] == "forbidden"


def test_a_read_only_key_may_not_merge(world, api, duplicate):
    response = api(scopes=["read"], role=Role.ADMIN).post(
        merge_url(duplicate), {"into": world.customer.pk}
    )
    assert response.status_code == 403 and response.json()["code"] == "read_only_key"


def test_into_itself_is_refused_with_a_stable_code(world, api, duplicate):
    response = api(role=Role.TEAM_LEAD).post(merge_url(duplicate), {"into": duplicate.pk})
    assert response.status_code == 400 and response.json()["code"] == "merge"


def test_another_brands_records_are_not_found_as_missing_ones(world, api, duplicate):
    lead = api(role=Role.TEAM_LEAD)
    across = lead.post(merge_url(duplicate), {"into": world.other_customer.pk})
    missing = lead.post(merge_url(duplicate), {"into": 999_999})
    assert across.status_code == missing.status_code == 404
    assert across.json() == missing.json() == {"code": "not_found", "message": "Not found."}
    outsider = api(brand=world.jamla, role=Role.ADMIN)
    hidden = outsider.post(merge_url(duplicate), {"into": world.customer.pk})
    assert hidden.status_code == 404 and hidden.json()["code"] == "not_found"
    assert lead.get(f"/api/v1/contacts/{duplicate.pk}").json()["merged_into"] is None


def test_a_staff_session_with_both_brands_cannot_merge_across_them(world, client):
    client.force_login(world.superuser)
    response = client.post(
        f"/api/v1/contacts/{world.other_customer.pk}/merge",
        {"into": world.customer.pk},
        content_type="application/json",
    )
    assert response.status_code == 404 and response.json()["code"] == "not_found"
