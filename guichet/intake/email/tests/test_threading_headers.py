"""Message-ID, In-Reply-To and References normalised for threading (research 1C, H22, H25)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from guichet.intake.email.headers import parse_date, parse_message_id, parse_message_ids
from guichet.intake.email.parsing import parse_email

from .messages import eml


def test_message_ids_lose_brackets_and_whitespace() -> None:
    assert parse_message_id("  < abc@x.fr >  ") == "abc@x.fr"
    assert parse_message_id("abc@x.fr") == "abc@x.fr"
    assert parse_message_id("<>") == ""
    assert parse_message_id("") == ""


def test_references_folded_with_junk_between_ids() -> None:
    value = "<a@x>\r\n\t<b@x>, junk <c@x>(comment <fake@x>)\r\n <a@x>"
    assert parse_message_ids(value) == ("a@x", "b@x", "c@x")


def test_in_reply_to_with_a_comment_and_an_old_style_phrase() -> None:
    assert parse_message_ids('<a@x> (Hélène\'s message of "Mon, 2 Mar")') == ("a@x",)
    assert parse_message_ids('Your message of "Mon, 2 Mar 2026" <a@x>') == ("a@x",)


def test_ids_without_brackets_are_accepted_when_nothing_is_bracketed() -> None:
    assert parse_message_ids("a@x.fr, b@x.fr") == ("a@x.fr", "b@x.fr")


def test_a_very_long_references_keeps_the_root_and_the_latest_ids() -> None:
    ids = parse_message_ids(" ".join(f"<{n}@x>" for n in range(2000)))
    assert len(ids) == 500
    assert ids[0] == "0@x" and ids[-1] == "1999@x" and ids[1] == "1501@x"


def test_duplicate_references_headers_are_joined() -> None:
    parsed = parse_email(eml("From: a@x.fr", "References: <a@x>", "References: <b@x>"))
    assert parsed.references == ("a@x", "b@x")
    assert "duplicate_references" in parsed.defects


def test_a_message_without_threading_headers() -> None:
    parsed = parse_email(eml("From: a@x.fr"))
    assert (parsed.message_id, parsed.in_reply_to, parsed.references) == ("", (), ())
    assert "missing_message_id" in parsed.defects


def test_dates_are_aware() -> None:
    assert parse_date("Tue, 03 Mar 2026 10:00:00 +0100") == datetime(
        2026, 3, 3, 10, tzinfo=timezone(timedelta(hours=1))
    )
    assert parse_date("3 Mar 2026 10:00:00 -0000") == datetime(2026, 3, 3, 10, tzinfo=UTC)
    assert parse_date("3 Mar 2026 10:00:00 GMT") == datetime(2026, 3, 3, 10, tzinfo=UTC)


def test_unreadable_dates_give_none() -> None:
    for value in ("", "hier", "Tue, 99 Foo 2026", "31 Dec 9999 23:59 -2359", "3 Mar 2026 25:61"):
        assert parse_date(value) is None
