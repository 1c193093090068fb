"""One raw email (bytes) → one normalised `ParsedEmail`. Never raises, for any bytes.

Why compat32 and not `policy.default` (measured on Python 3.13): both policies share one
MIME parser (`FeedParser`), but `policy.default` reads headers with the RFC 5322 header
registry and bodies with the content manager, and
- raises on the hostile corpus: `LookupError` on a bogus charset (`get_content`),
  `ValueError` on an encoded CR/LF in a display name, `KeyError` in `get_body` on deep
  nesting (3 of its 90 files);
- is pathological on large headers: a 1 MB Subject of words takes 16 s, a To of 100,000
  addresses 18 s, 100,000 sibling parts 16 s (compat32: 0.06 s, 0.9 s, 1.4 s);
- is 7 times slower on ordinary mail (make_corpus, 1,000 messages: 709 messages/s for
  parsing and reading headers, body and attachments, against 4,900/s for all of this
  module on compat32).
compat32 keeps header values raw (8-bit bytes as surrogate escapes) and `headers.py`
decodes them tolerantly: RFC 2047 words anywhere, RFC 2231 parameters, addresses with the
strict `getaddresses` (CVE-2023-27043), unknown charsets. Payloads are read raw and decoded
here too (`get_payload()` would re-decode 8-bit text with the declared charset).

Effort is bounded:
- nesting deeper than `max_depth` (multipart or message/rfc822) is cut: FeedParser recurses
  once per level and a "MIME of death" of 1,000 levels raises RecursionError in it, so when
  the raw bytes announce more containers than `max_depth`, the levels below are relabelled
  as one opaque part before parsing (`_limit_structure`), listed withheld ("too_deep");
- at most `max_parts` parts are read; the attachments of further parts are listed withheld
  ("too_many_parts"), and bytes beyond 5 × `max_parts` parts are not parsed at all;
- an attachment larger than `max_attachment_bytes` is never decoded (its size is computed
  from its encoded length) and is listed withheld ("too_large"); once the kept attachments
  reach `max_total_attachment_bytes`, the next ones are withheld ("total_too_large");
- body text is capped at 2,000,000 characters per part ("text_truncated").

Whatever fails inside is recorded in `defects`; if the whole parse fails, the headers and
the raw body as text are still returned ("mime_unparseable"), and as a last resort the raw
bytes as text ("parser_failure").
"""

from __future__ import annotations

import binascii
import html as html_lib
import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from urllib.parse import unquote

from guichet.intake.email import robots
from guichet.intake.email.charsets import decode_bytes, decode_unlabelled
from guichet.intake.email.headers import (
    MAX_HEADER_CHARS,
    Address,
    ContentHeader,
    clean_address,
    clean_line,
    decode_8bit,
    header_text,
    no_surrogates,
    parse_addresses,
    parse_content_header,
    parse_date,
    parse_message_id,
    parse_message_ids,
    unfold,
)
from guichet.intake.email.ical import calendar_to_text
from guichet.intake.email.quoting import split_quoted
from guichet.intake.email.robots import BounceInfo
from guichet.intake.email.tnef import unpack as unpack_tnef
from guichet.lib.html import html_to_text, sanitize_html, text_to_html

__all__ = ["Address", "BounceInfo", "ParsedAttachment", "ParsedEmail", "parse_email"]

MAX_TEXT_CHARS = 2_000_000
MAX_SUBJECT_CHARS = 2_000
MAX_HTML_DEPTH = 1_000
MAX_FILENAME_CHARS = 200
FORWARDED_MARKER = "---------- Forwarded message ---------"

TOO_LARGE = "too_large"
TOTAL_TOO_LARGE = "total_too_large"
TOO_MANY_PARTS = "too_many_parts"
TOO_DEEP = "too_deep"


@dataclass(frozen=True)
class ParsedAttachment:
    filename: str  # decoded, no path separators or control characters, never empty
    content_type: str  # as declared (lower-case type/subtype): never trust it
    data: bytes | None  # None when withheld
    size: int  # decoded size in bytes (estimated from the encoded size when withheld)
    content_id: str  # without <>, for cid: images
    inline: bool
    withheld_reason: str  # "", TOO_LARGE, TOTAL_TOO_LARGE, TOO_MANY_PARTS, TOO_DEEP


