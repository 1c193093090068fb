"""A brand's logo is checked as customers' files are (by its content, its size) and
redrawn: what is kept is a PNG of its pixels, never the upload."""

import io

import pytest
from PIL import Image

from guichet.lib.errors import InvalidRequest
from guichet.lib.images import KEEP_HEIGHT, MAX_BYTES, checked_picture


def image(fmt: str, size: tuple[int, int] = (200, 100), **save: object) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", size, "#0b7a3e").save(out, format=fmt, **save)
    return out.getvalue()


@pytest.mark.parametrize("fmt", ["PNG", "JPEG", "WEBP"])
def test_png_jpeg_and_webp_become_a_png(fmt: str) -> None:
    picture = checked_picture(image(fmt))
    assert picture.png.startswith(b"\x89PNG\r\n\x1a\n")
    assert (picture.width, picture.height) == (200, 100)


def test_a_large_image_is_scaled_down_to_a_header_size() -> None:
    picture = checked_picture(image("PNG", (1600, 800)))
    assert picture.height == KEEP_HEIGHT and picture.width == 2 * KEEP_HEIGHT


def test_metadata_and_trailing_bytes_are_not_kept() -> None:
    from PIL.PngImagePlugin import PngInfo

    info = PngInfo()
    info.add_text("Comment", "<script>alert(1)</script>")
    data = image("PNG", pnginfo=info) + b"<html><script>alert(2)</script></html>"
    png = checked_picture(data).png
    assert b"script" not in png and b"Comment" not in png


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', "image_type"),
        (b"GIF89a" + b"\x00" * 100, "image_type"),
        (b"%PDF-1.4\n%%EOF\n", "image_type"),
        (b"\x89PNG\r\n\x1a\n" + b"not really a png" * 10, "image"),
        (b"\xff\xd8\xff" + b"\x00" * 50, "image"),
    ],
)
def test_anything_else_is_refused(data: bytes, code: str) -> None:
    with pytest.raises(InvalidRequest) as caught:
        checked_picture(data)
    assert caught.value.code == code


def test_a_png_that_says_it_is_a_jpeg_inside_is_refused() -> None:
    """The first bytes decide which reader is allowed: a JPEG reader never opens a PNG."""
    with pytest.raises(InvalidRequest):
        checked_picture(b"\xff\xd8\xff" + image("PNG")[3:])


def test_too_large_a_file_is_refused_before_it_is_read() -> None:
    with pytest.raises(InvalidRequest) as caught:
        checked_picture(b"\x89PNG\r\n\x1a\n" + b"\x00" * MAX_BYTES)
    assert caught.value.code == "image_size"


def test_too_many_pixels_and_too_few_are_refused() -> None:
    with pytest.raises(InvalidRequest) as caught:
        checked_picture(image("PNG", (5000, 4000)))
    assert caught.value.code == "image_pixels"
    with pytest.raises(InvalidRequest) as caught:
        checked_picture(image("PNG", (8, 8)))
    assert caught.value.code == "image_pixels"
