"""winmail.dat (application/ms-tnef, MS-OXTNEF) unpacked with tnefparse, within bounds.

tnefparse trusts the counts written in the file: a MAPI property block announcing four
billion values loops for hours, and every object copies the rest of the file (quadratic
time on a file of many small objects). `is_safe` walks the same structure first, as
tnefparse will, and refuses files whose counts exceed what their bytes can hold, that
nest embedded messages too deeply, or that would copy too much; such a winmail.dat stays
one opaque attachment.

The body of a TNEF message can be plain text, HTML or compressed RTF (MS-OXRTFCP); RTF is
decompressed here (tnefparse needs the absent `compressed_rtf` package for it) and turned
into plain text.

Attachment names come from the sender's Outlook and are cleaned by the caller like any
other name (MSGReader 6.1.4 let TNEF names skip its sanitiser: path traversal).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass
from typing import Any

from tnefparse import TNEF

from guichet.intake.email.charsets import decode_bytes

SIGNATURE = 0x223E9F78
MAX_OBJECTS = 10_000
MAX_COPIED_BYTES = 1_000_000_000
MAX_EMBED_DEPTH = 3

_ATTMAPIPROPS = 0x9003
_ATTRECIPTABLE = 0x9004
_ATTATTACHMENT = 0x9005
_LVL_ATTACHMENT = 0x02
_MAPI_ATTACH_DATA_OBJ = 0x3701
_MAPI_ATTACH_LONG_FILENAME = 0x3707
_MAPI_ATTACH_MIME_TAG = 0x370E
_MAPI_ATTACH_CONTENT_ID = 0x3712
_IMESSAGE_SIG = b"\x07\x03\x02\x00\x00\x00\x00\x00\xc0\x00\x00\x00\x00\x00\x00\x46"
_FIXED_SIZES = {0x0002: 2, 0x000B: 2, 0x0003: 4, 0x0004: 4, 0x000A: 4}
_FIXED_SIZES.update({0x0005: 8, 0x0007: 8, 0x0006: 8, 0x0014: 8, 0x0040: 8, 0x0048: 16})
_VARIABLE = {0x001E, 0x001F, 0x000D, 0x0102, 0x0000}


def _u16(data: bytes, offset: int) -> int | None:
    return struct.unpack_from("<H", data, offset)[0] if offset + 2 <= len(data) else None


def _u32(data: bytes, offset: int) -> int | None:
    return struct.unpack_from("<I", data, offset)[0] if offset + 4 <= len(data) else None


class _Unsafe(Exception):
    pass


def is_safe(data: bytes, depth: int = 0) -> bool:
    """Whether tnefparse can read `data` in bounded time and memory."""
    try:
        _check_tnef(data, depth)
    except _Unsafe:
        return False
    return True


def _check_tnef(data: bytes, depth: int) -> None:
    if depth > MAX_EMBED_DEPTH or _u32(data, 0) != SIGNATURE:
        raise _Unsafe
    offset, objects, copied = 6, 0, 0
    while offset + 12 < len(data):
        remaining = len(data) - offset
        objects += 1
        copied += remaining
        if objects > MAX_OBJECTS or copied > MAX_COPIED_BYTES:
            raise _Unsafe
        level = data[offset]
        name = _u16(data, offset + 1)
        length = _u32(data, offset + 5) or 0
        size = min(remaining, length + 11)
        body = data[offset + 9 : offset + size - 2]
        if level == _LVL_ATTACHMENT:
            if name == _ATTATTACHMENT:
                _check_mapi(body, 0, depth)
        elif name == _ATTMAPIPROPS:
            _check_mapi(body, 0, depth)
        elif name == _ATTRECIPTABLE:
            rows = _u32(body, 0)
            if rows is None:
                raise _Unsafe
            position = 4
            for _ in range(rows):
                if position + 4 > len(body):
                    break  # tnefparse raises here: the file is refused, in bounded time
                position = _check_mapi(body, position, depth)
        offset += size


def _check_mapi(data: bytes, offset: int, depth: int) -> int:
    """Walk one MAPI property block as tnefparse's decode_mapi does; return where it ends."""
    count = _u32(data, offset)
    if count is None:
        raise _Unsafe
    offset += 4
    if count > (len(data) - offset) // 4 + 1:
        raise _Unsafe
    for _ in range(count):
        if offset + 4 > len(data):
            return offset
        kind, name = _u16(data, offset) or 0, _u16(data, offset + 2) or 0
        offset += 4
        if name >= 0x8000:
            offset += 16
            guid_kind = _u32(data, offset)
            if guid_kind is None:
                return offset
            offset += 4
            if guid_kind == 0:
                offset += 4
            else:
                name_length = _u32(data, offset)
                if name_length is None:
                    return offset
                offset += 4 + name_length + (-name_length % 4)
        values: int | None = None
        if kind & 0x1000:
            kind ^= 0x1000
            values = _u32(data, offset)
            if values is None:
                return offset
            offset += 4
        if kind in _FIXED_SIZES:
            size = _FIXED_SIZES[kind]
            if (values or 1) > (len(data) - offset) // size + 1:
                raise _Unsafe
            offset += size * (values or 1)
        elif kind in _VARIABLE:
            for _ in range(values or 1):
                entries = 1
                if values is None:
                    counted = _u32(data, offset)
                    if counted is None:
                        return offset
                    entries = counted
                    offset += 4
                for _ in range(entries):
                    length = _u32(data, offset)
                    if length is None:
                        return offset
                    offset += 4
                    value = data[offset : offset + length]
                    if name == _MAPI_ATTACH_DATA_OBJ and value.startswith(_IMESSAGE_SIG):
                        _check_tnef(value[len(_IMESSAGE_SIG) :], depth + 1)
                    offset += length + (-length % 4)
        else:
            return offset  # tnefparse stops the block on an unknown type
        if (values or 1) % 2 and kind in (0x0002, 0x000B):
            offset += 2
    return offset


