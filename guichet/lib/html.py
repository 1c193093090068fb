"""HTML from outside (email bodies, rich-text replies) made safe to show, and plain text.

Sanitising uses nh3: no script, no event handlers, no style, no forms. Remote images
(tracking pixels) are dropped unless the caller allows them; `cid:` images (inline parts
of the same email) stay, for the viewer to map to attachment URLs.
"""

from __future__ import annotations

import html as html_lib
import re
from html.parser import HTMLParser

import nh3

_TAGS = set(nh3.ALLOWED_TAGS) - {"area", "map"}
_URL_SCHEMES = {"http", "https", "mailto", "tel", "cid"}
_CONTENT_DROPPED = {"script", "style", "title", "head", "template", "noscript"}


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

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _CONTENT_DROPPED:
            self._skip += 1
        elif tag in self._BLOCK:
            self.parts.append("\n")
        if tag == "li":
            self.parts.append("- ")

    def handle_endtag(self, tag: str) -> None:
        if tag in _CONTENT_DROPPED and self._skip:
            self._skip -= 1
        elif tag in self._BLOCK:
            self.parts.append("\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def html_to_text(value: str) -> str:
    """Readable plain text from HTML (for search, previews and text-only channels)."""
    parser = _TextExtractor()
    parser.feed(value)
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    text = re.sub(r"\n{3,}", "\n\n", text)
    return text.strip()


def text_to_html(value: str) -> str:
    """Plain text as escaped HTML paragraphs (for email bodies of agents' replies)."""
    paragraphs = re.split(r"\n{2,}", value.strip())
    return "".join(
        "<p>" + html_lib.escape(p).replace("\n", "<br>") + "</p>" for p in paragraphs if p.strip()
    )
