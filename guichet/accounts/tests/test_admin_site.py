"""The admin carries Guichet's name, in French and in English."""

import pytest

pytestmark = pytest.mark.django_db


def test_the_admin_is_guichets_in_both_languages(client, world):
    client.force_login(world.manager)
    french = client.get("/admin/").content.decode()
    english = client.get("/en/admin/").content.decode()
    assert "Django" not in french.split("<body")[1].split("</header>")[0]
    assert "Administration de Guichet" in french
    assert "Marques, personnes, politiques et lettres" in french
    assert "<title>Marques, personnes, politiques et lettres | Administration de Guichet" in french
    assert "Guichet administration" in english and "Django administration" not in english
    assert "Administration de Django" not in french
