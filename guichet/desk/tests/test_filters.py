"""The list filters show only what can narrow the list for this person: the brand only with
several brands in reach, the seller only where a brand in reach has sellers, the team only
with several teams, the level only with several levels, the status only on views of more
than one status. Those in force are chips, each removable; a filter naming something out
of reach is dropped, never an error and never a leak."""

import re

import pytest
from django.urls import reverse

from guichet.accounts.models import Membership, Role
from guichet.accounts.permissions import staff_access
from guichet.conftest import T0, make_staff
from guichet.desk import queries
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller
from guichet.tickets import services
from guichet.tickets.choices import Channel

pytestmark = pytest.mark.django_db


def shown(desk, view="unassigned"):
    with brand_scope(desk.brands):
        return set(queries.FilterChoices(desk).for_view(view))


def filter_names(page: str) -> set[str]:
    """The filters the page offers (the fields of its filters' form)."""
    form = page[page.index('id="filters"') : page.index("</form>", page.index('id="filters"'))]
    return set(re.findall(r'<select name="(\w+)"', form))


def seller(brand, name="Boutique Kingston"):
    with brand_scope(brand):
        return Seller.objects.create(brand=brand, name=name, created_at=T0)


def test_an_agent_of_one_brand_without_sellers_sees_neither_brand_nor_seller(world):
    found = shown(staff_access(world.agent))
    assert "brand" not in found and "seller" not in found
    # EJ has four teams, three levels, several types, categories and channels.
    assert {"team", "level", "status", "priority", "contact_type", "category", "channel"} <= found


def test_the_page_offers_the_same_filters(client, world):
    client.force_login(world.agent)
    page = client.get(reverse("desk:inbox", args=["unassigned"])).content.decode()
    assert filter_names(page) == shown(staff_access(world.agent))
    assert 'name="received_from"' in page and 'name="sort"' in page


def test_a_person_of_several_brands_chooses_the_brand(world):
    Membership.objects.create(user=world.agent, brand=world.jamla, role=Role.AGENT)
    assert "brand" in shown(staff_access(world.agent))
    assert "brand" in shown(staff_access(world.superuser))


def test_the_seller_is_offered_only_where_a_brand_in_reach_has_sellers(world):
    # Jamla24 is a marketplace, EJ is not: a seller of Jamla's is offered to Jamla's agent
    # only, and not before Jamla has one.
    assert "seller" not in shown(staff_access(world.outsider))
    kingston = seller(world.jamla)
    offered = queries.FilterChoices(staff_access(world.outsider))
    with brand_scope(world.jamla):
        assert offered.for_view("unassigned")["seller"] == [(kingston.pk, "Boutique Kingston")]
    assert "seller" not in shown(staff_access(world.agent))


def test_my_team_offers_a_team_only_to_a_member_of_several(world):
    assert "team" not in shown(staff_access(world.agent), "team")  # front-line only
    lead = make_staff(world.ej, "busy", Role.TEAM_LEAD, teams=["front-line", "gallery"])
    assert "team" in shown(staff_access(lead), "team")


def test_a_view_of_one_status_offers_no_status(world):
    desk = staff_access(world.agent)
    assert "status" not in shown(desk, "waiting")
    assert "status" not in shown(desk, "closed")
    with brand_scope(world.ej):
        statuses = dict(queries.FilterChoices(desk).for_view("mine")["status"])
    assert "closed" not in statuses  # "mine" lists open tickets only


def test_the_types_and_channels_are_those_of_the_policy(world):
    desk = staff_access(world.agent)
    with brand_scope(world.ej):
        choices = queries.FilterChoices(desk).for_view("unassigned")
    types = {key for key, _label in choices["contact_type"]}
    assert "dispute" not in types and "complaint" in types  # EJ takes no disputes
    channels = {key for key, _label in choices["channel"]}
    assert channels == {"email", "web", "social", "phone", "api"}


def test_the_filters_in_force_are_chips_each_removable(client, world):
    client.force_login(world.agent)
    url = reverse("desk:inbox", args=["unassigned"])
    assert world.ticket.priority == "high"  # a billing complaint
    page = client.get(url, {"status": "new", "priority": "high"}).content.decode()
    chips = page[page.index('class="chips"') : page.index("</ul>", page.index('class="chips"'))]
    assert "Statut\u00a0: Nouveau" in chips and "Priorité\u00a0: Haute" in chips
    # Each chip's link keeps the other filters; "Réinitialiser" drops them all.
    assert f'href="{url}?priority=high"' in chips
    assert f'href="{url}?status=new"' in chips
    assert f'class="reset" href="{url}"' in chips
    assert world.ticket.reference in page


def test_a_team_filter_narrows_the_list(client, world, frozen_clock):
    gallery = services.ticket_open(
        brand=world.ej,
        contact=world.customer,
        contact_type="question",
        subject="Photo refusée",
        text="Pourquoi ?",
        channel=Channel.EMAIL,
        category="online-gallery",
    )
    client.force_login(world.agent)
    page = client.get(
        reverse("desk:inbox", args=["unassigned"]), {"team": gallery.team_id}
    ).content.decode()
    assert gallery.reference in page and world.ticket.reference not in page


def test_a_filter_out_of_reach_is_dropped_without_a_leak(client, world):
    services.ticket_open(
        brand=world.jamla,
        contact=world.other_customer,
        contact_type="question",
        subject="Colis chez Jamla",
        text="Où est mon colis ?",
        channel=Channel.EMAIL,
    )
    with brand_scope(world.jamla):
        jamla_team = world.jamla.teams.first()
    kingston = seller(world.jamla)
    client.force_login(world.agent)
    for name, value in [
        ("brand", world.jamla.pk),
        ("team", jamla_team.pk),
        ("seller", kingston.pk),
    ]:
        response = client.get(reverse("desk:inbox", args=["unassigned"]), {name: value})
        page = response.content.decode()
        assert response.status_code == 200
        assert "Jamla" not in page and "Boutique Kingston" not in page
        assert 'class="chips"' not in page  # nothing in force
        assert world.ticket.reference in page
