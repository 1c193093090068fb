"""An article's Markdown made into HTML that is safe to show on the help centre.

CommonMark (markdown-it-py) with tables and strikethrough; HTML written in the Markdown is
shown as text, never run. The result is sanitised again (nh3): headings, paragraphs,
lists, emphasis, code, quotes, tables, links and images only. A link keeps an http(s),
mailto or tel address (outside links open with rel="noopener noreferrer nofollow"); an
image keeps only an address of the help centre's own images (uploaded and checked:
`ArticleImage`), so an article cannot load a picture from elsewhere (tracking) or a script
disguised as one."""

from __future__ import annotations

import html
import re
from functools import cache

import nh3
from markdown_it import MarkdownIt

TAGS = {
    "h2",
    "h3",
    "h4",
    "p",
    "br",
    "hr",
    "strong",
    "em",
    "s",
    "code",
    "pre",
    "blockquote",
    "ul",
    "ol",
    "li",
    "a",
    "img",
    "table",
    "thead",
    "tbody",
    "tr",
    "th",
    "td",
}
ATTRIBUTES = {
    "a": {"href", "title"},
    "img": {"src", "alt", "title"},
    "th": {"align"},
    "td": {"align"},
}
URL_SCHEMES = {"http", "https", "mailto", "tel"}
# The help centre's images: /b/<brand>/help/images/<id>/<name> (and /en/b/…).
OWN_IMAGE = re.compile(r"^(/[a-z]{2})?/b/[a-z0-9-]+/help/images/\d+/[^/?#]*$")
# An article's headings start at h2 (the page's title is its h1).
_HEADING = re.compile(r"<(/?)h([1-6])>")


@cache
def _parser() -> MarkdownIt:
    return MarkdownIt("commonmark", {"html": False, "typographer": False}).enable(
        ["table", "strikethrough"]
    )


def _shift(match: re.Match[str]) -> str:
    return f"<{match.group(1)}h{min(4, int(match.group(2)) + 1)}>"


def render(body: str) -> str:
    """The article's HTML: headings from h2, nothing unsafe."""
    html = _HEADING.sub(_shift, _parser().render(body or ""))

    def keep(tag: str, attribute: str, value: str) -> str | None:
        if tag == "img" and attribute == "src":
            return value if OWN_IMAGE.match(value) else None
        return value

    return nh3.clean(
        html,
        tags=TAGS,
        attributes=ATTRIBUTES,
        url_schemes=URL_SCHEMES,
        link_rel="noopener noreferrer nofollow",
        strip_comments=True,
        attribute_filter=keep,
    )


def plain_text(body: str) -> str:
    """The article's words without the Markdown (for search and excerpts)."""
    text = nh3.clean(_parser().render(body or ""), tags=set())
    return " ".join(html.unescape(text).split())
