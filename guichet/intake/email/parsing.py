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
by `parts.py` too (`get_payload()` would re-decode 8-bit text with the declared charset).

Effort is bounded:
- nesting deeper than `max_depth` (multipart or message/rfc822) is cut: FeedParser recurses
  once per level and a "MIME of death" of 1,000 levels raises RecursionError in it, so when
  the raw bytes announce more containers than `max_depth`, the levels below are relabelled
  as one opaque part before parsing (`limit_structure`), listed withheld ("too_deep");
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

import html as html_lib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import compat32
from urllib.parse import unquote

from guichet.intake.email import robots
from guichet.intake.email.bodies import (
    clean_text,
    html_text,
    safe_html,
    sniff_html_charset,
    unflow,
)
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
from guichet.intake.email.limits import (
    TOO_DEEP,
    TOO_DEEP_TYPE,
    TOO_LARGE,
    TOO_MANY_PARTS,
    TOTAL_TOO_LARGE,
    Limits,
    limit_structure,
)
from guichet.intake.email.parts import (
    clean_filename,
    content_id,
    decode_transfer,
    defect_name,
    encoded_size,
    first,
    first_raw,
    guess_type,
    header_map,
    joined,
    payload_bytes,
    raw_payload,
    transfer_encoding,
    valid_type,
)
from guichet.intake.email.quoting import split_quoted
from guichet.intake.email.robots import BounceInfo
from guichet.intake.email.tnef import unpack as unpack_tnef
from guichet.lib.html import text_to_html

# The cleaning helpers of parts and bodies are imported from here too (by the tests).
__all__ = [
    "Address",
    "BounceInfo",
    "ParsedAttachment",
    "ParsedEmail",
    "clean_filename",
    "clean_text",
    "parse_email",
    "unflow",
]

MAX_TEXT_CHARS = 2_000_000
MAX_SUBJECT_CHARS = 2_000
FORWARDED_MARKER = "---------- Forwarded message ---------"


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
        limits = Limits(
            attachment=max(0, int(max_attachment_bytes)),
            total=max(0, int(max_total_attachment_bytes)),
            parts=max(1, int(max_parts)),
            depth=max(1, min(int(max_depth), 100)),
        )
        return _Parser(data, limits).parse()
    except Exception:
        return _last_resort(data)


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
    def __init__(self, raw: bytes, limits: Limits) -> None:
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
        headers = header_map(message)
        self._check_duplicates(headers)
        top = self._content_header(message, "content-type")
        if top.value == "multipart/report":
            self.report_type = top.params.get("report-type", "").strip().lower() or "unknown"
        body = _Collected()
        self._walk(message, 0, body, parent="")
        return self._assemble(headers, body)

    def _parse_mime(self) -> Message:
        data = limit_structure(self.raw, self.limits, self.defects)
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
        ctype = valid_type(content.value)
        if not ctype:
            ctype = "message/rfc822" if parent == "multipart/digest" else "text/plain"
        payload = part.get_payload()
        if ctype == TOO_DEEP_TYPE.decode():  # relabelled by limit_structure
            self.attachments.append(
                _Draft("attachment.bin", ctype, None, encoded_size(part), "", False, TOO_DEEP)
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
        if ctype in _FORWARDED_TYPES and transfer_encoding(part) in _ENCODED:
            inner = self._encoded_message(part, children, depth)
            if inner is not None:
                self._walk_message(inner, depth, into)
                return
        if maintype == "multipart" and isinstance(payload, list):
            self._walk_multipart(part, ctype, content, children, depth, into)
        elif ctype == "message/delivery-status" and isinstance(payload, list):
            if self.report_type:
                self.report_blocks.extend(header_map(block) for block in children[:100])
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
        if encoded_size(source, transfer_encoding(part)) > self.limits.attachment:
            return None
        data = decode_transfer(raw_payload(source), transfer_encoding(part), self.defects)
        remaining = Limits(
            self.limits.attachment,
            self.limits.total,
            self.limits.parts,
            max(1, self.limits.depth - depth),
        )
        try:
            return BytesParser(policy=compat32).parsebytes(
                limit_structure(data, remaining, self.defects)
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
        headers = header_map(inner)
        message_id = parse_message_id(first(headers, "message-id"))
        if message_id:
            self.returned_ids.append(message_id)
        lines = []
        for name, label in (("from", "From"), ("date", "Date"), ("subject", "Subject")):
            value = first(headers, name)
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
                payload_bytes(part, self.defects)[: MAX_HEADER_CHARS * 4], headersonly=True
            )
            message_id = parse_message_id(first(header_map(headers), "message-id"))
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
            data = payload_bytes(part, self.defects)
            charset = content.params.get("charset")
            if ctype == "text/html":
                if not charset:
                    charset = sniff_html_charset(data)
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
        cid = content_id(part)
        location = first_raw(part, "content-location")
        size = encoded_size(part)
        draft = _Draft(
            filename=clean_filename(filename, ctype),
            content_type=ctype,
            data=None,
            size=size,
            content_id=cid,
            inline=False,  # set when the HTML body shows it (_map_inline_images)
            withheld_reason="",
            location=clean_line(decode_8bit(unfold(location)))[:1000] if location else "",
        )
        if size > self.limits.attachment:
            draft.withheld_reason = TOO_LARGE
            self.defects.append("attachment_too_large")
        else:
            self._keep(draft, payload_bytes(part, self.defects))
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
                            (child, valid_type(child_content.value) or "text/plain", child_content)
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
                    size=encoded_size(current),
                    content_id=content_id(current),
                    inline=False,
                    withheld_reason=reason,
                )
            )
            listed += 1

    def _calendar(
        self, part: Message, content: ContentHeader, filename: str, disposition: ContentHeader
    ) -> None:
        data = payload_bytes(part, self.defects)
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
            valid_type(content.value) or "text/calendar",
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
        if encoded_size(part) > self.limits.attachment:
            return False
        unpacked = unpack_tnef(payload_bytes(part, self.defects), self.defects)
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
            declared = valid_type(inner.content_type) or guess_type(name)
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
            self.defects.append(defect_name(type(defect).__name__))

    # --- the result ----------------------------------------------------------------------

    def _assemble(self, headers: dict[str, list[str]], body: _Collected) -> ParsedEmail:
        defects = self.defects
        subject = header_text(first(headers, "subject") or "", defects)
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
        message_id = parse_message_id(first(headers, "message-id"))
        if not message_id:
            defects.append("missing_message_id")
        date_value = first(headers, "date")
        date = parse_date(date_value)
        if date_value is None:
            defects.append("missing_date")
        elif date is None:
            defects.append("bad_date")
        return_path = _return_path(first(headers, "return-path"))

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
                safe_html(_unit_html(unit), unit_text, defects)
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
            in_reply_to=parse_message_ids(first(headers, "in-reply-to")),
            references=parse_message_ids(joined(headers, "references")),
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
        text = html_text(unit.html)
    if unit.forwarded:
        return f"{FORWARDED_MARKER}\n{unit.forwarded.strip()}\n\n{text}".rstrip()
    return text


def _unit_html(unit: _Unit) -> str:
    inner = unit.html if unit.html.strip() else text_to_html(unit.plain)
    if unit.forwarded:
        header = html_lib.escape(unit.forwarded.strip()).replace("\n", "<br>")
        return f"<hr><p>{html_lib.escape(FORWARDED_MARKER)}<br>{header}</p><blockquote>{inner}</blockquote>"
    return inner


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