@dataclass(frozen=True)
class ParsedEmail:
    """Every text field is valid UTF-8 without NUL; single-line fields have no CR/LF."""

    message_id: str  # without <>, "" when missing or empty
    in_reply_to: tuple[str, ...]  # every id found, without <>
    references: tuple[str, ...]  # in order, once each; at most 500 (root + latest)
    subject: str  # decoded, unfolded, control characters removed
    sender: Address | None  # the first mailbox of From; None when missing or unparseable
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    return_path: str | None  # None: no header; "": the null path <>
    date: datetime | None  # aware (UTC when the zone is unknown)
    text: str  # the whole body as plain text (text/plain, else from HTML), LF line ends
    new_text: str  # text without quoted history and signature; never empty if text is not
    quoted_text: str  # what was folded away from new_text
    html: str  # sanitised; "" when the message has no HTML part
    attachments: tuple[ParsedAttachment, ...]
    calendar_text: str  # text/calendar parts as readable text
    robot: str  # "" for a person, else why not (see robots.py)
    is_auto_reply: bool  # out-of-office or vacation reply
    bounce: BounceInfo | None  # a delivery report (RFC 3464, or a plain-text bounce)
    defects: tuple[str, ...]  # what was wrong but survived, snake_case, once each
    size: int  # of the raw bytes


def parse_email(
    raw: bytes,
    *,
    max_attachment_bytes: int = 25 * 1024 * 1024,
    max_total_attachment_bytes: int = 50 * 1024 * 1024,
    max_parts: int = 200,
    max_depth: int = 32,
) -> ParsedEmail:
    """Parse `raw` (the bytes of one message as received). Never raises."""
    try:
        data = raw if isinstance(raw, bytes) else bytes(raw)
    except Exception:
        data = b""
    try:
        limits = _Limits(
            attachment=max(0, int(max_attachment_bytes)),
            total=max(0, int(max_total_attachment_bytes)),
            parts=max(1, int(max_parts)),
            depth=max(1, min(int(max_depth), 100)),
        )
        return _Parser(data, limits).parse()
    except Exception:
        return _last_resort(data)


@dataclass(frozen=True)
class _Limits:
    attachment: int
    total: int
    parts: int
    depth: int


@dataclass
class _Unit:
    """One piece of body: a text/plain and/or text/html (alternatives), or a forwarded
    message rendered under its headers."""

    plain: str = ""
    html: str = ""
    forwarded: str = ""  # "From: …\nDate: …" of a forwarded message; its text in plain/html


@dataclass
class _Draft:
    filename: str
    content_type: str
    data: bytes | None
    size: int
    content_id: str
    inline: bool
    withheld_reason: str
    location: str = ""


@dataclass
class _Collected:
    units: list[_Unit] = field(default_factory=list)


