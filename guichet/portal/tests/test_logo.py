"""The brand's logo: uploaded by its administrators in the admin (checked, redrawn), shown
in the portal's header with the brand's name as its text, served as an image and nothing
else; the preset brands get one each."""

from __future__ import annotations

import io
from typing import Any

import django.test
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.urls import reverse
from PIL import Image

from guichet.brands.models import Brand, BrandLogo
from guichet.brands.services import brand_set_logo
from guichet.conftest import World
from guichet.lib.scoping import all_brands, brand_scope
from guichet.portal.tests.conftest import url

pytestmark = pytest.mark.django_db


def png(colour: str = "#0b7a3e", size: tuple[int, int] = (300, 120)) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format="PNG")
    return out.getvalue()


def logo_of(brand: Brand) -> BrandLogo | None:
    with brand_scope(brand):
        return BrandLogo.objects.filter(brand=brand).first()


def test_the_header_shows_the_logo_with_the_brand_name_as_its_text(
    browser: django.test.Client, world: World
) -> None:
    html = browser.get(url(world.ej, "home")).content.decode()
    assert "<img" not in html.split("</header>")[0]  # no logo yet: the name
    logo = brand_set_logo(brand=world.ej, data=png())
    html = browser.get(url(world.ej, "home")).content.decode()
    header = html.split("</header>")[0]
    src = url(world.ej, "logo", digest=logo.digest)
    assert f'<img src="{src}" alt="Expérience Jamaïque" width="300" height="120">' in header


def test_the_logo_is_served_as_an_image_and_nothing_else(
    browser: django.test.Client, world: World
) -> None:
    logo = brand_set_logo(brand=world.ej, data=png())
    response = browser.get(url(world.ej, "logo", digest=logo.digest))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert "immutable" in response["Cache-Control"]
    assert response.content == bytes(logo.png)
    assert browser.get(url(world.ej, "logo", digest="0" * 64)).status_code == 404
    # Another brand's address does not serve it.
    assert browser.get(url(world.jamla, "logo", digest=logo.digest)).status_code == 404


def test_a_new_logo_has_a_new_address(world: World) -> None:
    first = brand_set_logo(brand=world.ej, data=png("#0b7a3e")).digest
    second = brand_set_logo(brand=world.ej, data=png("#b03a48")).digest
    assert first != second


def upload(client: Any, brand: Brand, name: str, data: bytes, **extra: Any) -> Any:
    return client.post(
        reverse("admin:brands_brand_change", args=[brand.pk]),
        {"is_active": "on", "logo_upload": SimpleUploadedFile(name, data), **extra},
    )


def test_a_brand_administrator_uploads_a_logo_in_the_admin(client: Any, world: World) -> None:
    client.force_login(world.admin)
    response = upload(client, world.ej, "logo.jpg", png())  # the name does not matter
    assert response.status_code == 302, response.content.decode()[:3000]
    logo = logo_of(world.ej)
    assert logo is not None and bytes(logo.png).startswith(b"\x89PNG")
    page = client.get(reverse("admin:brands_brand_change", args=[world.ej.pk])).content.decode()
    assert url(world.ej, "logo", digest=logo.digest) in page
    response = client.post(
        reverse("admin:brands_brand_change", args=[world.ej.pk]),
        {"is_active": "on", "remove_logo": "on"},
    )
    assert response.status_code == 302 and logo_of(world.ej) is None


def test_an_svg_or_a_disguised_file_is_refused_in_the_admin(client: Any, world: World) -> None:
    client.force_login(world.admin)
    svg = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'
    response = upload(client, world.ej, "logo.png", svg)
    assert response.status_code == 200
    assert "PNG, JPEG" in response.content.decode() and logo_of(world.ej) is None


def test_only_the_brands_administrators_set_its_logo(client: Any, world: World) -> None:
    client.force_login(world.manager)  # manages people and letters, not the brand
    assert upload(client, world.ej, "logo.png", png()).status_code == 403
    client.force_login(world.outsider_admin)
    assert upload(client, world.ej, "logo.png", png()).status_code == 404
    assert logo_of(world.ej) is None


def test_the_preset_brands_each_get_a_logo_of_their_own_and_keep_an_uploaded_one(
    db: None,
) -> None:
    call_command("load_presets", stdout=io.StringIO())
    with all_brands():
        logos = {logo.brand.slug: bytes(logo.png) for logo in BrandLogo.objects.all()}
    assert len(logos) == 5 and len(set(logos.values())) == 5
    ej = Brand.objects.get(slug="ej")
    own = brand_set_logo(brand=ej, data=png()).digest
    call_command("load_presets", stdout=io.StringIO())
    assert logo_of(ej).digest == own  # type: ignore[union-attr]
