"""Calendar invitations (RFC 5545 / iMIP RFC 6047) rendered as readable text.

An Outlook invite can be a message whose only body is a `text/calendar` part; shown as
nothing it made empty tickets (osTicket #4114). Only what a person needs is kept: the
method, summary, start and end (with their time zone), location, organizer, attendees and
the description (or the HTML description turned into text). Bounded: at most 20 events and
5,000 lines are read.
"""

from __future__ import annotations

import re

from guichet.lib.html import html_to_text

MAX_LINES = 5_000
MAX_EVENTS = 20
MAX_VALUE = 4_000

_LINE = re.compile(r"^([A-Za-z0-9-]+)((?:;[^:]*)?):(.*)$")
_DATETIME = re.compile(r"^(\d{4})(\d{2})(\d{2})(?:T(\d{2})(\d{2})(\d{2})?(Z)?)?$")
_METHODS = {
    "REQUEST": "Invitation",
    "CANCEL": "Cancellation",
    "REPLY": "Reply to an invitation",
    "COUNTER": "Counter-proposal",
    "PUBLISH": "Event",
}


def _unescape(value: str) -> str:
    return re.sub(
        r"\\([nN,;\\])", lambda m: "\n" if m.group(1) in "nN" else m.group(1), value
    ).strip()


def _param(params: str, name: str) -> str:
    match = re.search(rf";{name}=(\"[^\"]*\"|[^;:]*)", params, re.IGNORECASE)
    return match.group(1).strip('"') if match else ""


def _when(value: str, params: str) -> str:
    match = _DATETIME.match(value.strip())
    if not match:
        return value.strip()
    year, month, day, hour, minute, _second, utc = match.groups()
    text = f"{year}-{month}-{day}"
    if hour is not None:
        text += f" {hour}:{minute}"
        zone = "UTC" if utc else _param(params, "TZID")
        if zone:
            text += f" ({zone})"
    return text


def _person(value: str, params: str) -> str:
    address = re.sub(r"(?i)^mailto:", "", value.strip())
    name = _param(params, "CN")
    return f"{name} <{address}>" if name and address else name or address


def _unfolded_lines(text: str) -> list[str]:
    lines: list[str] = []
    for raw in text.replace("\r\n", "\n").replace("\r", "\n").split("\n")[: MAX_LINES * 2]:
        if raw[:1] in (" ", "\t") and lines:
            if len(lines[-1]) < MAX_VALUE:
                lines[-1] += raw[1:]
        else:
            lines.append(raw)
        if len(lines) >= MAX_LINES:
            break
    return lines


def calendar_to_text(text: str) -> str:
    """Readable text of the events of an iCalendar object ("" when none is found)."""
    method = ""
    events: list[list[str]] = []
    current: dict[str, list[tuple[str, str]]] | None = None
    depth = 0  # nested components inside an event (VALARM) are skipped
    for line in _unfolded_lines(text):
        match = _LINE.match(line)
        if not match:
            continue
        name, params, value = match.group(1).upper(), match.group(2), match.group(3)
        if name == "METHOD" and current is None:
            method = value.strip().upper()
        elif name == "BEGIN":
            if value.strip().upper() == "VEVENT" and current is None:
                current = {}
            elif current is not None:
                depth += 1
        elif name == "END":
            if current is not None and depth:
                depth -= 1
            elif current is not None and value.strip().upper() == "VEVENT":
                events.append(_render_event(current))
                current = None
                if len(events) >= MAX_EVENTS:
                    break
        elif current is not None and not depth:
            current.setdefault(name, []).append((params, value[:MAX_VALUE]))
    if not events:
        return ""
    title = _METHODS.get(method, "Event")
    return "\n\n".join(f"{title}\n" + "\n".join(lines) for lines in events)


def _render_event(fields: dict[str, list[tuple[str, str]]]) -> list[str]:
    def first(name: str) -> tuple[str, str]:
        return fields.get(name, [("", "")])[0]

    lines: list[str] = []
    summary = _unescape(first("SUMMARY")[1])
    if summary:
        lines.append(f"Summary: {summary}")
    for key, label in (("DTSTART", "Start"), ("DTEND", "End")):
        params, value = first(key)
        if value:
            lines.append(f"{label}: {_when(value, params)}")
    location = _unescape(first("LOCATION")[1])
    if location:
        lines.append(f"Location: {location}")
    params, organizer = first("ORGANIZER")
    if organizer:
        lines.append(f"Organizer: {_person(organizer, params)}")
    attendees = [_person(value, params) for params, value in fields.get("ATTENDEE", [])[:50]]
    if attendees:
        lines.append("Attendees: " + ", ".join(attendees))
    description = _unescape(first("DESCRIPTION")[1])
    if not description:
        html = _unescape(first("X-ALT-DESC")[1])
        if html:
            try:
                description = html_to_text(html)
            except Exception:
                description = ""
    if description:
        lines.append("")
        lines.append(description)
    return lines