class _Parser:
    def __init__(self, raw: bytes, limits: _Limits) -> None:
        self.raw = raw
        self.limits = limits
        self.defects: list[str] = []
        self.attachments: list[_Draft] = []
        self.calendars: list[str] = []
        self.tnef_bodies: list[_Unit] = []
        self.kept_bytes = 0
        self.parts_seen = 0
        self.report_blocks: list[dict[str, list[str]]] = []
        self.returned_ids: list[str] = []
        self.report_type = ""

    # --- top level ---------------------------------------------------------------------

    def parse(self) -> ParsedEmail:
        message = self._parse_mime()
        headers = _header_map(message)
        self._check_duplicates(headers)
        top = self._content_header(message, "content-type")
        if top.value == "multipart/report":
            self.report_type = top.params.get("report-type", "").strip().lower() or "unknown"
        body = _Collected()
        self._walk(message, 0, body, parent="")
        return self._assemble(headers, body)

    def _parse_mime(self) -> Message:
        data = _limit_structure(self.raw, self.limits, self.defects)
        try:
            return BytesParser(policy=compat32).parsebytes(data)
        except RecursionError:
            self.defects.append(TOO_DEEP)
        except Exception as error:
            self.defects.append("mime_error_" + type(error).__name__.lower())
        self.defects.append("mime_unparseable")
        return BytesParser(policy=compat32).parsebytes(self.raw, headersonly=True)

    def _check_duplicates(self, headers: dict[str, list[str]]) -> None:
        for name in ("from", "subject", "date", "message-id", "in-reply-to", "references"):
            if len(headers.get(name, ())) > 1:
                self.defects.append("duplicate_" + name.replace("-", "_"))

    # --- the MIME tree -----------------------------------------------------------------

    def _content_header(self, part: Message, name: str) -> ContentHeader:
        values = [value for key, value in part.raw_items() if key.lower() == name]
        return parse_content_header(values[0] if values else None, self.defects)

    def _walk(self, part: Message, depth: int, into: _Collected, *, parent: str) -> None:
        self.parts_seen += 1
        self._record_defects(part)
        content = self._content_header(part, "content-type")
        ctype = _valid_type(content.value)
        if not ctype:
            ctype = "message/rfc822" if parent == "multipart/digest" else "text/plain"
        payload = part.get_payload()
        if ctype == _TOO_DEEP_TYPE.decode():  # relabelled by _limit_structure
            self.attachments.append(
                _Draft("attachment.bin", ctype, None, _encoded_size(part), "", False, TOO_DEEP)
            )
            return
        if self.parts_seen > self.limits.parts or depth > self.limits.depth:
            reason = TOO_MANY_PARTS if self.parts_seen > self.limits.parts else TOO_DEEP
            self.defects.append(reason)
            self._withhold_tree(part, ctype, content, reason)
            return
        maintype = ctype.split("/", 1)[0]
        if maintype == "multipart" and not isinstance(payload, list):
            ctype, maintype = "text/plain", "text"  # no boundary: RFC 2046 says read it as text
        children = (
            [c for c in payload if isinstance(c, Message)] if isinstance(payload, list) else []
        )
        if ctype in _FORWARDED_TYPES and _transfer_encoding(part) in _ENCODED:
            inner = self._encoded_message(part, children, depth)
            if inner is not None:
                self._walk_message(inner, depth, into)
                return
        if maintype == "multipart" and isinstance(payload, list):
            self._walk_multipart(part, ctype, content, children, depth, into)
        elif ctype == "message/delivery-status" and isinstance(payload, list):
            if self.report_type:
                self.report_blocks.extend(_header_map(block) for block in children[:100])
        elif ctype in _FORWARDED_TYPES and children:
            self._walk_message(children[0], depth, into)
        elif maintype == "message" and children:
            pass  # machine metadata of a report (read receipt, abuse feedback): not shown
        else:
            self._leaf(part, ctype, content, into)

    def _encoded_message(
        self, part: Message, children: list[Message], depth: int
    ) -> Message | None:
        """A message/rfc822 sent base64 or quoted-printable (not allowed, yet sent):
        FeedParser reads the encoded text as a message without headers; it is decoded and
        parsed here."""
        source = part
        if children:
            if children[0].keys():
                return None  # it has headers: it was not encoded after all
            source = children[0]
        if _encoded_size(source, _transfer_encoding(part)) > self.limits.attachment:
            return None
        data = _decode_transfer(_raw_payload(source), _transfer_encoding(part), self.defects)
        remaining = _Limits(
            self.limits.attachment,
            self.limits.total,
            self.limits.parts,
            max(1, self.limits.depth - depth),
        )
        try:
            return BytesParser(policy=compat32).parsebytes(
                _limit_structure(data, remaining, self.defects)
            )
        except Exception:
            self.defects.append("mime_unparseable")
            return None

    def _walk_multipart(
        self,
        part: Message,
        ctype: str,
        content: ContentHeader,
        children: list[Message],
        depth: int,
        into: _Collected,
    ) -> None:
        if ctype == "multipart/alternative":
            # One unit: the last (richest) text/plain and the last text/html. Attachments
            # and calendars of every alternative are kept.
            choice = _Unit()
            for child in children:
                collected = _Collected()
                self._walk(child, depth + 1, collected, parent=ctype)
                for unit in collected.units:
                    if unit.forwarded:
                        into.units.append(unit)
                        continue
                    if unit.plain.strip():
                        choice.plain = unit.plain
                    if unit.html.strip():
                        choice.html = unit.html
            into.units.append(choice)
            return
        for child in children:
            self._walk(child, depth + 1, into, parent=ctype)

    def _walk_message(self, inner: Message, depth: int, into: _Collected) -> None:
        """A message/rfc822 part: its text becomes a forwarded section, its attachments
        are listed, its Message-ID is remembered (a returned message in a bounce)."""
        headers = _header_map(inner)
        message_id = parse_message_id(_first(headers, "message-id"))
        if message_id:
            self.returned_ids.append(message_id)
        lines = []
        for name, label in (("from", "From"), ("date", "Date"), ("subject", "Subject")):
            value = _first(headers, name)
            if value:
                lines.append(f"{label}: {header_text(value)}")
        for name, label in (("to", "To"), ("cc", "Cc")):
            addresses = parse_addresses(headers.get(name, []), [], field=name)
            if addresses:
                lines.append(f"{label}: " + ", ".join(_format_address(a) for a in addresses))
        collected = _Collected()
        self._walk(inner, depth + 1, collected, parent="message/rfc822")
        texts = [text for text in (_unit_text(unit) for unit in collected.units) if text.strip()]
        html = (
            "".join(_unit_html(unit) for unit in collected.units)
            if any(unit.html for unit in collected.units)
            else ""
        )
        if lines or texts or html:
            into.units.append(
                _Unit(plain="\n\n".join(texts), html=html, forwarded="\n".join(lines) or " ")
            )

    def _leaf(self, part: Message, ctype: str, content: ContentHeader, into: _Collected) -> None:
        disposition = self._content_header(part, "content-disposition")
        filename = disposition.params.get("filename") or content.params.get("name") or ""
        as_attachment = disposition.value == "attachment" or (
            bool(filename.strip()) and disposition.value != "inline"
        )
        if ctype == "text/rfc822-headers":
            headers = BytesParser(policy=compat32).parsebytes(
                _payload_bytes(part, self.defects)[: MAX_HEADER_CHARS * 4], headersonly=True
            )
            message_id = parse_message_id(_first(_header_map(headers), "message-id"))
            if message_id:
                self.returned_ids.append(message_id)
            return
        if ctype in ("text/calendar", "application/ics") or filename.lower().endswith(".ics"):
            self._calendar(part, content, filename, disposition)
            return
        is_tnef = ctype == "application/ms-tnef" or filename.strip().lower() == "winmail.dat"
        if is_tnef and self._tnef(part, ctype, content, filename, disposition):
            return
        if ctype == "text/x-amp-html":
            return  # Gmail's AMP copy of the HTML alternative: a script-driven duplicate
        if ctype in _BODY_TYPES and not as_attachment:
            data = _payload_bytes(part, self.defects)
            charset = content.params.get("charset")
            if ctype == "text/html":
                if not charset:
                    charset = _sniff_html_charset(data)
                into.units.append(_Unit(html=self._text(data, charset)))
            else:
                text = self._text(data, charset)
                if content.params.get("format", "").lower() == "flowed":
                    text = unflow(text, delsp=content.params.get("delsp", "").lower() == "yes")
                into.units.append(_Unit(plain=text))
            return
        self._attach(part, ctype, content, disposition, filename)

    def _text(self, data: bytes, charset: str | None) -> str:
        text = decode_bytes(data, charset, self.defects)
        if len(text) > MAX_TEXT_CHARS:
            self.defects.append("text_truncated")
            text = text[:MAX_TEXT_CHARS]
        return clean_text(text)

    # --- attachments -----------------------------------------------------------------------

    def _attach(
        self,
        part: Message,
        ctype: str,
        content: ContentHeader,
        disposition: ContentHeader,
        filename: str,
    ) -> _Draft:
        content_id = _content_id(part)
        location = _first_raw(part, "content-location")
        size = _encoded_size(part)
        draft = _Draft(
            filename=clean_filename(filename, ctype),
            content_type=ctype,
            data=None,
            size=size,
            content_id=content_id,
            inline=False,  # set when the HTML body shows it (_map_inline_images)
            withheld_reason="",
            location=clean_line(decode_8bit(unfold(location)))[:1000] if location else "",
        )
        if size > self.limits.attachment:
            draft.withheld_reason = TOO_LARGE
            self.defects.append("attachment_too_large")
        else:
            self._keep(draft, _payload_bytes(part, self.defects))
        self.attachments.append(draft)
        return draft

    def _keep(self, draft: _Draft, data: bytes) -> None:
        draft.size = len(data)
        if draft.size > self.limits.attachment:
            draft.withheld_reason = TOO_LARGE
            self.defects.append("attachment_too_large")
        elif self.kept_bytes + draft.size > self.limits.total:
            draft.withheld_reason = TOTAL_TOO_LARGE
            self.defects.append("attachments_total_too_large")
        else:
            self.kept_bytes += draft.size
            draft.data = data

    def _withhold_tree(
        self, part: Message, ctype: str, content: ContentHeader, reason: str
    ) -> None:
        """List what a part beyond the limits holds, without reading it."""
        stack = [(part, ctype, content)]
        listed = 0
        while stack and listed < 1000:
            current, current_type, current_content = stack.pop()
            payload = current.get_payload()
            if isinstance(payload, list):
                for child in reversed(payload[:1000]):
                    if isinstance(child, Message):
                        child_content = self._content_header(child, "content-type")
                        stack.append(
                            (child, _valid_type(child_content.value) or "text/plain", child_content)
                        )
                continue
            disposition = self._content_header(current, "content-disposition")
            filename = disposition.params.get("filename") or current_content.params.get("name")
            if not filename and disposition.value != "attachment":
                if current_type.startswith("text/"):
                    self.defects.append("body_part_withheld")
                continue
            self.attachments.append(
                _Draft(
                    filename=clean_filename(filename or "", current_type),
                    content_type=current_type,
                    data=None,
                    size=_encoded_size(current),
                    content_id=_content_id(current),
                    inline=False,
                    withheld_reason=reason,
                )
            )
            listed += 1

    def _calendar(
        self, part: Message, content: ContentHeader, filename: str, disposition: ContentHeader
    ) -> None:
        data = _payload_bytes(part, self.defects)
        rendered = ""
        if len(data) <= 5_000_000:
            try:
                rendered = calendar_to_text(decode_bytes(data, content.params.get("charset")))
            except Exception:
                self.defects.append("calendar_unreadable")
        if rendered:
            self.calendars.append(clean_text(rendered))
        self._attach(
            part,
            _valid_type(content.value) or "text/calendar",
            content,
            disposition,
            filename or "invite.ics",
        )

    def _tnef(
        self,
        part: Message,
        ctype: str,
        content: ContentHeader,
        filename: str,
        disposition: ContentHeader,
    ) -> bool:
        """Unpack a winmail.dat; False when it must stay one opaque attachment."""
        if _encoded_size(part) > self.limits.attachment:
            return False
        unpacked = unpack_tnef(_payload_bytes(part, self.defects), self.defects)
        if unpacked is None:
            return False
        if not (unpacked.text.strip() or unpacked.html.strip() or unpacked.attachments):
            self.defects.append("tnef_empty")
            return False  # nothing found inside: the file itself is kept
        if unpacked.text.strip() or unpacked.html.strip():
            self.tnef_bodies.append(
                _Unit(plain=clean_text(unpacked.text), html=no_surrogates(unpacked.html))
            )
        for inner in unpacked.attachments:
            name = clean_filename(inner.name, inner.content_type or "")
            declared = _valid_type(inner.content_type) or _guess_type(name)
            draft = _Draft(
                filename=name,
                content_type=declared,
                data=None,
                size=len(inner.data),
                content_id=clean_line(inner.content_id).strip("<>"),
                inline=False,
                withheld_reason="",
            )
            if len(self.attachments) >= self.limits.parts:
                draft.withheld_reason = TOO_MANY_PARTS
            else:
                self._keep(draft, inner.data)
            self.attachments.append(draft)
        return True

    def _record_defects(self, part: Message) -> None:
        for defect in getattr(part, "defects", [])[:20]:
            self.defects.append(_defect_name(type(defect).__name__))

    # --- the result ----------------------------------------------------------------------

    def _assemble(self, headers: dict[str, list[str]], body: _Collected) -> ParsedEmail:
        defects = self.defects
        subject = header_text(_first(headers, "subject") or "", defects)
        if len(subject) > MAX_SUBJECT_CHARS:
            subject = subject[:MAX_SUBJECT_CHARS]
            defects.append("subject_truncated")
        senders = parse_addresses(headers.get("from", [])[:1], defects, field="from")
        sender = next((a for a in senders if "@" in a.address), senders[0] if senders else None)
        if sender is None and "unparseable_from" not in defects:
            defects.append("missing_from")
        reply_to = parse_addresses(headers.get("reply-to", []), defects, field="reply_to")
        to = parse_addresses(headers.get("to", []), defects, field="to")
        cc = parse_addresses(headers.get("cc", []), defects, field="cc")
        message_id = parse_message_id(_first(headers, "message-id"))
        if not message_id:
            defects.append("missing_message_id")
        date_value = _first(headers, "date")
        date = parse_date(date_value)
        if date_value is None:
            defects.append("missing_date")
        elif date is None:
            defects.append("bad_date")
        return_path = _return_path(_first(headers, "return-path"))

        units = body.units or []
        if self.tnef_bodies and not any(_unit_text(unit).strip() for unit in units):
            units = units + self.tnef_bodies
        self._map_inline_images(units)
        texts = [_unit_text(unit) for unit in units]
        text = "\n\n".join(t for t in texts if t.strip())
        calendar_text = "\n\n".join(self.calendars)
        if not text.strip() and calendar_text:
            text = calendar_text
        html = ""
        if any(unit.html.strip() for unit in units):
            html = "".join(
                _safe_html(_unit_html(unit), unit_text, defects)
                for unit, unit_text in zip(units, texts, strict=True)
            )
        new_text, quoted_text = split_quoted(text)

        sender_address = sender.address if sender else ""
        bounce = self._bounce(sender_address, subject, return_path, text, message_id)
        robot = robots.robot_reason(
            headers,
            sender=sender_address,
            return_path=return_path,
            subject=subject,
            report_type=self.report_type,
            bounce=bounce,
        )
        return ParsedEmail(
            message_id=message_id,
            in_reply_to=parse_message_ids(_first(headers, "in-reply-to")),
            references=parse_message_ids(_joined(headers, "references")),
            subject=subject,
            sender=sender,
            reply_to=reply_to,
            to=to,
            cc=cc,
            return_path=return_path,
            date=date,
            text=text,
            new_text=new_text,
            quoted_text=quoted_text,
            html=html,
            attachments=tuple(_finish(draft) for draft in self.attachments),
            calendar_text=calendar_text,
            robot=robot,
            is_auto_reply=robots.is_auto_reply(headers, subject=subject) and bounce is None,
            bounce=bounce,
            defects=tuple(dict.fromkeys(defects)),
            size=len(self.raw),
        )

    def _bounce(
        self,
        sender: str,
        subject: str,
        return_path: str | None,
        text: str,
        message_id: str,
    ) -> BounceInfo | None:
        original = next((i for i in self.returned_ids if i != message_id), "")
        if self.report_type == "delivery-status":
            return robots.bounce_from_report(self.report_blocks, original, text)
        if robots.looks_like_bounce(sender=sender, subject=subject, return_path=return_path):
            return robots.bounce_from_text(
                text, own_message_id=message_id, original_message_id=original
            )
        return None

    def _map_inline_images(self, units: list[_Unit]) -> None:
        """`src="image001.png"` (no cid: scheme, osTicket #779) pointing at a part by its name
        or Content-Location becomes `cid:`; every part an HTML body shows is inline."""
        if not any(unit.html for unit in units):
            return
        by_name: dict[str, _Draft] = {}
        for draft in self.attachments:
            for key in (draft.location, draft.filename):
                if key:
                    by_name.setdefault(key.lower(), draft)
                    by_name.setdefault(key.rsplit("/", 1)[-1].lower(), draft)

        def replace(match: re.Match[str]) -> str:
            source = html_lib.unescape(match.group(3)).strip()
            if source.lower().startswith("cid:"):
                return match.group(0)
            key = unquote(source).lower()
            draft = by_name.get(key)
            if draft is None and ":" not in key:  # a remote URL must match a location exactly
                draft = by_name.get(key.rsplit("/", 1)[-1])
            if draft is None:
                return match.group(0)
            if not draft.content_id:
                draft.content_id = draft.filename
            draft.inline = True
            quote = match.group(2) or '"'
            return f"{match.group(1)}{quote}cid:{html_lib.escape(draft.content_id)}{quote}"

        referenced: set[str] = set()
        for unit in units:
            if unit.html:
                unit.html = _IMG_SRC.sub(replace, unit.html)
                referenced.update(
                    unquote(ref).strip("<>").lower() for ref in _CID_REF.findall(unit.html)
                )
        for draft in self.attachments:
            if draft.content_id and draft.content_id.lower() in referenced:
                draft.inline = True


