"""Calendar invitations are shown as text, the .ics is kept (research H19, F29)."""

from __future__ import annotations

from guichet.intake.email.ical import calendar_to_text
from guichet.intake.email.parsing import parse_email

from .messages import eml

INVITE = (
    "BEGIN:VCALENDAR\r\nMETHOD:CANCEL\r\nBEGIN:VEVENT\r\n"
    "SUMMARY:Point sur\r\n  le dossier\r\n"
    "DTSTART:20260305T090000Z\r\nDTEND;VALUE=DATE:20260306\r\n"
    "ORGANIZER:mailto:a@x.fr\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def test_an_event_is_rendered_with_its_method_summary_and_times() -> None:
    assert calendar_to_text(INVITE) == (
        "Cancellation\nSummary: Point sur le dossier\nStart: 2026-03-05 09:00 (UTC)\n"
        "End: 2026-03-06\nOrganizer: a@x.fr"
    )


def test_a_calendar_without_events_renders_nothing() -> None:
    assert calendar_to_text("BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n") == ""
    assert calendar_to_text("not a calendar") == ""


def test_the_html_description_is_turned_into_text() -> None:
    text = calendar_to_text(
        "BEGIN:VEVENT\nSUMMARY:x\nX-ALT-DESC;FMTTYPE=text/html:<p>Salle <b>2</b></p>"
        "<script>alert(1)</script>\nEND:VEVENT\n"
    )
    assert text.endswith("Salle 2") and "alert" not in text


def test_a_message_that_is_only_an_invitation_gets_its_text_and_keeps_the_ics() -> None:
    result = parse_email(
        eml("From: a@x.fr", "Content-Type: text/calendar; method=CANCEL", body=INVITE)
    )
    assert result.text == result.calendar_text
    assert "Summary: Point sur le dossier" in result.text
    assert [(a.filename, a.content_type) for a in result.attachments] == [
        ("invite.ics", "text/calendar")
    ]


def test_many_events_are_bounded() -> None:
    text = calendar_to_text("BEGIN:VEVENT\nSUMMARY:x\nEND:VEVENT\n" * 1000)
    assert text.count("Summary: x") == 20
