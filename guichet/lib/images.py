"""Images a brand uploads (its logo), checked as customers' attachments are, then redrawn.

A file is accepted when its first bytes are those of PNG, JPEG or WebP (never SVG, which
is a document that can carry scripts), it is not larger than `MAX_BYTES`, Pillow reads it
as that same format, and its size in pixels is sane. What is kept is not the upload but
a PNG Pillow draws from its pixels (the first frame; no metadata, no trailing bytes, no
second format hidden in the file), scaled down to what a page header needs.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from guichet.lib.errors import InvalidRequest

MB = 1024 * 1024
MAX_BYTES = 2 * MB
# What Pillow may decode at all (a small file can claim a huge canvas), and what is kept.
MAX_SOURCE_PIXELS = 4096 * 4096
MIN_SIDE = 16
KEEP_WIDTH, KEEP_HEIGHT = 640, 160

_SIGNATURES = {
    "PNG": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "JPEG": lambda head: head.startswith(b"\xff\xd8\xff"),
    "WEBP": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}
ACCEPT = "image/png,image/jpeg,image/webp"


@dataclass(frozen=True)
class Picture:
    """A checked image, redrawn as PNG."""

    png: bytes
    width: int
    height: int


def sniffed_format(head: bytes) -> str | None:
    """ "PNG", "JPEG" or "WEBP" from the first bytes, else None."""
    return next((name for name, matches in _SIGNATURES.items() if matches(head)), None)


def checked_picture(data: bytes) -> Picture:
    """`data` checked and redrawn as a PNG no larger than KEEP_WIDTH × KEEP_HEIGHT, or
    InvalidRequest saying why it is refused."""
    # Imported here: Pillow is loaded by the process that receives an image, not by all.
    from PIL import Image, UnidentifiedImageError

    if len(data) > MAX_BYTES:
        raise InvalidRequest(
            _("The image is larger than %(limit)s MB."), code="image_size", limit=MAX_BYTES // MB
        )
    expected = sniffed_format(data[:16])
    if expected is None:
        raise InvalidRequest(
            _("Only PNG, JPEG and WebP images are accepted (not SVG)."), code="image_type"
        )
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as probe:
            width, height = probe.size
            if probe.format != expected:
                raise InvalidRequest(_("The image is not what it claims to be."), code="image")
            if width * height > MAX_SOURCE_PIXELS:
                raise InvalidRequest(
                    _("The image is too large: at most %(side)s × %(side)s pixels."),
                    code="image_pixels",
                    side=4096,
                )
            if min(width, height) < MIN_SIDE:
                raise InvalidRequest(
                    _("The image is too small: at least %(side)s pixels a side."),
                    code="image_pixels",
                    side=MIN_SIDE,
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[expected]) as image:
            image.seek(0)
            frame = image.convert("RGBA")
    except InvalidRequest:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidRequest(_("The image cannot be read."), code="image") from None
    frame.thumbnail((KEEP_WIDTH, KEEP_HEIGHT), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    frame.save(out, format="PNG", optimize=True)
    return Picture(png=out.getvalue(), width=frame.width, height=frame.height)
