"""The pieces of one MIME part that compat32 leaves raw, read tolerantly: its header fields
as a map, its content type, Content-ID and transfer encoding, its payload (raw, decoded,
or only measured), and a safe name for it when it is saved as an attachment. Pure: no
database, no Django; nothing here raises on hostile input."""

from __future__ import annotations

import binascii
import mimetypes
import re
import unicodedata
from email.message import Message

from guichet.intake.email.headers import MAX_HEADER_CHARS, clean_line, decode_8bit, unfold

MAX_FILENAME_CHARS = 200
_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,127}")
_DEFECT_WORD = re.compile(r"(?<!^)(?=[A-Z])")
_WINDOWS_RESERVED = re.compile(r"(?i)^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$")
_FALLBACK_EXTENSIONS = {
    "message/rfc822": ".eml",
    "text/calendar": ".ics",
    "text/plain": ".txt",
    "text/html": ".html",
    "application/pdf": ".pdf",
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "application/ms-tnef": ".dat",
}


def header_map(message: Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        key = name.strip().lower()
        limit = MAX_HEADER_CHARS * 4 if key == "references" else MAX_HEADER_CHARS
        headers.setdefault(key, []).append(value[:limit] if isinstance(value, str) else "")
    return headers


def first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def joined(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return " ".join(values) if values else None


def first_raw(part: Message, name: str) -> str:
    for key, value in part.raw_items():
        if key.lower() == name and isinstance(value, str):
            return value
    return ""


def valid_type(value: str) -> str:
    value = value.strip().lower()
    return value if _TYPE.fullmatch(value) else ""


def defect_name(class_name: str) -> str:
    name = class_name.removesuffix("Defect")
    return _DEFECT_WORD.sub("_", name).lower() or "defect"


def content_id(part: Message) -> str:
    value = first_raw(part, "content-id")
    return clean_line(decode_8bit(unfold(value[:1000]))).strip().strip("<>").strip()


def transfer_encoding(part: Message) -> str:
    value = first_raw(part, "content-transfer-encoding")
    return clean_line(value).strip("\"' ").lower()


def raw_payload(part: Message) -> bytes:
    # Not get_payload(): for a part with 8-bit bytes it decodes them with the declared
    # charset and replaces what fails; the stored payload keeps them as surrogate escapes.
    payload = getattr(part, "_payload", None)
    if isinstance(payload, bytes):
        return payload
    if not isinstance(payload, str):
        return b""
    return payload.encode("utf-8", "surrogateescape")


_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def encoded_size(part: Message, encoding: str | None = None) -> int:
    """The decoded size of a part, computed from its encoded form without decoding it."""
    payload = raw_payload(part)
    encoding = transfer_encoding(part) if encoding is None else encoding
    if encoding == "base64":
        stripped = payload.translate(None, b" \t\r\n")
        return len(stripped) * 3 // 4 - min(2, len(stripped) - len(stripped.rstrip(b"=")))
    return len(payload)


def payload_bytes(part: Message, defects: list[str]) -> bytes:
    """The decoded content of a leaf part; transfer-encoding errors are tolerated."""
    return decode_transfer(raw_payload(part), transfer_encoding(part), defects)


def decode_transfer(payload: bytes, encoding: str, defects: list[str]) -> bytes:
    if encoding == "base64":
        try:
            return binascii.a2b_base64(payload)
        except (binascii.Error, ValueError):
            pass
        data = _NOT_BASE64.sub(b"", payload.split(b"=", 1)[0])
        if len(data) % 4 == 1:
            data = data[:-1]
            defects.append("truncated_base64")
        try:
            return binascii.a2b_base64(data + b"=" * (-len(data) % 4))
        except (binascii.Error, ValueError):
            defects.append("bad_base64")
            return b""
    if encoding == "quoted-printable":
        try:
            return binascii.a2b_qp(payload)
        except (binascii.Error, ValueError):
            defects.append("bad_quoted_printable")
            return payload
    if encoding in ("x-uuencode", "uuencode", "uue", "x-uue"):
        return _uudecode(payload, defects)
    if encoding not in ("", "7bit", "8bit", "binary"):
        defects.append("unknown_transfer_encoding")
    return payload


def _uudecode(payload: bytes, defects: list[str]) -> bytes:
    out = bytearray()
    started = False
    for line in payload.splitlines():
        if not started:
            started = line.startswith(b"begin ")
            continue
        if line.strip() in (b"end", b"`", b""):
            if line.strip() == b"end":
                break
            continue
        try:
            out += binascii.a2b_uu(line)
        except binascii.Error:
            try:
                out += binascii.a2b_uu(line[: ((line[0] - 32) & 63) * 4 // 3 + 1])
            except (binascii.Error, IndexError):
                defects.append("bad_uuencode")
    return bytes(out)


def clean_filename(value: str, content_type: str = "") -> str:
    """A display name safe to show and to save: the last path component, no control or
    bidirectional-override characters, no leading dots, at most 200 characters (the
    extension kept), never a reserved Windows device name, never empty. `a.pdf%00.exe`
    keeps its `%` and its real extension; nothing is percent-decoded."""
    name = unicodedata.normalize("NFC", clean_line(value))
    components = [c for c in re.split(r"[/\\]", name) if c.strip(" .")]
    name = components[-1] if components else ""
    name = name.strip().lstrip(".").rstrip(". ")
    if len(name) > MAX_FILENAME_CHARS:
        stem, dot, extension = name.rpartition(".")
        if dot and 0 < len(extension) <= 16:
            name = stem[: MAX_FILENAME_CHARS - len(extension) - 1] + "." + extension
        else:
            name = name[:MAX_FILENAME_CHARS]
    if _WINDOWS_RESERVED.match(name):
        name = "_" + name
    if not name:
        kind = content_type.split("/", 1)[0]
        stem = {"image": "image", "message": "message", "text": "text"}.get(kind, "attachment")
        name = stem + _extension(content_type)
    return name


# Python's own table, not the host's /etc/mime.types: the same guesses on every machine.
_MIME_TYPES = mimetypes.MimeTypes()


def _extension(content_type: str) -> str:
    if content_type in _FALLBACK_EXTENSIONS:
        return _FALLBACK_EXTENSIONS[content_type]
    guessed = _MIME_TYPES.guess_extension(content_type, strict=False) if content_type else None
    return guessed or ".bin"


def guess_type(filename: str) -> str:
    guessed, _ = _MIME_TYPES.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"