@dataclass(frozen=True)
class TnefAttachment:
    name: str  # as written by the sender: clean it before use
    content_type: str
    content_id: str
    data: bytes


@dataclass(frozen=True)
class TnefContent:
    text: str
    html: str
    attachments: tuple[TnefAttachment, ...]


def unpack(data: bytes, defects: list[str]) -> TnefContent | None:
    """The body and attachments of a winmail.dat, or None when it cannot be read safely."""
    if not is_safe(data):
        defects.append("tnef_unreadable")
        return None
    try:
        tnef = TNEF(data, do_checksum=False)
    except Exception:
        defects.append("tnef_unreadable")
        return None
    text = _as_text(getattr(tnef, "body", None), defects)
    html = _as_text(getattr(tnef, "htmlbody", None), defects)
    if not text and not html:
        # The compressed bytes, not the `rtfbody` property: without compressed_rtf it logs a
        # warning per message and returns them anyway; they are decompressed here. tnefparse
        # strips trailing NUL bytes from binary properties; one is put back, as it does.
        rtf = getattr(tnef, "_rtfbody", None)
        if isinstance(rtf, bytes) and rtf:
            raw = rtf if rtf.lstrip().startswith(b"{\\rtf") else decompress_rtf(rtf + b"\x00")
            text = rtf_to_text(raw) if raw else ""
    attachments: list[TnefAttachment] = []
    for attachment in _all_attachments(tnef, 0):
        attachments.append(attachment)
    return TnefContent(text=text, html=html, attachments=tuple(attachments))


def _all_attachments(tnef: Any, depth: int) -> list[TnefAttachment]:
    found: list[TnefAttachment] = []
    for attachment in getattr(tnef, "attachments", [])[:1000]:
        try:
            found.append(_attachment(attachment))
        except Exception:  # one unreadable attachment does not hide the others
            found.append(TnefAttachment("attachment.bin", "", "", b""))
        embedded = getattr(attachment, "embed", None)
        if embedded is not None and depth < MAX_EMBED_DEPTH:
            found.extend(_all_attachments(embedded, depth + 1))
    return found


