"""Which part is the body, and HTML made safe (research H12, S10, F28)."""

from __future__ import annotations

from guichet.intake.email.parsing import parse_email, unflow

from .messages import eml, multipart, part, with_body


def test_alternative_gives_text_from_plain_and_html_from_html() -> None:
    result = parse_email(
        with_body(
            multipart(
                "alternative",
                part("Content-Type: text/plain", body="Version texte."),
                part("Content-Type: text/html", body="<p>Version <i>HTML</i>.</p>"),
            )
        )
    )
    assert result.text == "Version texte."
    assert result.html == "<p>Version <i>HTML</i>.</p>"


def test_html_only_mail_gets_its_text_from_the_html() -> None:
    result = parse_email(eml("Content-Type: text/html", body="<p>Un</p><p>Deux&nbsp;trois</p>"))
    assert result.text == "Un\n\nDeux trois"


def test_inline_text_parts_around_an_image_are_joined_in_order() -> None:
    result = parse_email(
        with_body(
            multipart(
                "mixed",
                part(body="Avant."),
                part("Content-Type: image/png", "Content-Disposition: inline", body="x"),
                part(body="Après."),
            )
        )
    )
    assert result.text == "Avant.\n\nAprès."


def test_plain_only_mail_has_no_html() -> None:
    assert parse_email(eml("From: a@x.fr", body="Texte.")).html == ""


def test_html_is_sanitised_and_remote_images_dropped() -> None:
    result = parse_email(
        eml(
            "Content-Type: text/html",
            body='<p onclick="x()">a</p><script>b()</script><img src="https://t.example/p.gif">'
            '<a href="javascript:c()">d</a>',
        )
    )
    for bad in ("onclick", "script", "t.example", "javascript"):
        assert bad not in result.html


def test_html_nested_too_deep_for_the_sanitiser_is_shown_as_text() -> None:
    result = parse_email(eml("Content-Type: text/html", body="<div>" * 5000 + "<p>fond</p>"))
    assert result.html == "<p>fond</p>"
    assert "html_too_deep" in result.defects


def test_the_html_charset_can_come_from_its_meta_tag() -> None:
    body = '<meta charset="windows-1250"><p>Příliš</p>'.encode("cp1250")
    result = parse_email(eml("Content-Type: text/html", body=body))
    assert result.text == "Příliš"


def test_body_text_has_lf_line_ends_and_no_control_characters() -> None:
    result = parse_email(eml("From: a@x.fr", body=b"a\x00b\x07c\x1b[31m\r\nd\re\tf"))
    assert result.text == "abc[31m\nd\ne\tf"


def test_format_flowed_joins_soft_breaks_and_keeps_quotes() -> None:
    assert unflow("Un long \nparagraphe.\n> cité \n> suite\n-- \nSig") == (
        "Un long paragraphe.\n> cité suite\n-- \nSig"
    )
    assert unflow("Un \nmot", delsp=True) == "Unmot"
    assert unflow(" >stuffed") == ">stuffed"
