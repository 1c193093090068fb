"""Forwarded and attached messages: their text is kept as a forwarded section (research F30)."""

from __future__ import annotations

from guichet.intake.email.parsing import FORWARDED_MARKER, parse_email

from .messages import base64_part, eml, multipart, part, with_body

INNER = eml(
    "From: Zoé <zoe@exemple.fr>",
    "To: support@x.fr",
    "Subject: =?utf-8?Q?Colis_ab=C3=AEm=C3=A9?=",
    "Message-ID: <inner@x>",
    "Content-Type: text/html; charset=utf-8",
    body="<p>Le colis est <b>abîmé</b>.</p><script>x()</script>",
)


def forwarded(inner: bytes, *headers: str) -> bytes:
    return with_body(
        multipart(
            "mixed",
            part("Content-Type: text/plain; charset=utf-8", body="Voir ci-dessous."),
            part("Content-Type: message/rfc822", *headers, body=inner),
        )
    )


def test_an_attached_message_becomes_a_forwarded_section_folded_away() -> None:
    result = parse_email(forwarded(INNER))
    assert result.new_text == "Voir ci-dessous."
    assert result.quoted_text.startswith(FORWARDED_MARKER)
    assert "Subject: Colis abîmé" in result.quoted_text
    assert "Le colis est abîmé." in result.quoted_text
    assert "<b>abîmé</b>" in result.html and "script" not in result.html


def test_attachments_of_an_attached_message_are_listed() -> None:
    inner = eml(
        "From: z@x.fr",
        "MIME-Version: 1.0",
        body=multipart(
            "mixed",
            part(body="Photo jointe."),
            base64_part(
                "image/jpeg", b"\xff\xd8", 'Content-Disposition: attachment; filename="p.jpg"'
            ),
        ).decode(),
    )
    result = parse_email(forwarded(inner))
    assert [a.filename for a in result.attachments] == ["p.jpg"]
    assert "Photo jointe." in result.text


def test_a_message_that_is_only_a_forward_keeps_it_as_new_text() -> None:
    result = parse_email(with_body(part("Content-Type: message/rfc822", body=INNER)))
    assert "Le colis est abîmé." in result.new_text


def test_the_returned_message_id_is_remembered_for_bounces_only() -> None:
    result = parse_email(forwarded(INNER))
    assert result.bounce is None and result.robot == ""
