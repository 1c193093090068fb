"""Attachment names: decoded, cleaned, never empty (research H10, H11, F27, F30, S22)."""

from __future__ import annotations

import pytest

from guichet.intake.email.parsing import clean_filename, parse_email

from .messages import base64_part, multipart, part, with_body


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\win.ini", "win.ini"),
        ("C:\\Users\\Hélène\\Desktop\\facture.pdf", "facture.pdf"),
        ("CON", "_CON"),
        ("lpt1.txt", "_lpt1.txt"),
        ("a.pdf%00.exe", "a.pdf%00.exe"),
        ("a.pdf\x00.exe", "a.pdf .exe"),
        ("facture\u202efdp.exe", "facture fdp.exe"),
        ("evil\r\nSet-Cookie: a=b.pdf", "evil Set-Cookie: a=b.pdf"),
        ("<img src=x onerror=alert(1)>.png", "<img src=x onerror=alert(1)>.png"),
        ("  .hidden.  ", "hidden"),
        ("e\u0301te\u0301.pdf", "été.pdf"),  # NFD (macOS) to NFC
        ("100% remboursé.pdf", "100% remboursé.pdf"),
    ],
)
def test_names_are_cleaned(raw: str, clean: str) -> None:
    assert clean_filename(raw) == clean


def test_long_names_keep_their_extension() -> None:
    name = clean_filename("x" * 300 + ".pdf")
    assert len(name) == 200 and name.endswith("x.pdf")


@pytest.mark.parametrize(
    ("content_type", "fallback"),
    [("image/png", "image.png"), ("application/pdf", "attachment.pdf"), ("", "attachment.bin")],
)
def test_an_empty_name_gets_one_from_the_declared_type(content_type: str, fallback: str) -> None:
    assert clean_filename("", content_type) == fallback
    assert clean_filename("../", content_type) == fallback


def test_the_declared_type_is_recorded_and_an_invalid_one_read_as_rfc_2045_says() -> None:
    raw = with_body(
        multipart(
            "mixed",
            part("Content-Type: text/plain", body="Texte."),
            base64_part(
                "Image/PNG", b"<script>", 'Content-Disposition: attachment; filename="x.png"'
            ),
            base64_part("not a type", b"x", 'Content-Disposition: attachment; filename="y"'),
        )
    )
    first, second = parse_email(raw).attachments
    assert (first.content_type, first.data) == ("image/png", b"<script>")
    assert second.content_type == "text/plain"  # RFC 2045 §5.2: the default type


def test_name_comes_from_content_type_when_disposition_has_none() -> None:
    raw = with_body(
        multipart(
            "mixed",
            part("Content-Type: text/plain", body="Texte."),
            base64_part('application/pdf; name="=?utf-8?Q?r=C3=A9clamation.pdf?="', b"%PDF"),
        )
    )
    (attachment,) = parse_email(raw).attachments
    assert attachment.filename == "réclamation.pdf"
    assert not attachment.inline
