"""Header fields decoded tolerantly: RFC 2047 words, RFC 2231 parameters, addresses, ids, dates.

Values arrive as the parser keeps them (compat32): folded, with 8-bit bytes carried as
surrogate escapes. Every function here takes such a value and returns clean text; none
raises. Problems are appended to a `defects` list.
"""

from __future__ import annotations

import binascii
import functools
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import getaddresses, parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from guichet.intake.email.charsets import decode_bytes, decode_unlabelled

MAX_HEADER_CHARS = 32_768
MAX_ADDRESSES = 500
MAX_IDS = 500


@dataclass(frozen=True)
class Address:
    name: str
    address: str


# Control characters (C0, DEL, C1), line and paragraph separators, and bidirectional
# overrides that can disguise a file name ("invoice\u202efdp.exe") or a sender.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_SPACES = re.compile(r"\s+")
_FOLD = re.compile(r"\r\n|\r|\n")
_ENCODED_WORD = re.compile(r"=\?([^?\s]{1,64})\?([bBqQ])\?([^?]*?)\?=")
_BLANK = re.compile(r"\s*")
_QP_ESCAPE = re.compile(rb"=([0-9A-Fa-f]{2})")


def raw_bytes(value: str) -> bytes:
    """The bytes of a header value as received (8-bit bytes were surrogate-escaped)."""
    try:
        return value.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:  # a surrogate that is no escaped byte
        return value.encode("utf-8", "replace")


def unfold(value: str) -> str:
    return _FOLD.sub("", value)


def no_surrogates(value: str) -> str:
    """Text that encodes to UTF-8: stray surrogates become U+FFFD."""
    return _SURROGATE.sub("\ufffd", value) if _SURROGATE.search(value) else value


def clean_line(value: str) -> str:
    """One line of text for display: controls become spaces, runs of space collapse."""
    value = no_surrogates(value)
    return _SPACES.sub(" ", _CONTROL.sub(" ", value)).strip()


def decode_8bit(value: str, defects: list[str] | None = None) -> str:
    """A header value with raw 8-bit bytes (surrogate escapes): UTF-8, else windows-1252."""
    if not _SURROGATE.search(value):
        return value
    if defects is not None:
        defects.append("raw_8bit_header")
    return decode_unlabelled(raw_bytes(value))


def _decode_word(encoding: str, payload: str, defects: list[str]) -> bytes | None:
    try:
        data = payload.encode("ascii")
    except UnicodeEncodeError:
        data = payload.encode("utf-8", "surrogateescape")
    if encoding in "bB":
        data = re.sub(rb"[^A-Za-z0-9+/]", b"", data)
        if len(data) % 4 == 1:
            data = data[:-1]
            defects.append("bad_encoded_word")
        data += b"=" * (-len(data) % 4)
        try:
            return binascii.a2b_base64(data)
        except (binascii.Error, ValueError):
            defects.append("bad_encoded_word")
            return None
    return _QP_ESCAPE.sub(lambda m: bytes([int(m.group(1), 16)]), data.replace(b"_", b" "))


def decode_words(value: str, defects: list[str] | None = None) -> str:
    """RFC 2047 encoded words decoded, wherever they are (also inside quoted strings and
    parameters, where real clients put them). Adjacent words of one charset are joined
    before decoding, so a character split across two words survives."""
    found: list[str] = [] if defects is None else defects
    if "=?" not in value:
        return decode_8bit(value, found)
    pieces: list[str] = []
    pending = b""
    pending_charset = ""
    position = 0
    after_word = False

    def flush() -> None:
        nonlocal pending, pending_charset
        if pending_charset:
            pieces.append(decode_bytes(pending, pending_charset, found))
        pending, pending_charset = b"", ""

    for match in _ENCODED_WORD.finditer(value):
        between = value[position : match.start()]
        position = match.end()
        decoded = _decode_word(match.group(2), match.group(3), found)
        if decoded is None:
            flush()
            pieces.append(decode_8bit(between, found) + match.group(0))
            after_word = False
            continue
        if between and not (after_word and _BLANK.fullmatch(between)):
            flush()  # text between words is kept; whitespace between two words is not
            pieces.append(decode_8bit(between, found))
        charset = match.group(1).split("*", 1)[0].lower()
        if charset != pending_charset:
            flush()
            pending_charset = charset
        pending += decoded
        after_word = True
    flush()
    pieces.append(decode_8bit(value[position:], found))
    return "".join(pieces)


