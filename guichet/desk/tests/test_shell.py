"""The desk's shell: the header names the brand and the product, the person and their role;
the languages are offered each in its own name; the brand's colour is drawn at 4.5:1 with
white whatever was stored."""

import pytest
from django.urls import reverse

from guichet.brands.models import Brand
from guichet.desk.templatetags.desk import initials, readable
from guichet.lib.contrast import WHITE, contrast_ratio
from guichet.lib.scoping import all_brands

pytestmark = pytest.mark.django_db


def test_the_header_names_the_brand_the_person_and_the_languages(client, world):
    client.force_login(world.agent)
    page = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    header = page[page.index('<header class="topbar">') : page.index("</header>")]
    assert "Expérience Jamaïque" in header and "Guichet" in header
    assert "Agent · Expérience Jamaïque" in header
    assert 'lang="fr" aria-current="true">Français</button>' in header
    assert 'lang="en">English</button>' in header
    english = client.get("/en" + reverse("desk:inbox", args=["mine"])).content.decode()
    assert 'lang="fr">Français</button>' in english  # not "French"
    assert 'lang="en" aria-current="true">English</button>' in english


def test_a_colour_too_light_for_white_text_is_drawn_darker(client, world):
    with all_brands():
        Brand.objects.filter(pk=world.ej.pk).update(colour="#e07b00")  # stored before the check
    client.force_login(world.agent)
    page = client.get(reverse("desk:inbox", args=["mine"])).content.decode()
    assert "--brand: #b36200;" in page
    assert contrast_ratio(readable("#e07b00"), WHITE) >= 4.5
    assert readable("#0b7a3e") == "#0b7a3e"  # EJ's green passes as it is
    assert readable("not a colour") == "#1f4e79"


def test_initials(world):
    assert initials(world.agent) == "A"
    world.agent.last_name = "Martin"
    assert initials(world.agent) == "AM"
