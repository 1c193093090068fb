"""HTML from outside (email bodies, rich-text replies) made safe to show, and plain text.

Sanitising uses nh3: no script, no event handlers, no style, no forms. Remote images
(tracking pixels) are dropped unless the caller allows them; `cid:` images (inline parts
of the same email) stay, for the viewer to map to attachment URLs.

An agent's formatted reply (the desk's editor) keeps far less: paragraphs, line breaks,
bold, italic, lists and links to absolute addresses (`sanitize_reply`); its text part is
derived from it with the links written out (`html_to_text(..., links=True)`).
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

import nh3

_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_CONTENT_DROPPED = {"script", "style", "title", "head", "template", "noscript"}
# A formatted reply: what the editor's toolbar makes (and the <div> lines a browser's
# editor writes), nothing else; no attribute but a link's address.
REPLY_TAGS = {"p", "div", "br", "b", "strong", "i", "em", "u", "ul", "ol", "li", "a"}
REPLY_URL_SCHEMES = {"http", "https", "mailto", "tel"}


def sanitize_html(value: str, *, allow_remote_images: bool = False) -> str:
    if not value:
        return ""

    def keep(tag: str, attribute: str, attr_value: str) -> str | None:
        if tag == "img" and attribute == "src":
            scheme = attr_value.split(":", 1)[0].strip().lower()
            if scheme == "cid" or (allow_remote_images and scheme in ("http", "https")):
                return attr_value
            return None
        return attr_value

    return nh3.clean(
        value,
        tags=_TAGS,
        clean_content_tags=_CONTENT_DROPPED,
        url_schemes=_URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=keep,
    )


def sanitize_reply(value: str) -> str:
    """A formatted reply kept to REPLY_TAGS: scripts, styles, event handlers, images,
    frames, and link addresses other than http(s), mailto and tel are gone (a link
    without a safe address keeps its words)."""
    if not value:
        return ""
    return nh3.clean(
        value,
        tags=REPLY_TAGS,
        clean_content_tags=_CONTENT_DROPPED | {"iframe", "object", "svg", "math"},
        attributes={"a": {"href"}},
        url_schemes=REPLY_URL_SCHEMES,
        url_relative="deny",
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
    )


class _TextExtractor(HTMLParser):
    _BLOCK = {
        "p",
        "div",
        "br",
        "li",
        "tr",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "pre",
        "hr",
    }

    def __init__(self, *, links: bool = False) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._links = links
        # The open lists, innermost last: None for a bulleted one, else the last number.
        self._lists: list[int | None] = []
        # The open links: their address and where their words start in `parts`.
        self._anchors: list[tuple[str, int]] = []
        # Just after a list item's marker: a paragraph opening there starts no new line.
        self._item_starts = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CONTENT_DROPPED:
            self._skip += 1
        elif tag == "li":
            self.parts.append("\n" + self._marker())
            self._item_starts = True
        elif tag in ("ul", "ol"):
            if not self._lists:
                self.parts.append("\n")
            self._lists.append(None if tag == "ul" else 0)
        elif tag == "div":  # a line (a browser's editor, webmail), not a paragraph
            self._line_ends()
        elif tag in self._BLOCK and not self._item_starts:
            self.parts.append("\n")
        if tag == "a":
            self._anchors.append((dict(attrs).get("href") or "", len(self.parts)))

    def _marker(self) -> str:
        """ "- " in a bulleted list (and outside any), "1. " in a numbered one, indented
        by the lists around it."""
        if not self._lists:
            return "- "
        indent = "  " * (len(self._lists) - 1)
        number = self._lists[-1]
        if number is None:
            return indent + "- "
        self._lists[-1] = number + 1
        return f"{indent}{number + 1}. "

    def handle_endtag(self, tag: str) -> None:
        if tag in _CONTENT_DROPPED and self._skip:
            self._skip -= 1
        elif tag in ("ul", "ol"):
            if self._lists:
                self._lists.pop()
            if not self._lists:
                self.parts.append("\n\n")
        elif tag == "div":
            self._line_ends()
        elif tag in self._BLOCK and tag not in ("li", "br"):
            self.parts.append("\n")
        if tag == "a" and self._anchors:
            href, start = self._anchors.pop()
            if self._links and not self._skip:
                self.parts.append(_address_after("".join(self.parts[start:]), href))

    def _line_ends(self) -> None:
        if self.parts and not self.parts[-1].endswith("\n"):
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)
            self._item_starts = self._item_starts and not data.strip()


def _address_after(words: str, href: str) -> str:
    """ " (https://…)" to follow a link's words, or nothing when the words already say it
    (a written-out address, an email address)."""
    address = href.strip()
    scheme = address.split(":", 1)[0].lower() if ":" in address else ""
    if scheme not in REPLY_URL_SCHEMES:
        return ""
    shown = address.split(":", 1)[1] if scheme in ("mailto", "tel") else address
    if " ".join(words.split()) in (address, shown):
        return ""
    return f" ({shown})"


def html_to_text(value: str, *, links: bool = False) -> str:
    """Readable plain text from HTML (for search, previews and text-only channels): a
    paragraph per block, "- " before a bulleted list's items and "1. " before a numbered
    one's. With `links`, a link's address follows its words ("our page (https://…)"), as
    the text part of an email must say it."""
    parser = _TextExtractor(links=links)
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n(?:[ \t]*\n){2,}", "\n\n", text)
    return text.strip()


def text_to_html(value: str) -> str:
    """Plain text as escaped HTML paragraphs, its web and email addresses made links (for
    the HTML part of letters and of replies written as text)."""
    from django.utils.html import urlize

    paragraphs = re.split(r"\n{2,}", value.strip())
    return "".join(
        "<p>" + urlize(p, autoescape=True).replace("\n", "<br>") + "</p>"
        for p in paragraphs
        if p.strip()
    )
