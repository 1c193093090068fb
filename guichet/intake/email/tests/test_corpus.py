"""The hostile corpus: every file parses, and gives what `corpus/expected.toml` says."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

import pytest

from guichet.intake.email.parsing import ParsedEmail, parse_email

from .messages import generator

CORPUS = Path(__file__).parent / "corpus"
EXPECTED: dict[str, dict[str, Any]] = tomllib.loads(
    (CORPUS / "expected.toml").read_text(encoding="utf-8")
)["messages"]


def parsed(name: str) -> ParsedEmail:
    options = EXPECTED[name].get("options", {})
    return parse_email((CORPUS / name).read_bytes(), **options)


def test_every_file_of_the_corpus_is_in_the_manifest_and_the_reverse():
    assert {path.name for path in CORPUS.glob("*.eml")} == set(EXPECTED)


def test_the_corpus_files_are_what_the_generator_writes():
    for name, data in generator().build().items():
        assert (CORPUS / name).read_bytes() == data, f"{name}: run generate.py again"


def assert_clean(text: str, what: str) -> None:
    assert "\x00" not in text, f"NUL in {what}"
    text.encode("utf-8")  # no lone surrogates


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_corpus_message_gives_what_the_manifest_says(name: str) -> None:
    expected = EXPECTED[name]
    result = parsed(name)

    for field in ("subject", "text", "new_text", "quoted_text", "html", "calendar_text"):
        assert_clean(getattr(result, field), field)
    for line_field in (result.subject, result.message_id):
        assert "\n" not in line_field and "\r" not in line_field
    if result.text.strip():
        assert result.new_text.strip(), "the new text is never empty when there is text"
    for attachment in result.attachments:
        assert attachment.filename and attachment.filename.strip() == attachment.filename
        assert not set("/\\\x00\r\n") & set(attachment.filename)
        assert (attachment.data is None) == bool(attachment.withheld_reason)
        if attachment.data is not None:
            assert attachment.size == len(attachment.data)
    assert result.size == (CORPUS / name).stat().st_size
    raw = bytearray((CORPUS / name).read_bytes())  # any bytes-like input, same result twice
    assert parse_email(raw, **expected.get("options", {})) == result

    if "subject" in expected:
        assert result.subject == expected["subject"]
    if "sender" in expected:
        address = result.sender.address if result.sender else ""
        assert address == expected["sender"]
    if "sender_name" in expected:
        assert result.sender is not None and result.sender.name == expected["sender_name"]
    if "message_id" in expected:
        assert result.message_id == expected["message_id"]
    if "in_reply_to" in expected:
        assert list(result.in_reply_to) == expected["in_reply_to"]
    if "references" in expected:
        assert list(result.references) == expected["references"]
    if "date" in expected:
        shown = result.date.isoformat() if result.date else "none"
        assert shown == expected["date"]
    if "return_path" in expected:
        assert (result.return_path if result.return_path is not None else "none") == expected[
            "return_path"
        ]
    if "text" in expected:
        assert result.text == expected["text"]
    for sentence in expected.get("text_contains", []):
        assert sentence in result.text
    for sentence in expected.get("new_text_contains", []):
        assert sentence in result.new_text
    for sentence in expected.get("new_text_excludes", []):
        assert sentence not in result.new_text
    for sentence in expected.get("quoted_contains", []):
        assert sentence in result.quoted_text
    for fragment in expected.get("html_contains", []):
        assert fragment in result.html
    for fragment in expected.get("html_excludes", []):
        assert fragment.lower() not in result.html.lower()
    for fragment in expected.get("calendar_contains", []):
        assert fragment in result.calendar_text
    if "attachments" in expected:
        assert [a.filename for a in result.attachments] == expected["attachments"]
    if "content_types" in expected:
        assert [a.content_type for a in result.attachments] == expected["content_types"]
    withheld = {a.filename: a.withheld_reason for a in result.attachments if a.withheld_reason}
    if "withheld" in expected:
        assert withheld == expected["withheld"]
    if "inline" in expected:
        assert [a.filename for a in result.attachments if a.inline] == expected["inline"]
    if "robot" in expected:
        assert result.robot == expected["robot"]
    if "auto_reply" in expected:
        assert result.is_auto_reply is expected["auto_reply"]
    if expected.get("bounce") == "none":
        assert result.bounce is None
    elif "bounce" in expected:
        assert result.bounce is not None
        for key, value in expected["bounce"].items():
            assert getattr(result.bounce, key) == value, key
    if "defects" in expected:
        assert sorted(result.defects) == sorted(expected["defects"])
