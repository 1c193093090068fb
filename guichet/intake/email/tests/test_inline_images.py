"""Inline images: cid: parts and plain file-name references (research H20, F28, RFC 2392)."""

from __future__ import annotations

from guichet.intake.email.parsing import parse_email

from .messages import base64_part, multipart, part, with_body

PNG = b"\x89PNG\r\n\x1a\n"


def related(html: str, *images: bytes) -> bytes:
    return with_body(
        multipart("related", part("Content-Type: text/html; charset=utf-8", body=html), *images)
    )


def test_a_cid_image_without_disposition_is_an_inline_attachment() -> None:
    result = parse_email(
        related('<img src="cid:logo@x">', base64_part("image/png", PNG, "Content-ID: <logo@x>"))
    )
    (image,) = result.attachments
    assert (image.content_id, image.inline, image.data) == ("logo@x", True, PNG)
    assert image.filename == "image.png"
    assert 'src="cid:logo@x"' in result.html


def test_a_cid_reference_is_matched_url_decoded_and_case_insensitively() -> None:
    result = parse_email(
        related('<img src="CID:Logo%40X">', base64_part("image/png", PNG, "Content-ID: <logo@x>"))
    )
    assert result.attachments[0].inline


def test_a_file_name_reference_is_mapped_to_a_cid() -> None:
    result = parse_email(
        related(
            '<img src="image001.png"><img src="./IMAGE001.PNG">',
            base64_part("image/png", PNG, 'Content-Disposition: inline; filename="image001.png"'),
        )
    )
    (image,) = result.attachments
    assert image.inline and image.content_id == "image001.png"
    assert result.html.count('src="cid:image001.png"') == 2


def test_a_content_location_reference_is_mapped_to_the_parts_content_id() -> None:
    result = parse_email(
        related(
            '<img src="https://cdn.example/a.png"><img src="http://other.example/a.png">',
            base64_part(
                "image/png", PNG, "Content-ID: <a@x>", "Content-Location: https://cdn.example/a.png"
            ),
        )
    )
    assert 'src="cid:a@x"' in result.html
    assert "other.example" not in result.html  # remote images are never fetched or shown


def test_an_unreferenced_image_with_attachment_disposition_is_not_inline() -> None:
    result = parse_email(
        related(
            "<p>Bonjour</p>",
            base64_part("image/png", PNG, 'Content-Disposition: attachment; filename="scan.png"'),
        )
    )
    assert not result.attachments[0].inline
