"""Sellers in the administration: managers of a marketplace add and edit them with the
people who may sign in (of the seller's brand), through the marketplace's services; a
person is deactivated, never deleted; the status is shown, never edited there (the desk's
decision, recorded); the history and the strikes are read only; another brand's
administrator gets 404."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from typing import Any

import pytest
from django.urls import reverse

from guichet.accounts.models import Role, User
from guichet.conftest import make_staff
from guichet.lib import clock
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import Seller, SellerPerson, SellerStatus
from guichet.tickets import services

pytestmark = pytest.mark.django_db

ADD = reverse("admin:marketplace_seller_add")


def change_url(seller: Seller) -> str:
    return reverse("admin:marketplace_seller_change", args=[seller.pk])


class Inputs(HTMLParser):
    """The values a browser would post from the page's change form."""

    def __init__(self) -> None:
        super().__init__()
        self.values: dict[str, Any] = {}
        self._in_form = False
        self._textarea: str | None = None
        self._select: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and a.get("id", "").endswith("_form"):
            self._in_form = True
        if not self._in_form:
            return
        name = a.get("name")
        if tag == "input" and name and a.get("type") not in ("submit", "checkbox"):
            self.values[name] = a.get("value") or ""
        elif tag == "input" and name and a.get("type") == "checkbox" and "checked" in a:
            self.values[name] = "on"
        elif tag == "textarea" and name:
            self._textarea = name
            self.values[name] = ""
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in a:
            self.values[self._select] = a.get("value") or ""

    def handle_endtag(self, tag: str) -> None:
        if tag == "form":
            self._in_form = False
        elif tag == "textarea":
            self._textarea = None
        elif tag == "select":
            self._select = None

    def handle_data(self, data: str) -> None:
        if self._textarea:
            self.values[self._textarea] += data.lstrip("\n")


def form_of(client: Any, url: str) -> dict[str, Any]:
    response = client.get(url)
    assert response.status_code == 200
    parser = Inputs()
    parser.feed(response.content.decode())
    return parser.values


def test_a_manager_adds_a_seller_with_its_people(client, market):
    client.force_login(market.manager)
    data = form_of(client, ADD)
    data.update(
        {
            "brand": market.brand.pk,
            "name": "Café Zellige",
            "legal_name": "Café Zellige SARL",
            "email": "bonjour@zellige.example",
            "phone": "+212 5 37 00 00 00",
            "address": "3 place Jemaa el-Fna, Marrakech",
            "people-TOTAL_FORMS": "1",
            "people-0-name": "Khadija",
            "people-0-email": "khadija@zellige.example",
            "people-0-is_active": "on",
        }
    )
    response = client.post(ADD, data)
    assert response.status_code == 302, re.findall(r"errorlist.{0,300}", response.content.decode())
    with brand_scope(market.brand):
        seller = Seller.objects.get(name="Café Zellige")
        person = seller.people.get()
    assert seller.brand == market.brand and seller.status == SellerStatus.ACTIVE
    assert seller.created_at == clock.now() and seller.phone == "+212 5 37 00 00 00"
    assert person.brand_id == market.brand.pk and person.email == "khadija@zellige.example"


def test_only_marketplaces_are_offered_as_the_sellers_brand(client, market):
    root = User.objects.create_superuser(username="root", password="pw")
    client.force_login(root)
    page = client.get(ADD).content.decode()
    select = page[page.index('name="brand"') : page.index("</select>", page.index('name="brand"'))]
    assert f'value="{market.brand.pk}"' in select
    assert f'value="{market.other_brand.pk}"' not in select  # EJ has no [marketplace]


def test_the_status_is_not_edited_in_the_admin(client, market):
    client.force_login(market.manager)
    data = form_of(client, change_url(market.seller))
    assert "status" not in data
    data.update({"name": "Atlas Électro", "status": SellerStatus.TERMINATED})
    response = client.post(change_url(market.seller), data)
    assert response.status_code == 302, re.findall(r"errorlist.{0,300}", response.content.decode())
    with brand_scope(market.brand):
        market.seller.refresh_from_db()
    assert market.seller.name == "Atlas Électro"
    assert market.seller.status == SellerStatus.ACTIVE


