"""API keys: made in the admin with a brand, scopes and a role; shown once, stored hashed,
acting as their own user who cannot sign in; revocable."""

import pytest
from django.test import Client

from guichet.api.keys import api_key_create, api_key_revoke, authenticate
from guichet.api.models import ApiKey
from guichet.lib.scoping import brand_scope

pytestmark = pytest.mark.django_db


def test_keys_are_made_in_the_admin_shown_once_and_stored_hashed(client, world):
    client.force_login(world.admin)
    response = client.post(
        "/admin/api/apikey/add/",
        {
            "brand": world.ej.pk,
            "name": "Boutique",
            "scopes": ["read", "write"],
            "role": "team_lead",
            "rate_per_minute": 120,
        },
        follow=True,
    )
    page = response.content.decode()
    marker = "copy it now: " if "copy it now" in page else "copiez-la maintenant\u00a0: "
    token = page.split(marker)[1].split("<")[0].strip()
    with brand_scope(world.ej):
        key = ApiKey.objects.select_related("user").get(name="Boutique")
    secret = token.split("_", 2)[2]
    assert token.startswith(f"gch_{key.prefix}_") and secret not in key.secret_hash
    assert (key.role, key.rate_per_minute, key.created_by) == ("team_lead", 120, world.admin)
    assert secret not in client.get(f"/admin/api/apikey/{key.pk}/change/").content.decode()
    reply = Client().get("/api/v1/tickets", headers={"Authorization": f"Bearer {token}"})
    assert reply.status_code == 200


def test_an_agent_cannot_make_keys(client, world):
    client.force_login(world.agent)
    response = client.get("/admin/api/apikey/add/")
    assert response.status_code in (302, 403)


def test_a_keys_user_cannot_sign_in_and_is_not_staff(world):
    key, _token = api_key_create(brand=world.ej, name="BI", scopes=["read"])
    assert not key.user.has_usable_password() and not key.user.is_staff
    from guichet.accounts.models import Membership
    from guichet.desk.queries import staff_of

    assert not Membership.objects.filter(user=key.user).exists()
    with brand_scope(world.ej):
        assert key.user not in staff_of(world.ej), "never offered as an assignee in the desk"


def test_last_use_is_recorded_and_revocation_is_final(world, frozen_clock):
    key, token = api_key_create(brand=world.ej, name="BI", scopes=["read"])
    assert key.last_used_at is None
    assert authenticate(token).last_used_at == frozen_clock.now()
    api_key_revoke(key=key)
    assert authenticate(token) is None
    key.user.refresh_from_db()
    assert not key.user.is_active


def test_a_wrong_secret_with_a_real_prefix_is_refused(world):
    key, _token = api_key_create(brand=world.ej, name="BI", scopes=["read"])
    assert authenticate(f"gch_{key.prefix}_{'A' * 43}") is None


def test_unknown_scopes_and_roles_are_refused(world):
    from guichet.lib.errors import InvalidRequest

    with pytest.raises(InvalidRequest):
        api_key_create(brand=world.ej, name="x", scopes=["everything"])
    with pytest.raises(InvalidRequest):
        api_key_create(brand=world.ej, name="x", scopes=["read"], role="customer")
