"""/api/v1/tickets: reading and every action of the ticket page, through the services."""

import pytest
from django.urls import reverse

from guichet.accounts.models import Role, User
from guichet.conftest import last, story
from guichet.lib.scoping import brand_scope
from guichet.tickets.models import Ticket

pytestmark = pytest.mark.django_db
TICKETS = "/api/v1/tickets"


def url(world, action=""):
    return f"{TICKETS}/{world.ticket.reference}" + (f"/{action}" if action else "")


def fresh(ticket):
    with brand_scope(ticket.brand_id):
        return Ticket.objects.get(pk=ticket.pk)


def test_a_ticket_reads_with_every_documented_field(world, api):
    response = api().get(url(world))
    assert response.status_code == 200
    body = response.json()
    assert body["reference"] == world.ticket.reference
    assert body["brand"] == world.ej.slug
    assert body["contact"] == {
        "id": world.customer.pk,
        "name": "Hélène Lefèvre",
        "email": "helene@exemple.fr",
        "language": "fr",
    }
    for field in (
        "contact_type",
        "category",
        "priority",
        "status",
        "level",
        "channel",
        "subject",
        "assignee",
        "team",
        "seller",
        "outcome",
        "created_at",
        "updated_at",
    ):
        assert field in body
    assert body["team"] == "front-line" and body["outcome"] is None
    assert body["deadlines"], "an open complaint has deadlines"
    assert set(body["deadlines"][0]) == {"kind", "level", "due_at", "met_at", "breached", "paused"}


def test_a_ticket_is_created_by_the_keys_user_for_a_customer_found_by_email(world, api):
    response = api().post(
        TICKETS,
        {
            "contact": {"email": "Nouveau@Exemple.fr", "name": "Noé", "language": "fr"},
            "contact_type": "question",
            "category": "travel",
            "subject": "Réservation",
            "text": "Puis-je changer la date ?",
            "channel": "web",
        },
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["reference"].startswith("EJ-") and body["channel"] == "web"
    assert body["contact"]["email"] == "nouveau@exemple.fr"
    with brand_scope(world.ej):
        ticket = Ticket.objects.get(reference=body["reference"])
    opened = last(ticket, "opened")
    assert opened.actor_user.get_full_name() == "Boutique (API)"
    assert opened.actor_user.api_key.brand_id == world.ej.pk
    # The answer is the ticket as the list gives it (read another way: prefetched for a
    # page): deadlines, customer and team included.
    listed = api().get(TICKETS, {"sort": "-created"}).json()["items"]
    assert body == next(t for t in listed if t["reference"] == body["reference"])
    assert body["deadlines"] and body["deadlines"][0]["due_at"]


def test_creation_refuses_what_the_policy_does_not_offer_with_a_stable_code(world, api):
    response = api().post(
        TICKETS,
        {
            "contact": {"email": "a@exemple.fr"},
            "contact_type": "question",
            "category": "no-such-category",
            "subject": "x",
            "text": "y",
        },
    )
    assert response.status_code == 400
    assert response.json()["code"] == "category"
    assert "no-such-category" in response.json()["message"]


def test_validation_errors_name_each_field(world, api):
    response = api().post(TICKETS, {"contact_type": "nonsense", "subject": ""})
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "validation" and body["message"]
    fields = {error["field"] for error in body["errors"]}
    assert {"body.payload.contact", "body.payload.contact_type"} <= fields
    assert all(set(error) == {"field", "code", "message"} for error in body["errors"])


def test_messages_are_in_the_language_asked_for(world, api):
    caller = api()
    caller.language = "fr-CA,fr;q=0.9"
    french = caller.post(url(world, "escalate"), {})
    caller.language = "en-GB,en;q=0.8"
    english = caller.post(url(world, "escalate"), {})
    assert english.json()["message"] == "Give a reason for the escalation."
    assert french.json()["code"] == english.json()["code"] == "reason"
    assert french.json()["message"] != english.json()["message"]
    assert french["Content-Language"] == "fr"


def test_fields_change_through_the_service_with_one_event_each(world, api):
    response = api().patch(
        url(world), {"priority": "urgent", "category": "shopping", "status": "waiting_third_party"}
    )
    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["priority"], body["category"], body["status"]) == (
        "urgent",
        "shopping",
        "waiting_third_party",
    )
    verbs = [verb for verb, _actor in story(world.ticket)]
    assert verbs.count("field_changed") == 2 and "status_changed" in verbs


def test_a_stale_revision_is_a_conflict(world, api):
    revision = api().get(url(world)).json()["revision"]
    api().patch(url(world), {"priority": "urgent"})
    response = api().patch(url(world), {"priority": "low", "revision": revision})
    assert response.status_code == 409 and response.json()["code"] == "stale"
    assert fresh(world.ticket).priority == "urgent"