def header_text(value: str, defects: list[str] | None = None) -> str:
    """A free-text header (Subject): unfolded, decoded, one clean line."""
    return clean_line(decode_words(unfold(value[:MAX_HEADER_CHARS]), defects))


# --- parameters (Content-Type, Content-Disposition) -------------------------------------

_PARAM = re.compile(
    r"""\s*([^\s=;"]+)\s*=\s*("(?:[^"\\]|\\.)*"?|[^;]*)[^;]*(?:;|$)|\s*[^;]*(?:;|$)""", re.S
)


@dataclass(frozen=True)
class ContentHeader:
    value: str  # the part before the first ";", lower-case
    params: dict[str, str]  # decoded (RFC 2231 and RFC 2047), names lower-case


def parse_content_header(value: str | None, defects: list[str] | None = None) -> ContentHeader:
    """`type/subtype; name=value; name*0*=utf-8''…` with RFC 2231 continuations and charsets."""
    if not value:
        return ContentHeader("", {})
    found: list[str] = [] if defects is None else defects
    value = unfold(value[:MAX_HEADER_CHARS])
    head, _, rest = value.partition(";")
    simple: dict[str, str] = {}
    extended: dict[str, dict[int, tuple[str, bool]]] = {}
    single_extended: dict[str, str] = {}
    for match in _PARAM.finditer(rest):
        name = match.group(1)
        if not name:
            continue
        raw = match.group(2).strip()
        if raw.startswith('"'):
            raw = re.sub(
                r"\\(.)", r"\1", raw[1:-1] if raw.endswith('"') and len(raw) > 1 else raw[1:]
            )
        name = name.lower()
        section = re.fullmatch(r"([^*]+)\*(\d{1,3})(\*?)", name)
        if section:
            parts = extended.setdefault(section.group(1), {})
            parts.setdefault(int(section.group(2)), (raw, bool(section.group(3))))
        elif name.endswith("*"):
            single_extended.setdefault(name[:-1], raw)
        else:
            simple.setdefault(name, raw)
    params = {name: decode_words(text, found) for name, text in simple.items()}
    for name, text in single_extended.items():
        params[name] = _rfc2231_value([(text, True)], found)
    for name, parts in extended.items():
        params[name] = _rfc2231_value([parts[k] for k in sorted(parts)], found)
    return ContentHeader(decode_8bit(head, found).strip().lower(), params)


def _rfc2231_value(sections: list[tuple[str, bool]], defects: list[str]) -> str:
    """Join RFC 2231 sections; the first encoded one names charset'language'."""
    charset = ""
    data = b""
    for index, (text, encoded) in enumerate(sections):
        if encoded:
            if index == 0 and text.count("'") >= 2:
                charset, _, text = text.split("'", 2)
            data += unquote_to_bytes(raw_bytes(text))
        else:
            data += raw_bytes(text)
    return decode_words(decode_bytes(data, charset or "utf-8", defects), defects)


# --- addresses ---------------------------------------------------------------------------

_ANGLE_ADDRESS = re.compile(r"<\s*([^<>@\s]+@[^<>@\s]+)\s*>")
# One plain mailbox, the usual case, read without the (slow) general parser: a display
# name without specials or a quoted one without escapes, and a dot-atom address.
_ATOM_ADDRESS = r"([A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*)"
_SIMPLE_MAILBOX = re.compile(
    rf"""\s*(?:([^"<>,;:@\\()\[\]]*?)|"([^"\\]*)")\s*<{_ATOM_ADDRESS}>\s*|\s*{_ATOM_ADDRESS}\s*"""
)


def clean_address(value: str) -> str:
    """An addr-spec: no spaces or controls, domain in lower case."""
    value = _SPACES.sub("", _CONTROL.sub("", no_surrogates(value))).strip("<>")
    local, at, domain = value.rpartition("@")
    return f"{local}@{domain.lower()}" if at else value


def clean_name(value: str, defects: list[str] | None = None) -> str:
    name = clean_line(unicodedata.normalize("NFC", decode_words(value, defects)))
    return name.strip("\"' ")


