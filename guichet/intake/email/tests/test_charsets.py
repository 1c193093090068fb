"""Bytes of any charset decode to text or U+FFFD, never an exception (research 1E, H6, H7)."""

from __future__ import annotations

import pytest

from guichet.intake.email.charsets import codec_for, decode_bytes, decode_unlabelled

PHRASE = "Réclamation colis abîmé – remboursement dû"


@pytest.mark.parametrize(
    ("label", "codec"),
    [
        ("utf-8", "utf-8"),
        ('"UTF8"', "utf-8"),
        ("iso-8859-1", "cp1252"),
        ("us-ascii", "cp1252"),
        ("latin1", "cp1252"),
        ("ISO-8859-15", "iso8859-15"),
        ("windows-1258", "cp1258"),
        ("gb2312", "gb18030"),
        ("Shift_JIS", "cp932"),
        ("ks_c_5601-1987", "cp949"),
        ("koi8-r", "koi8-r"),
        ("utf-8*fr", "utf-8"),
        ("x-mac-roman", "mac-roman"),
    ],
)
def test_labels_are_read_as_mail_software_writes_them(label: str, codec: str) -> None:
    assert codec_for(label) == codec


@pytest.mark.parametrize(
    "label",
    ["x-bogus", "", None, "base64", "rot13", "undefined", "idna", "unicode_escape", "z" * 100],
)
def test_unknown_or_non_text_codecs_are_refused(label: str | None) -> None:
    assert codec_for(label) is None


@pytest.mark.parametrize(
    "charset", ["utf-8", "windows-1252", "windows-1258", "windows-1254", "gb18030", "macintosh"]
)
def test_the_complaint_phrase_round_trips_in_every_charset_that_can_hold_it(charset: str) -> None:
    assert decode_bytes(PHRASE.encode(codec_for(charset) or charset), charset) == PHRASE


def test_windows_1252_punctuation_under_an_iso_8859_1_label_is_kept() -> None:
    assert decode_bytes(b"J\x92ai pay\xe9 49 \x80", "iso-8859-1") == "J’ai payé 49 €"


@pytest.mark.parametrize(
    ("charset", "text"),
    [
        ("koi8-r", "Здравствуйте"),
        ("shift_jis", "お問い合わせ"),
        ("gb2312", "您好"),
        ("iso-8859-15", "œuvre 120 €"),
        ("windows-1250", "Příliš žluťoučký kůň"),
    ],
)
def test_non_latin_charsets_decode(charset: str, text: str) -> None:
    assert decode_bytes(text.encode(charset), charset) == text


def test_utf8_with_invalid_bytes_gets_replacement_characters_and_a_defect() -> None:
    defects: list[str] = []
    assert decode_bytes("abîmé ".encode() + b"\xff", "utf-8", defects) == "abîmé \ufffd"
    assert defects == ["undecodable_bytes"]


def test_latin1_text_mislabelled_utf8_is_read_as_windows_1252() -> None:
    defects: list[str] = []
    assert decode_bytes("éventré".encode("latin-1"), "utf-8", defects) == "éventré"
    assert defects == ["charset_mismatch"]


def test_a_correct_utf8_label_is_never_second_guessed() -> None:
    # Zammad #6221: auto-detection over a correct label double-decoded the text.
    assert decode_bytes("Ã©".encode(), "utf-8") == "Ã©"


def test_unknown_label_falls_back_to_utf8_then_windows_1252() -> None:
    defects: list[str] = []
    assert decode_bytes("reçu".encode(), "x-bogus", defects) == "reçu"
    assert decode_bytes("reçu".encode("cp1252"), "x-bogus", defects) == "reçu"
    assert defects == ["unknown_charset", "unknown_charset"]


def test_unlabelled_8bit_is_read_line_by_line() -> None:
    mixed = "première ligne\n".encode() + "deuxième ligne\n".encode("cp1252")
    assert decode_unlabelled(mixed) == "première ligne\ndeuxième ligne\n"


def test_a_utf8_byte_order_mark_is_dropped() -> None:
    assert decode_bytes(b"\xef\xbb\xbfBonjour \xc3\xa9", "utf-8") == "Bonjour é"


@pytest.mark.parametrize("label", ["utf-16", "utf-7", "iso-2022-jp", "hz", "cp037"])
def test_odd_codecs_with_garbage_never_raise(label: str) -> None:
    assert isinstance(decode_bytes(bytes(range(256)), label), str)
