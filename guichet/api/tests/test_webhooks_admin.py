"""Webhooks per brand: isolation of events and endpoints, replays, the admin and the API
for the brand's administrators."""

from __future__ import annotations

import json

import pytest

from guichet.accounts.models import Role
from guichet.api.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint
from guichet.api.tests.webhook_helpers import deliveries, hook
from guichet.api.webhooks.services import webhook_replay
from guichet.conftest import assert_hidden_from_outsider
from guichet.contacts.services import contact_for_email
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets import services

pytestmark = pytest.mark.usefixtures("immediate_tasks")


def test_a_brands_events_never_reach_another_brands_endpoints(
    world, receiver, django_capture_on_commit_callbacks
):
    hook(world.ej, receiver.url("/ej"))
    hook(world.jamla, receiver.url("/jamla"))
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    assert {path for path, _, _ in receiver.seen} == {"/ej"}
    receiver.seen.clear()
    with django_capture_on_commit_callbacks(execute=True):
        jamla_ticket = services.ticket_open(
            brand=world.jamla,
            contact=contact_for_email(brand=world.jamla, email="salma@exemple.ma"),
            contact_type="complaint",
            subject="Commande",
            text="Où est ma commande ?",
            channel="email",
        )
    assert receiver.seen and {path for path, _, _ in receiver.seen} == {"/jamla"}
    for _, _, body in receiver.seen:
        payload = json.loads(body)
        assert payload["brand"] == "jamla24"
        assert payload["ticket"]["reference"] == jamla_ticket.reference
    assert {d.endpoint.url.rsplit("/", 1)[1] for d in deliveries(world.jamla)} == {"jamla"}


def test_a_replay_sends_the_same_body_as_a_new_delivery(
    world, receiver, django_capture_on_commit_callbacks, frozen_clock
):
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    [first] = deliveries(world.ej)
    frozen_clock.advance(hours=3)
    with django_capture_on_commit_callbacks(execute=True):
        replay = webhook_replay(delivery=first)
    assert replay.replay_of == first and replay.uid != first.uid
    (_, h1, b1), (_, h2, b2) = receiver.seen
    assert b1 == b2 and json.loads(b2)["id"] == json.loads(b1)["id"]
    assert (h1["Guichet-Delivery"], h2["Guichet-Delivery"]) == (str(first.uid), str(replay.uid))
    assert h1["Guichet-Signature"] != h2["Guichet-Signature"]  # signed at its own time
    with brand_scope(world.ej):
        replay.refresh_from_db()
    assert replay.status == DeliveryStatus.DELIVERED


