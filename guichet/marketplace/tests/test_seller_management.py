"""Keeping a brand's sellers (marketplace/services.py): only those who manage sellers
change them; names are unique in the brand, an address answers for one person of one
seller; a removed person can no longer sign in."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied

from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.marketplace import services, signin
from guichet.marketplace.models import SellerSignInLink


def test_a_manager_adds_and_changes_a_seller(market):
    seller = services.seller_create(
        brand=market.brand, actor=market.manager, name="  Rif Électronique ", email="a@rif.example"
    )
    assert seller.name == "Rif Électronique" and seller.status == "active"
    services.seller_update(seller=seller, actor=market.manager, legal_name="Rif SARL")
    seller.refresh_from_db()
    assert seller.legal_name == "Rif SARL" and seller.email == "a@rif.example"


def test_an_agent_may_not(market):
    with pytest.raises(PermissionDenied):
        services.seller_create(brand=market.brand, actor=market.agent, name="Neuf")
    with pytest.raises(PermissionDenied):
        services.seller_update(seller=market.seller, actor=market.agent, phone="0")
    with pytest.raises(PermissionDenied):
        services.seller_person_deactivate(person=market.person, actor=market.agent)


def test_a_manager_of_one_brand_cannot_touch_anothers_sellers(market):
    with pytest.raises(PermissionDenied):
        services.seller_update(seller=market.other_seller, actor=market.manager, phone="0")


def test_names_are_unique_in_the_brand_whatever_their_case(market):
    with pytest.raises(InvalidRequest) as taken:
        services.seller_create(brand=market.brand, actor=market.manager, name="SOUK MODE")
    assert taken.value.code == "name"
    # Another brand may have a seller of the same name.
    services.seller_create(brand=market.brand, actor=market.manager, name="Kingston Crafts")


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"name": " "}, "name"),
        ({"email": "pas-une-adresse"}, "email"),
        ({"phone": "0" * 40}, "phone"),
    ],
)
def test_fields_are_checked(market, fields, code):
    with pytest.raises(InvalidRequest) as refused:
        services.seller_update(seller=market.seller, actor=market.manager, **fields)
    assert refused.value.code == code


def test_an_address_answers_for_one_person_of_the_brand(market):
    with pytest.raises(InvalidRequest) as taken:
        services.seller_person_add(
            seller=market.seller, actor=market.manager, name="N", email="Nadia@Souk.example"
        )
    assert taken.value.code == "email"
    karim = services.seller_person_add(
        seller=market.seller, actor=market.manager, name="Karim", email="karim@atlas.example"
    )
    with pytest.raises(InvalidRequest):
        services.seller_person_update(
            person=karim, actor=market.manager, email=market.person.email.upper()
        )


def test_a_new_address_voids_the_links_sent_to_the_old_one(market):
    link, secret = signin.link_create(seller=market.seller, person=market.person)
    services.seller_person_update(
        person=market.person, actor=market.manager, email="youssef.b@atlas.example"
    )
    assert signin.signin(brand_id=market.brand.pk, token=secret) is None
    with brand_scope(market.brand):
        assert SellerSignInLink.objects.get(pk=link.pk).revoked_at is not None


def test_a_removed_person_cannot_sign_in_and_comes_back_by_their_address(market):
    _link, secret = signin.link_create(seller=market.seller, person=market.person)
    signed = signin.signin(brand_id=market.brand.pk, token=secret)
    _link, unused = signin.link_create(seller=market.seller, person=market.person)
    services.seller_person_deactivate(person=market.person, actor=market.manager)
    assert signin.session_for(brand_id=market.brand.pk, key=signed.key) is None
    assert signin.signin(brand_id=market.brand.pk, token=unused) is None
    back = services.seller_person_add(
        seller=market.seller, actor=market.manager, name="Youssef B.", email=market.person.email
    )
    assert back.pk == market.person.pk and back.is_active and back.name == "Youssef B."
