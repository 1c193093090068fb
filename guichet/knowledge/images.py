"""Images for the help centre's articles (docs/help-centre.md, "Writing, review and
publication"): uploaded by the article's writers, checked as the customers' attachments
are, stored as attachments are (under a random key), and served from the help centre's
own address (`/b/<brand>/help/images/<id>/<name>`, the portal's `help_image`).

A file is accepted when its name says PNG, JPEG, GIF or WebP, its first bytes are those of
that same format (an HTML page or an SVG named .png is refused: SVG is a document that can
carry scripts, never accepted), it is not larger than the brand's attachment limit, and
Pillow reads it as that format with a sane size in pixels. What is kept is not the upload
but the picture Pillow draws from its pixels (the first frame; no metadata — a phone's
photo loses its GPS position —, no trailing bytes, no second format hidden in the file):
JPEG stays JPEG, the others become PNG, scaled down to `KEEP_SIDE` pixels at most."""

from __future__ import annotations

import io
import re
import uuid
from dataclasses import dataclass
from typing import IO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.text import slugify
from django.utils.translation import gettext_lazy as _

from guichet.accounts.models import User
from guichet.accounts.permissions import Action, can
from guichet.brands.models import Brand
from guichet.knowledge.models import ArticleImage
from guichet.lib import clock
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import brand_scope
from guichet.tickets.attachments import clean_filename

MB = 1024 * 1024
# What Pillow may decode at all (a small file can claim a huge canvas), and what is kept.
MAX_SOURCE_PIXELS = 6000 * 6000
MIN_SIDE = 8
KEEP_SIDE = 1600

# Extension -> the format its content must be.
FORMATS = {"png": "PNG", "jpg": "JPEG", "jpeg": "JPEG", "gif": "GIF", "webp": "WEBP"}
_SIGNATURES = {
    "PNG": lambda head: head.startswith(b"\x89PNG\r\n\x1a\n"),
    "JPEG": lambda head: head.startswith(b"\xff\xd8\xff"),
    "GIF": lambda head: head.startswith((b"GIF87a", b"GIF89a")),
    "WEBP": lambda head: head[:4] == b"RIFF" and head[8:12] == b"WEBP",
}
ACCEPT = "image/png,image/jpeg,image/gif,image/webp"
_NAME = re.compile(r"[^a-z0-9-]+")


@dataclass(frozen=True)
class CheckedImage:
    """An upload checked and redrawn: the bytes to keep, their type and size."""

    data: bytes
    content_type: str
    extension: str
    width: int
    height: int


def _refused(name: str) -> InvalidRequest:
    return InvalidRequest(
        _("“%(name)s”: only PNG, JPEG, GIF and WebP images are accepted (not SVG)."),
        code="image_type",
        name=name,
    )


def image_check(data: bytes, *, filename: str, max_bytes: int) -> CheckedImage:
    """`data` checked (name, first bytes, size, what Pillow reads) and redrawn, or
    InvalidRequest saying why it is refused."""
    # Imported here: Pillow is loaded by the process that receives an image, not by all.
    from PIL import Image, UnidentifiedImageError

    name = clean_filename(filename)
    ext = name.rpartition(".")[2].lower() if "." in name else ""
    expected = FORMATS.get(ext)
    if expected is None:
        raise _refused(name)
    if len(data) > max_bytes:
        raise InvalidRequest(
            _("“%(name)s” is larger than %(limit)s MB."),
            code="image_size",
            name=name,
            limit=max_bytes // MB,
        )
    if not _SIGNATURES[expected](data[:16]):
        raise InvalidRequest(
            _("“%(name)s” is not the kind of image its name says."),
            code="image_content",
            name=name,
        )
    try:
        with Image.open(io.BytesIO(data), formats=[expected]) as probe:
            width, height = probe.size
            if probe.format != expected:
                raise InvalidRequest(
                    _("“%(name)s” is not the kind of image its name says."),
                    code="image_content",
                    name=name,
                )
            if width * height > MAX_SOURCE_PIXELS:
                raise InvalidRequest(
                    _("“%(name)s” is too large: at most %(side)s × %(side)s pixels."),
                    code="image_pixels",
                    name=name,
                    side=6000,
                )
            if min(width, height) < MIN_SIDE:
                raise InvalidRequest(
                    _("“%(name)s” is too small: at least %(side)s pixels a side."),
                    code="image_pixels",
                    name=name,
                    side=MIN_SIDE,
                )
            probe.verify()
        with Image.open(io.BytesIO(data), formats=[expected]) as image:
            image.seek(0)
            photo = expected == "JPEG"
            frame = image.convert("RGB" if photo else "RGBA")
    except InvalidRequest:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError, Image.DecompressionBombError):
        raise InvalidRequest(
            _("“%(name)s” cannot be read as an image."), code="image", name=name
        ) from None
    frame.thumbnail((KEEP_SIDE, KEEP_SIDE), Image.Resampling.LANCZOS)
    out = io.BytesIO()
    if photo:
        frame.save(out, format="JPEG", quality=85, optimize=True)
    else:
        frame.save(out, format="PNG", optimize=True)
    return CheckedImage(
        data=out.getvalue(),
        content_type="image/jpeg" if photo else "image/png",
        extension="jpg" if photo else "png",
        width=frame.width,
        height=frame.height,
    )


def image_upload(
    *, brand: Brand, actor: User, filename: str, content: bytes | IO[bytes]
) -> ArticleImage:
    """Check and store an image for the brand's articles (by one of its writers)."""
    if not can(actor, Action.WRITE_ARTICLES, brand=brand):
        raise InvalidRequest(_("You may not do this in the help centre."), code="forbidden")
    limit = brand.get_policy().intake.attachment_max_mb * MB
    data = content if isinstance(content, bytes) else content.read(limit + 1)
    checked = image_check(data, filename=filename, max_bytes=limit)
    stem = _NAME.sub("-", slugify(clean_filename(filename).rpartition(".")[0])).strip("-")
    now = clock.now()
    key = f"help/{brand.pk}/{now:%Y/%m}/{uuid.uuid4().hex}"
    stored = default_storage.save(key, ContentFile(checked.data))
    with brand_scope(brand):
        return ArticleImage.objects.create(
            brand=brand,
            storage_key=stored,
            filename=f"{(stem or 'image')[:80]}.{checked.extension}",
            content_type=checked.content_type,
            size=len(checked.data),
            width=checked.width,
            height=checked.height,
            uploaded_by=actor,
            created_at=now,
        )


def image_open(image: ArticleImage) -> IO[bytes]:
    """The stored picture's bytes (what the help centre serves)."""
    return default_storage.open(image.storage_key, "rb")


def image_path(image: ArticleImage, brand: Brand) -> str:
    """The image's address on the help centre, without a language prefix (the same
    picture in every language): what an article's Markdown names (knowledge.markdown
    keeps no other image). The portal's `help_image` serves it."""
    try:
        with translation.override(settings.LANGUAGE_CODE):  # the address without /en/
            return reverse(
                "portal:help_image",
                kwargs={"brand": brand.slug, "pk": image.pk, "name": image.filename},
                urlconf="guichet.links",
            )
    except NoReverseMatch:  # the portal's pages not installed (this branch alone)
        return f"/b/{brand.slug}/help/images/{image.pk}/{image.filename}"


def image_markdown(image: ArticleImage, brand: Brand, *, alt: str = "") -> str:
    """The Markdown that shows the image in an article."""
    words = " ".join((alt or "").replace("[", "(").replace("]", ")").split())
    return f"![{words}]({image_path(image, brand)})"
