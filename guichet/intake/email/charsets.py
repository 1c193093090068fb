"""Bytes of any declared charset to text: decoded, or with U+FFFD, never an exception.

Labels follow what mail software really sends (the WHATWG Encoding Standard's reading of
them): `iso-8859-1` and `us-ascii` are read as windows-1252, whose 0x80–0x9F range (’, €, –)
Outlook writes under those labels; GB2312 as its superset GB18030; Shift_JIS as cp932.
A declared charset is trusted (guessing over a correct label double-decodes text, Zammad
#6221); the one exception is text labelled UTF-8 that holds no valid multi-byte sequence at
all, which is Latin-1 text mislabelled, not UTF-8 with a few bad bytes. Unlabelled 8-bit
text is tried as UTF-8, then windows-1252.
"""

from __future__ import annotations

import codecs
import re
from functools import lru_cache

UTF8 = "utf-8"
FALLBACK = "cp1252"

_ALIASES = {
    "iso-8859-1": FALLBACK,
    "iso8859-1": FALLBACK,
    "iso_8859-1": FALLBACK,
    "latin1": FALLBACK,
    "latin-1": FALLBACK,
    "l1": FALLBACK,
    "us-ascii": FALLBACK,
    "ascii": FALLBACK,
    "ansi_x3.4-1968": FALLBACK,
    "iso-8859-9": "cp1254",
    "latin5": "cp1254",
    "tis-620": "cp874",
    "iso-8859-11": "cp874",
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "x-gbk": "gb18030",
    "cn-gb": "gb18030",
    "euc-cn": "gb18030",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "x-sjis": "cp932",
    "ms_kanji": "cp932",
    "windows-31j": "cp932",
    "euc-kr": "cp949",
    "ks_c_5601-1987": "cp949",
    "x-mac-roman": "mac-roman",
    "macintosh": "mac-roman",
    "utf8": UTF8,
    "unicode-1-1-utf-8": UTF8,
    "x-unicode20utf8": UTF8,
}
# Python codecs that are not charsets of text in mail: some raise whatever the error
# handler ("undefined"), some interpret escapes or transform bytes.
_REFUSED = {
    "undefined",
    "unicode-escape",
    "raw-unicode-escape",
    "idna",
    "punycode",
    "palmos",
}
_VALID_UTF8_MULTIBYTE = re.compile(
    rb"[\xc2-\xdf][\x80-\xbf]|[\xe0-\xef][\x80-\xbf]{2}|[\xf0-\xf4][\x80-\xbf]{3}"
)


@lru_cache(maxsize=512)
def codec_for(label: str | None) -> str | None:
    """The Python codec for a charset label, or None when the label is absent or unknown."""
    if not label:
        return None
    label = label.strip().strip("\"'").strip().lower()
    if not label or len(label) > 64:
        return None
    label = label.split("*", 1)[0]  # RFC 2231 language suffix: utf-8*fr
    candidates = [label]
    if label.startswith("x-"):
        candidates.append(label[2:])
    candidates.append(label.replace("-", "").replace("_", ""))
    if label.startswith("windows-"):
        candidates.append("cp" + label[len("windows-") :])
    for candidate in candidates:
        if candidate in _ALIASES:
            return _ALIASES[candidate]
        try:
            info = codecs.lookup(candidate)
        except (LookupError, ValueError):
            continue
        if not getattr(info, "_is_text_encoding", True) or info.name in _REFUSED:
            return None
        if info.name == "iso8859-1" or info.name == "ascii":
            return FALLBACK
        return UTF8 if info.name == "utf-8" else info.name
    return None


def decode_bytes(data: bytes, label: str | None, defects: list[str] | None = None) -> str:
    """Text from `data` in the charset named `label`; problems are appended to `defects`."""
    if data.isascii():
        return data.decode("ascii")
    found: list[str] = [] if defects is None else defects
    codec = codec_for(label)
    if codec is None:
        found.append("unknown_charset" if label and label.strip() else "unlabelled_8bit")
        return decode_unlabelled(data)
    try:
        text = data.decode(codec)
    except UnicodeDecodeError:
        if codec == UTF8 and not _VALID_UTF8_MULTIBYTE.search(data):
            found.append("charset_mismatch")
            return data.decode(FALLBACK, "replace")
        found.append("undecodable_bytes")
        return _decode_replacing(data, codec)
    except Exception:  # a codec bug must not lose the message
        found.append("undecodable_bytes")
        return data.decode(FALLBACK, "replace")
    return text[1:] if text.startswith("\ufeff") else text


def decode_unlabelled(data: bytes) -> str:
    """Unlabelled bytes: UTF-8 when they are valid UTF-8, else line by line (a message
    pieced together from several sources mixes encodings) UTF-8 or windows-1252."""
    try:
        text = data.decode(UTF8)
    except UnicodeDecodeError:
        return "".join(_decode_line(line) for line in data.splitlines(keepends=True))
    return text[1:] if text.startswith("\ufeff") else text


def _decode_line(line: bytes) -> str:
    try:
        return line.decode(UTF8)
    except UnicodeDecodeError:
        return line.decode(FALLBACK, "replace")


def _decode_replacing(data: bytes, codec: str) -> str:
    try:
        return data.decode(codec, "replace")
    except Exception:
        return data.decode(FALLBACK, "replace")