def test_the_history_and_the_strikes_are_shown_read_only(client, market):
    services.strike_record(
        ticket=market.ticket, actor=market.agent, reason="refused", note="Refuse de répondre."
    )
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="restricted", reason="Retards répétés"
    )
    client.force_login(market.manager)
    page = client.get(change_url(market.seller)).content.decode()
    assert "Retards répétés" in page and "Refuse de répondre." in page
    assert 'name="strike_set-0-note"' not in page  # shown, not editable
    assert 'name="status_changes-0-reason"' not in page
    assert "Restreint" in page


def test_a_persons_address_answers_for_one_seller_of_the_brand(client, market):
    client.force_login(market.manager)
    data = form_of(client, change_url(market.seller))
    total = int(data["people-TOTAL_FORMS"])
    data.update(
        {
            "people-TOTAL_FORMS": str(total + 1),
            f"people-{total}-name": "Intrus",
            f"people-{total}-email": market.rival_person.email.upper(),
            f"people-{total}-is_active": "on",
        }
    )
    response = client.post(change_url(market.seller), data)
    assert response.status_code == 200
    assert "Cette adresse appartient déjà à une personne qui répond pour un vendeur." in (
        response.content.decode()
    )
    with brand_scope(market.brand):
        assert not SellerPerson.objects.filter(name="Intrus").exists()


def test_a_brand_has_one_seller_of_a_name(client, market):
    client.force_login(market.manager)
    data = form_of(client, change_url(market.seller))
    data["name"] = "souk mode"
    response = client.post(change_url(market.seller), data)
    assert response.status_code == 200
    assert "La marque a déjà un vendeur de ce nom." in response.content.decode()


def test_another_brands_administrator_gets_404(client, market):
    other = make_staff(market.other_brand, "ej-admin", Role.ADMIN, is_staff=True)
    client.force_login(other)
    assert client.get(change_url(market.seller)).status_code == 404
    listing = client.get(reverse("admin:marketplace_seller_changelist")).content.decode()
    assert "Atlas Électroménager" not in listing and "Kingston Crafts" in listing


def test_an_agent_may_look_but_not_edit(client, market):
    looker = make_staff(market.brand, "jlooker", Role.AGENT, is_staff=True)
    client.force_login(looker)
    assert client.get(change_url(market.seller)).status_code == 200
    assert client.get(ADD).status_code == 403
    data = {"name": "Changé", "legal_name": "", "email": "", "phone": "", "address": ""}
    assert client.post(change_url(market.seller), data).status_code == 403


def test_a_person_unticked_may_no_longer_sign_in_and_is_kept(client, market):
    from guichet.marketplace.signin import link_create

    link, _secret = link_create(seller=market.seller, person=market.person, next_path="/")
    client.force_login(market.manager)
    data = form_of(client, change_url(market.seller))
    index = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(market.person.pk)
    )
    assert f"people-{index}-DELETE" not in data  # never deleted
    data.pop(f"people-{index}-is_active", None)
    response = client.post(change_url(market.seller), data)
    assert response.status_code == 302, re.findall(r"errorlist.{0,300}", response.content.decode())
    with brand_scope(market.brand):
        market.person.refresh_from_db()
        link.refresh_from_db()
    assert not market.person.is_active and link.revoked_at is not None
    data[f"people-{index}-is_active"] = "on"
    client.post(change_url(market.seller), data)
    with brand_scope(market.brand):
        market.person.refresh_from_db()
    assert market.person.is_active


def test_a_persons_new_address_voids_the_links_sent_to_the_old_one(client, market):
    from guichet.marketplace.signin import link_create

    link, _secret = link_create(seller=market.seller, person=market.person, next_path="/")
    client.force_login(market.manager)
    data = form_of(client, change_url(market.seller))
    index = next(
        k.split("-")[1] for k, v in data.items() if k.endswith("-id") and v == str(market.person.pk)
    )
    data[f"people-{index}-email"] = "y.nouveau@atlas.example"
    assert client.post(change_url(market.seller), data).status_code == 302
    with brand_scope(market.brand):
        market.person.refresh_from_db()
        link.refresh_from_db()
    assert market.person.email == "y.nouveau@atlas.example" and link.revoked_at is not None