# --- helpers -------------------------------------------------------------------------------

_BODY_TYPES = (
    "text/plain",
    "text/html",
    "text/enriched",
    "text/richtext",
    "text/markdown",
    "text/x-markdown",
)
_FORWARDED_TYPES = ("message/rfc822", "message/global", "message/news")
_ENCODED = ("base64", "quoted-printable")
_IMG_SRC = re.compile(r"""(<img\b[^>]{0,2000}?\bsrc\s*=\s*)(["']?)([^"'\s>]{1,2000})\2""", re.I)
_CID_REF = re.compile(r"""cid:([^"'\s>)]{1,500})""", re.I)
_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]{0,63}/[a-z0-9][a-z0-9!#$&^_.+-]{0,127}")
_DEFECT_WORD = re.compile(r"(?<!^)(?=[A-Z])")
_TEXT_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufeff]")
_META_CHARSET = re.compile(
    rb"""<meta[^>]{0,300}?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]{1,40})""", re.I
)
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


def _header_map(message: Message) -> dict[str, list[str]]:
    headers: dict[str, list[str]] = {}
    for name, value in message.raw_items():
        key = name.strip().lower()
        limit = MAX_HEADER_CHARS * 4 if key == "references" else MAX_HEADER_CHARS
        headers.setdefault(key, []).append(value[:limit] if isinstance(value, str) else "")
    return headers


