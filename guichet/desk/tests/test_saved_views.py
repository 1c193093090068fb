"""Saved views: an agent saves a list as it is filtered and sorted under a name, finds it
beside the built-in views with its count, renames and deletes it. A view is its owner's
alone (another agent, an outsider from another brand: 404, as for a view that does not
exist), and its filters are checked against the owner's access each time it is used: one
naming a brand or a team they lost shows nothing, and a view of a brand they left is not
shown at all."""

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from guichet.accounts.models import Membership, Role
from guichet.accounts.permissions import forget, staff_access
from guichet.conftest import assert_hidden_from_outsider
from guichet.desk import queries
from guichet.desk.models import SavedView
from guichet.desk.services import saved_view_create
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.lib.ttlcache import clear_all
from guichet.tickets import services
from guichet.tickets.choices import Channel

pytestmark = pytest.mark.django_db


def open_ticket(brand, contact, subject, **extra):
    return services.ticket_open(
        brand=brand,
        contact=contact,
        contact_type=extra.pop("contact_type", "question"),
        subject=subject,
        text="Bonjour",
        channel=Channel.EMAIL,
        **extra,
    )


def save(client, name, base="unassigned", query=""):
    return client.post(reverse("desk:view_save"), {"name": name, "base": base, "query": query})


def nav(page: str) -> str:
    return page[page.index('id="views"') : page.index("</nav>", page.index('id="views"'))]


@pytest.fixture
def gallery(world):
    return open_ticket(world.ej, world.customer, "Photo refusée", category="online-gallery")


def test_an_agent_saves_the_filtered_list_and_finds_it_among_their_views(client, world, gallery):
    client.force_login(world.agent)
    response = save(client, "Questions galerie", query=f"team={gallery.team_id}&sort=created")
    saved = SavedView.objects.get(user=world.agent)
    assert response.status_code == 302
    assert response["Location"] == reverse("desk:saved", args=[saved.pk])
    assert (saved.base, saved.filters, saved.sort) == (
        "unassigned",
        {"team": str(gallery.team_id)},
        "created",
    )
    assert saved.brand_id == world.ej.pk  # the agent's one brand

    page = client.get(response["Location"]).content.decode()
    assert "<h1" in page and "Questions galerie</h1>" in page
    assert gallery.reference in page and world.ticket.reference not in page
    views = nav(page)
    assert f'href="{response["Location"]}" aria-current="page"' in views
    # Its count, beside the built-in views' counts: the one open gallery ticket.
    assert '<span>Questions galerie</span><span class="count">1</span>' in views
    # The list's form is filled with the view's filters and order.
    assert 'value="created" selected' in page


def test_the_count_follows_the_tickets(world, gallery):
    desk = staff_access(world.agent)
    with brand_scope(world.ej):
        view = saved_view_create(
            desk=desk, name="Galerie", base="unassigned", filters={"team": gallery.team_id}
        )
        services.ticket_assign(ticket=gallery, actor=world.lead, assignee=world.agent)
        assert queries.counts(desk, saved=[view], fresh=True)[view.count_key] == 0


def test_a_view_is_renamed_then_deleted(client, world):
    client.force_login(world.agent)
    save(client, "Urgent", query="priority=urgent")
    view = SavedView.objects.get(user=world.agent)
    client.post(reverse("desk:view_rename", args=[view.pk]), {"name": "  Très   urgent "})
    view.refresh_from_db()
    assert view.name == "Très urgent"
    response = client.post(reverse("desk:view_delete", args=[view.pk]))
    assert response["Location"] == reverse("desk:inbox", args=["unassigned"])
    assert not SavedView.objects.exists()


def test_a_name_is_given_once_per_person(client, world):
    client.force_login(world.agent)
    save(client, "Urgent", query="priority=urgent")
    response = save(client, "URGENT", query="priority=high")
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert "Vous avez déjà une vue de ce nom." in page
    assert SavedView.objects.count() == 1
    # Another agent may have their own "Urgent".
    client.force_login(world.agent2)
    save(client, "Urgent", query="priority=urgent")
    assert SavedView.objects.count() == 2


def test_a_view_without_a_name_is_refused(client, world):
    client.force_login(world.agent)
    save(client, "   ", query="priority=urgent")
    assert not SavedView.objects.exists()


def test_another_agent_never_sees_a_view(client, world):
    client.force_login(world.agent)
    save(client, "Mes urgences", query="priority=urgent")
    view = SavedView.objects.get()
    client.force_login(world.agent2)
    page = client.get(reverse("desk:inbox", args=["unassigned"])).content.decode()
    assert "Mes urgences" not in page
    assert client.get(reverse("desk:saved", args=[view.pk])).status_code == 404
    for action in ("view_rename", "view_delete"):
        response = client.post(reverse(f"desk:{action}", args=[view.pk]), {"name": "Volée"})
        assert response.status_code == 404
    view.refresh_from_db()
    assert view.name == "Mes urgences"


