"""The bounds on a parse's effort (`Limits`), the reasons an attachment is withheld, and
the limit applied before parsing: `limit_structure` relabels containers nested too deep
and cuts the bytes after too many parts, so that FeedParser (which recurses once per level)
never sees them. Pure: no database, no Django."""

from __future__ import annotations

import re
from dataclasses import dataclass

from guichet.intake.email.headers import ContentHeader, parse_content_header

# Why an attachment is withheld (ParsedAttachment.withheld_reason).
TOO_LARGE = "too_large"
TOTAL_TOO_LARGE = "total_too_large"
TOO_MANY_PARTS = "too_many_parts"
TOO_DEEP = "too_deep"


@dataclass(frozen=True)
class Limits:
    attachment: int
    total: int
    parts: int
    depth: int


TOO_DEEP_TYPE = b"application/x-guichet-too-deep"
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")


def limit_structure(raw: bytes, limits: Limits, defects: list[str]) -> bytes:
    """Relabel containers nested deeper than `limits.depth` as opaque parts and cut the
    bytes after 5 × `limits.parts` parts, so that FeedParser's effort stays bounded.
    Only run when cheap counts say the message could exceed a limit."""
    lowered = raw.lower()
    containers = lowered.count(b"multipart/") * 2 + lowered.count(b"message/")
    delimiters = raw.count(b"\n--")
    hard_parts = limits.parts * 5
    if containers <= limits.depth and delimiters <= hard_parts:
        return raw
    lines = raw.split(b"\n")
    out: list[bytes] = []
    if lines and lines[0].startswith(b"From "):  # an mbox separator line
        out.append(lines.pop(0))
    stack: list[tuple[bytes, str]] = []  # (boundary or b"", container type)
    in_headers = True
    block: list[bytes] = []
    parts = 0
    relabelled = False

    def close_headers() -> None:
        nonlocal in_headers, relabelled
        in_headers = False
        content = _block_content_type(block)
        if not content.value and stack and stack[-1][1] == "multipart/digest":
            content = ContentHeader("message/rfc822", {})
            implicit = True
        else:
            implicit = False
        kind = content.value
        nested = kind.startswith("message/") and kind != "message/delivery-status"
        boundary = content.params.get("boundary", "").encode("utf-8", "surrogateescape")
        container = (kind.startswith("multipart/") and bool(boundary)) or nested
        if container and len(stack) >= limits.depth:
            relabelled = True
            if implicit:
                out.append(b"Content-Type: " + TOO_DEEP_TYPE + b"\r")
            out.extend(_relabelled(block))
        else:
            out.extend(block)
            if container:
                stack.append((boundary if not nested else b"", kind))
                in_headers = nested
        block.clear()

    for line in lines:
        stripped = line.rstrip(b"\r")
        if stripped.startswith(b"--") and stack:
            matched = _matching_boundary(stripped, stack)
            if matched is not None:
                index, closing = matched
                if in_headers:
                    out.extend(block)
                    block.clear()
                del stack[index + (1 if not closing else 0) :]
                out.append(line)
                if closing:
                    in_headers = False
                    continue
                parts += 1
                if parts > hard_parts:
                    out.pop()
                    defects.append(TOO_MANY_PARTS)
                    break
                in_headers = True
                continue
        if in_headers:
            if stripped == b"" or not (_HEADER_LINE.match(stripped) or stripped[:1] in b" \t"):
                close_headers()
                out.append(line)
            else:
                block.append(line)
            continue
        out.append(line)
    else:
        if in_headers:
            out.extend(block)
    if relabelled:
        defects.append(TOO_DEEP)
    return b"\n".join(out)


def _matching_boundary(line: bytes, stack: list[tuple[bytes, str]]) -> tuple[int, bool] | None:
    for index in range(len(stack) - 1, -1, -1):
        boundary = stack[index][0]
        if not boundary:
            continue
        delimiter = b"--" + boundary
        if line.startswith(delimiter):
            rest = line[len(delimiter) :]
            closing = rest.startswith(b"--")
            if closing:
                rest = rest[2:]
            if not rest.strip(b" \t"):
                return index, closing
    return None


def _block_content_type(block: list[bytes]) -> ContentHeader:
    value: bytes | None = None
    for line in block:
        if value is not None and line[:1] in b" \t":
            value += line
            continue
        if value is not None:
            break
        if line[:13].lower() == b"content-type:":
            value = line[13:]
    if value is None:
        return ContentHeader("", {})
    return parse_content_header(value.decode("utf-8", "surrogateescape"))


def _relabelled(block: list[bytes]) -> list[bytes]:
    result: list[bytes] = []
    skipping = False
    for line in block:
        if skipping and line[:1] in b" \t":
            continue
        skipping = line[:13].lower() == b"content-type:"
        result.append(b"Content-Type: " + TOO_DEEP_TYPE + b"\r" if skipping else line)
    return result