def _first(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return values[0] if values else None


def _joined(headers: dict[str, list[str]], name: str) -> str | None:
    values = headers.get(name)
    return " ".join(values) if values else None


def _first_raw(part: Message, name: str) -> str:
    for key, value in part.raw_items():
        if key.lower() == name and isinstance(value, str):
            return value
    return ""


def _valid_type(value: str) -> str:
    value = value.strip().lower()
    return value if _TYPE.fullmatch(value) else ""


def _defect_name(class_name: str) -> str:
    name = class_name.removesuffix("Defect")
    return _DEFECT_WORD.sub("_", name).lower() or "defect"


def _content_id(part: Message) -> str:
    value = _first_raw(part, "content-id")
    return clean_line(decode_8bit(unfold(value[:1000]))).strip().strip("<>").strip()


def _transfer_encoding(part: Message) -> str:
    value = _first_raw(part, "content-transfer-encoding")
    return clean_line(value).strip("\"' ").lower()


def _raw_payload(part: Message) -> bytes:
    # Not get_payload(): for a part with 8-bit bytes it decodes them with the declared
    # charset and replaces what fails; the stored payload keeps them as surrogate escapes.
    payload = getattr(part, "_payload", None)
    if isinstance(payload, bytes):
        return payload
    if not isinstance(payload, str):
        return b""
    return payload.encode("utf-8", "surrogateescape")


_NOT_BASE64 = re.compile(rb"[^A-Za-z0-9+/]")


def _encoded_size(part: Message, encoding: str | None = None) -> int:
    """The decoded size of a part, computed from its encoded form without decoding it."""
    payload = _raw_payload(part)
    encoding = _transfer_encoding(part) if encoding is None else encoding
    if encoding == "base64":
        stripped = payload.translate(None, b" \t\r\n")
        return len(stripped) * 3 // 4 - min(2, len(stripped) - len(stripped.rstrip(b"=")))
    return len(payload)


def _payload_bytes(part: Message, defects: list[str]) -> bytes:
    """The decoded content of a leaf part; transfer-encoding errors are tolerated."""
    return _decode_transfer(_raw_payload(part), _transfer_encoding(part), defects)


def _decode_transfer(payload: bytes, encoding: str, defects: list[str]) -> bytes:
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


def _sniff_html_charset(data: bytes) -> str | None:
    match = _META_CHARSET.search(data[:4096])
    return match.group(1).decode("ascii") if match else None


def clean_text(text: str) -> str:
    """Body text: LF line ends, no NUL or other control characters (PostgreSQL refuses NUL
    in text), no lone surrogates."""
    text = no_surrogates(text).replace("\r\n", "\n").replace("\r", "\n")
    return _TEXT_CONTROL.sub("", text)


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


def _guess_type(filename: str) -> str:
    guessed, _ = _MIME_TYPES.guess_type(filename, strict=False)
    return guessed or "application/octet-stream"


def _return_path(value: str | None) -> str | None:
    if value is None:
        return None
    value = re.sub(r"\([^()]*\)", "", clean_line(decode_8bit(unfold(value)))).strip()
    inner = re.search(r"<([^<>]*)>", value)
    if inner is not None:
        value = inner.group(1)
    return clean_address(value)


def _format_address(address: Address) -> str:
    return f"{address.name} <{address.address}>" if address.name else address.address


def _unit_text(unit: _Unit) -> str:
    text = unit.plain
    if not text.strip() and unit.html:
        text = _html_text(unit.html)
    if unit.forwarded:
        return f"{FORWARDED_MARKER}\n{unit.forwarded.strip()}\n\n{text}".rstrip()
    return text


def _unit_html(unit: _Unit) -> str:
    inner = unit.html if unit.html.strip() else text_to_html(unit.plain)
    if unit.forwarded:
        header = html_lib.escape(unit.forwarded.strip()).replace("\n", "<br>")
        return f"<hr><p>{html_lib.escape(FORWARDED_MARKER)}<br>{header}</p><blockquote>{inner}</blockquote>"
    return inner


def _html_text(html: str) -> str:
    try:
        return clean_text(html_to_text(html))
    except Exception:
        return clean_text(html_lib.unescape(re.sub(r"<[^>]*>", " ", html)))


def _safe_html(html: str, text: str, defects: list[str]) -> str:
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


def _finish(draft: _Draft) -> ParsedAttachment:
    return ParsedAttachment(
        filename=draft.filename,
        content_type=draft.content_type,
        data=draft.data,
        size=draft.size,
        content_id=draft.content_id,
        inline=draft.inline,
        withheld_reason=draft.withheld_reason,
    )


# --- structure limits before parsing ---------------------------------------------------------

_TOO_DEEP_TYPE = b"application/x-guichet-too-deep"
_HEADER_LINE = re.compile(rb"^[!-9;-~]+[ \t]*:")


def _limit_structure(raw: bytes, limits: _Limits, defects: list[str]) -> bytes:
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
                out.append(b"Content-Type: " + _TOO_DEEP_TYPE + b"\r")
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
        result.append(b"Content-Type: " + _TOO_DEEP_TYPE + b"\r" if skipping else line)
    return result


def _last_resort(raw: bytes) -> ParsedEmail:
    try:
        text = clean_text(decode_unlabelled(raw[:MAX_TEXT_CHARS]))
    except Exception:
        text = ""
    return ParsedEmail(
        message_id="",
        in_reply_to=(),
        references=(),
        subject="",
        sender=None,
        reply_to=(),
        to=(),
        cc=(),
        return_path=None,
        date=None,
        text=text,
        new_text=text,
        quoted_text="",
        html="",
        attachments=(),
        calendar_text="",
        robot="",
        is_auto_reply=False,
        bounce=None,
        defects=("parser_failure",),
        size=len(raw),
    )
