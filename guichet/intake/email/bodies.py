"""Body text and HTML of a message: text cleaned for storage, HTML as text, HTML sanitised
(with a bound on its nesting), format=flowed text joined, the charset an HTML part
declares in itself. Pure: no database, no Django."""

from __future__ import annotations

import html as html_lib
import re

from guichet.intake.email.headers import no_surrogates
from guichet.lib.html import html_to_text, sanitize_html, text_to_html

MAX_HTML_DEPTH = 1_000
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)


def sniff_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def clean_text(text: str) -> str:
    """Body text: LF line ends, no NUL or other control characters (PostgreSQL refuses NUL
    in text), no lone surrogates."""
    text = no_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_CONTROL.sub("", text)


def html_text(html: str) -> str:
    try:
        return clean_text(html_to_text(html))
    except Exception:
        return clean_text(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)))


def safe_html(html: str, text: str, defects: list[str]) -> str:
    """Sanitised HTML; HTML nested too deeply for the sanitiser (whose time grows with the
    square of the depth: 20,000 nested <div> take 0.7 s) is shown as its `text` instead."""
    if _html_depth(html) > MAX_HTML_DEPTH:
        defects.append("html_too_deep")
        return text_to_html(text)
    try:
        return sanitize_html(html.replace("\x00", ""))
    except Exception:
        defects.append("html_unreadable")
        return text_to_html(text)


_TAG = re.compile(r"<(/?)([a-zA-Z][a-zA-Z0-9]{0,15})[^>]{0,2000}?(/?)>")
# Void elements, and elements the HTML parser closes by itself, do not nest.
_FLAT_TAGS = frozenset(
    [
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "p",
        "li",
        "td",
        "th",
        "tr",
        "option",
        "dt",
        "dd",
        "tbody",
        "thead",
        "tfoot",
        "colgroup",
    ]
)


def _html_depth(html: str) -> int:
    """An upper estimate of the nesting depth of `html`, cheap when it has few tags."""
    if html.count("<") - html.count("</") <= MAX_HTML_DEPTH:
        return 0  # fewer opening tags than the limit: it cannot nest deeper
    depth = deepest = 0
    for match in _TAG.finditer(html):
        closing, name, self_closing = match.groups()
        if self_closing or name.lower() in _FLAT_TAGS:
            continue
        if closing:
            depth = max(0, depth - 1)
        else:
            depth += 1
            deepest = max(deepest, depth)
    return deepest


def unflow(text: str, *, delsp: bool = False) -> str:
    """RFC 3676 format=flowed: soft line breaks (a line ending in a space) joined,
    space-stuffing removed, quote depth kept."""
    out: list[str] = []
    paragraph: str | None = None
    paragraph_depth = 0
    for line in text.split("\n"):
        depth = len(line) - len(line.lstrip(">"))
        content = line[depth:]
        if content.startswith(" "):
            content = content[1:]
        soft = content.endswith(" ") and content.rstrip() != "--"
        if paragraph is not None and depth != paragraph_depth:
            out.append(_quote_prefix(paragraph_depth) + paragraph)
            paragraph = None
        if paragraph is None:
            paragraph, paragraph_depth = "", depth
        paragraph += content[:-1] if soft and delsp else content
        if not soft:
            out.append(_quote_prefix(depth) + paragraph)
            paragraph = None
    if paragraph is not None:
        out.append(_quote_prefix(paragraph_depth) + paragraph)
    return "\n".join(out)


def _quote_prefix(depth: int) -> str:
    return ">" * depth + " " if depth else ""
