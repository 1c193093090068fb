"""What customers may attach on the portal: a short list of document and image types,
recognised by their content, not by what the browser or the file name claims.

A file is accepted when its extension is on the list *and* its first bytes are those of
that type (an .exe renamed .pdf starts with "MZ", not "%PDF-": refused). The stored
content type comes from this table, never from the upload. Sizes follow the brand's
policy (`[intake] attachment_max_mb`, `message_attachments_max_mb`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from guichet.brands.models import Brand
from guichet.lib.errors import InvalidRequest
from guichet.tickets.attachments import attachment_store, clean_filename
from guichet.tickets.models import Attachment

MAX_FILES = 5
MB = 1024 * 1024
SNIFF_BYTES = 8192


def _starts(*prefixes: bytes) -> Callable[[bytes], bool]:
    return lambda head: any(head.startswith(p) for p in prefixes)


def _webp(head: bytes) -> bool:
    return head[:4] == b"RIFF" and head[8:12] == b"WEBP"


def _text(head: bytes) -> bool:
    if b"\x00" in head:
        return False
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as exc:
        # A multi-byte character cut at the end of the sample is still text.
        return exc.start >= len(head) - 3
    return True


_ZIP = _starts(b"PK\x03\x04")


@dataclass(frozen=True)
class Kind:
    content_type: str
    matches: Callable[[bytes], bool]


KINDS: dict[str, Kind] = {
    "pdf": Kind("application/pdf", _starts(b"%PDF-")),
    "png": Kind("image/png", _starts(b"\x89PNG\r\n\x1a\n")),
    "jpg": Kind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "jpeg": Kind("image/jpeg", _starts(b"\xff\xd8\xff")),
    "gif": Kind("image/gif", _starts(b"GIF87a", b"GIF89a")),
    "webp": Kind("image/webp", _webp),
    "txt": Kind("text/plain", _text),
    "docx": Kind("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    "xlsx": Kind("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    "odt": Kind("application/vnd.oasis.opendocument.text", _ZIP),
    "ods": Kind("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
}
ACCEPT = ",".join(f".{ext}" for ext in KINDS)  # the file input's accept attribute


def check_uploads(files: Sequence[UploadedFile], brand: Brand) -> list[tuple[UploadedFile, Kind]]:
    """Each file's kind, or InvalidRequest naming the first file refused and why."""
    intake = brand.get_policy().intake
    if len(files) > MAX_FILES:
        raise InvalidRequest(_("Attach at most %(count)s files."), code="too_many", count=MAX_FILES)
    checked = []
    total = 0
    for upload in files:
        name = clean_filename(upload.name or "")
        ext = name.rpartition(".")[2].lower() if "." in name else ""
        kind = KINDS.get(ext)
        if kind is None:
            raise InvalidRequest(
                _("“%(name)s”: this type of file is not accepted (accepted: %(types)s)."),
                code="file_type",
                name=name,
                types=", ".join(sorted({e for e in KINDS if e != "jpeg"})),
            )
        size = upload.size or 0
        if size > intake.attachment_max_mb * MB:
            raise InvalidRequest(
                _("“%(name)s” is larger than %(limit)s MB."),
                code="file_size",
                name=name,
                limit=intake.attachment_max_mb,
            )
        total += size
        upload.seek(0)
        head = upload.read(SNIFF_BYTES)
        upload.seek(0)
        if not kind.matches(head):
            raise InvalidRequest(
                _("“%(name)s” is not the kind of file its name says."),
                code="file_content",
                name=name,
            )
        checked.append((upload, kind))
    if total > intake.message_attachments_max_mb * MB:
        raise InvalidRequest(
            _("The files together are larger than %(limit)s MB."),
            code="files_size",
            limit=intake.message_attachments_max_mb,
        )
    return checked


def store_uploads(checked: Sequence[tuple[UploadedFile, Kind]], brand: Brand) -> list[Attachment]:
    """Store checked files (not yet linked to a message): the content type is ours."""
    limit = brand.get_policy().intake.attachment_max_mb * MB
    return [
        attachment_store(
            brand=brand,
            filename=upload.name or "",
            content=upload,
            content_type=kind.content_type,
            max_bytes=limit,
        )
        for upload, kind in checked
    ]