def _attachment(attachment: Any) -> TnefAttachment:
    props = {prop.name: prop for prop in getattr(attachment, "mapi_attrs", [])}
    name = ""
    if _MAPI_ATTACH_LONG_FILENAME in props:
        name = _as_text(props[_MAPI_ATTACH_LONG_FILENAME].data, [])
    if not name:
        name = _as_text(getattr(attachment, "_name", b""), [])
    content_type = ""
    if _MAPI_ATTACH_MIME_TAG in props:
        content_type = _as_text(props[_MAPI_ATTACH_MIME_TAG].data, []).strip().lower()
    content_id = ""
    if _MAPI_ATTACH_CONTENT_ID in props:
        content_id = _as_text(props[_MAPI_ATTACH_CONTENT_ID].data, []).strip()
    data = attachment.data if isinstance(attachment.data, bytes) else b""
    return TnefAttachment(name.strip("\x00"), content_type, content_id, data)


def _as_text(value: object, defects: list[str]) -> str:
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, bytes):
        return decode_bytes(value.rstrip(b"\x00"), None, defects)
    if isinstance(value, list | tuple):
        return "".join(_as_text(item, defects) for item in value)
    return ""


# --- compressed RTF (MS-OXRTFCP) -----------------------------------------------------------

_RTF_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    b"\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    b"\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_COMPRESSED = 0x75465A4C  # "LZFu"
_UNCOMPRESSED = 0x414C454D  # "MELA"
MAX_RTF_BYTES = 20_000_000


def decompress_rtf(data: bytes) -> bytes:
    """Decompress RTF stored by Outlook (LZFu); b"" when the data is not compressed RTF."""
    if len(data) < 16:
        return b""
    compressed_size, raw_size, kind = struct.unpack_from("<III", data, 0)
    body = data[16 : 4 + compressed_size] if compressed_size >= 12 else data[16:]
    if kind == _UNCOMPRESSED:
        return body[: min(raw_size, MAX_RTF_BYTES)]
    if kind != _COMPRESSED:
        return b""
    limit = min(raw_size, MAX_RTF_BYTES)
    window = bytearray(4096)
    window[: len(_RTF_PREBUF)] = _RTF_PREBUF
    write = len(_RTF_PREBUF)
    out = bytearray()
    position = 0
    while position < len(body) and len(out) < limit:
        control = body[position]
        position += 1
        for bit in range(8):
            if position >= len(body) or len(out) >= limit:
                break
            if control & (1 << bit):
                if position + 1 >= len(body):
                    return bytes(out)
                token = (body[position] << 8) | body[position + 1]
                position += 2
                offset, length = token >> 4, (token & 0xF) + 2
                if offset == write:
                    return bytes(out)
                for index in range(length):
                    byte = window[(offset + index) % 4096]
                    out.append(byte)
                    window[write] = byte
                    write = (write + 1) % 4096
            else:
                byte = body[position]
                position += 1
                out.append(byte)
                window[write] = byte
                write = (write + 1) % 4096
    return bytes(out)


_RTF_TOKEN = re.compile(
    rb"\\([a-zA-Z]{1,32})(-?\d{1,10})? ?|\\'([0-9a-fA-F]{2})|\\(.)|([{}])|[\r\n]+|[^\\{}\r\n]+",
    re.S,
)
_RTF_SKIP = {
    b"fonttbl",
    b"colortbl",
    b"stylesheet",
    b"info",
    b"pict",
    b"object",
    b"header",
    b"footer",
    b"listtable",
    b"listoverridetable",
    b"rsidtbl",
    b"generator",
    b"xmlnstbl",
    b"themedata",
    b"datastore",
    b"latentstyles",
}


