"""Images for articles: raster formats only, recognised by their content, redrawn before
they are kept (nothing hidden in the file survives), stored under a random key, and
uploaded only by the brand's writers."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from guichet.accounts.models import Role
from guichet.conftest import make_staff, publish_preset
from guichet.knowledge import images
from guichet.knowledge.markdown import render
from guichet.lib.errors import InvalidRequest

LIMIT = 5 * images.MB


def picture(fmt: str = "PNG", size: tuple[int, int] = (40, 30), **save: Any) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, (200, 30, 30)).save(out, format=fmt, **save)
    return out.getvalue()


SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>alert(2)</script></svg>'
HTML = b"<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"


@pytest.mark.parametrize(
    "fmt,name", [("PNG", "a.png"), ("JPEG", "b.jpg"), ("GIF", "c.gif"), ("WEBP", "d.webp")]
)
def test_the_raster_formats_are_accepted_and_redrawn(fmt: str, name: str):
    checked = images.image_check(picture(fmt), filename=name, max_bytes=LIMIT)
    assert (checked.width, checked.height) == (40, 30)
    assert checked.content_type == ("image/jpeg" if fmt == "JPEG" else "image/png")


@pytest.mark.parametrize(
    "data,name,code",
    [
        (SVG, "schema.svg", "image_type"),  # SVG: never, whatever it holds
        (SVG, "schema.png", "image_content"),  # an SVG named .png
        (HTML, "photo.png", "image_content"),  # an HTML page disguised as PNG
        (HTML, "photo.jpg", "image_content"),
        (b"MZ\x90\x00" + b"\x00" * 64, "photo.gif", "image_content"),  # a program
        (picture()[:40], "cut.png", "image"),  # a PNG's header and nothing readable after
        (picture(), "notes.html", "image_type"),
        (picture(), "noextension", "image_type"),
    ],
)
def test_hostile_files_are_refused(data: bytes, name: str, code: str):
    with pytest.raises(InvalidRequest) as refused:
        images.image_check(data, filename=name, max_bytes=LIMIT)
    assert refused.value.code == code


def test_a_format_named_for_another_is_refused():
    with pytest.raises(InvalidRequest) as refused:
        images.image_check(picture("JPEG"), filename="photo.png", max_bytes=LIMIT)
    assert refused.value.code == "image_content"


def test_what_is_hidden_after_the_picture_is_not_kept():
    polyglot = picture() + HTML  # a valid PNG with a page after its end
    checked = images.image_check(polyglot, filename="x.png", max_bytes=LIMIT)
    assert b"<script>" not in checked.data


def test_a_photo_loses_its_metadata():
    exif = Image.Exif()
    exif[0x010F] = "Secret Camera Maker"  # Make
    photo = picture("JPEG", exif=exif.tobytes())
    assert b"Secret Camera Maker" in photo
    checked = images.image_check(photo, filename="photo.jpg", max_bytes=LIMIT)
    assert b"Secret Camera Maker" not in checked.data


def test_sizes_are_limited():
    with pytest.raises(InvalidRequest) as refused:
        images.image_check(picture(), filename="x.png", max_bytes=100)
    assert refused.value.code == "image_size"
    out = io.BytesIO()
    Image.new("1", (7000, 7000)).save(out, format="PNG")  # small file, huge canvas
    with pytest.raises(InvalidRequest) as refused:
        images.image_check(out.getvalue(), filename="big.png", max_bytes=LIMIT)
    assert refused.value.code == "image_pixels"
    big = images.image_check(picture(size=(3200, 100)), filename="wide.png", max_bytes=LIMIT)
    assert big.width == images.KEEP_SIDE  # scaled down


def test_a_writer_uploads_an_image_that_the_markdown_shows(db: Any, frozen_clock: Any):
    brand = publish_preset("ivoire-toner")
    agent = make_staff(brand, "awa", Role.AGENT)
    stored = images.image_upload(
        brand=brand, actor=agent, filename="Capture d'écran.PNG", content=picture()
    )
    assert stored.filename == "capture-decran.png" and stored.content_type == "image/png"
    assert (
        stored.storage_key.startswith(f"help/{brand.pk}/") and "capture" not in stored.storage_key
    )
    with default_storage.open(stored.storage_key, "rb") as kept:
        assert kept.read().startswith(b"\x89PNG")
    markdown = images.image_markdown(stored, brand, alt="Le [bouton] Envoyer")
    assert (
        markdown
        == f"![Le (bouton) Envoyer](/b/ivoire-toner/help/images/{stored.pk}/capture-decran.png)"
    )
    assert f'src="/b/ivoire-toner/help/images/{stored.pk}/capture-decran.png"' in render(markdown)


def test_only_the_brands_writers_upload(db: Any, frozen_clock: Any):
    brand = publish_preset("ivoire-toner")
    other = publish_preset("jamla24")
    outsider = make_staff(other, "karim", Role.MANAGER)
    with pytest.raises(InvalidRequest):
        images.image_upload(brand=brand, actor=outsider, filename="a.png", content=picture())
