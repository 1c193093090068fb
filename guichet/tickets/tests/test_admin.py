"""The admin respects brand isolation and writes tickets only through the services."""

import pytest
from django.urls import reverse

from guichet.conftest import assert_hidden_from_outsider, story
from guichet.lib.scoping import brand_scope
from guichet.tickets.choices import Status, Verb

pytestmark = pytest.mark.django_db


def change_url(ticket):
    return reverse("admin:tickets_ticket_change", args=[ticket.pk])


def test_a_brand_manager_lists_only_their_brands_tickets(client, world):
    from guichet.tickets import services

    other = services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="dispute",
        subject="Vendeur muet",
        text="…",
        channel="chat",
    )
    client.force_login(world.manager)
    page = client.get(reverse("admin:tickets_ticket_changelist")).content.decode()
    assert world.ticket.reference in page and other.reference not in page


def test_every_ticket_page_is_404_for_an_outsider(client, world):
    for url in [
        change_url(world.ticket),
        reverse("admin:tickets_ticket_history", args=[world.ticket.pk]),
    ]:
        assert_hidden_from_outsider(client, world.outsider_admin, url)
    assert_hidden_from_outsider(
        client, world.outsider_admin, change_url(world.ticket), method="post", priority="low"
    )


def test_other_brands_objects_are_404_in_every_admin(client, world):
    with brand_scope(world.ej):
        version = world.ej.policy
        contact = world.customer
    for url in [
        reverse("admin:brands_brand_change", args=[world.ej.pk]),
        reverse("admin:policies_policyversion_change", args=[version.pk]),
        reverse("admin:contacts_contact_change", args=[contact.pk]),
        reverse("admin:accounts_user_change", args=[world.agent.pk]),
        reverse("admin:accounts_membership_change", args=[world.agent.memberships.get().pk]),
    ]:
        assert_hidden_from_outsider(client, world.outsider_admin, url)


def test_editing_in_the_admin_goes_through_the_services(client, world):
    client.force_login(world.manager)
    page = client.get(change_url(world.ticket))
    assert page.status_code == 200
    response = client.post(
        change_url(world.ticket),
        {
            "contact_type": "complaint",
            "category": "shopping",
            "priority": "high",
            "complexity": "complex",
            "status": Status.WAITING_THIRD_PARTY,
            "assignee": world.agent.pk,
            "seen_revision": world.ticket.revision,
            "messages-TOTAL_FORMS": 0,
            "messages-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
            "deadlines-TOTAL_FORMS": 0,
            "deadlines-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    world.ticket.refresh_from_db()
    assert (
        world.ticket.category,
        world.ticket.complexity,
        world.ticket.status,
        world.ticket.assignee,
    ) == (
        "shopping",
        "complex",
        Status.WAITING_THIRD_PARTY,
        world.agent,
    )
    assert story(world.ticket)[1:] == [
        (Verb.FIELD_CHANGED, world.manager.pk),
        (Verb.FIELD_CHANGED, world.manager.pk),
        (Verb.STATUS_CHANGED, world.manager.pk),
        (Verb.ASSIGNED, world.manager.pk),
    ]


def test_a_stale_admin_form_is_refused(client, world):
    from guichet.tickets import services

    client.force_login(world.manager)
    seen = world.ticket.revision
    services.ticket_note(ticket=world.ticket, actor=world.agent, text="meanwhile")
    response = client.post(
        change_url(world.ticket),
        {
            "contact_type": "complaint",
            "category": "billing",
            "priority": "low",
            "complexity": "simple",
            "status": "new",
            "seen_revision": seen,
            "messages-TOTAL_FORMS": 0,
            "messages-INITIAL_FORMS": 0,
            "events-TOTAL_FORMS": 0,
            "events-INITIAL_FORMS": 0,
            "deadlines-TOTAL_FORMS": 0,
            "deadlines-INITIAL_FORMS": 0,
        },
    )
    assert response.status_code == 200 and "entre-temps" in response.content.decode()
    world.ticket.refresh_from_db()
    assert world.ticket.priority == "high"


def test_agents_without_admin_access_are_sent_to_sign_in(client, world):
    client.force_login(world.agent)
    response = client.get(reverse("admin:tickets_ticket_changelist"))
    assert response.status_code == 302 and "login" in response.url


def test_admin_posts_need_a_csrf_token(world):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(world.manager)
    response = client.post(change_url(world.ticket), {"priority": "low"})
    assert response.status_code == 403


def test_the_admin_speaks_french_and_english(client, world):
    client.force_login(world.manager)
    assert "Dossiers" in client.get("/admin/").content.decode()
    assert "Tickets" in client.get("/en/admin/").content.decode()


def test_a_colour_below_wcag_aa_is_refused_with_the_shade_that_passes(client, world):
    client.force_login(world.admin)
    text = world.ej.policy.text.replace('colour = "#0b7a3e"', 'colour = "#ff0000"')
    refused = client.post(reverse("admin:policies_policyversion_add"), {"text": text})
    page = refused.content.decode()
    assert refused.status_code == 200 and "4.0:1" in page
    assert "nearest shade that passes is #" in page


def test_publishing_a_policy_in_the_admin_checks_it(client, world):
    client.force_login(world.admin)
    url = reverse("admin:policies_policyversion_add")
    text = world.ej.policy.text.replace('colour = "#0b7a3e"', 'colour = "#c00000"')
    bad = client.post(
        url, {"text": text.replace('clock = "calendar"', 'clock = "x"', 1), "note": ""}
    )
    assert bad.status_code == 200 and "clock" in bad.content.decode()
    good = client.post(url, {"text": text, "note": "rouge"})
    assert good.status_code == 302
    world.ej.refresh_from_db()
    assert world.ej.colour == "#c00000" and world.ej.policy.number == 2
    # An administrator of another brand cannot publish EJ's policy.
    client.force_login(world.outsider_admin)
    refused = client.post(url, {"text": text.replace("#c00000", "#006000"), "note": ""})
    assert refused.status_code == 200 and "ne pouvez pas" in refused.content.decode()
