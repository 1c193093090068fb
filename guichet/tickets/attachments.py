"""Storing attachment files: streamed, hashed and size-limited, under a generated key.

The sender's file name is kept for display only (cleaned of paths and control
characters); the storage key is random, so a name can never reach the file system.
Files are stored before the transaction that links them to a message, so a rolled-back
transaction leaves an unlinked file, never a message pointing at nothing; the worker
deletes unlinked files after a while (`attachments_purge_unlinked`).
"""

from __future__ import annotations

import hashlib
import logging
import re
import unicodedata
import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import IO

from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.utils.translation import gettext_lazy as _

from guichet.brands.models import Brand
from guichet.lib import clock
from guichet.lib.bulk import delete_in_batches
from guichet.lib.errors import InvalidRequest
from guichet.lib.scoping import all_brands, brand_scope
from guichet.tickets.models import Attachment

logger = logging.getLogger(__name__)

CHUNK = 64 * 1024
DEFAULT_MAX_BYTES = 25 * 1024 * 1024
_UNSAFE = re.compile(r"[\x00-\x1f\x7f/\\:*?\"<>|]+")
_CONTENT_TYPE = re.compile(r"^[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*$")


class AttachmentTooLarge(InvalidRequest):
    code = "attachment_too_large"
    status = 413


def clean_filename(name: str) -> str:
    name = unicodedata.normalize("NFC", name or "")
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    if len(name) > 200:
        stem, dot, ext = name.rpartition(".")
        name = (stem[:190] + dot + ext[:9]) if dot and len(ext) <= 9 else name[:200]
    return name or "attachment"


def clean_content_type(value: str) -> str:
    value = (value or "").split(";", 1)[0].strip().lower()
    return value if _CONTENT_TYPE.match(value) else "application/octet-stream"


def _chunks(source: bytes | IO[bytes] | Iterable[bytes]) -> Iterable[bytes]:
    if isinstance(source, (bytes, bytearray)):
        for i in range(0, len(source), CHUNK):
            yield bytes(source[i : i + CHUNK])
    elif hasattr(source, "read"):
        while chunk := source.read(CHUNK):
            yield chunk
    else:
        yield from source


def attachment_store(
    *,
    brand: Brand,
    filename: str,
    content: bytes | IO[bytes] | Iterable[bytes],
    content_type: str = "",
    content_id: str = "",
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Attachment:
    """Store a file and return its (not yet linked) Attachment.

    Reads at most `max_bytes` + 1 bytes: a larger file raises AttachmentTooLarge and
    nothing is kept."""
    digest = hashlib.sha256()
    size = 0
    parts: list[bytes] = []
    for chunk in _chunks(content):
        size += len(chunk)
        if size > max_bytes:
            raise AttachmentTooLarge(
                _("The file “%(name)s” is larger than the limit of %(limit)s bytes."),
                name=clean_filename(filename),
                limit=max_bytes,
            )
        digest.update(chunk)
        parts.append(chunk)
    now = clock.now()
    key = f"attachments/{brand.pk}/{now:%Y/%m}/{uuid.uuid4().hex}"
    stored_key = default_storage.save(key, ContentFile(b"".join(parts)))
    with brand_scope(brand):
        return Attachment.objects.create(
            brand=brand,
            storage_key=stored_key,
            filename=clean_filename(filename),
            content_type=clean_content_type(content_type),
            size=size,
            sha256=digest.hexdigest(),
            content_id=content_id.strip("<> ")[:255],
            created_at=now,
        )


def attachment_open(attachment: Attachment) -> IO[bytes]:
    return default_storage.open(attachment.storage_key, "rb")


def attachment_download(attachment: Attachment) -> FileResponse:
    """A stored file as every page and endpoint serves it: always a download, never
    rendered (research H14, H15) — attachment disposition under its cleaned name, a
    neutral type, nosniff, a sandboxing CSP, private no-store caching."""
    response = FileResponse(
        attachment_open(attachment),
        as_attachment=True,
        filename=attachment.filename,
        content_type="application/octet-stream",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["Cache-Control"] = "private, no-store"
    return response


def attachments_purge_unlinked(*, before: datetime, batch: int = 1000) -> int:
    """Delete the files stored before `before` and never linked to a message — uploaded
    through the API and never attached, or stored for a change that was then refused —
    rows first, each batch in its own transaction, then their files once it commits.
    Returns how many went. (Every channel links its files within seconds of storing them:
    `before` a day ago or more leaves none that is still on its way.)"""
    with all_brands():
        return delete_in_batches(
            Attachment.objects.filter(message__isnull=True, created_at__lt=before),
            batch=batch,
            keep="storage_key",
            after_commit=_delete_files,
        )


def _delete_files(keys: list[str]) -> None:
    for key in keys:
        try:
            default_storage.delete(key)
        except OSError:
            logger.warning("could not delete the stored file %s", key, exc_info=True)