def test_a_disabled_endpoint_is_not_replayed(world, receiver, django_capture_on_commit_callbacks):
    endpoint, _ = hook(world.ej, receiver.url(), events=["ticket.replied"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    with brand_scope(world.ej):
        WebhookEndpoint.objects.filter(pk=endpoint.pk).update(is_active=False)
    with pytest.raises(InvalidRequest):
        webhook_replay(delivery=deliveries(world.ej)[0])


# --- the admin ----------------------------------------------------------------------------------


def test_an_administrator_registers_a_webhook_and_sees_the_secret_once(client, world, receiver):
    client.force_login(world.admin)
    response = client.post(
        "/en/admin/api/webhookendpoint/add/",
        {
            "brand": world.ej.pk,
            "url": receiver.url(),
            "description": "Shop",
            "events": ["ticket.created", "ticket.closed"],
        },
        follow=True,
    )
    assert response.status_code == 200
    shown = [str(m) for m in response.context["messages"]]
    assert any("whsec_" in m for m in shown)
    with brand_scope(world.ej):
        endpoint = WebhookEndpoint.objects.get()
    assert endpoint.events == ["ticket.closed", "ticket.created"]
    assert "whsec_" not in endpoint.sealed_secret
    page = client.get(f"/en/admin/api/webhookendpoint/{endpoint.pk}/change/")
    assert page.status_code == 200 and b"whsec_" not in page.content


def test_the_admin_refuses_an_internal_url(client, world, settings):
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = []
    client.force_login(world.admin)
    response = client.post(
        "/en/admin/api/webhookendpoint/add/",
        {"brand": world.ej.pk, "url": "http://169.254.169.254/", "events": ["ticket.closed"]},
    )
    assert response.status_code == 200
    assert "url" in response.context["adminform"].form.errors
    with brand_scope(world.ej):
        assert not WebhookEndpoint.objects.exists()


def test_the_admin_replays_deliveries(client, world, receiver, django_capture_on_commit_callbacks):
    hook(world.ej, receiver.url(), events=["ticket.replied"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    [first] = deliveries(world.ej)
    client.force_login(world.admin)
    page = client.get(f"/en/admin/api/webhookdelivery/{first.pk}/change/")
    assert page.status_code == 200 and b"ok" in page.content  # the attempt's log
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/en/admin/api/webhookdelivery/",
            {"action": "replay", "_selected_action": [first.pk]},
        )
    assert response.status_code == 302
    assert len(receiver.seen) == 2
    assert [d.replay_of_id for d in deliveries(world.ej)] == [None, first.pk]


def test_another_brands_administrator_and_an_agent_see_nothing(
    client, world, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = hook(world.ej, receiver.url(), events=["ticket.replied"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    [delivery] = deliveries(world.ej)
    for url in (
        f"/en/admin/api/webhookendpoint/{endpoint.pk}/change/",
        f"/en/admin/api/webhookdelivery/{delivery.pk}/change/",
    ):
        assert_hidden_from_outsider(client, world.outsider_admin, url)
    client.force_login(world.manager)  # staff, but not the brand's administrator
    assert client.get("/en/admin/api/webhookendpoint/").status_code == 403
    # Replaying another brand's delivery through the changelist does nothing.
    client.force_login(world.outsider_admin)
    client.post(
        "/en/admin/api/webhookdelivery/", {"action": "replay", "_selected_action": [delivery.pk]}
    )
    with brand_scope(world.ej):
        assert WebhookDelivery.objects.count() == 1


# --- the API ------------------------------------------------------------------------------------


def test_an_admin_key_lists_registers_and_removes_webhooks(api, world, receiver):
    admin = api(role=Role.ADMIN)
    created = admin.post(
        "/api/v1/webhooks",
        {"url": receiver.url(), "events": ["ticket.created"], "description": "Shop"},
    )
    assert created.status_code == 201, created.content
    body = created.json()
    assert body["secret"].startswith("whsec_") and body["brand"] == "ej"
    listed = admin.get("/api/v1/webhooks").json()
    assert [w["id"] for w in listed] == [body["id"]] and "secret" not in listed[0]
    assert admin.get(f"/api/v1/webhooks/{body['id']}").json()["url"] == receiver.url()
    assert admin.get(f"/api/v1/webhooks/{body['id']}/deliveries").json() == []
    assert admin.send("delete", f"/api/v1/webhooks/{body['id']}").status_code == 204
    assert admin.get("/api/v1/webhooks").json() == []


def test_the_api_refuses_internal_urls_and_unknown_events(api, world, settings):
    settings.GUICHET_WEBHOOK_ALLOW_HOSTS = []
    admin = api(role=Role.ADMIN)
    refused = admin.post(
        "/api/v1/webhooks", {"url": "http://127.0.0.1:6379/", "events": ["ticket.closed"]}
    )
    assert refused.status_code == 400 and refused.json()["code"] == "url"
    unknown = admin.post(
        "/api/v1/webhooks", {"url": "https://example.com/", "events": ["ticket.exploded"]}
    )
    assert unknown.status_code == 422


def test_webhooks_need_the_admin_role_and_stay_in_the_brand(api, world, receiver):
    endpoint, _ = hook(world.ej, receiver.url())
    for role in (Role.AGENT, Role.MANAGER):
        caller = api(role=role)
        assert caller.get("/api/v1/webhooks").status_code == 403
        created = caller.post(
            "/api/v1/webhooks", {"url": receiver.url(), "events": ["ticket.closed"]}
        )
        assert created.status_code == 403
        assert caller.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
    read_only = api(role=Role.ADMIN, scopes=["read"])
    assert read_only.send("delete", f"/api/v1/webhooks/{endpoint.pk}").status_code == 403
    outsider = api(role=Role.ADMIN, brand=world.jamla)
    assert outsider.get("/api/v1/webhooks").json() == []
    assert outsider.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
    assert outsider.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").status_code == 404
    assert outsider.send("delete", f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
    with brand_scope(world.ej):
        assert WebhookEndpoint.objects.filter(pk=endpoint.pk).exists()


def test_a_delivery_is_replayed_through_the_api(
    api, world, receiver, django_capture_on_commit_callbacks
):
    endpoint, _ = hook(world.ej, receiver.url(), events=["ticket.replied"])
    with django_capture_on_commit_callbacks(execute=True):
        services.ticket_reply(ticket=world.ticket, actor=world.agent, text="Bonjour")
    admin = api(role=Role.ADMIN)
    [listed] = admin.get(f"/api/v1/webhooks/{endpoint.pk}/deliveries").json()
    assert listed["status"] == "delivered" and listed["last_status_code"] == 200
    with django_capture_on_commit_callbacks(execute=True):
        replayed = admin.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{listed['id']}/replay")
    assert replayed.status_code == 201 and replayed.json()["replay_of"] == listed["id"]
    assert len(receiver.seen) == 2
    outsider = api(role=Role.ADMIN, brand=world.jamla)
    missing = outsider.post(f"/api/v1/webhooks/{endpoint.pk}/deliveries/{listed['id']}/replay")
    assert missing.status_code == 404


def test_a_session_administrator_of_the_brand_manages_its_webhooks(client, world, receiver):
    endpoint, _ = hook(world.ej, receiver.url())
    client.force_login(world.admin)
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}").json()["url"] == receiver.url()
    client.force_login(world.outsider_admin)
    assert client.get(f"/api/v1/webhooks/{endpoint.pk}").status_code == 404
    assert client.get("/api/v1/webhooks").json() == []