def test_reply_and_note_return_the_ticket_and_the_message(world, api):
    response = api().post(
        url(world, "replies"), {"text": "Nous regardons.", "status_after": "waiting_customer"}
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert body["ticket"]["status"] == "waiting_customer"
    assert body["message"]["direction"] == "out" and body["message"]["internal"] is False
    assert body["message"]["author"]["name"] == "Boutique (API)"
    paused = [d for d in body["ticket"]["deadlines"] if d["paused"]]
    assert paused, "waiting on the customer stops the clocks"
    note = api().post(url(world, "notes"), {"text": "Vu avec la compta."}).json()
    assert note["message"]["internal"] is True


def test_an_empty_reply_is_refused(world, api):
    response = api().post(url(world, "replies"), {"text": "  "})
    assert response.status_code == 400 and response.json()["code"] == "empty_message"


def test_assigning_follows_the_keys_role(world, api):
    as_agent = api().post(url(world, "assign"), {"assignee": world.agent.pk})
    assert as_agent.status_code == 403 and as_agent.json()["code"] == "forbidden"
    as_lead = api(role=Role.TEAM_LEAD).post(
        url(world, "assign"), {"assignee": world.agent.pk, "team": "gallery"}
    )
    assert as_lead.status_code == 200, as_lead.json()
    assert as_lead.json()["assignee"]["id"] == world.agent.pk
    assert as_lead.json()["team"] == "gallery"


def test_a_person_of_another_brand_cannot_be_assigned(world, api):
    response = api(role=Role.TEAM_LEAD).post(url(world, "assign"), {"assignee": world.outsider.pk})
    assert response.status_code == 400 and response.json()["code"] == "assignee"
    unknown = api(role=Role.TEAM_LEAD).post(url(world, "assign"), {"assignee": 999999})
    assert unknown.json()["message"] == response.json()["message"]


def test_escalation_needs_a_reason_where_the_policy_says_so(world, api):
    refused = api().post(url(world, "escalate"), {})
    assert refused.status_code == 400 and refused.json()["code"] == "reason"
    response = api().post(url(world, "escalate"), {"reason": "Montant élevé"})
    assert response.status_code == 200
    assert response.json()["level"] == 2
    assert last(world.ticket, "escalated").data["reason"] == "Montant élevé"


def test_the_customers_request_for_the_next_level_is_recorded_as_theirs(world, api):
    refused = api().post(url(world, "escalation-requests"), {"reason": "Pas de réponse"})
    assert refused.status_code == 400 and refused.json()["code"] == "not_answered"
    api().post(url(world, "replies"), {"text": "Voici notre réponse."})
    response = api().post(url(world, "escalation-requests"), {"reason": "Pas satisfaite"})
    assert response.status_code == 200, response.json()
    assert response.json()["level"] == 2
    event = last(world.ticket, "escalated")
    assert event.data["trigger"] == "customer" and event.actor_contact_id == world.customer.pk


def test_a_customers_request_says_which_key_recorded_it(world, api, client):
    api().post(url(world, "close"), {"outcome": "not_upheld"})
    response = api().post(url(world, "escalation-requests"), {"reason": "Au téléphone"})
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == "open" and response.json()["level"] == 2
    events = api().get(url(world, "events")).json()
    for verb in ("reopened", "escalated"):
        event = [e for e in events if e["verb"] == verb][-1]
        assert event["actor"] == {
            "kind": "customer",
            "id": world.customer.pk,
            "name": "Hélène Lefèvre",
        }
        assert event["recorded_by"]["name"] == "Boutique (API)"
        assert event["data"]["recorded_by"] == event["recorded_by"]["id"]
    recorder = last(world.ticket, "escalated").data["recorded_by"]
    with brand_scope(world.ej):
        assert User.objects.get(pk=recorder).api_key.brand_id == world.ej.pk
    # An agent's own escalation is theirs: nobody recorded it for someone else.
    assert [e["recorded_by"] for e in events if e["verb"] == "opened"] == [None]
    # The desk's timeline says it too.
    client.force_login(world.agent)
    page = client.get(reverse("desk:ticket", args=[world.ticket.reference])).content.decode()
    assert "enregistré par Boutique (API)" in page


def test_a_read_only_key_cannot_record_a_customers_request(world, api):
    response = api(scopes=["read"]).post(url(world, "escalation-requests"), {"reason": "x"})
    assert response.status_code == 403
    assert fresh(world.ticket).level == 1


def test_outcome_close_and_reopen(world, api):
    closing = api().post(url(world, "close"), {})
    assert closing.status_code == 400 and closing.json()["code"] == "outcome_required"
    outcome = api().post(url(world, "outcome"), {"outcome": "upheld", "summary": "Remboursé"})
    assert outcome.status_code == 200 and outcome.json()["outcome"] == "upheld"
    closed = api().post(url(world, "close"), {"summary": "Remboursé"})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["closed_at"]
    refused = api().post(url(world, "reopen"), {"reason": ""})
    assert refused.status_code == 400 and refused.json()["code"] == "reason"
    reopened = api().post(url(world, "reopen"), {"reason": "Erreur"})
    assert reopened.status_code == 200 and reopened.json()["status"] == "open"


def test_deciding_follows_the_levels_handled_by_the_keys_role(world, api):
    api().post(url(world, "escalate"), {"reason": "r"})
    api().post(url(world, "escalate"), {"reason": "r"})  # level 3: the director decides
    as_agent = api().post(url(world, "outcome"), {"outcome": "upheld"})
    assert as_agent.status_code == 403
    as_director = api(role=Role.DIRECTOR).post(url(world, "outcome"), {"outcome": "upheld"})
    assert as_director.status_code == 200


def test_a_closed_ticket_cannot_be_replied_to(world, api):
    api().post(url(world, "close"), {"outcome": "upheld"})
    response = api().post(url(world, "replies"), {"text": "x"})
    assert response.status_code == 400 and response.json()["code"] == "closed"