def parse_addresses(
    values: Iterable[str], defects: list[str] | None = None, *, field: str = "address"
) -> tuple[Address, ...]:
    """Mailboxes of address headers, parsed strictly (a crafted header never yields the
    wrong addr-spec: Python's CVE-2023-27043 fix), with two tolerances for what real
    clients send: `name@x <name@x>` (one angle address, taken as the address), and
    `Lefèvre, Hélène <h@x>` (the unquoted comma rejoined into the display name)."""
    found: list[str] = [] if defects is None else defects
    result: list[Address] = []
    for raw_value in values:
        value = unfold(raw_value[:MAX_HEADER_CHARS])
        if not value.strip():
            continue
        # Encoded words may hold specials (":", ",", "<") that real mailers leave unencoded;
        # they are set aside so that only the header's own structure decides the address.
        words: list[str] = []
        if "=?" in value:
            value = _ENCODED_WORD.sub(functools.partial(_hide, words), value)
        simple = _SIMPLE_MAILBOX.fullmatch(value)
        if simple:
            name = simple.group(1) or simple.group(2) or ""
            address = simple.group(3) or simple.group(4)
            result.append(
                Address(clean_name(_show(words, name.strip()), found), clean_address(address))
            )
            continue
        try:
            pairs = getaddresses([value], strict=True)
        except Exception:
            pairs = [("", "")]
        if pairs == [("", "")]:
            angles = _ANGLE_ADDRESS.findall(value)
            if len(angles) == 1:
                name = value[: value.find("<")]
                pairs = [(name, angles[0])]
                found.append(f"lenient_{field}")
            elif value.strip() not in ("<>", "") and not value.rstrip().endswith(";"):
                found.append(f"unparseable_{field}")
                continue
        pending_name = ""
        for name, address in pairs:
            if not address:
                continue
            if "@" not in address and not name and address.count(" ") == 0 and len(pairs) > 1:
                pending_name = f"{pending_name} {address}".strip()
                continue
            display = f"{pending_name}, {name}" if pending_name and name else name or pending_name
            pending_name = ""
            cleaned = clean_address(decode_8bit(_show(words, address)))
            if cleaned:
                result.append(Address(clean_name(_show(words, display), found), cleaned))
            if len(result) >= MAX_ADDRESSES:
                found.append(f"too_many_{field}")
                return tuple(result)
    return tuple(result)


def _hide(words: list[str], match: re.Match[str]) -> str:
    words.append(match.group(0))
    return f"\ue000{len(words) - 1}\ue001"


_HIDDEN = re.compile("\ue000(\\d+)\ue001")


def _show(words: list[str], value: str) -> str:
    if not words:
        return value
    return _HIDDEN.sub(
        lambda m: words[int(m.group(1))] if int(m.group(1)) < len(words) else "", value
    )


# --- message ids -------------------------------------------------------------------------

_COMMENT = re.compile(r"\([^()]*\)")
_ANGLE_ID = re.compile(r"<([^<>]{1,1000})>")


def clean_message_id(value: str) -> str:
    return _SPACES.sub("", _CONTROL.sub("", no_surrogates(value))).strip("<>")[:998]


def parse_message_ids(value: str | None) -> tuple[str, ...]:
    """All ids in an In-Reply-To or References value, without <>, in order, once each.
    Comments and junk between ids are ignored; ids written without <> are accepted when
    nothing is bracketed."""
    if not value:
        return ()
    value = unfold(value)
    for _ in range(3):
        value = _COMMENT.sub(" ", value)
    found = _ANGLE_ID.findall(value) or [
        token.strip(",;") for token in value.split() if "@" in token
    ]
    ids: list[str] = []
    seen: set[str] = set()
    for raw_id in found:
        cleaned = clean_message_id(raw_id)
        if cleaned and cleaned not in seen:
            seen.add(cleaned)
            ids.append(cleaned)
    if len(ids) > MAX_IDS:  # keep the root of the thread and the most recent ids
        ids = ids[:1] + ids[-(MAX_IDS - 1) :]
    return tuple(ids)


def parse_message_id(value: str | None) -> str:
    ids = parse_message_ids(value)
    if ids:
        return ids[0]
    return clean_message_id(unfold(value or "").strip().split(" ")[0]) if value else ""


# --- dates ---------------------------------------------------------------------------------


def parse_date(value: str | None) -> datetime | None:
    """An aware datetime (UTC when the zone is unknown), or None when unreadable."""
    if not value:
        return None
    text = clean_line(decode_8bit(unfold(value[:1000])))
    try:
        parsed = parsedate_to_datetime(text)
    except Exception:
        return None
    if parsed is None:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    try:
        parsed.astimezone(UTC)  # out-of-range offsets at the ends of the calendar
    except (OverflowError, ValueError):
        return None
    return parsed
