"""RFC 2047 encoded words and RFC 2231 parameters, decoded tolerantly (research 1E, H8, H9)."""

from __future__ import annotations

from guichet.intake.email.headers import decode_words, header_text, parse_content_header
from guichet.intake.email.parsing import parse_email

from .messages import eml


def test_q_and_b_words_decode() -> None:
    assert header_text("=?ISO-8859-1?Q?Ay=FAdame?=") == "Ayúdame"  # osTicket #633
    assert header_text("=?utf-8?B?UsOpY2xhbWF0aW9u?=") == "Réclamation"


def test_whitespace_between_two_words_is_dropped_but_not_around_text() -> None:
    assert header_text("=?utf-8?Q?a?= =?utf-8?Q?b?=") == "ab"
    assert header_text("Re: =?utf-8?Q?caf=C3=A9?= et croissant") == "Re: café et croissant"


def test_a_character_split_across_two_words_on_folded_lines_survives() -> None:
    assert header_text("=?UTF-8?Q?R=C3?=\r\n =?UTF-8?Q?=A9clamation?=") == "Réclamation"


def test_a_broken_base64_word_is_kept_as_written_and_reported() -> None:
    defects: list[str] = []
    assert "Bonjour" in header_text("Bonjour =?utf-8?B?####?= fin", defects)


def test_a_word_in_an_unknown_charset_still_decodes() -> None:
    defects: list[str] = []
    assert decode_words("=?x-unknown?Q?caf=C3=A9?=", defects) == "café"
    assert "unknown_charset" in defects


def test_raw_8bit_headers_are_read_as_utf8_then_windows_1252() -> None:
    raw = eml("From: a@exemple.fr", "Subject: Réclamation".encode())
    assert parse_email(raw).subject == "Réclamation"
    raw = eml("From: a@exemple.fr", "Subject: Réclamation".encode("cp1252"))
    assert parse_email(raw).subject == "Réclamation"


def test_crlf_and_controls_in_a_decoded_subject_become_spaces() -> None:
    assert header_text("=?utf-8?Q?a=0D=0ABcc:_x@y?=\t\x07b") == "a Bcc: x@y b"


def test_rfc2231_continuations_join_bytes_before_decoding() -> None:
    header = parse_content_header(
        "attachment; filename*0*=UTF-8''%C3%A9t%C3; filename*1*=%A9; filename*2=_2026.pdf"
    )
    assert header.value == "attachment"
    assert header.params["filename"] == "été_2026.pdf"


def test_rfc2231_sections_out_of_order_are_sorted() -> None:
    header = parse_content_header("attachment; filename*1=b.pdf; filename*0=a")
    assert header.params["filename"] == "ab.pdf"


def test_rfc2047_word_inside_a_quoted_filename_is_decoded() -> None:
    header = parse_content_header('attachment; filename="=?UTF-8?B?w6l0w6kucGRm?="')
    assert header.params["filename"] == "été.pdf"


def test_quoted_parameters_keep_semicolons_and_escapes_and_ignore_junk() -> None:
    header = parse_content_header(r'application/pdf; name="a;b \"c\".pdf" junk; size=3; ; x')
    assert header.params == {"name": 'a;b "c".pdf', "size": "3"}


def test_rfc2231_in_an_8bit_charset_with_language() -> None:
    header = parse_content_header("attachment; filename*=iso-8859-1'fr'R%E9clamation.pdf")
    assert header.params["filename"] == "Réclamation.pdf"


def test_the_content_type_value_is_lower_case_and_params_names_too() -> None:
    header = parse_content_header('Text/HTML; CHARSET="UTF-8"')
    assert header.value == "text/html"
    assert header.params == {"charset": "UTF-8"}