@pytest.mark.parametrize("name", ["saved", "view_rename", "view_delete"])
def test_an_outsider_from_another_brand_gets_404(client, world, name):
    client.force_login(world.agent)
    save(client, "Mes urgences", query="priority=urgent")
    view = SavedView.objects.get()
    client.logout()
    method = "get" if name == "saved" else "post"
    assert_hidden_from_outsider(
        client, world.outsider, reverse(f"desk:{name}", args=[view.pk]), method=method
    )
    assert SavedView.objects.filter(pk=view.pk, name="Mes urgences").exists()


def test_a_view_that_does_not_exist_is_404(client, world):
    client.force_login(world.agent)
    assert client.get(reverse("desk:saved", args=[999])).status_code == 404


def test_a_stranger_is_sent_to_sign_in(client, world):
    for url in (reverse("desk:saved", args=[1]), reverse("desk:view_save")):
        response = client.post(url) if url.endswith("views/") else client.get(url)
        assert response.status_code == 302 and "/desk/account/login/" in response["Location"]


def test_saving_needs_the_csrf_token(world):
    client = Client(enforce_csrf_checks=True)
    client.force_login(world.agent)
    response = client.post(reverse("desk:view_save"), {"name": "x", "base": "mine"})
    assert response.status_code == 403


def test_a_filter_out_of_reach_cannot_be_saved(world):
    with brand_scope(world.jamla):
        jamla_team = world.jamla.teams.first()
    desk = staff_access(world.agent)
    with brand_scope(world.ej), pytest.raises(InvalidRequest):
        saved_view_create(desk=desk, name="Jamla", base="mine", filters={"team": jamla_team.pk})
    with brand_scope(world.ej), pytest.raises(InvalidRequest):
        saved_view_create(desk=desk, name="Jamla", base="mine", filters={"brand": world.jamla.pk})
    assert not SavedView.objects.exists()


def test_a_view_of_a_brand_left_is_not_shown(client, world):
    membership = Membership.objects.create(user=world.agent, brand=world.jamla, role=Role.AGENT)
    client.force_login(world.agent)
    save(client, "Jamla seulement", query=f"brand={world.jamla.pk}")
    view = SavedView.objects.get()
    assert view.brand_id == world.jamla.pk
    membership.delete()
    forget(world.agent)
    page = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    assert "Jamla seulement" not in page
    assert client.get(reverse("desk:saved", args=[view.pk])).status_code == 404


def test_a_filter_naming_a_team_no_longer_in_reach_shows_nothing(client, world):
    """Saved across both brands, naming a team of Jamla24's: once the agent leaves Jamla24
    the view lists nothing (rather than every EJ ticket) and says why."""
    membership = Membership.objects.create(user=world.agent, brand=world.jamla, role=Role.AGENT)
    jamla_ticket = open_ticket(world.jamla, world.other_customer, "Colis chez Jamla")
    client.force_login(world.agent)
    save(client, "Service client Jamla", query=f"team={jamla_ticket.team_id}")
    view = SavedView.objects.get()
    assert view.brand_id is None  # all the agent's brands
    page = client.get(reverse("desk:saved", args=[view.pk])).content.decode()
    assert jamla_ticket.reference in page

    membership.delete()
    forget(world.agent)
    page = client.get(reverse("desk:saved", args=[view.pk])).content.decode()
    assert "Service client Jamla" in page  # still theirs, to delete
    assert "ne vous est plus accessible" in page or "n’avez plus accès" in page
    assert jamla_ticket.reference not in page and world.ticket.reference not in page
    assert '<span>Service client Jamla</span><span class="count">' not in nav(page)


def test_saved_views_cost_no_query_each(client, world, gallery):
    """The list's page runs as many queries with one saved view as with six: their counts
    are taken in the pass that counts the built-in views."""

    def queries_for_the_page():
        cache.clear()  # the counts recounted, as every 15 seconds
        clear_all()  # and the brands read again (the viewer's time zone), both times
        with CaptureQueriesContext(connection) as captured:
            assert client.get(reverse("desk:inbox", args=["unassigned"])).status_code == 200
        return len(captured.captured_queries)

    desk = staff_access(world.agent)
    client.force_login(world.agent)
    with brand_scope(world.ej):
        saved_view_create(desk=desk, name="Vue 0", base="mine", filters={"priority": "high"})
    one = queries_for_the_page()
    with brand_scope(world.ej):
        for n, base in enumerate(
            ["unassigned", "soon", "breached", "escalated", "closed"], start=1
        ):
            saved_view_create(
                desk=desk, name=f"Vue {n}", base=base, filters={"team": gallery.team_id}
            )
    assert queries_for_the_page() == one
