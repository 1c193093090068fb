"""The sellers' pages of the desk (/desk/sellers/): the list of a marketplace's sellers with
their standing, a seller's page, a manager's decisions (restrict, reinstate, terminate,
withdraw a strike) each with its reason; the seller filter of the lists. Another brand's
seller, or a brand without sellers, is 404."""

from __future__ import annotations

import pytest
from django.urls import reverse

from guichet.accounts.models import Role
from guichet.conftest import assert_hidden_from_outsider, make_seller, make_staff
from guichet.desk.queries import FilterChoices
from guichet.desk.shell import desk_of
from guichet.desk.tests.seller_cases import outsider
from guichet.lib.scoping import brand_scope
from guichet.marketplace.models import SellerStatus, SellerStatusChange, Strike
from guichet.tickets import services
from guichet.tickets.choices import Verb

pytestmark = pytest.mark.django_db

LIST = reverse("desk:sellers")


def page_of(seller) -> str:
    return reverse("desk:seller", args=[seller.pk])


def strike(market, note="Refuse de répondre."):
    return services.strike_record(
        ticket=market.ticket, actor=market.agent, reason="refused", note=note
    )


def fresh(seller):
    with brand_scope(seller.brand_id):
        seller.refresh_from_db()
    return seller


# --- the list -------------------------------------------------------------------------------------


def test_the_list_shows_each_sellers_standing(client, market):
    strike(market)
    terminated = make_seller(market.brand, "Bazar Fermé", "bazar@ferme.example")
    services.seller_set_status(
        seller=terminated, actor=market.manager, status="terminated", reason="Fraude"
    )
    client.force_login(market.agent)
    page = client.get(LIST).content.decode()
    rows = {row.split("</a>")[0].rsplit(">", 1)[1]: row for row in page.split("<tr")[2:]}
    assert set(rows) == {"Atlas Électroménager", "Souk Mode", "Bazar Fermé"}
    atlas = rows["Atlas Électroménager"]
    assert "seller-active" in atlas
    assert [
        cell.split("</span>")[-1].split("<")[0] for cell in atlas.split('class="c-num')[1:]
    ] == [
        "1",
        "1",
    ]  # one strike that counts, one open dispute
    assert "seller-terminated" in rows["Bazar Fermé"] and "Résilié" in rows["Bazar Fermé"]
    assert "Kingston Crafts" not in page  # EJ's seller


def test_the_list_filters_by_status(client, market):
    services.seller_set_status(
        seller=market.rival, actor=market.manager, status="restricted", reason="Retards"
    )
    client.force_login(market.agent)
    page = client.get(LIST, {"status": "restricted"}).content.decode()
    assert "Souk Mode" in page and "Atlas Électroménager" not in page
    assert client.get(LIST, {"status": "nonsense"}).status_code == 200  # ignored


def test_the_sellers_are_in_the_navigation_of_a_marketplaces_staff_only(client, market, world):
    client.force_login(market.agent)
    inbox = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    assert f'href="{LIST}"' in inbox and "Vendeurs" in inbox
    client.force_login(world.agent)  # EJ: not a marketplace
    inbox = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    assert f'href="{LIST}"' not in inbox
    assert client.get(LIST).status_code == 404


# --- one seller ---------------------------------------------------------------------------------


def test_a_sellers_page_shows_its_details_people_history_strikes_and_tickets(client, market):
    strike(market)
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="restricted", reason="Trop de retards"
    )
    client.force_login(market.agent)
    page = client.get(page_of(market.seller)).content.decode()
    for shown in (
        "Atlas Électroménager SARL",
        "contact@atlas.example",
        "+212 5 22 00 00 00",
        "12 rue des Vendeurs, Casablanca",
        "Youssef",
        "youssef@atlas.example",
        "Actif → Restreint",
        "Trop de retards",
        "Refus de coopérer",
        "Refuse de répondre.",
        market.ticket.reference,
        "Lave-linge jamais livré",
        "1 sur 3 avant une restriction (sur les 90 derniers jours)",
    ):
        assert shown in page, shown
    assert "Changer son statut" not in page and "Retirer la pénalité" not in page  # an agent


def test_a_seller_out_of_reach_is_404(client, market):
    client.force_login(market.agent)
    assert client.get(page_of(market.other_seller)).status_code == 404  # EJ's
    assert client.get(reverse("desk:seller", args=[999999])).status_code == 404
    assert_hidden_from_outsider(client, outsider(market), page_of(market.seller))
    assert_hidden_from_outsider(client, outsider(market), LIST)


# --- a manager's decisions ------------------------------------------------------------------------


def test_a_manager_restricts_a_seller_with_the_reason(client, market):
    client.force_login(market.manager)
    page = client.get(page_of(market.seller)).content.decode()
    assert "Changer son statut" in page
    response = client.post(
        reverse("desk:seller_status", args=[market.seller.pk]),
        {"status": "restricted", "reason": "Trois litiges sans réponse."},
        follow=True,
    )
    assert "Le vendeur est désormais restreint." in response.content.decode()
    assert fresh(market.seller).status == SellerStatus.RESTRICTED
    with brand_scope(market.brand):
        change = SellerStatusChange.objects.get(seller=market.seller)
        assert (
            change.actor_user == market.manager and change.reason == "Trois litiges sans réponse."
        )
        assert market.ticket.events.filter(verb=Verb.SELLER_STATUS_CHANGED).exists()