def rtf_to_text(rtf: bytes) -> str:
    """Plain text of an RTF document: paragraphs, \\'hh bytes in the document's code page,
    \\uN characters; font tables, pictures and `{\\*…}` destinations skipped."""
    codepage = "cp1252"
    match = re.search(rb"\\ansicpg(\d{3,5})", rtf[:2000])
    if match:
        codepage = f"cp{int(match.group(1))}"
    reader = _RtfReader(codepage)
    for token in _RTF_TOKEN.finditer(rtf[:MAX_RTF_BYTES]):
        reader.read(token)
    return reader.text()


class _RtfReader:
    """Reads an RTF document one token at a time: the text so far, the bytes waiting to be
    decoded in the document's code page, and for each open group whether it is skipped and
    how many characters follow a \\uN for readers without Unicode (\\ucN)."""

    def __init__(self, codepage: str) -> None:
        self.codepage = codepage
        self.out: list[str] = []
        self.pending = bytearray()
        self.stack: list[tuple[bool, int]] = []
        self.skipping = False
        self.skip_after_unicode = 1
        self.to_skip = 0
        self.group_start = False

    def flush(self) -> None:
        if self.pending:
            self.out.append(decode_bytes(bytes(self.pending), self.codepage, []))
            self.pending.clear()

    def read(self, token: re.Match[bytes]) -> None:
        word, argument, hex_byte, symbol, brace = token.groups()
        text = token.group(0)
        if brace == b"{":
            self.stack.append((self.skipping, self.skip_after_unicode))
            self.group_start = True
            return
        if brace == b"}":
            if self.stack:
                self.skipping, self.skip_after_unicode = self.stack.pop()
            self.group_start = False
            return
        starts_group, self.group_start = self.group_start, False
        # The characters that follow a \uN, for readers without Unicode, are dropped.
        if self.to_skip and (hex_byte or (not word and not symbol and text[:1] not in b"\r\n")):
            if hex_byte:
                self.to_skip -= 1
                return
            count = min(self.to_skip, len(text))
            self.to_skip -= count
            text = text[count:]
            if not text:
                return
        if symbol == b"*":  # an ignorable destination: {\\* ...}
            self.skipping = True
        elif word is not None:
            self.control_word(word, argument, starts_group)
        elif not self.skipping:
            self.literal(hex_byte, symbol, text)

    def control_word(self, word: bytes, argument: bytes | None, starts_group: bool) -> None:
        """A control word: a destination skipped, a break, a Unicode character."""
        if starts_group and word in _RTF_SKIP:
            self.skipping = True
        if self.skipping:
            return
        if word in (b"par", b"line", b"row"):
            self.flush()
            self.out.append("\n")
        elif word == b"tab" or word == b"cell":
            self.flush()
            self.out.append("\t")
        elif word == b"uc" and argument:
            self.skip_after_unicode = max(0, int(argument))
        elif word == b"u" and argument:
            self.flush()
            code = int(argument)
            if code < 0:
                code += 65536
            self.out.append(
                chr(code) if 0 < code < 0xD800 or 0xDFFF < code < 0x110000 else "\ufffd"
            )
            self.to_skip = self.skip_after_unicode

    def literal(self, hex_byte: bytes | None, symbol: bytes | None, text: bytes) -> None:
        """Text outside a skipped group: a \\'hh byte, an escaped symbol, plain bytes."""
        if hex_byte is not None:
            self.pending.append(int(hex_byte, 16))
        elif symbol is not None:
            if symbol in (b"\\", b"{", b"}"):
                self.pending.extend(symbol)
            elif symbol == b"~":
                self.pending.extend(b"\xa0")
            elif symbol in (b"\n", b"\r"):
                self.flush()
                self.out.append("\n")
        elif text[:1] not in b"\r\n":
            self.pending.extend(text)

    def text(self) -> str:
        """The text read, once every token has been."""
        self.flush()
        result = "".join(self.out).replace("\xa0", " ")
        result = re.sub(r"[ \t]+\n", "\n", result)
        return re.sub(r"\n{3,}", "\n\n", result).strip()