def test_a_status_change_needs_a_reason_and_a_possible_move(client, market):
    client.force_login(market.manager)
    target = reverse("desk:seller_status", args=[market.seller.pk])
    response = client.post(target, {"status": "restricted", "reason": ""}, follow=True)
    assert "Ce champ est obligatoire." in response.content.decode()
    response = client.post(target, {"status": "active", "reason": "Déjà actif"}, follow=True)
    assert "Sélectionnez un choix valide" in response.content.decode()
    assert fresh(market.seller).status == SellerStatus.ACTIVE


def test_a_terminated_seller_may_only_be_reinstated(client, market):
    services.seller_set_status(
        seller=market.seller, actor=market.manager, status="terminated", reason="Fraude"
    )
    client.force_login(market.manager)
    page = client.get(page_of(market.seller)).content.decode()
    options = page[
        page.index('name="status"') : page.index("</select>", page.index('name="status"'))
    ]
    assert 'value="active"' in options and 'value="restricted"' not in options
    client.post(
        reverse("desk:seller_status", args=[market.seller.pk]),
        {"status": "active", "reason": "Erreur corrigée"},
    )
    assert fresh(market.seller).status == SellerStatus.ACTIVE


def test_an_agent_may_not_change_a_sellers_status(client, market):
    client.force_login(market.agent)
    response = client.post(
        reverse("desk:seller_status", args=[market.seller.pk]),
        {"status": "terminated", "reason": "Non"},
    )
    assert response.status_code == 403
    assert fresh(market.seller).status == SellerStatus.ACTIVE


def test_a_manager_withdraws_a_strike_with_the_reason(client, market):
    struck = strike(market)
    client.force_login(market.manager)
    target = reverse("desk:strike_withdraw", args=[market.seller.pk, struck.pk])
    missing = client.post(target, {"reason": ""}, follow=True)
    assert "Indiquez pourquoi la pénalité est retirée." in missing.content.decode()
    response = client.post(
        target, {"reason": "Le vendeur avait répondu par téléphone."}, follow=True
    )
    body = response.content.decode()
    assert "Pénalité retirée\xa0: elle ne compte plus." in body
    assert "Le vendeur avait répondu par téléphone." in body
    with brand_scope(market.brand):
        struck.refresh_from_db()
    assert struck.withdrawn_by == market.manager and not struck.counts
    again = client.post(target, {"reason": "Encore"}, follow=True)
    assert "Cette pénalité a déjà été retirée." in again.content.decode()


def test_a_strike_is_withdrawn_only_through_its_own_seller(client, market):
    struck = strike(market)
    client.force_login(market.manager)
    response = client.post(
        reverse("desk:strike_withdraw", args=[market.rival.pk, struck.pk]), {"reason": "x"}
    )
    assert response.status_code == 404
    with brand_scope(market.brand):
        assert Strike.objects.get(pk=struck.pk).counts


def test_an_agent_may_not_withdraw_a_strike(client, market):
    struck = strike(market)
    client.force_login(market.agent)
    response = client.post(
        reverse("desk:strike_withdraw", args=[market.seller.pk, struck.pk]), {"reason": "x"}
    )
    assert response.status_code == 403


def test_an_outsider_cannot_decide_on_a_seller(client, market):
    struck = strike(market)
    boss = make_staff(market.other_brand, "ej-boss", Role.MANAGER, is_staff=True)
    for who in (outsider(market), boss):
        assert_hidden_from_outsider(
            client,
            who,
            reverse("desk:seller_status", args=[market.seller.pk]),
            method="post",
            status="terminated",
            reason="x",
        )
        assert_hidden_from_outsider(
            client,
            who,
            reverse("desk:strike_withdraw", args=[market.seller.pk, struck.pk]),
            method="post",
            reason="x",
        )
    assert fresh(market.seller).status == SellerStatus.ACTIVE


# --- the seller filter ------------------------------------------------------------------------------


def test_the_seller_filter_says_which_sellers_are_restricted_or_terminated(client, rf, market):
    services.seller_set_status(
        seller=market.rival, actor=market.manager, status="restricted", reason="Retards"
    )
    other = make_seller(market.brand, "Bazar Fermé", "bazar@ferme.example")
    services.seller_set_status(
        seller=other, actor=market.manager, status="terminated", reason="Fraude"
    )
    request = rf.get("/")
    request.user = market.agent
    with brand_scope(market.brand):
        labels = dict(FilterChoices(desk_of(request)).sellers)
    assert labels == {
        market.seller.pk: "Atlas Électroménager",
        market.rival.pk: "Souk Mode (restreint)",
        other.pk: "Bazar Fermé (résilié)",
    }
    client.force_login(market.agent)
    inbox = client.get(reverse("desk:inbox", args=["team"])).content.decode()
    assert "Souk Mode (restreint)" in inbox
